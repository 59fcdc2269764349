import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseCommandLine, validatePipeline } from '@aws-mcp/command';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './test-server.js';

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

/** Each AWS_MCP_* name inside a string or template text of the file (comments are not text), with its line. */
function settingsNamedInText(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (
      ts.isStringLiteralLike(node) ||
      ts.isTemplateHead(node) ||
      ts.isTemplateMiddle(node) ||
      ts.isTemplateTail(node)
    ) {
      for (const match of node.text.matchAll(/AWS_MCP_[A-Z0-9_]*/g)) {
        const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
        found.push(`${relative(root, file)}:${line + 1}: ${match[0]}`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('library messages', () => {
  it('name no server setting (AWS_MCP_*) in any string of the packages', () => {
    const files = librarySources();
    expect(files.length).toBeGreaterThan(50);
    expect(files.flatMap(settingsNamedInText)).toEqual([]);
  });

  it('finds a setting name in a string, and not in a comment (the scan itself)', () => {
    const probe = join(import.meta.dirname, '__fixtures__', 'library-message-probe.ts');
    expect(settingsNamedInText(probe).map((entry) => entry.replace(/^.*?:(\d+): /, '$1: '))).toEqual([
      '3: AWS_MCP_MODE',
      '3: AWS_MCP_SANDBOX',
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
});
