import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CliOracle,
  CliOracleError,
  findCliPython,
  type OracleAnswer,
  type OracleParser,
  parserNamed,
  probeCliPython,
  startCliOracle,
} from './cli-oracle.js';

/** Each installed CLI by major version: the pip v1 shim on PATH, Debian's v2 at /usr/bin/aws. */
const clis = new Map<number, { python: string; version: string }>();
for (const aws of ['aws', '/usr/bin/aws', '/usr/local/bin/aws']) {
  const python = findCliPython(aws);
  const version = probeCliPython(python);
  if (python === undefined || version === undefined) continue;
  const major = Number(version.split('.')[0]);
  if (!clis.has(major)) clis.set(major, { python, version });
}

function titleFor(major: number): string {
  const cli = clis.get(major);
  return cli === undefined
    ? `the oracle on AWS CLI v${major} (skipped: no Python importing awscli ${major}.x behind aws, /usr/bin/aws or /usr/local/bin/aws)`
    : `the oracle on AWS CLI ${cli.version} (${cli.python})`;
}

/** The parser entry, failing the test when the CLI never built it. */
function parser(answer: OracleAnswer, name: string): OracleParser {
  const found = parserNamed(answer, name);
  if (found === undefined) {
    throw new Error(`no ${name} parser in ${answer.parsers.map((entry) => entry.name).join(', ')}`);
  }
  return found;
}

