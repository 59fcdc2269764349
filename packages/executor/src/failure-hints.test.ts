import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCommandLine } from '@aws-mcp/command';
import { createAwsSandboxHome, type Emulator, startS3rver } from '@aws-mcp/emulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureHintIds, hintForResult } from './failure-hints.js';
import { type RunPipelineOptions, runPipeline } from './run-pipeline.js';

let s3: Emulator;
let home: Awaited<ReturnType<typeof createAwsSandboxHome>>;
let workdir: string;
let options: RunPipelineOptions;
/** A loopback endpoint that answers every request with AWS's throttling error. */
let throttling: Server;
let throttlingUrl: string;

async function hintFor(command: string, extra: Partial<RunPipelineOptions> = {}) {
  const pipeline = parseCommandLine(command);
  const result = await runPipeline(pipeline, { ...options, ...extra });
  return { result, hint: hintForResult({ pipeline, result, cliMajor: 1 }) };
}

beforeAll(async () => {
  s3 = await startS3rver();
  home = await createAwsSandboxHome({ credentials: s3.credentials, region: 'us-east-1' });
  workdir = await mkdtemp(join(tmpdir(), 'hints-workdir-'));
  options = {
    cwd: workdir,
    env: { PATH: process.env.PATH, LANG: 'C.UTF-8', ...home.env, AWS_MAX_ATTEMPTS: '1' },
    endpointUrl: s3.endpoint,
    timeoutMs: 60_000,
  };
  throttling = createServer((_, response) => {
    response.writeHead(400, { 'content-type': 'text/xml' });
    response.end(
      '<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>1</RequestId></ErrorResponse>',
    );
  });
  await new Promise<void>((resolve) => throttling.listen(0, '127.0.0.1', resolve));
  throttlingUrl = `http://127.0.0.1:${(throttling.address() as AddressInfo).port}`;
  for (const bucket of ['hint-one', 'hint-two']) {
    expect((await runPipeline(parseCommandLine(`aws s3 mb s3://${bucket}`), options)).status).toBe('success');
  }
  await runPipeline(parseCommandLine('aws s3api put-object --bucket hint-one --key a'), options);
  await runPipeline(parseCommandLine('aws s3api put-object --bucket hint-one --key b'), options);
});

afterAll(async () => {
  await s3?.stop();
  await home?.remove();
  await new Promise((resolve) => throttling?.close(resolve));
  await rm(workdir, { recursive: true, force: true });
});

describe('hintForResult, against the real CLI', () => {
  it('tells to use --output json when jq was given text', async () => {
    const { result, hint } = await hintFor('aws s3api list-buckets --output text | jq .Buckets');
    expect(result).toMatchObject({ status: 'error', failedStage: 'jq' });
    expect(hint).toBe('jq was given `--output text`: add `--output json` to the aws command.');
  });

  it('tells to keep the quotes of a JSON value, or use the args form, when they were eaten', async () => {
    const { result, hint } = await hintFor('aws dynamodb put-item --table-name t --item {id:{S:1}}');
    expect(result.stderr).toMatch(/Invalid JSON/);
    expect(hint).toMatch(
      /^The value of `--item` lost its double quotes \(\{id:\{S:1\}\}\): .*the `args` form/,
    );
  });

  it('tells to wait and retry, and how to raise the retries, when AWS throttled the call', async () => {
    const { result, hint } = await hintFor('aws sts get-caller-identity', { endpointUrl: throttlingUrl });
    expect(result.stderr).toMatch(/\(Throttling\)/);
    expect(hint).toMatch(
      /^AWS throttled the request \(Throttling\): wait a few seconds and retry once.*AWS_MAX_ATTEMPTS/,
    );
  });

  it('warns that CLI v1 dropped the NextToken of a --max-items page with --query', async () => {
    const { result, hint } = await hintFor(
      "aws s3api list-objects-v2 --bucket hint-one --max-items 1 --query 'Contents[].Key'",
    );
    expect(result.status).toBe('success');
    expect(result.output).not.toContain('NextToken');
    expect(hint).toMatch(/^On AWS CLI v1, --query hides the NextToken/);
  });

  it('says how much of a truncated output was shown and how to narrow or page', async () => {
    const { result, hint } = await hintFor('aws s3api list-buckets --output json', { maxOutputChars: 60 });
    expect(result.truncated).toBe(true);
    expect(hint).toMatch(
      new RegExp(
        `^The output was cut to its start and end: ${result.output.length} of ${result.totalChars} characters shown\\. Narrow it with --query`,
      ),
    );
  });

  it('has nothing to add to a plain success', async () => {
    expect((await hintFor('aws s3 ls')).hint).toBeUndefined();
  });

  it('tries its rows in a fixed order', () => {
    expect(failureHintIds).toEqual([
      'text-into-jq',
      'unquoted-json',
      'throttled',
      'v1-query-drops-token',
      'truncated',
    ]);
  });
});
