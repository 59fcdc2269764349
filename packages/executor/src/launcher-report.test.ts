import { existsSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { parseCommandLine } from '@aws-mcp/command';
import type { MotoEmulator } from '@aws-mcp/emulators';
import {
  bubblewrapMissing,
  describeWithBubblewrap,
  type EmulatedAws,
  startEmulatedAws,
} from '@aws-mcp/test-support';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { findExecutable } from './_find-executable.js';
import { createBubblewrapSandbox } from './bubblewrap-sandbox.js';
import { type PipelineResult, type RunPipelineOptions, runPipeline } from './run-pipeline.js';

// The launcher's report through the real CLIs (v1 on PATH, Debian's v2), the real sandbox (skipped where it
// cannot run) and moto.
const clis = [
  { name: 'v1 (PATH)', awsCli: 'aws' },
  ...(existsSync('/usr/bin/aws') ? [{ name: 'v2 (/usr/bin/aws)', awsCli: '/usr/bin/aws' }] : []),
];
const queueNames = ['report-alpha', 'report-beta', 'report-gamma'];
const bucket = 'launcher-report';
const objectKeys = ['a.txt', 'b.txt', 'c.txt'];

let aws: EmulatedAws<MotoEmulator>;
let moto: MotoEmulator;
let options: RunPipelineOptions;

function run(command: string, extra: Partial<RunPipelineOptions> = {}): Promise<PipelineResult> {
  return runPipeline(parseCommandLine(command), { ...options, ...extra });
}

// For the blocks below (describeWithBubblewrap), which are skipped where bubblewrap cannot run.
beforeAll(async () => {
  if (bubblewrapMissing !== undefined) return;
  aws = await startEmulatedAws();
  moto = aws.emulator;
  options = {
    cwd: aws.workdir,
    env: { PATH: process.env.PATH, LANG: 'C.UTF-8', ...aws.homeEnv, AWS_MAX_ATTEMPTS: '1' },
    endpointUrl: moto.endpoint,
    timeoutMs: 60_000,
    sandbox: createBubblewrapSandbox({ bwrapPath: findExecutable('bwrap', process.env.PATH) as string }),
  };
  expect((await run(`aws s3api create-bucket --bucket ${bucket}`)).status).toBe('success');
  for (const key of objectKeys) {
    const put = await run(`aws s3api put-object --bucket ${bucket} --key ${key}`);
    expect(put.status, put.stderr).toBe('success');
  }
  for (const name of queueNames) {
    const created = await run(`aws sqs create-queue --queue-name ${name}`);
    expect(created.status, created.stderr).toBe('success');
  }
});

afterAll(async () => {
  await aws?.stop();
});

for (const { name, awsCli } of clis) {
  describeWithBubblewrap(`runPipeline through the launcher, CLI ${name}`, () => {
    it('gives the next token that --query drops, and walking it returns every item once', async () => {
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const start = token === undefined ? '' : ` --starting-token ${token}`;
        const result = await run(`aws sqs list-queues --max-items 1 --query QueueUrls${start}`, { awsCli });
        expect(result.status, result.stderr).toBe('success');
        const urls = JSON.parse(result.output) as string[];
        expect(urls).toHaveLength(1);
        // The token is not printed: --query picked the list alone.
        expect(result.output).not.toContain('NextToken');
        seen.push(...urls);
        token = result.nextToken;
        pages += 1;
      } while (token !== undefined && pages < 10);
      expect(pages).toBe(3);
      expect(seen.map((url) => url.split('/').pop()).sort()).toEqual([...queueNames].sort());
    });

    it('gives the same token the CLI prints without --query', async () => {
      const printed = await run('aws sqs list-queues --max-items 2 --output json', { awsCli });
      const token = (JSON.parse(printed.output) as { NextToken?: string }).NextToken;
      expect(token).toBeDefined();
      expect(printed.nextToken).toBe(token);
      const queried = await run('aws sqs list-queues --max-items 2 --query QueueUrls[0]', { awsCli });
      expect(queried.nextToken).toBe(token);
    });

    it('gives no token once a listing is complete', async () => {
      const result = await run('aws sqs list-queues --query QueueUrls', { awsCli });
      expect(result.status).toBe('success');
      expect(JSON.parse(result.output)).toHaveLength(3);
      expect(result.nextToken).toBeUndefined();
    });

    it("records the request ids moto returned, one per call of the command's operation", async () => {
      const first = await run('aws sqs list-queues', { awsCli });
      const second = await run('aws sqs list-queues', { awsCli });
      for (const result of [first, second]) {
        expect(result.requestIds).toHaveLength(1);
        expect(result.requestIds?.[0]).toMatchObject({
          operation: 'ListQueues',
          requestId: expect.any(String),
        });
        expect(result.requestIds?.[0]?.requestId.length).toBeGreaterThan(8);
      }
      expect(first.requestIds?.[0]?.requestId).not.toBe(second.requestIds?.[0]?.requestId);
    });

    it('records the request id of a call the service refused', async () => {
      const result = await run('aws sqs get-queue-url --queue-name report-missing', { awsCli });
      expect(result.status).toBe('error');
      expect(result.requestIds).toEqual([
        expect.objectContaining({ operation: 'GetQueueUrl', requestId: expect.any(String) }),
      ]);
    });

    it('records every call a paginated listing makes', async () => {
      const result = await run(
        `aws s3api list-objects-v2 --bucket ${bucket} --page-size 1 --query Contents[].Key`,
        {
          awsCli,
        },
      );
      expect(result.status, result.stderr).toBe('success');
      expect(JSON.parse(result.output)).toEqual(objectKeys);
      const calls = result.requestIds ?? [];
      expect(calls.map((each) => each.operation)).toEqual(objectKeys.map(() => 'ListObjectsV2'));
      expect(new Set(calls.map((each) => each.requestId)).size).toBe(objectKeys.length);
    });
  });
}

describeWithBubblewrap('runPipeline through the launcher with a role profile, CLI v1', () => {
  it("records the command's calls, not the AssumeRole the credential chain makes while signing", async () => {
    const config = (options.env as Record<string, string>).AWS_CONFIG_FILE as string;
    await appendFile(
      config,
      '\n[profile traced-role]\nrole_arn = arn:aws:iam::123456789012:role/traced\nsource_profile = default\n' +
        'region = us-east-1\n',
    );
    // The CLI v1 sends the role's STS call to moto too (v2.9 reads no AWS_ENDPOINT_URL).
    const env = { ...options.env, AWS_ENDPOINT_URL: moto.endpoint };
    const identity = await run('aws sts get-caller-identity', { profile: 'traced-role', env });
    expect(identity.status, identity.stderr).toBe('success');
    expect(identity.output).toContain('assumed-role/traced');
    expect(identity.requestIds?.map((each) => each.operation)).toEqual(['GetCallerIdentity']);
  });
});

describeWithBubblewrap('runPipeline without the launcher', () => {
  it('reports no request ids or token with maskInCli: false', async () => {
    const result = await run('aws sqs list-queues --max-items 1 --query QueueUrls', { maskInCli: false });
    expect(result.status).toBe('success');
    expect(result.requestIds).toBeUndefined();
    expect(result.nextToken).toBeUndefined();
  });
});
