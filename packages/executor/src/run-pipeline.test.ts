import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCommandLine } from '@aws-mcp/command';
import { createAwsSandboxHome, type Emulator, startS3rver } from '@aws-mcp/emulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecutionError } from './execution-error.js';
import { type RunPipelineOptions, runPipeline } from './run-pipeline.js';

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
    const result = await run("aws s3api list-buckets --output json | jq '.Buckets['");
    expect(result.status).toBe('error');
    expect(result.exitCode).toBeGreaterThan(1);
    expect(result.filterStderr).toMatch(/^jq: .*compile error/m);
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
    expect(JSON.parse(result.output)).toEqual(['LANG', 'PATH']);
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
          error.code === 'FILTER_UNAVAILABLE' &&
          /`gawk`/.test(error.message) &&
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
  let server: Server;
  let endpoint: string;
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    endpoint = `http://127.0.0.1:${address.port}`;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  function remainingProcesses(): string[] {
    const listing = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
    return listing.split('\n').filter((line) => line.includes(endpoint) && !line.includes('ps -eo'));
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
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const address = probe.address();
    await new Promise((resolve) => probe.close(resolve));
    if (address === null || typeof address === 'string') throw new Error('no port');
    const result = await run('aws s3 ls', { endpointUrl: `http://127.0.0.1:${address.port}` });
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
