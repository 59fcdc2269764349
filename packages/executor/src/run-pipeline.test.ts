import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseCommandLine } from '@aws-mcp/command';
import { createAwsSandboxHome, type Emulator, startS3rver } from '@aws-mcp/emulators';
import {
  findProcesses,
  findRefusingEndpoint,
  type HangingEndpoint,
  startHangingEndpoint,
} from '@aws-mcp/test-support';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ExecutionError } from './execution-error.js';
import { createPipelineLimiter } from './pipeline-limiter.js';
import { type PipelineProgress, type RunPipelineOptions, runPipeline } from './run-pipeline.js';

const fixtures = join(import.meta.dirname, '__fixtures__');

let s3: Emulator;
let home: Awaited<ReturnType<typeof createAwsSandboxHome>>;
let workdir: string;
let options: RunPipelineOptions;

function run(command: string, extra: Partial<RunPipelineOptions> = {}) {
  return runPipeline(parseCommandLine(command), { ...options, ...extra });
}

beforeAll(async () => {
  s3 = await startS3rver();
  home = await createAwsSandboxHome({ credentials: s3.credentials, region: 'us-east-1' });
  workdir = await mkdtemp(join(tmpdir(), 'executor-workdir-'));
  options = {
    cwd: workdir,
    env: { PATH: process.env.PATH, LANG: 'C.UTF-8', ...home.env, AWS_MAX_ATTEMPTS: '1' },
    endpointUrl: s3.endpoint,
    timeoutMs: 60_000,
  };
  for (const bucket of ['alpha-logs', 'beta-data', 'gamma-logs']) {
    const result = await run(`aws s3 mb s3://${bucket}`);
    expect(result.status).toBe('success');
  }
});

afterAll(async () => {
  await s3?.stop();
  await home?.remove();
  await rm(workdir, { recursive: true, force: true });
});

describe('runPipeline', () => {
  it('runs the aws stage against the configured endpoint and returns its output', async () => {
    const result = await run('aws s3 ls');
    expect(result).toMatchObject({ status: 'success', exitCode: 0, truncated: false, noMatch: false });
    expect(result.output).toMatch(/alpha-logs\n.*beta-data\n.*gamma-logs\n$/);
    expect(result.awsArgv).toEqual(['aws', 's3', 'ls', '--endpoint-url', s3.endpoint]);
    expect(result.stages).toEqual([{ name: 'aws', exitCode: 0, signal: undefined }]);
  });

  it('pipes through filters stage by stage', async () => {
    const result = await run(
      "aws s3api list-buckets --output json | jq -r '.Buckets[].Name' | grep logs | sort -r",
    );
    expect(result.status).toBe('success');
    expect(result.output).toBe('gamma-logs\nalpha-logs\n');
    expect(result.stages.map((stage) => [stage.name, stage.exitCode])).toEqual([
      ['aws', 0],
      ['jq', 0],
      ['grep', 0],
      ['sort', 0],
    ]);
  });

  it('treats grep finding nothing as an empty result, not a failure', async () => {
    const result = await run('aws s3 ls | grep no-such-bucket');
    expect(result).toMatchObject({ status: 'success', exitCode: 0, noMatch: true, output: '' });
    expect(result.stages[1]).toEqual({ name: 'grep', exitCode: 1, signal: undefined });
  });

  it('reports a failing filter with its exit code and its stderr kept apart from the CLI', async () => {
    // A program that fails at run time: one that would not compile is refused before anything runs.
    const result = await run("aws s3api list-buckets --output json | jq '.Buckets[0].Name | tonumber'");
    expect(result.status).toBe('error');
    expect(result.exitCode).toBeGreaterThan(1);
    expect(result.filterStderr).toMatch(/^jq: jq: error .*alpha-logs/m);
    expect(result.stderr).not.toContain('jq');
  });

  it('reports a failing aws stage with the CLI message', async () => {
    const result = await run('aws s3 ls s3://no-such-bucket');
    expect(result.status).toBe('error');
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toMatch(/NoSuchBucket|does not exist/);
  });

  it('keeps the start and end of output past the cap', async () => {
    const result = await run("aws s3api list-buckets --output json | jq -c '.Buckets[]'", {
      maxOutputChars: 60,
    });
    expect(result.truncated).toBe(true);
    expect(result.totalChars).toBeGreaterThan(60);
    expect(result.output).toContain('characters omitted (output capped at 60)');
    expect(result.output.endsWith('}\n')).toBe(true);
  });

  it('gives the aws stage an empty stdin, so a command reading `-` ends instead of waiting', async () => {
    const upload = await run('aws s3 cp - s3://alpha-logs/empty.txt');
    expect(upload.status).toBe('success');
    const listing = await run(
      'aws s3api head-object --bucket alpha-logs --key empty.txt --query ContentLength',
    );
    expect(listing.output.trim()).toBe('0');
  });

  it('shows filters no credentials and no AWS variables', async () => {
    const result = await run("aws s3 ls | jq -nc '$ENV | keys'", {
      env: { ...options.env, AWS_SECRET_ACCESS_KEY: 'very-secret', AWS_MCP_HTTP_TOKEN: 'server-token' },
    });
    expect(result.status).toBe('success');
    // HOME names a folder that does not exist, so jq loads no ~/.jq from the account's home.
    expect(JSON.parse(result.output)).toEqual(['HOME', 'LANG', 'PATH']);
  });

  it('treats a stage cut off by `head` as the normal end of a pipe', async () => {
    const result = await run("aws s3api list-buckets --output json | jq -r '.Buckets[].Name' | head -n 1");
    expect(result).toMatchObject({ status: 'success', output: 'alpha-logs\n' });
  });

  it('refuses to start when a filter program is not installed, naming the package', async () => {
    const emptyBin = await mkdtemp(join(tmpdir(), 'executor-bin-'));
    const awsPath = execFileSync('which', ['aws'], { encoding: 'utf8' }).trim();
    await symlink(awsPath, join(emptyBin, 'aws'));
    try {
      const attempt = run("aws s3 ls | awk '{print $1}'", { env: { ...options.env, PATH: emptyBin } });
      await expect(attempt).rejects.toSatisfy(
        (error) =>
          ExecutionError.isInstance(error) &&
          error.code === 'GAWK_MISSING' &&
          /gawk --sandbox/.test(error.message) &&
          /apt-get install gawk/.test(error.message),
      );
    } finally {
      await rm(emptyBin, { recursive: true, force: true });
    }
  });

  it('says how to install the AWS CLI when it is missing', async () => {
    const attempt = run('aws s3 ls', { env: { ...options.env, PATH: '/nonexistent' } });
    await expect(attempt).rejects.toSatisfy(
      (error) =>
        ExecutionError.isInstance(error) &&
        error.code === 'AWS_CLI_MISSING' &&
        /pip install awscli/.test(error.message),
    );
  });
});

