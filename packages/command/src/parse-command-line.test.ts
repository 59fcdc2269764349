import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createRandom, pickJoined } from '@aws-mcp/test-support';
import { describe, expect, it } from 'vitest';
import { splitCommandLine } from './_tokenize.js';
import { CommandError, type CommandErrorCode, parseCommandLine } from './index.js';

const execFileAsync = promisify(execFile);

function refusal(input: Parameters<typeof parseCommandLine>[0]): CommandError {
  try {
    parseCommandLine(input);
  } catch (error) {
    if (CommandError.isInstance(error)) return error;
    throw error;
  }
  throw new Error(`expected a refusal for ${JSON.stringify(input)}`);
}

describe('parseCommandLine', () => {
  describe('accepts and keeps every word intact', () => {
    it.each<[string, string[][]]>([
      ['aws s3 ls', [['aws', 's3', 'ls']]],
      [
        "aws s3 ls | grep -E 'error|warn'",
        [
          ['aws', 's3', 'ls'],
          ['grep', '-E', 'error|warn'],
        ],
      ],
      [
        "aws dynamodb scan --table-name t | jq '.a | .b'",
        [
          ['aws', 'dynamodb', 'scan', '--table-name', 't'],
          ['jq', '.a | .b'],
        ],
      ],
      [
        `aws dynamodb scan --table-name t --query "Items[?x=='a|b']"`,
        [['aws', 'dynamodb', 'scan', '--table-name', 't', '--query', "Items[?x=='a|b']"]],
      ],
      [
        'aws ec2 run-instances --user-data "echo hello | grep world"',
        [['aws', 'ec2', 'run-instances', '--user-data', 'echo hello | grep world']],
      ],
      [
        'aws s3api list-objects-v2 --bucket b --query "Contents[?Size > `1000`]"',
        [['aws', 's3api', 'list-objects-v2', '--bucket', 'b', '--query', 'Contents[?Size > `1000`]']],
      ],
      [
        "aws s3api list-objects-v2 --bucket b --query 'Contents[?Size > `1000`]'",
        [['aws', 's3api', 'list-objects-v2', '--bucket', 'b', '--query', 'Contents[?Size > `1000`]']],
      ],
      ['aws s3 cp s3://b/a#b -', [['aws', 's3', 'cp', 's3://b/a#b', '-']]],
      ['aws s3 ls *.txt', [['aws', 's3', 'ls', '*.txt']]],
      ["aws s3 ls 'a$b'", [['aws', 's3', 'ls', 'a$b']]],
      ['aws s3 ls "#tag"', [['aws', 's3', 'ls', '#tag']]],
      ['aws s3 ls a\\ b', [['aws', 's3', 'ls', 'a b']]],
      [
        "aws ssm put-parameter --name n --value 'line1\nline2'",
        [['aws', 'ssm', 'put-parameter', '--name', 'n', '--value', 'line1\nline2']],
      ],
      ['aws  s3\tls', [['aws', 's3', 'ls']]],
    ])('%j', (input, stages) => {
      const pipeline = parseCommandLine(input);
      expect([pipeline.aws.written, ...pipeline.filters.map((filter) => filter.argv)]).toEqual(stages);
    });
  });

  describe('refuses shell syntax it would otherwise alter or run', () => {
    it.each<[string, CommandErrorCode, string]>([
      ['', 'EMPTY_COMMAND', ''],
      ['   ', 'EMPTY_COMMAND', ''],
      ['ls -la', 'NOT_AWS', 'ls'],
      ['/usr/bin/aws s3 ls', 'NOT_AWS', '/usr/bin/aws'],
      ['AWS s3 ls', 'NOT_AWS', 'AWS'],
      ['aws s3 ls && id', 'FORBIDDEN_OPERATOR', '&&'],
      ['aws s3 ls || id', 'FORBIDDEN_OPERATOR', '||'],
      ['aws s3 ls; id', 'FORBIDDEN_OPERATOR', ';'],
      ['aws s3 ls & id', 'FORBIDDEN_OPERATOR', '&'],
      ['aws s3 ls > out.txt', 'FORBIDDEN_OPERATOR', '>'],
      ['aws s3 ls >> out.txt', 'FORBIDDEN_OPERATOR', '>>'],
      ['aws s3 ls 2> err.txt', 'FORBIDDEN_OPERATOR', '>'],
      ['aws s3 ls < in.txt', 'FORBIDDEN_OPERATOR', '<'],
      ['aws s3 ls <(id)', 'FORBIDDEN_OPERATOR', '<('],
      ['aws s3 ls |& cat', 'FORBIDDEN_OPERATOR', '|&'],
      ['aws s3 ls $(id)', 'COMMAND_SUBSTITUTION', '$('],
      ['aws s3 ls `id`', 'COMMAND_SUBSTITUTION', '`'],
      ['aws s3 ls $HOME', 'UNQUOTED_EXPANSION', '$HOME'],
      ['aws s3 ls ${HOME}', 'UNQUOTED_EXPANSION', '${HOME}'],
      ['aws s3 ls "$HOME"', 'UNQUOTED_EXPANSION', '$HOME'],
      ['aws s3 ls\nid', 'CONTROL_CHARACTER', '\\x0a'],
      ['aws s3 ls\rid', 'CONTROL_CHARACTER', '\\x0d'],
      ['aws s3 ls \u0007', 'CONTROL_CHARACTER', '\\x07'],
      ["aws s3 ls 'unclosed", 'UNBALANCED_QUOTE', "'"],
      ['aws s3 ls "unclosed', 'UNBALANCED_QUOTE', '"'],
      ['aws s3 ls #comment', 'COMMENT', '#'],
      ['FOO=1 aws s3 ls', 'ENV_ASSIGNMENT', 'FOO=1'],
      ['sudo aws s3 ls', 'WRAPPER_COMMAND', 'sudo'],
      ['env aws s3 ls', 'WRAPPER_COMMAND', 'env'],
      ['aws s3 ls | sh -c id', 'FORBIDDEN_PROGRAM', 'sh'],
      ['aws s3 ls | xargs rm', 'WRAPPER_COMMAND', 'xargs'],
      ['aws s3 ls | aws s3 rb s3://x', 'FORBIDDEN_PROGRAM', 'aws'],
      ['aws s3 ls |', 'EMPTY_STAGE', '|'],
      ['aws s3 ls | | jq .', 'EMPTY_STAGE', '|'],
      ['aws --debug s3 ls', 'FORBIDDEN_GLOBAL_OPTION', '--debug'],
      ['aws s3 ls --no-verify-ssl', 'FORBIDDEN_GLOBAL_OPTION', '--no-verify-ssl'],
      ['aws --bucket x s3api list-objects', 'UNKNOWN_GLOBAL_OPTION', '--bucket'],
      ['aws s3 ls --region', 'MISSING_OPTION_VALUE', '--region'],
    ])('%j → %s', (input, code, token) => {
      const error = refusal(input);
      expect(error.code).toBe(code);
      expect(error.token ?? '').toBe(token);
      expect(error.message.length).toBeGreaterThan(20);
    });
  });

  it('says what to do instead of `&&`', () => {
    expect(refusal('aws s3 ls && aws s3 ls').message).toContain('--query or a `| jq` stage');
  });

  it('reads global options wherever they stand', () => {
    const { aws } = parseCommandLine('aws --region eu-west-1 s3api list-buckets --profile=dev --output text');
    expect(aws).toMatchObject({
      service: 's3api',
      operation: 'list-buckets',
      isHelp: false,
      globals: { region: 'eu-west-1', profile: 'dev', output: 'text' },
    });
  });

  it.each([
    ['aws help', undefined, undefined],
    ['aws s3 help', 's3', undefined],
    ['aws s3 cp help', 's3', 'cp'],
  ])('knows %j asks for help', (input, service, operation) => {
    expect(parseCommandLine(input).aws).toMatchObject({ isHelp: true, service, operation });
  });

  it('accepts the argv form without any quoting', () => {
    const pipeline = parseCommandLine({
      args: ['aws', 'dynamodb', 'put-item', '--table-name', 't', '--item', '{"id": {"S": "a|b $HOME `x`"}}'],
      pipe: [['jq', '-c', '.']],
    });
    expect(pipeline.aws.options.get('item')).toEqual(['{"id": {"S": "a|b $HOME `x`"}}']);
    expect(pipeline.filters).toEqual([{ name: 'jq', argv: ['jq', '-c', '.'] }]);
  });

  it.each<[Parameters<typeof parseCommandLine>[0], CommandErrorCode]>([
    [{ args: [] }, 'EMPTY_COMMAND'],
    [{ args: ['bash', '-c', 'id'] }, 'NOT_AWS'],
    [{ args: ['aws', 's3', 'ls'], pipe: [[]] }, 'EMPTY_STAGE'],
    [{ args: ['aws', 's3', 'ls'], pipe: [['sh', '-c', 'id']] }, 'FORBIDDEN_PROGRAM'],
    [{ args: 'aws s3 ls' as unknown as string[] }, 'INVALID_ARGV'],
    [{ args: ['aws', 's3', 'ls\0'] }, 'CONTROL_CHARACTER'],
  ])('refuses the argv form %j with %s', (input, code) => {
    expect(refusal(input).code).toBe(code);
  });

  describe('refuses inputs over the size limits before reading them further', () => {
    it.each<[string, Parameters<typeof parseCommandLine>[0], RegExp]>([
      [
        'a 1 MB argument (it reached spawn and failed with E2BIG)',
        { args: ['aws', 's3', 'ls', 'x'.repeat(1_000_000)] },
        /^An argument is 1,000,000 bytes; the limit is 65,536 /,
      ],
      [
        'an argument over 64 KiB in the text form',
        `aws s3 ls '${'é'.repeat(33_000)}'`,
        /^An argument is 66,000 bytes; the limit is 65,536 /,
      ],
      [
        'a command line over 128 KiB',
        `aws s3 ls ${'abc '.repeat(40_000)}`,
        /^The command line is 160,010 bytes; the limit is 131,072 /,
      ],
      [
        'stages together over 128 KiB',
        {
          args: ['aws', 's3', 'ls'],
          pipe: Array.from({ length: 5 }, () => ['grep', '-e', 'y'.repeat(30_000)]),
        },
        /^The command line is [\d,]+ bytes; the limit is 131,072 /,
      ],
    ])('%s', (_name, input, message) => {
      const error = refusal(input);
      expect(error.code).toBe('INPUT_TOO_LARGE');
      expect(error.message).toMatch(message);
      expect(error.message).toContain('file://NAME');
      expect(error.token?.length ?? 0).toBeLessThanOrEqual(41);
    });

    it('counts what runs: a --cli-input-json file inlined over the limit is refused', () => {
      const workdir = mkdtempSync(join(tmpdir(), 'size-limit-'));
      try {
        writeFileSync(join(workdir, 'big.json'), JSON.stringify({ Bucket: 'b', Prefix: 'p'.repeat(70_000) }));
        const error = (() => {
          try {
            parseCommandLine('aws s3api list-objects-v2 --cli-input-json file://big.json', { workdir });
          } catch (caught) {
            return caught as CommandError;
          }
        })();
        expect(error?.code).toBe('INPUT_TOO_LARGE');
        expect(error?.message).toMatch(/^An argument is [\d,]+ bytes; the limit is 65,536 /);
      } finally {
        rmSync(workdir, { recursive: true, force: true });
      }
    });

    it('accepts an argument just under the limit', () => {
      expect(parseCommandLine({ args: ['aws', 's3', 'ls', 'x'.repeat(65_000)] }).aws.service).toBe('s3');
    });
  });

  const hasBash = spawnSync('bash', ['-c', 'true']).status === 0;

  it.skipIf(!hasBash)(
    'splits generated lines into the words bash itself gives (no globbing, nothing run)',
    async () => {
      // bash is the oracle for quoting; `|`, `$`, backticks and `~` are left out since bash would act on them.
      const random = createRandom(Number(process.env.DIFFERENTIAL_SEED ?? 20261201));
      const parts = [
        'a',
        'b',
        ' ',
        '\t',
        "'",
        '"',
        '\\',
        '#',
        '*',
        '=',
        'é',
        '\n',
        '-',
        "'x y'",
        '"x y"',
        '\\ ',
        '"\\""',
        "''",
      ];
      let compared = 0;
      for (let round = 0; round < 300; round++) {
        const line = pickJoined(random, parts, 1 + Math.floor(random() * 8));
        let ours: string[] | undefined;
        try {
          ours = splitCommandLine(line)[0];
        } catch (error) {
          if (!CommandError.isInstance(error)) throw error;
        }
        if (ours === undefined) continue;
        // Asynchronous, so the worker keeps answering vitest between the runs on a loaded machine.
        const bash = await execFileAsync('bash', ['-f', '-c', `printf '%s\\0' X ${line}`], {
          encoding: 'utf8',
          env: {},
        });
        expect({ line, words: ours }).toEqual({ line, words: bash.stdout.split('\0').slice(1, -1) });
        compared++;
      }
      expect(compared).toBeGreaterThan(100);
    },
  );
});