describe.each([
  [1, 'fork'],
  [1, 'reuse'],
  [2, 'fork'],
  [2, 'reuse'],
] as const)('startCliOracle, AWS CLI v%i, isolation %s', (major, isolation) => {
  // What the CLI exits with when argparse rejects argv, and on "Unknown options" (verified with the real aws).
  const parseErrorExit = major === 1 ? 2 : 252;
  const unknownOptionExit = major === 1 ? 255 : 252;

  describe.skipIf(!clis.has(major))(titleFor(major), () => {
    let oracle: CliOracle;
    beforeAll(async () => {
      oracle = await startCliOracle({
        python: clis.get(major)?.python,
        jobs: 2,
        profiles: ['dev'],
        isolation,
      });
    });
    afterAll(async () => {
      await oracle?.close();
    });

    it('introduces the CLI it runs', () => {
      expect(oracle.cli.major).toBe(major);
      expect(oracle.cli.version).toBe(clis.get(major)?.version);
      expect(oracle.isolation).toBe(isolation);
    });

    it('reads --no-paginate into the main namespace and out.json as the outfile, and records GetObject', async () => {
      const answer = await oracle.ask([
        's3api',
        'get-object',
        '--bucket',
        'B',
        '--key',
        'K',
        '--no-paginate',
        'out.json',
      ]);
      expect(parser(answer, 'main').namespace).toMatchObject({ paginate: false, command: 's3api' });
      const operation = parser(answer, 'operation');
      expect(operation.command).toEqual(['s3api', 'get-object']);
      expect(operation.namespace).toMatchObject({ bucket: 'B', key: 'K', outfile: 'out.json' });
      expect(operation.consumed).toContainEqual({ dest: 'outfile', positional: true, words: ['out.json'] });
      expect(answer.calls).toEqual([
        expect.objectContaining({ service: 's3', operation: 'GetObject', params: { Bucket: 'B', Key: 'K' } }),
      ]);
      expect(answer).toMatchObject({ stopped: 'call', exitCode: null });
    });

    it('reads --que as the global --query, which takes the next word, so cp is left one path short', async () => {
      const answer = await oracle.ask(['s3', 'cp', '--que', 'a', 's3://b/x']);
      const main = parser(answer, 'main');
      expect(main.options).toEqual([
        { index: 2, word: '--que', option: '--query', explicit: null, known: true },
      ]);
      expect(main.consumed).toContainEqual({ dest: 'query', positional: false, words: ['a'] });
      expect(main.remaining).toEqual(['cp', 's3://b/x']);
      expect(parser(answer, 'cp').error).toBe('the following arguments are required: paths');
      expect(answer.exitCode).toBe(parseErrorExit);
    });

    it('leaves --quie to cp, where it is a prefix of --quiet and of no global option', async () => {
      const answer = await oracle.ask(['s3', 'cp', '--quie', 'a', 's3://b/x']);
      expect(parser(answer, 'main').options).toEqual([
        { index: 2, word: '--quie', option: '--quie', explicit: null, known: false },
      ]);
      const cp = parser(answer, 'cp');
      expect(cp.options).toEqual([
        { index: 0, word: '--quie', option: '--quiet', explicit: null, known: true },
      ]);
      expect(cp.namespace).toMatchObject({ quiet: true, paths: ['a', 's3://b/x'] });
      expect(answer.stderr).toContain('The user-provided path a does not exist.');
      expect(answer.exitCode).toBe(255);
    });

    it.each([
      ['--sse AES256 after the paths', ['s3', 'cp', 'x', 's3://b/y', '--sse', 'AES256'], ['AES256']],
      ['--sse without a value (its const)', ['s3', 'cp', 'x', 's3://b/y', '--sse'], []],
    ])('records the upload for %s', async (_title, argv, sseWords) => {
      const answer = await oracle.ask({ argv, files: { x: 'hello' } });
      expect(parser(answer, 'cp').consumed).toContainEqual({
        dest: 'sse',
        positional: false,
        words: sseWords,
      });
      expect(answer.transfers).toEqual([
        {
          method: 'upload',
          fileobj: 'x',
          bucket: 'b',
          key: 'y',
          extraArgs: { ServerSideEncryption: 'AES256' },
        },
      ]);
      expect(answer.stopped).toBe('transfer');
    });

    it('lets --sse before a path take the path as its value, which is no valid choice', async () => {
      const answer = await oracle.ask({
        argv: ['s3', 'cp', 'x', '--sse', 's3://b/y'],
        files: { x: 'hello' },
      });
      const cp = parser(answer, 'cp');
      expect(cp.consumed).toContainEqual({ dest: 'sse', positional: false, words: ['s3://b/y'] });
      expect(cp.error).toMatch(/^argument --sse: Invalid choice, valid choices are:/);
      expect(answer.exitCode).toBe(parseErrorExit);
    });

    it('merges --cli-input-json into the call params', async () => {
      const answer = await oracle.ask([
        'ssm',
        'get-parameter',
        '--name',
        'P',
        '--cli-input-json',
        '{"WithDecryption": true}',
      ]);
      expect(parser(answer, 'operation').namespace).toMatchObject({
        cli_input_json: '{"WithDecryption": true}',
      });
      expect(answer.calls[0]?.params).toEqual({ Name: 'P', WithDecryption: true });
    });

    it('answers "Unknown options" for an option the operation does not have', async () => {
      const answer = await oracle.ask(['sts', 'get-caller-identity', '--bogus']);
      expect(parser(answer, 'operation').remaining).toEqual(['--bogus']);
      expect(answer.stderr).toContain('Unknown options: --bogus');
      expect(answer.exitCode).toBe(unknownOptionExit);
      expect(answer.calls).toEqual([]);
    });

    it('answers argparse’s error for an ambiguous prefix', async () => {
      const answer = await oracle.ask(['s3', 'cp', 'x', 's3://b/y', '--s']);
      expect(parser(answer, 'cp').error).toMatch(/^ambiguous option: --s could match --sse, --sse-c, /);
      expect(answer.exitCode).toBe(parseErrorExit);
    });

    it('splits --region=eu-west-1 and sends the call there', async () => {
      const answer = await oracle.ask(['--region=eu-west-1', 'sts', 'get-caller-identity']);
      const main = parser(answer, 'main');
      expect(main.options[0]).toEqual({
        index: 0,
        word: '--region=eu-west-1',
        option: '--region',
        explicit: 'eu-west-1',
        known: true,
      });
      expect(main.namespace).toMatchObject({ region: 'eu-west-1' });
      expect(answer.calls[0]).toMatchObject({ operation: 'GetCallerIdentity', region: 'eu-west-1' });
    });

    it('stops an "until: parsed" run once the operation accepted argv, before any call', async () => {
      const answer = await oracle.ask({ argv: ['sts', 'get-caller-identity'], until: 'parsed' });
      expect(answer).toMatchObject({ stopped: 'parsed', calls: [], exitCode: null });
      expect(parser(answer, 'operation').namespace).toMatchObject({ cli_input_json: null, help: null });
    });

    it('stops at a help page without rendering it', async () => {
      const answer = await oracle.ask(['s3api', 'get-object', 'help']);
      expect(parser(answer, 'operation').namespace).toEqual({ help: 'help' });
      expect(answer.actions).toEqual([
        { kind: 'help', command: 's3api.get-object', helpClass: 'OperationHelpCommand' },
      ]);
      expect(answer.stdout).toBe('');
    });

    it('records configure set instead of writing, so the next run still reads the fake config', async () => {
      const set = await oracle.ask(['configure', 'set', 'region', 'eu-west-2']);
      expect(set.actions).toEqual([
        {
          kind: 'write-config',
          file: '$AWS_CONFIG_FILE',
          values: { __section__: 'default', region: 'eu-west-2' },
        },
      ]);
      expect(set.exitCode).toBe(0);
      const get = await oracle.ask(['configure', 'get', 'region']);
      expect(get).toMatchObject({ stdout: 'us-east-1\n', exitCode: 0 });
    });

    it('gives each run its own empty cwd', async () => {
      const withFile = await oracle.ask({ argv: ['s3', 'cp', 'a', 's3://b/x'], files: { a: 'x' } });
      expect(withFile.transfers[0]).toMatchObject({ method: 'upload', fileobj: 'a' });
      const without = await oracle.ask(['s3', 'cp', 'a', 's3://b/x']);
      expect(without.stderr).toContain('The user-provided path a does not exist.');
    });

    it('gives no run what an earlier run built: argument tables register session-wide handlers', async () => {
      await oracle.ask(['sts', 'get-caller-identity']);
      const skeleton = await oracle.ask(['ec2', 'describe-instances', '--generate-cli-skeleton']);
      // One JSON document, ec2's: with sts's handler leaked in, `{}` would come first.
      expect(JSON.parse(skeleton.stdout)).toHaveProperty('InstanceIds');
      expect(skeleton.exitCode).toBe(0);
    });

    it('knows the profiles it was started with and no others', async () => {
      const known = await oracle.ask(['--profile', 'dev', 'sts', 'get-caller-identity']);
      expect(known.calls[0]).toMatchObject({ operation: 'GetCallerIdentity' });
      const unknown = await oracle.ask(['--profile', 'nope', 'sts', 'get-caller-identity']);
      expect(unknown.stderr).toContain('The config profile (nope) could not be found');
      expect(unknown.exitCode).toBe(255);
    });

    it('answers a run that outlives its timeout with TIMEOUT and carries on', async () => {
      const late = oracle.ask({ argv: ['sts', 'get-caller-identity'], timeoutMs: 1 });
      await expect(late).rejects.toMatchObject({ name: 'CliOracleError', code: 'TIMEOUT' });
      await expect(late).rejects.toBeInstanceOf(CliOracleError);
      const next = await oracle.ask(['sts', 'get-caller-identity']);
      expect(next.stopped).toBe('call');
    });

    it('answers askMany in the order asked', async () => {
      const regions = ['eu-west-1', 'us-west-2', 'ap-south-1', 'sa-east-1'];
      const answers = await oracle.askMany(
        regions.map((region) => ['--region', region, 'sts', 'get-caller-identity']),
      );
      expect(answers.map((answer) => answer.calls[0]?.region)).toEqual(regions);
    });
  });
});

