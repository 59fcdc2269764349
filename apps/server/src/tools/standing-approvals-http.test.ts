import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpTestServer, startHttpTestServer } from '../../test/test-server.js';
import type { ServerContext } from '../server-context.js';

const token = 'standing-approvals-token-0123456789';
const idleSeconds = 3;

let server: HttpTestServer;
let context: ServerContext;
/** The sessions (McpServer objects) each grant and each end was for, in order. */
const granted: object[] = [];
const ended: object[] = [];

/**
 * A client that answers every form `session`. `dropGetStream()` ends its standing GET stream (which carries the
 * consent requests) and answers any new GET with 405, as a server without one would, so the session can go idle.
 */
async function connect(): Promise<{
  client: Client;
  transport: StreamableHTTPClientTransport;
  dropGetStream(): void;
}> {
  let refuseGet = false;
  const streams: AbortController[] = [];
  const { client, transport } = await server.connect({
    name: 'standing-approvals',
    consent: {
      answer: () => ({ action: 'accept', content: { approve: true, scope: 'session' } }),
      asked: [],
    },
    fetch: (url: string | URL, init?: RequestInit) => {
      if (init?.method !== 'GET') return fetch(url, init);
      if (refuseGet) return Promise.resolve(new Response(null, { status: 405 }));
      const stream = new AbortController();
      streams.push(stream);
      const signal = init.signal ? AbortSignal.any([init.signal, stream.signal]) : stream.signal;
      return fetch(url, { ...init, signal });
    },
  });
  const dropGetStream = () => {
    refuseGet = true;
    for (const stream of streams) stream.abort();
  };
  return { client, transport, dropGetStream };
}

async function call(client: Client, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name: 'aws_cli_pipeline', arguments: args })) as CallToolResult;
}

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
}

beforeAll(async () => {
  server = await startHttpTestServer({
    token,
    settings: { AWS_MCP_SESSION_IDLE_TIMEOUT: String(idleSeconds) },
    prepare: (created) => {
      const { grant, endSession } = created.approvals;
      created.approvals.grant = (session, subject, scope) => {
        granted.push(session);
        return grant(session, subject, scope);
      };
      created.approvals.endSession = (session) => {
        ended.push(session);
        endSession(session);
      };
    },
  });
  ({ context } = server);
}, 120_000);

afterAll(async () => {
  await server?.close();
});

describe('standing approvals over HTTP sessions', () => {
  it('end when the client closes its session (DELETE)', async () => {
    const { client, transport } = await connect();
    const created = await call(client, { command: 'aws sqs create-queue --queue-name approvals-http' });
    const url = (created.structuredContent as { json: { QueueUrl: string } }).json.QueueUrl;
    const send = { args: ['aws', 'sqs', 'send-message', '--queue-url', url, '--message-body', 'hi'] };
    expect((await call(client, send)).structuredContent).toMatchObject({ consent: 'accepted' });
    expect((await call(client, send)).structuredContent).toMatchObject({ consent: 'standing approval' });
    const session = granted.at(-1) as object;
    expect(context.approvals.list(session).map((approval) => approval.action)).toEqual([
      'sqs:create-queue',
      'sqs:send-message',
    ]);
    await transport.terminateSession();
    await until(() => ended.includes(session), 5000);
    expect(ended).toContain(session);
    expect(context.approvals.list(session)).toEqual([]);
    await client.close();
  });

  it('end when the server closes an idle session', async () => {
    const { client, dropGetStream } = await connect();
    await call(client, { command: 'aws sqs create-queue --queue-name approvals-idle' });
    const session = granted.at(-1) as object;
    expect(context.approvals.list(session)).toHaveLength(1);
    dropGetStream();
    await until(() => ended.includes(session), (idleSeconds + 10) * 1000);
    expect(ended).toContain(session);
    expect(context.approvals.list(session)).toEqual([]);
    await client.close();
  });
});