describe('runPipeline against an endpoint that never answers', () => {
  let hanging: HangingEndpoint;
  let endpoint: string;
  beforeAll(async () => {
    hanging = await startHangingEndpoint();
    endpoint = hanging.endpoint;
  });
  afterAll(() => hanging.close());

  function remainingProcesses(): string[] {
    return findProcesses(endpoint).map((each) => each.commandLine);
  }

  it('kills the pipeline at the timeout and leaves nothing running', async () => {
    const result = await run('aws s3 ls | grep x', { endpointUrl: endpoint, timeoutMs: 1500 });
    expect(result.status).toBe('timeout');
    expect(result.durationMs).toBeLessThan(10_000);
    expect(remainingProcesses()).toEqual([]);
  });

  it('stops when the caller aborts', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 500);
    const result = await run('aws s3 ls', { endpointUrl: endpoint, signal: controller.signal });
    expect(result.status).toBe('canceled');
    expect(remainingProcesses()).toEqual([]);
  });
});

describe('runPipeline with a refused connection', () => {
  it('returns the CLI error without retrying for long', async () => {
    const result = await run('aws s3 ls', { endpointUrl: await findRefusingEndpoint() });
    expect(result.status).toBe('error');
    expect(result.stderr).toMatch(/Could not connect to the endpoint URL/);
  });
});

describe('runPipeline output of s3 transfers', () => {
  it('drops the progress lines the CLI overwrites with carriage returns', async () => {
    await writeFile(join(workdir, 'notes.txt'), 'some notes\n');
    const result = await run('aws s3 cp notes.txt s3://gamma-logs/notes.txt');
    expect(result.output).toBe('upload: ./notes.txt to s3://gamma-logs/notes.txt\n');
  });
});

describe('runPipeline argument handling', () => {
  it('passes arguments with spaces, quotes and shell characters as one argument each', async () => {
    const key = "it's $HOME; `id` | *.txt";
    const file = join(workdir, 'payload.txt');
    await writeFile(file, 'payload');
    const upload = await runPipeline(
      parseCommandLine({
        args: ['aws', 's3api', 'put-object', '--bucket', 'beta-data', '--key', key, '--body', 'payload.txt'],
      }),
      options,
    );
    expect(upload.status).toBe('success');
    const listing = await run(
      "aws s3api list-objects-v2 --bucket beta-data --query 'Contents[].Key' --output text",
    );
    expect(listing.output.trim()).toBe(key);
  });
});

