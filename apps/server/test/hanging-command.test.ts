import { join } from 'node:path';
import {
  connectHttpClient,
  connectStdioClient,
  type HangingEndpoint,
  startHangingEndpoint,
  useTempDir,
} from '@aws-mcp/test-support';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coldAwsStage, pollUntil, processesContaining, serverEntry, spawnServer } from './http-harness.js';

const token = 'hanging-command-token-0123456789';

/** The built server over one transport, with a client that declines every consent request. */
interface Transport {
  name: string;
  connect(env: Record<string, string>): Promise<{ client: Client; stop(): Promise<void> }>;
}

const transports: Transport[] = [
  {
    name: 'stdio',
    connect: async (env) => {
      const { client, close } = await connectStdioClient({ args: [serverEntry], env, consent: 'decline' });
      return { client, stop: close };
    },
  },
  {
    name: 'streamable HTTP',
    connect: async (env) => {
      const server = await spawnServer({
        args: ['--transport', 'streamable-http', '--port', '0'],
        env: { ...env, AWS_MCP_AUTH_TOKEN: token },
      });
      const { client, close } = await connectHttpClient({ url: server.url, token, consent: 'decline' });
      return {
        client,
        stop: async () => {
          await close();
          expect(await server.stop()).toBe(0);
        },
      };
    },
  },
];

describe.each(transports)('aws-mcp-server over $name, with a command that hangs', ({ connect }) => {
  const home = useTempDir('e2e-hang-');
  let hang: HangingEndpoint;
  let client: Client;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    hang = await startHangingEndpoint();
    ({ client, stop } = await connect({
      PATH: process.env.PATH ?? '',
      HOME: home.path,
      AWS_MCP_WORKDIR: join(home.path, 'work'),
      AWS_MAX_ATTEMPTS: '1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'y',
      ...coldAwsStage,
    }));
  });
  afterAll(async () => {
    await stop?.();
    await hang?.close();
  });

  it('kills a running command when the client cancels, leaving no process', async () => {
    const controller = new AbortController();
    const call = client.callTool(
      { name: 'aws_cli_pipeline', arguments: { command: `aws s3 ls --endpoint-url ${hang.endpoint}` } },
      undefined,
      { signal: controller.signal },
    );
    const running = await pollUntil(
      () => processesContaining(hang.endpoint),
      (lines) => lines.length > 0,
    );
    expect(running.length).toBeGreaterThan(0);
    controller.abort();
    await expect(call).rejects.toThrow(/abort/i);
    const left = await pollUntil(
      () => processesContaining(hang.endpoint),
      (lines) => lines.length === 0,
    );
    expect(left).toEqual([]);
  });

  it('sends progress notifications while a command runs', async () => {
    const updates: Array<{ progress: number; message?: string }> = [];
    const result = await client.callTool(
      {
        name: 'aws_cli_pipeline',
        arguments: { command: `aws s3 ls --endpoint-url ${hang.endpoint}`, timeout: 3 },
      },
      undefined,
      { onprogress: (progress) => updates.push(progress) },
    );
    expect(result.structuredContent).toMatchObject({ status: 'timeout' });
    expect(updates.length).toBeGreaterThanOrEqual(1);
    expect(updates[0]?.message).toMatch(/^running for \d+ s, 0 bytes of output so far$/);
  });
});
