import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createAwsSandboxHome, type Emulator, startS3rver } from '@aws-mcp/emulators';
import { connectStdioClient } from '@aws-mcp/test-support';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverEntry } from './http-harness.js';

const run = promisify(execFile);

/**
 * About 1 MiB that each of the regexes the masker replaced took seconds to minutes over (issue 12's repro: runs of
 * `|`, `token ` and a run of letters, a long `password=` value), with one real secret pair in the middle.
 */
function hostileObject(): string {
  const parts: string[] = [];
  for (let i = 0; i < 4; i++) parts.push(`${'|'.repeat(60_000)}x\n`);
  for (let i = 0; i < 4; i++) parts.push(`token ${'a'.repeat(60_000)}\n`);
  parts.push('{"SecretString": "hunter2-hostile-secret"}\n');
  parts.push(`password=${'A'.repeat(300_000)}\n`);
  parts.push(`${' \n'.repeat(30_000)}token\n`);
  return parts.join('');
}

/** The same size of output with nothing for the masker to do. */
function plainObject(size: number): string {
  const line = `${'x'.repeat(99)}\n`;
  return line.repeat(Math.ceil(size / line.length));
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

/**
 * One MCP `ping` after another over the real stdio transport while `work` runs: the server answers a ping on the
 * event loop, so its latency is how long the loop was held.
 */
async function pingWhile(client: Client, work: Promise<unknown>): Promise<number[]> {
  let settled = false;
  void work.finally(() => {
    settled = true;
  });
  const latencies: number[] = [];
  while (!settled) {
    const started = performance.now();
    await client.ping();
    latencies.push(performance.now() - started);
  }
  await work;
  return latencies;
}

describe('masking a hostile object while other requests wait', () => {
  let s3: Emulator;
  let home: Awaited<ReturnType<typeof createAwsSandboxHome>>;
  let workdir: string;
  let client: Client;

  beforeAll(async () => {
    s3 = await startS3rver();
    home = await createAwsSandboxHome({ credentials: s3.credentials, region: 'us-east-1' });
    workdir = await mkdtemp(join(tmpdir(), 'masking-latency-'));
    const awsEnv = { PATH: process.env.PATH ?? '', ...home.env, AWS_MAX_ATTEMPTS: '1' };
    const hostile = hostileObject();
    await writeFile(join(workdir, 'hostile.txt'), hostile);
    await writeFile(join(workdir, 'plain.txt'), plainObject(hostile.length));
    const endpoint = ['--endpoint-url', s3.endpoint];
    await run('aws', [...endpoint, 's3', 'mb', 's3://latency'], { env: awsEnv });
    for (const name of ['hostile.txt', 'plain.txt']) {
      await run('aws', [...endpoint, 's3', 'cp', join(workdir, name), `s3://latency/${name}`], {
        env: awsEnv,
      });
    }
    ({ client } = await connectStdioClient({
      args: [serverEntry],
      env: {
        ...awsEnv,
        AWS_ENDPOINT_URL: s3.endpoint,
        AWS_MCP_WORKDIR: workdir,
        AWS_MCP_MAX_OUTPUT: '2000',
      },
      name: 'latency',
    }));
  });

  afterAll(async () => {
    await client?.close();
    await s3?.stop();
    await home?.remove();
    await rm(workdir, { recursive: true, force: true });
  });

  it('keeps ping within 10× its idle latency, and masks the secret in it', async () => {
    const idle: number[] = [];
    for (let i = 0; i < 40; i++) {
      const started = performance.now();
      await client.ping();
      idle.push(performance.now() - started);
    }
    const read = (name: string) =>
      client.callTool({
        name: 'aws_cli_pipeline',
        arguments: { command: `aws s3 cp s3://latency/${name} - | grep -v zzz` },
      }) as Promise<CallToolResult>;
    // The same size of output with nothing to mask: what the call itself costs the loop (spawning, relaying).
    const plain = await pingWhile(client, read('plain.txt'));
    let result: CallToolResult | undefined;
    const hostile = await pingWhile(
      client,
      read('hostile.txt').then((value) => {
        result = value;
      }),
    );
    const idleMedian = median(idle);
    console.log(
      `ping: idle median ${idleMedian.toFixed(2)} ms; during a plain 1 MiB read median ${median(plain).toFixed(2)} ms (${plain.length} pings); during the hostile one median ${median(hostile).toFixed(2)} ms, worst ${Math.max(...hostile).toFixed(1)} ms (${hostile.length} pings)`,
    );
    expect(result?.isError).toBeFalsy();
    expect(JSON.stringify(result)).not.toContain('hunter2-hostile-secret');
    // Before the linear masker this object held the loop for minutes: pings stopped until the call ended.
    expect(hostile.length).toBeGreaterThanOrEqual(5);
    // A 1 ms floor for the idle latency: on a loaded 2-core machine a ping well under 1 ms is timer noise.
    expect(median(hostile)).toBeLessThan(10 * Math.max(idleMedian, 1));
  });
});
