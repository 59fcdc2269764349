import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCommandLine } from '@aws-mcp/command';
import { createAwsSandboxHome, MOTO_CREDENTIALS } from '@aws-mcp/emulators';
import { describeWithBubblewrap } from '@aws-mcp/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildExecutionEnv } from './_environment.js';
import { findExecutable } from './_find-executable.js';
import { createBubblewrapSandbox } from './bubblewrap-sandbox.js';
import { type RunPipelineOptions, runPipeline } from './run-pipeline.js';
import { noSandbox } from './sandbox.js';
import { planWarmCli, type WarmCli } from './warm-cli.js';

// What reaches AWS: the real CLIs, in the real sandbox, call a loopback listener that records each request and
// answers as S3 would, with a request id and a host id the test chose.
const bwrapPath = findExecutable('bwrap', process.env.PATH);
const sandbox = bwrapPath === undefined ? noSandbox : createBubblewrapSandbox({ bwrapPath });
const clis = [
  { name: 'v1 (PATH)', awsCli: 'aws' },
  ...(existsSync('/usr/bin/aws') ? [{ name: 'v2 (/usr/bin/aws)', awsCli: '/usr/bin/aws' }] : []),
];
const packageVersion = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
const listBuckets =
  '<?xml version="1.0" encoding="UTF-8"?><ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
  '<Owner><ID>owner</ID></Owner><Buckets></Buckets></ListAllMyBucketsResult>';

let listener: Server;
let endpoint: string;
let received: IncomingHttpHeaders[] = [];
let requestCount = 0;
let home: Awaited<ReturnType<typeof createAwsSandboxHome>>;
let workdir: string;
let options: RunPipelineOptions;

beforeAll(async () => {
  listener = createServer((request, response) => {
    requestCount += 1;
    received.push(request.headers);
    request.resume();
    request.on('end', () => {
      response.writeHead(200, {
        'content-type': 'application/xml',
        'x-amz-request-id': `UA-REQUEST-${requestCount}`,
        'x-amz-id-2': `host-id-${requestCount}`,
      });
      response.end(listBuckets);
    });
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
  home = await createAwsSandboxHome({ credentials: MOTO_CREDENTIALS, region: 'us-east-1' });
  workdir = await mkdtemp(join(tmpdir(), 'user-agent-'));
  options = {
    cwd: workdir,
    env: { PATH: process.env.PATH, LANG: 'C.UTF-8', ...home.env, AWS_MAX_ATTEMPTS: '1' },
    endpointUrl: endpoint,
    timeoutMs: 60_000,
    sandbox,
  };
});

afterAll(async () => {
  await new Promise((resolve) => listener?.close(resolve));
  await home?.remove();
  if (workdir !== undefined) await rm(workdir, { recursive: true, force: true });
});

async function listBucketsWith(extra: Partial<RunPipelineOptions>) {
  received = [];
  const result = await runPipeline(parseCommandLine('aws s3api list-buckets'), { ...options, ...extra });
  expect(result.status, result.stderr).toBe('success');
  expect(received).toHaveLength(1);
  return { result, userAgent: String(received[0]?.['user-agent']) };
}

describe('buildExecutionEnv', () => {
  it.each([
    [undefined, '1.2.3', 'aws-mcp-1.2.3'],
    ['', '1.2.3', 'aws-mcp-1.2.3'],
    ['AWS_Lambda_python3.12', '1.2.3', 'AWS_Lambda_python3.12-aws-mcp-1.2.3'],
    ['CloudShell', '1.2.3', 'CloudShell-aws-mcp-1.2.3'],
    // What botocore would do to them anyway, done the same for v2.9, which sends the value as it is.
    ['my env/1', '1.2.3', 'my-env-1-aws-mcp-1.2.3'],
    [undefined, '1.2.3+build/7', 'aws-mcp-1.2.3+build-7'],
    // A server started by another aws-mcp's aws stage does not repeat the mark.
    ['aws-mcp-1.2.3', '1.2.3', 'aws-mcp-1.2.3'],
    ['CloudShell-aws-mcp-1.2.3', '1.2.3', 'CloudShell-aws-mcp-1.2.3'],
  ])('joins %j and version %s as %s', (existing, version, expected) => {
    expect(buildExecutionEnv(existing, version)).toBe(expected);
  });

  it("defaults to the executor's own version", () => {
    expect(buildExecutionEnv(undefined)).toBe(`aws-mcp-${packageVersion}`);
  });
});

describe.each(clis)('the user agent of CLI $name', ({ awsCli }) => {
  it("carries exec-env/aws-mcp-<version>, the executor's own by default", async () => {
    const { userAgent } = await listBucketsWith({ awsCli });
    expect(userAgent).toContain(`exec-env/aws-mcp-${packageVersion}`);
    expect(userAgent).toMatch(/^aws-cli\//);
  });

  it('carries the version it is given', async () => {
    const { userAgent } = await listBucketsWith({ awsCli, agentVersion: '9.8.7' });
    expect(userAgent).toContain('exec-env/aws-mcp-9.8.7');
    expect(userAgent).not.toContain(`aws-mcp-${packageVersion}`);
  });

  it('keeps an execution environment already set, and appends to it', async () => {
    const env = { ...options.env, AWS_EXECUTION_ENV: 'AWS_Lambda_python3.12' };
    const { userAgent } = await listBucketsWith({ awsCli, env, agentVersion: '9.8.7' });
    expect(userAgent).toContain('exec-env/AWS_Lambda_python3.12-aws-mcp-9.8.7');
    expect(userAgent.match(/exec-env\//g)).toHaveLength(1);
  });

  it('reports the request id and host id the response carried', async () => {
    const { result } = await listBucketsWith({ awsCli });
    expect(result.requestIds).toEqual([
      {
        operation: 'ListBuckets',
        requestId: `UA-REQUEST-${requestCount}`,
        hostId: `host-id-${requestCount}`,
      },
    ]);
  });
});

describeWithBubblewrap('the user agent of a warm CLI', () => {
  let warmCli: WarmCli;

  beforeAll(() => {
    const planned = planWarmCli({ sandbox, env: options.env as NodeJS.ProcessEnv, workdirs: [workdir] });
    if (!('warmCli' in planned)) throw new Error(planned.reason);
    warmCli = planned.warmCli;
  });

  afterAll(async () => {
    await warmCli?.stop();
  });

  it('carries exec-env/aws-mcp-<version> and reports the request ids, as a cold call does', async () => {
    const before = warmCli.calls;
    const { result, userAgent } = await listBucketsWith({ warmCli, agentVersion: '9.8.7' });
    expect(warmCli.calls).toBe(before + 1);
    expect(userAgent).toContain('exec-env/aws-mcp-9.8.7');
    expect(result.requestIds).toEqual([
      {
        operation: 'ListBuckets',
        requestId: `UA-REQUEST-${requestCount}`,
        hostId: `host-id-${requestCount}`,
      },
    ]);
  });
});
