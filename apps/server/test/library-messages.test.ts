import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  type CliModel,
  CommandError,
  loadSnapshotCliModel,
  parseCommandLine,
  validatePipeline,
} from '@aws-mcp/command';
import { checkAwsCli } from '@aws-mcp/executor';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sayInServerWords, serverWords } from '../src/tools/_library-words.js';
import { startTestServer, type TestServer, textOf } from './test-server.js';

// Libraries speak their own language: their messages name their own options (`mode: 'read-only'`, `workdir`),
// and the server maps them to its AWS_MCP_* settings.
const root = join(import.meta.dirname, '..', '..', '..');

/** The packages' production sources: every `.ts` under `packages/*\/src`, tests, benches and fixtures left out. */
function librarySources(): string[] {
  const packages = join(root, 'packages');
  return readdirSync(packages).flatMap((name) => {
    const source = join(packages, name, 'src');
    let entries: string[];
    try {
      entries = readdirSync(source, { recursive: true, encoding: 'utf8' });
    } catch {
      return [];
    }
    return entries
      .filter((entry) => entry.endsWith('.ts') && !/\.(test|bench)\.ts$/.test(entry))
      .filter((entry) => !entry.split('/').includes('__fixtures__'))
      .map((entry) => join(source, entry));
  });
}

const isPlus = (node: ts.Node): node is ts.BinaryExpression =>
  ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken;

/**
 * The text of a string, a template or a `+` chain of them, as one sentence: a message is often written as
 * `'… the ' + 'server …'`. What is not text (a variable, a `${}` part) stands as a NUL, so no phrase spans it.
 */
function joinedText(node: ts.Node): string | undefined {
  if (ts.isStringLiteralLike(node)) return node.text;
  if (ts.isTemplateExpression(node))
    return [node.head.text, ...node.templateSpans.map((span) => `\u0000${span.literal.text}`)].join('');
  if (ts.isParenthesizedExpression(node)) return joinedText(node.expression);
  if (isPlus(node)) {
    const left = joinedText(node.left);
    const right = joinedText(node.right);
    return left === undefined && right === undefined ? undefined : `${left ?? '\u0000'}${right ?? '\u0000'}`;
  }
  return undefined;
}

/**
 * Each match of `pattern` inside the text of the file's strings (comments are not text), with the line where the
 * string or its `+` chain starts.
 */
function findInText(file: string, pattern: RegExp): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    // A part of a longer chain is read with the whole chain.
    const inChain = isPlus(node.parent) || ts.isParenthesizedExpression(node.parent);
    const text = inChain && joinedText(node.parent) !== undefined ? undefined : joinedText(node);
    for (const match of text?.matchAll(pattern) ?? []) {
      const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
      found.push(`${relative(root, file)}:${line + 1}: ${match[0]}`);
    }
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(source, visit);
  return found;
}

/** Each AWS_MCP_* name inside a string or template text of the file, with its line. */
function settingsNamedInText(file: string): string[] {
  return findInText(file, /AWS_MCP_[A-Z0-9_]*/g);
}

/** Each "this server" or "the server" inside a string or template text of the file, with its line. */
function serverNamedInText(file: string): string[] {
  return findInText(file, /\b(?:this|the) server\b/gi);
}

/** Package files whose strings may speak of a server, each with its reason. */
const serverWordsAllowed: Record<string, string> = {
  'packages/executor/src/_warm-cli-source.ts':
    "the warm CLI's own Python source (a server process of the executor), whose comments speak of itself",
  'packages/mcp-http/src/_http-router.ts':
    'an HTTP server library: "the server" its answers name is the HTTP server it runs, which the client reached',
  'packages/mcp-http/src/_http-sessions.ts':
    'an HTTP server library: "the server" its answers name is the HTTP server it runs, which the client reached',
  'packages/mcp-http/src/_session-traffic.ts':
    'an HTTP server library: "this server" its answers name is the MCP server of the session',
};

describe('library messages', () => {
  it('name no server setting (AWS_MCP_*) in any string of the packages', () => {
    const files = librarySources();
    expect(files.length).toBeGreaterThan(50);
    expect(files.flatMap(settingsNamedInText)).toEqual([]);
  });

  it('speak of no server ("this server", "the server") in any string of the packages', () => {
    const files = librarySources().filter((file) => serverWordsAllowed[relative(root, file)] === undefined);
    expect(files.flatMap(serverNamedInText)).toEqual([]);
  });

  it('finds a setting name in a string, and not in a comment (the scan itself)', () => {
    const probe = join(import.meta.dirname, '__fixtures__', 'library-message-probe.ts');
    expect(settingsNamedInText(probe).map((entry) => entry.replace(/^.*?:(\d+): /, '$1: '))).toEqual([
      '3: AWS_MCP_MODE',
      '3: AWS_MCP_SANDBOX',
    ]);
    expect(serverNamedInText(probe).map((entry) => entry.replace(/^.*?:(\d+): /, '$1: '))).toEqual([
      '4: this server',
    ]);
  });

  it('refuse a write in read-only mode naming the policy option, not the server setting', () => {
    const decision = validatePipeline(
      parseCommandLine('aws s3 mb s3://library-bucket'),
      { mode: 'read-only' },
      {},
    );
    expect(decision.action).toBe('deny');
    expect(decision.reason).toContain("the policy's mode is `read-only`");
    expect(decision.reason).toContain('`confirm-writes`');
  });

  it('ask for the `workdir` option when a local path has no working directory', () => {
    expect(() =>
      validatePipeline(parseCommandLine('aws s3 cp s3://b/k x.txt'), { mode: 'full' }, {}),
    ).toThrow(/Pass the `workdir` option/);
  });

  it.each([
    ['aws s3 ls $HOME', 'UNQUOTED_EXPANSION'],
    ['aws configure set region eu-west-1', 'FORBIDDEN_AWS_COMMAND'],
  ])('refuse %s (%s) without speaking of a server', (line, code) => {
    let thrown: unknown;
    try {
      validatePipeline(parseCommandLine(line), { mode: 'full' }, {});
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CommandError);
    expect(thrown).toMatchObject({ code });
    expect((thrown as CommandError).message).not.toMatch(/server|AWS_MCP_/);
  });

  it('say that the CLI is missing in the words of the caller: the option and "this program" by default', async () => {
    const status = await checkAwsCli({ env: { PATH: '/nonexistent-library-path' } });
    expect(status.available).toBe(false);
    const message = status.available ? '' : status.message;
    expect(message).toContain('the app that started this program');
    expect(message).toContain("set the `awsCli` option to the CLI's full path");
    expect(message).not.toMatch(/server|AWS_MCP_|restart/);
  });
});

