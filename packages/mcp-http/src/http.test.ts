import { createServer } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { testSettings, testToken } from './__fixtures__/settings.js';
import { McpHttpError, type McpHttpServerHandle, startMcpHttpServer } from './index.js';

const token = testToken;
const settings = testSettings;

/** A tiny McpServer per session with one tool, counting how many were made. */
function serverFactory() {
  const made = { count: 0 };
  const createServer = () => {
    made.count += 1;
    const server = new McpServer({ name: 'echo', version: '1.0.0' });
    server.registerTool('echo', { description: 'echoes' }, async () => ({
      content: [{ type: 'text', text: `session server ${made.count}` }],
    }));
    return server;
  };
  return { made, createServer };
}

describe('startMcpHttpServer (real HTTP, the SDK client)', () => {
  let handle: McpHttpServerHandle | undefined;
  afterEach(async () => {
    await handle?.close();
    handle = undefined;
  });

  it('serves a session its own server, only with the token', async () => {
    const { made, createServer } = serverFactory();
    handle = await startMcpHttpServer({
      transport: 'streamable-http',
      settings: settings(),
      createServer,
      maskText: (text) => text,
    });
    expect(handle.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const refused = await fetch(handle.url, { method: 'POST', body: '{}' });
    expect(refused.status).toBe(401);
    expect((await fetch(handle.url.replace('/mcp', '/healthz'))).status).toBe(200);
    const client = new Client({ name: 'test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(handle.url), {
        requestInit: { headers: { Authorization: `Bearer ${token}` } },
      }),
    );
    const result = await client.callTool({ name: 'echo', arguments: {} });
    expect(result.content).toEqual([{ type: 'text', text: 'session server 1' }]);
    expect([made.count, handle.sessionCount()]).toEqual([1, 1]);
    await client.close();
  });

  it('answers an over-large body 413 naming the setting in the caller’s words', async () => {
    const { createServer } = serverFactory();
    handle = await startMcpHttpServer({
      transport: 'streamable-http',
      settings: settings({ maxRequestBytes: 64 }),
      createServer,
      maskText: (text) => text,
      settingNames: { maxRequestBytes: 'MAX_BODY' },
    });
    const answer = await fetch(handle.url, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ padding: 'x'.repeat(100) }),
    });
    expect(answer.status).toBe(413);
    expect(((await answer.json()) as { error: { message: string } }).error.message).toBe(
      'Payload Too Large: a request body must not exceed 64 bytes (MAX_BODY).',
    );
  });

  it('fails with LISTEN_FAILED, naming the port setting, when the port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const started = startMcpHttpServer({
        transport: 'streamable-http',
        settings: settings({ port }),
        createServer: serverFactory().createServer,
        maskText: (text) => text,
      });
      await expect(started).rejects.toBeInstanceOf(McpHttpError);
      await expect(started).rejects.toMatchObject({
        code: 'LISTEN_FAILED',
        message: `cannot listen on http://127.0.0.1:${port}: the port is in use (choose another with \`settings.port\`, or 0 for any free port)`,
      });
    } finally {
      taken.close();
    }
  });
});