/**
 * Argv that reach the CLI's stateful corners: handlers registered while tables are built, global options that
 * change the session, loggers or warnings, customizations with their own tables, help and config writes.
 */
const stateSample: ReadonlyArray<{ argv: string[]; files?: Record<string, string> }> = [
  { argv: ['sts', 'get-caller-identity', '--generate-cli-skeleton'] },
  { argv: ['ec2', 'describe-instances', '--generate-cli-skeleton'] },
  { argv: ['ec2', 'describe-instances', '--instance-ids', 'i-1', '--cli-input-json', '{"DryRun": true}'] },
  { argv: ['ec2', 'describe-instances', '--instance-ids', 'i-1'] },
  { argv: ['ssm', 'get-parameter', '--cli-input-json', '{"Name": "P"}'] },
  { argv: ['ssm', 'get-parameter'] },
  { argv: ['--no-sign-request', 's3api', 'list-buckets'] },
  { argv: ['s3api', 'list-buckets'] },
  { argv: ['--no-verify-ssl', 'sts', 'get-caller-identity'] },
  { argv: ['--debug', 'sts', 'get-caller-identity'] },
  { argv: ['sts', 'get-caller-identity'] },
  { argv: ['--profile', 'dev', 'iam', 'list-users'] },
  { argv: ['iam', 'list-users', '--max-items', '2'] },
  { argv: ['--region', 'eu-west-1', 'lambda', 'list-functions'] },
  { argv: ['lambda', 'list-functions'] },
  { argv: ['--endpoint-url', 'http://127.0.0.1:9', 'sqs', 'list-queues'] },
  { argv: ['sqs', 'list-queues'] },
  { argv: ['--output', 'table', '--query', 'Account', 'sts', 'get-caller-identity'] },
  { argv: ['--color', 'on', 'dynamodb', 'list-tables'] },
  { argv: ['dynamodb', 'get-item', '--table-name', 't', '--key', '{"a": {"S": "b"}}'] },
  { argv: ['dynamodb', 'get-item', '--table-name', 't', '--key', 'a={S=b}'] },
  { argv: ['s3', 'ls'] },
  { argv: ['s3', 'ls', 's3://b/p/', '--recursive', '--human-readable'] },
  { argv: ['s3', 'presign', 's3://b/k', '--expires-in', '60'] },
  { argv: ['s3', 'mb', 's3://b'] },
  { argv: ['s3', 'rm', 's3://b/k', '--recursive', '--dryrun'] },
  { argv: ['s3', 'cp', 'x', 's3://b/y', '--sse', 'aws:kms', '--sse-kms-key-id', 'k'], files: { x: 'hello' } },
  { argv: ['s3', 'cp', 'x', 's3://b/y'], files: { x: 'hello' } },
  { argv: ['s3', 'mv', 's3://b/x', 's3://b/y'] },
  { argv: ['s3', 'sync', '.', 's3://b/p', '--delete', '--exclude', '*.tmp'], files: { a: '1' } },
  { argv: ['s3', 'sync', '.', 's3://b/p'] },
  { argv: ['s3', 'cp', 's3://b/x', '-'] },
  { argv: ['s3api', 'put-object', '--bucket', 'b', '--key', 'k', '--body', 'x'], files: { x: 'hello' } },
  { argv: ['s3api', 'get-object', '--bucket', 'b', '--key', 'k', 'out'] },
  { argv: ['configure', 'set', 'region', 'eu-west-3'] },
  { argv: ['configure', 'get', 'region'] },
  { argv: ['configure', 'list'] },
  { argv: ['configure', 'set', 'default.s3.max_concurrent_requests', '4'] },
  { argv: ['help'] },
  { argv: ['s3', 'help'] },
  { argv: ['s3', 'cp', 'help'] },
  { argv: ['ec2', 'help'] },
  {
    argv: ['cloudformation', 'package', '--template-file', 't.yaml', '--s3-bucket', 'b'],
    files: { 't.yaml': 'Resources: {}\n' },
  },
  {
    argv: ['cloudformation', 'deploy', '--template-file', 't.yaml', '--stack-name', 's'],
    files: { 't.yaml': 'Resources: {}\n' },
  },
  { argv: ['cloudformation', 'describe-stacks'] },
  { argv: ['ecr', 'get-login-password'] },
  { argv: ['eks', 'update-kubeconfig', '--name', 'c'] },
  {
    argv: [
      'ec2',
      'run-instances',
      '--image-id',
      'ami-1',
      '--count',
      '2',
      '--secondary-private-ip-address-count',
      '1',
    ],
  },
  {
    argv: [
      'ec2',
      'authorize-security-group-ingress',
      '--group-id',
      'sg-1',
      '--protocol',
      'tcp',
      '--port',
      '22',
      '--cidr',
      '0.0.0.0/0',
    ],
  },
  { argv: ['ec2', 'wait', 'instance-running', '--instance-ids', 'i-1'] },
  { argv: ['logs', 'filter-log-events', '--log-group-name', 'g', '--page-size', '5'] },
  { argv: ['ssm', 'start-session', '--target', 'i-1'] },
  { argv: ['deploy', 'push', '--application-name', 'a', '--s3-location', 's3://b/k', '--source', '.'] },
  { argv: ['emr', 'create-default-roles'] },
  { argv: ['codeartifact', 'login', '--tool', 'npm', '--domain', 'd', '--repository', 'r'] },
  { argv: ['sts', 'assume-role', '--role-arn', 'arn:aws:iam::1:role/r', '--role-session-name', 's'] },
  { argv: ['--version'] },
  { argv: ['sts', 'get-caller-identity', '--bogus'] },
  { argv: ['s3', 'cp', 'x', 's3://b/y', '--s'] },
  { argv: ['nosuchservice', 'list'] },
  { argv: ['sts', 'get-caller-identity'] },
  { argv: ['ec2', 'describe-instances'] },
];