describe('runPipeline secret masking', () => {
  const credentials = {
    AccessKey: {
      UserName: 'Bob',
      AccessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      SecretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    },
  };
  beforeAll(async () => {
    await writeFile(join(workdir, 'key.json'), `${JSON.stringify(credentials, null, 2)}\n`);
    expect((await run('aws s3 cp key.json s3://beta-data/key.json')).status).toBe('success');
  });

  // An object is no API response the launcher can mask by member: what masks it is the backstop, before any filter.
  it.each([
    ['the raw object', 'aws s3 cp s3://beta-data/key.json -'],
    ['a filter that keeps the field names', "aws s3 cp s3://beta-data/key.json - | jq -c '.AccessKey'"],
    [
      'a filter that drops the field names',
      "aws s3 cp s3://beta-data/key.json - | jq -r '.AccessKey.SecretAccessKey'",
    ],
    ['awk printing the values', "aws s3 cp s3://beta-data/key.json - | awk '/Secret/ {print $2}'"],
    ['rev', "aws s3 cp s3://beta-data/key.json - | jq -r '.AccessKey.SecretAccessKey' | rev"],
    ['jq @base64', "aws s3 cp s3://beta-data/key.json - | jq -r '.AccessKey.SecretAccessKey | @base64'"],
  ])('masks the secrets in %s from the real CLI', async (_, command) => {
    const result = await run(command);
    expect(result.status).toBe('success');
    expect(result.output).not.toContain('wJalrXUtnFEMI');
    expect(result.output).not.toContain('YEKELPMAXE');
    expect(result.output).not.toContain(Buffer.from('wJalrXUtnFEMI/K7MDENG').toString('base64').slice(0, 20));
    expect(result.maskedSecrets).toBe(1);
    expect(result.secrets.masked).toBe(1);
  });

  it('passes binary output to a filter byte for byte through the backstop', async () => {
    const bytes = Buffer.alloc(300_000);
    for (let index = 0; index < bytes.length; index += 1) bytes[index] = (index * 31 + (index >> 7)) & 0xff;
    await writeFile(join(workdir, 'blob.bin'), bytes);
    expect((await run('aws s3 cp blob.bin s3://beta-data/blob.bin')).status).toBe('success');
    const result = await run('aws s3 cp s3://beta-data/blob.bin - | wc -c');
    expect(result.output.trim()).toBe(String(bytes.length));
  });

  it('keeps a lone access key id', async () => {
    const result = await run("aws s3 cp s3://beta-data/key.json - | jq -r '.AccessKey.AccessKeyId'");
    expect(result.output).toBe('AKIAIOSFODNN7EXAMPLE\n');
  });

  it.each([
    ['maskSecrets: false', { maskSecrets: false }],
    ["secrets: 'show'", { secrets: 'show' as const }],
  ])('returns the output as it is with %s', async (_, extra) => {
    const result = await run(
      "aws s3 cp s3://beta-data/key.json - | jq -r '.AccessKey.SecretAccessKey'",
      extra,
    );
    expect(result).toMatchObject({ output: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n', maskedSecrets: 0 });
  });

  it('masks the CLI stderr and the filters stderr', async () => {
    // The CLI reads the line, then fails converting the value and echoes it on stderr.
    const fromCli = await run('aws s3 ls s3://alpha-logs --page-size password=hunter2hunter2');
    expect(fromCli.stderr).toContain('password=[MASKED]');
    const fromFilter = await run(
      'aws s3api list-buckets --output json | jq \'error("token: ASIAQNZGKIQY56JQ7WML")\'',
    );
    expect(fromFilter.filterStderr).toMatch(/^jq: .*token: \[MASKED\]/m);
    expect(fromFilter.maskedSecrets).toBeGreaterThanOrEqual(1);
  });

  it('masks credentials from the environment wherever they appear', async () => {
    const secret = 'Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0';
    await writeFile(join(workdir, 'echo.txt'), `token ${secret}\n`);
    expect((await run('aws s3 cp echo.txt s3://beta-data/echo.txt')).status).toBe('success');
    const result = await run('aws s3 cp s3://beta-data/echo.txt -', {
      env: { ...options.env, AWS_SESSION_TOKEN: secret },
      credentialsMode: 'aws_config',
    });
    expect(result.output).toBe('token [MASKED]\n');
  });
});

describe('runPipeline errors', () => {
  it('throws a structured ExecutionError for a failed command with reject: true', async () => {
    const attempt = run('aws s3 ls s3://no-such-bucket', { reject: true });
    await expect(attempt).rejects.toSatisfy(
      (error) =>
        ExecutionError.isInstance(error) &&
        error.code === 'COMMAND_FAILED' &&
        error.exitCode !== 0 &&
        error.timedOut === false &&
        error.canceled === false &&
        typeof error.durationMs === 'number' &&
        error.argv?.join(' ') === `aws s3 ls s3://no-such-bucket --endpoint-url ${s3.endpoint}` &&
        error.cause !== undefined,
    );
  });

  it.each([
    ['a BSD-like sed', 'bin'],
    ['BusyBox sed', 'busybox'],
  ])('refuses %s instead of running it without --sandbox', async (_, folder) => {
    const path = `${join(fixtures, folder)}:${dirname(execFileSync('which', ['aws'], { encoding: 'utf8' }).trim())}`;
    const attempt = run("aws s3 ls | sed -n '1p'", { env: { ...options.env, PATH: path } });
    await expect(attempt).rejects.toSatisfy(
      (error) =>
        ExecutionError.isInstance(error) &&
        error.code === 'GNU_SED_MISSING' &&
        /brew install gnu-sed/.test(error.message),
    );
  });

  it('runs GNU sed with --sandbox', async () => {
    const result = await run("aws s3 ls | sed -n 's/.* //p'");
    expect(result.output).toBe('alpha-logs\nbeta-data\ngamma-logs\n');
  });

  it.each([
    ['the root folder', '/'],
    ['the home folder', homedir()],
    ['a parent of the home folder', dirname(homedir())],
  ])('refuses %s as the working directory', async (_, cwd) => {
    await expect(run('aws s3 ls', { cwd })).rejects.toSatisfy(
      (error) => ExecutionError.isInstance(error) && error.code === 'UNSAFE_WORKDIR',
    );
  });
});

describe('runPipeline progress', () => {
  it('reports a heartbeat and the s3 progress lines of a slow transfer', async () => {
    const beats: PipelineProgress[] = [];
    const result = await runPipeline(parseCommandLine('aws s3 cp big.bin s3://bucket/big.bin'), {
      ...options,
      awsCli: join(fixtures, 'fake-s3-cp.mjs'),
      onProgress: (progress) => beats.push(progress),
      progressIntervalMs: 50,
    });
    expect(result.output).toBe('upload: ./big.bin to s3://bucket/big.bin\n');
    const messages = [
      ...new Set(beats.map((beat) => beat.message).filter((message) => message !== undefined)),
    ];
    expect(messages.length).toBeGreaterThanOrEqual(2);
    expect(messages.at(-1)).toMatch(
      /^Completed \d\.0 MiB\/4\.0 MiB \(1\.0 MiB\/s\) with 1 file\(s\) remaining$/,
    );
    const elapsed = beats.map((beat) => beat.elapsedMs);
    expect(elapsed).toEqual([...elapsed].sort((left, right) => left - right));
    expect(beats.every((beat) => beat.queued === false)).toBe(true);
  });

  it('reads the real CLI progress while uploading to s3rver', async () => {
    await writeFile(join(workdir, 'large.bin'), Buffer.alloc(24 * 1024 * 1024, 7));
    const messages: string[] = [];
    const result = await run('aws s3 cp large.bin s3://gamma-logs/large.bin', {
      onProgress: ({ message }) => {
        if (message !== undefined) messages.push(message);
      },
      progressIntervalMs: 10,
    });
    expect(result.status).toBe('success');
    expect(messages.length).toBeGreaterThan(0);
    expect(messages[0]).toMatch(/^Completed [\d.]+ [KM]iB\/24\.0 MiB/);
  });
});

describe('runPipeline concurrency limit', () => {
  it.each([
    ['timeout', { timeoutMs: 300 }],
    ['canceled', { signal: AbortSignal.timeout(300) }],
  ] as const)('ends a queued pipeline with %s without starting it', async (status, extra) => {
    const limiter = createPipelineLimiter({ maxConcurrent: 1 });
    const holder = new AbortController();
    const running = run('aws s3 ls', { awsCli: join(fixtures, 'sleep.mjs'), limiter, signal: holder.signal });
    const waiting = await run('aws s3 ls', { limiter, ...extra });
    expect(waiting).toMatchObject({ status, stages: [{ name: 'aws', exitCode: undefined }] });
    expect(waiting.queuedMs).toBe(waiting.durationMs);
    expect(limiter).toMatchObject({ active: 1, queued: 0 });
    holder.abort();
    expect((await running).status).toBe('canceled');
    expect(limiter.active).toBe(0);
  });

  it('starts a queued pipeline when a slot frees up', async () => {
    const limiter = createPipelineLimiter({ maxConcurrent: 1 });
    const holder = new AbortController();
    const running = run('aws s3 ls', { awsCli: join(fixtures, 'sleep.mjs'), limiter, signal: holder.signal });
    const beats: PipelineProgress[] = [];
    const waiting = run('aws s3 ls', {
      limiter,
      onProgress: (beat) => beats.push(beat),
      progressIntervalMs: 20,
    });
    await vi.waitFor(() => expect(beats.some((beat) => beat.queued)).toBe(true));
    expect(limiter.queued).toBe(1);
    holder.abort();
    const result = await waiting;
    expect(result.status).toBe('success');
    expect(result.output).toContain('alpha-logs');
    expect(result.queuedMs).toBeGreaterThan(0);
    await running;
  });
});
