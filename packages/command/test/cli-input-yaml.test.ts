import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSnapshotCliModel } from '../src/cli-model.js';
import { CommandError, type CommandErrorCode, parseCommandLine, validatePipeline } from '../src/index.js';
import {
  type CliOracle,
  findCliPython,
  type OracleAnswer,
  probeCliPython,
  startCliOracle,
} from './cli-oracle.js';

/**
 * `--cli-input-yaml` (CLI v2 only: its argument table is the oracle for where the option exists). The CLI is the
 * oracle for what a document means: each line goes to Debian's v2 CLI (scripts/cli-oracle.py, stopped just before
 * the request is sent) as written, with the document inline and from a file, and as this package rebuilds it (the
 * document inlined as `--cli-input-json`); the request parameters must be the same three times, and the members the
 * document sets must be the parameters this package judged.
 */

const v2 = findCliPython('/usr/bin/aws');
const v2Version = probeCliPython(v2);
const model = loadSnapshotCliModel(2);

/** A command line with `--cli-input-yaml DOCUMENT` at the end, the document, and the members it sets. */
const documents: Array<[string, string, Record<string, unknown>]> = [
  ['aws ssm get-parameter', 'Name: P\nWithDecryption: true\n', { Name: 'P', WithDecryption: true }],
  [
    'aws ec2 describe-instance-attribute',
    'InstanceId: i-1\nAttribute: "user\\x44ata"\n',
    { InstanceId: 'i-1', Attribute: 'userData' },
  ],
  ['aws apigateway get-api-keys', 'includeValues: True\nlimit: 5\n', { includeValues: true, limit: 5 }],
  [
    'aws ec2 describe-instances',
    'Filters:\n  - Name: "tag:Name"\n    Values: [web, db]\nMaxResults: 0x1F\n',
    { Filters: [{ Name: 'tag:Name', Values: ['web', 'db'] }], MaxResults: 31 },
  ],
  [
    'aws dynamodb put-item',
    "TableName: t\nItem: {k: {S: 'it''s'}, n: {N: '1'}}\n",
    { TableName: 't', Item: { k: { S: "it's" }, n: { N: '1' } } },
  ],
  [
    'aws ssm put-parameter --name N --type String',
    'Value: |\n  line one\n  line two\nOverwrite: false\nDescription: ~\n',
    { Value: 'line one\nline two\n', Overwrite: false, Description: null },
  ],
  // A member set on the line wins over the document, as the CLI merges them.
  ['aws ssm get-parameter --name Q', 'Name: P\nWithDecryption: false\n', { WithDecryption: false }],
];

function parse(line: string, workdir?: string) {
  return parseCommandLine(line, { model, ...(workdir === undefined ? {} : { workdir }) });
}

function refusalCode(line: string): CommandErrorCode | undefined {
  try {
    parse(line);
  } catch (error) {
    if (CommandError.isInstance(error)) return error.code;
    throw error;
  }
  return undefined;
}

const quote = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;