/** An answer with what differs between any two runs taken out: timings, signatures, --debug's log records. */
function comparable(answer: OracleAnswer, argv: string[]): string {
  const { durationMs: _duration, cpuMs: _cpu, id: _id, ...rest } = answer;
  const text = JSON.stringify(argv.includes('--debug') ? { ...rest, stderr: '(--debug log)' } : rest);
  return text.replace(/(Signature|Expires|Date)=[^&"\\]*/g, '$1=…');
}

describe.each([1, 2])('isolation reuse, AWS CLI v%i', (major) => {
  describe.skipIf(!clis.has(major))(titleFor(major), () => {
    it('answers as fork does, run after run in one worker', async () => {
      const python = clis.get(major)?.python;
      const [fork, reuse] = await Promise.all([
        startCliOracle({ python, jobs: 2, profiles: ['dev'], isolation: 'fork' }),
        startCliOracle({ python, jobs: 1, profiles: ['dev'], isolation: 'reuse', runsPerWorker: 1000 }),
      ]);
      try {
        // The reusing worker sees the sample twice over, so every argv also runs after every other one.
        const [forkAnswers, reuseAnswers] = await Promise.all([
          fork.askMany(stateSample),
          reuse.askMany([...stateSample, ...stateSample]),
        ]);
        const differences = reuseAnswers
          .map((answer, index) => ({ answer, index: index % stateSample.length }))
          .filter(({ answer, index }) => {
            const argv = stateSample[index]?.argv ?? [];
            const forkAnswer = forkAnswers[index];
            return forkAnswer === undefined || comparable(forkAnswer, argv) !== comparable(answer, argv);
          })
          .map(({ index }) => stateSample[index]?.argv.join(' '));
        expect(differences).toEqual([]);
      } finally {
        await Promise.all([fork.close(), reuse.close()]);
      }
    }, 300_000);
  });
});

describe.skipIf(clis.size === 0)(
  `cli-oracle.py${clis.size === 0 ? ' (skipped: no Python importing awscli)' : ''}`,
  () => {
    it('answers what it has read and exits by itself when its stdin closes', async () => {
      const python = [...clis.values()][0]?.python ?? 'python3';
      const script = fileURLToPath(new URL('../scripts/cli-oracle.py', import.meta.url));
      const child = spawn(python, [script, '--jobs', '1'], { stdio: ['pipe', 'pipe', 'inherit'] });
      let output = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        output += chunk;
      });
      child.stdin.end(`${JSON.stringify({ id: 7, argv: ['sts', 'get-caller-identity'] })}\nnot json\n`);
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      const lines = output
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(code).toBe(0);
      expect(lines[0]).toMatchObject({ ready: true });
      expect(lines.slice(1)).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ id: null, errorCode: 'bad-request' }),
          expect.objectContaining({ id: 7, stopped: 'call' }),
        ]),
      );
    });
  },
);