/** The v2 snapshot standing in for a newer frozen CLI whose own models have `aws sqs list-widgets`. */
function frozenStandIn(): CliModel {
  const snapshot = loadSnapshotCliModel(2);
  return {
    ...snapshot,
    index: { ...snapshot.index, cliVersion: '2.31.0' },
    snapshotGap: {
      snapshotVersion: snapshot.index.cliVersion,
      installedHas: ({ service, command }) => service === 'sqs' && command === 'list-widgets',
    },
  };
}

/** The refusal of `line` read with `model` (default: the installed v1 snapshot). */
function refusalOf(line: string, model?: CliModel): CommandError {
  try {
    parseCommandLine(line, model === undefined ? {} : { model });
  } catch (error) {
    return error as CommandError;
  }
  throw new Error(`${line} was not refused`);
}

describe('the server words for library refusals', () => {
  const refusal = refusalOf('aws sqs list-widgets', frozenStandIn());
  /** A refusal that holds each row's library words, by its code. */
  const refusalFor: Record<string, () => CommandError> = {
    NOT_IN_CLI_SNAPSHOT: () => refusal,
    UNKNOWN_COMMAND: () => refusalOf('aws configure list-profiles', loadSnapshotCliModel(1)),
  };

  it.each(serverWords.map((row) => [row.library, row]))(
    'finds %j in the library refusal its row names (a reworded library sentence fails here)',
    (_library, row) => {
      const refusal = (refusalFor[row.code] as () => CommandError)();
      expect(refusal.code).toBe(row.code);
      expect(refusal.message).toContain(row.library);
      expect(sayInServerWords(refusal)).toContain(row.server);
      expect(sayInServerWords(refusal)).not.toContain(row.library);
    },
  );

  it('leave the library saying what it knows: the installed CLI, not a server', () => {
    expect(refusal.message).toContain('the snapshot is from CLI 2.9.');
    expect(refusal.message).toContain('; the installed CLI is 2.31.0.');
    expect(refusal.message).not.toMatch(/server/);
    expect(sayInServerWords(refusal)).toMatch(
      /the snapshot is from CLI 2\.9\.\d+; this server runs 2\.31\.0/,
    );
  });
});

describe('the server', () => {
  let test: TestServer;
  beforeAll(async () => {
    test = await startTestServer({ AWS_MCP_MODE: 'read-only' });
  });
  afterAll(async () => {
    await test?.close();
  });

  it('maps a read-only refusal to its own setting: the suggestion names AWS_MCP_MODE', async () => {
    const result = await test.call('aws_cli_pipeline', { command: 'aws s3 mb s3://mapped-bucket' });
    expect(result.isError).toBe(true);
    const fields = result.structuredContent as { code: string; reason: string; suggestion: string };
    expect(fields.code).toBe('DENIED_BY_POLICY');
    expect(fields.reason).toContain("the policy's mode is `read-only`");
    expect(fields.reason).not.toContain('AWS_MCP_');
    expect(fields.suggestion).toContain('AWS_MCP_MODE');
  });

  it('says what v1 offers instead of a v2 command in its own words: the profiles resource', async () => {
    const result = await test.call('aws_cli_pipeline', { command: 'aws configure list-profiles' });
    expect(result.isError).toBe(true);
    const text = textOf(result);
    expect(text).toContain('UNKNOWN_COMMAND');
    expect(text).toContain('the aws://config/profiles resource lists the configured profiles');
    expect(text).not.toContain('v1 lists no profiles');
  });

  it('says a missing CLI with its own setting and program name, and that it checks again', async () => {
    const missing = await startTestServer({ AWS_MCP_AWS_CLI: '/nonexistent-library-cli/aws' });
    try {
      const result = await missing.call('aws_cli_pipeline', { command: 'aws s3 ls' });
      expect(textOf(result)).toContain(
        'AWS_CLI_MISSING: The AWS CLI was not found at /nonexistent-library-cli/aws (AWS_MCP_AWS_CLI)',
      );
      expect(textOf(result)).toContain('point AWS_MCP_AWS_CLI at the `aws` program');
      expect(textOf(result)).toContain('The server checks again at the next call');
    } finally {
      await missing.close();
    }
  });
});