describe('--cli-input-yaml', () => {
  it('exists where the installed CLI has it: v2 adds it to every operation without an OUTFILE, v1 nowhere', () => {
    const options = (major: 1 | 2, service: string, operation: string) =>
      loadSnapshotCliModel(major)
        .loadService(service)
        ?.commands[operation]?.actions.flatMap((action) => action.options);
    expect(options(2, 'ssm', 'get-parameter')).toContain('--cli-input-yaml');
    expect(options(2, 's3api', 'get-object')).not.toContain('--cli-input-yaml');
    expect(options(1, 'ssm', 'get-parameter')).not.toContain('--cli-input-yaml');
    expect(() =>
      parseCommandLine("aws ssm get-parameter --cli-input-yaml 'Name: P'", {
        model: loadSnapshotCliModel(1),
      }),
    ).toThrow(expect.objectContaining({ code: 'UNKNOWN_OPTION' }));
  });

  it.each(documents)('reads %s with %j as the members it sets', (line, document, members) => {
    const pipeline = parse(`${line} --cli-input-yaml ${quote(document)}`);
    expect(pipeline.aws.parameters).toMatchObject(members);
    const input = pipeline.aws.argv.indexOf('--cli-input-json');
    expect(pipeline.aws.argv).not.toContain('--cli-input-yaml');
    expect(pipeline.aws.redactedArgv[input + 1]).toBe('[redacted]');
  });

  it.each<[string, string]>([
    ['aws ssm get-parameter', 'Name: P\nWithDecryption: true\n'],
    ['aws apigateway get-api-keys', 'includeValues: true\n'],
    ['aws ec2 describe-instance-attribute', 'InstanceId: i-1\nAttribute: "user\\u0044ata"\n'],
  ])('makes %s with %j a sensitive read, refused in read-only mode', (line, document) => {
    const decision = validatePipeline(parse(`${line} --cli-input-yaml ${quote(document)}`), {
      mode: 'read-only',
    });
    expect(decision.classification.accessClass).toBe('sensitive-read');
    expect(decision.action).toBe('deny');
  });

  it.each<[string, string, CommandErrorCode]>([
    ['an alias', 'Name: &n P\nDescription: *n\n', 'INVALID_CLI_INPUT'],
    ['a tag', 'Name: !!str P\n', 'INVALID_CLI_INPUT'],
    ['a directive', '%YAML 1.1\n---\nName: P\nWithDecryption: yes\n', 'INVALID_CLI_INPUT'],
    ['a merge key', 'Name: P\n<<: {WithDecryption: true}\n', 'INVALID_CLI_INPUT'],
    ['a repeated key', 'Name: P\nName: Q\n', 'INVALID_CLI_INPUT'],
    ['two documents', 'Name: P\n---\nName: Q\n', 'INVALID_CLI_INPUT'],
    ['a list', '- Name\n', 'INVALID_CLI_INPUT'],
    ['a member with another case', 'name: P\n', 'INVALID_CLI_INPUT'],
    ['an integer too large for JSON', 'Name: P\nMaxResults: 123456789012345678901\n', 'INVALID_CLI_INPUT'],
  ])('refuses a document with %s', (_, document, code) => {
    expect(refusalCode(`aws ssm get-parameter --cli-input-yaml ${quote(document)}`)).toBe(code);
  });

  it('refuses --cli-input-json and --cli-input-yaml together, as the CLI does', () => {
    expect(
      refusalCode(`aws ssm get-parameter --cli-input-json '{"Name": "P"}' --cli-input-yaml 'Name: P'`),
    ).toBe('INVALID_CLI_INPUT');
  });

  describe.skipIf(v2 === undefined || v2Version === undefined)(
    `against the installed AWS CLI ${v2Version ?? 'v2 (skipped: no /usr/bin/aws with a Python awscli)'}`,
    () => {
      let oracle: CliOracle;
      let workdir: string;
      beforeAll(async () => {
        workdir = mkdtempSync(join(tmpdir(), 'cli-input-yaml-'));
        oracle = await startCliOracle({ python: v2, jobs: 2 });
      }, 120_000);
      afterAll(async () => {
        await oracle?.close();
        rmSync(workdir, { recursive: true, force: true });
      });

      const paramsOf = (answer: OracleAnswer | undefined) => {
        if (answer?.calls.length !== 1) {
          throw new Error(`the CLI made no call: ${answer?.stderr.trim() ?? 'no answer'}`);
        }
        return answer.calls[0]?.params;
      };

      it('sends the same parameters for the document inline, from a file, and as this package runs it', async () => {
        const requests = documents.flatMap(([line, document], index) => {
          const words = line.split(' ').slice(1);
          writeFileSync(join(workdir, `q${index}.yaml`), document);
          const fromFile = parse(`${line} --cli-input-yaml file://q${index}.yaml`, workdir);
          const rebuilt = parse(`${line} --cli-input-yaml ${quote(document)}`);
          return [
            { argv: [...words, '--cli-input-yaml', document], until: 'call' as const },
            {
              argv: [...words, '--cli-input-yaml', `file://q${index}.yaml`],
              files: { [`q${index}.yaml`]: document },
              until: 'call' as const,
            },
            { argv: rebuilt.aws.argv.slice(1), until: 'call' as const },
            { argv: fromFile.aws.argv.slice(1), until: 'call' as const },
          ];
        });
        const answers = await oracle.askMany(requests);
        documents.forEach(([line, document, members], index) => {
          const [inline, file, rebuilt, rebuiltFromFile] = answers.slice(index * 4, index * 4 + 4);
          const expected = paramsOf(inline);
          expect({ line, document, params: paramsOf(file) }).toEqual({ line, document, params: expected });
          expect({ line, document, params: paramsOf(rebuilt) }).toEqual({ line, document, params: expected });
          expect({ line, document, params: paramsOf(rebuiltFromFile) }).toEqual({
            line,
            document,
            params: expected,
          });
          expect(expected).toMatchObject(members);
        });
      });

      it.each<[string, string[]]>([
        ['a repeated key', ['--cli-input-yaml', 'Name: P\nName: Q\n']],
        ['two documents', ['--cli-input-yaml', 'Name: P\n---\nName: Q\n']],
        ['a list', ['--cli-input-yaml', '- Name\n']],
        ['both options', ['--cli-input-json', '{"Name": "P"}', '--cli-input-yaml', 'Name: P']],
      ])('is refused by the CLI too for %s', async (_, words) => {
        const answer = await oracle.ask({ argv: ['ssm', 'get-parameter', ...words], until: 'call' });
        expect(answer.calls).toEqual([]);
        expect(answer.exitCode).not.toBe(0);
      });
    },
  );
});