describe('findCliPython', () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'find-cli-python-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));
  function script(name: string, text: string): string {
    const file = path.join(folder, name);
    writeFileSync(file, text);
    chmodSync(file, 0o755);
    return file;
  }
  const python3 = findCliPython(script('env-python3', '#!/usr/bin/env python3\n'));

  it.skipIf(python3 === undefined)('follows #!/usr/bin/env python3 to the python3 on PATH', () => {
    expect(python3).toMatch(/python3/);
    expect(findCliPython(script('direct', `#!${python3}\nimport sys\n`))).toBe(python3);
  });

  it.each([
    ['a shell script', () => script('shell', '#!/bin/sh\necho hi\n')],
    ['a binary', () => process.execPath],
    ['a missing file', () => path.join(folder, 'missing')],
    ['a name not on PATH', () => 'no-such-aws-command-here'],
  ])('returns undefined for %s', (_title, file) => {
    expect(findCliPython(file())).toBeUndefined();
  });

  const awsPython = findCliPython('aws');
  it.skipIf(awsPython === undefined)(
    `finds the interpreter that aws --version reports${awsPython === undefined ? ' (skipped: no aws on PATH)' : ''}`,
    async () => {
      const [reported, found] = await Promise.all([
        outputOf('aws', ['--version']),
        outputOf(awsPython ?? 'python3', ['-c', 'import sys; print(sys.version.split()[0])']),
      ]);
      expect(reported).toContain(`Python/${found} `);
    },
  );
});

function outputOf(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', () => resolve(text.trim()));
  });
}
