import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAwsSandboxHome, type Emulator, startS3rver } from '@aws-mcp/emulators';
import { type Consent, connectHttpClient as connectClientOverHttp } from '@aws-mcp/test-support';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil, type SpawnedServer, sendRaw, spawnServer } from './http-harness.js';

type ConsentAnswer = 'accept' | 'decline';

const token = 'e2e-token-0123456789abcdef';
const initialize = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});
const mcpHeaders = {
  Accept: 'application/json, text/event-stream',
  'Content-Type': 'application/json',
  Authorization: `Bearer ${token}`,
};

async function connectHttpClient(
  url: string,
  {
    bearer = token,
    answers = { next: 'decline', asked: [] },
  }: { bearer?: string; answers?: { next: ConsentAnswer; asked: string[] } } = {},
): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  // The test changes answers.next between calls; the client reads it at each request.
  const consent: Consent = {
    get answer() {
      return answers.next;
    },
    asked: answers.asked,
  };
  return connectClientOverHttp({ url, token: bearer, name: 'e2e-http', consent });
}

function text(result: unknown): string {
  const content = (result as CallToolResult).content[0];
  return content?.type === 'text' ? content.text : '';
}

describe('aws-mcp-server over streamable HTTP', () => {
  let s3: Emulator;
  let home: Awaited<ReturnType<typeof createAwsSandboxHome>>;
  let workdir: string;
  let env: Record<string, string>;
  let server: SpawnedServer;
  let client: Client;
  const answers: { next: ConsentAnswer; asked: string[] } = { next: 'accept', asked: [] };

  beforeAll(async () => {
    s3 = await startS3rver();
    home = await createAwsSandboxHome({ credentials: s3.credentials, region: 'us-east-1' });
    workdir = await mkdtemp(join(tmpdir(), 'e2e-http-workdir-'));
    env = {
      PATH: process.env.PATH ?? '',
      ...home.env,
      AWS_ENDPOINT_URL: s3.endpoint,
      AWS_MCP_WORKDIR: workdir,
      AWS_MAX_ATTEMPTS: '1',
    };
    server = await spawnServer({
      args: ['--transport', 'streamable-http', '--port', '0'],
      env: { ...env, AWS_MCP_AUTH_TOKEN: token },
    });
    ({ client } = await connectHttpClient(server.url, { answers }));
  });

  afterAll(async () => {
    await client?.close();
    await server?.stop();
    await s3?.stop();
    await home?.remove();
    await rm(workdir, { recursive: true, force: true });
  });

  it('listens on loopback and says where, without printing a configured token', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    expect(server.stderr()).not.toContain(token);
    expect(server.printedToken).toBeUndefined();
  });

  it('reads the CLI help', async () => {
    const result = await client.callTool({
      name: 'aws_cli_help',
      arguments: { service: 's3', command: 'ls' },
    });
    expect(result.isError).toBeFalsy();
    // The compact page: the command with its class and purpose, then its usage.
    expect(text(result)).toMatch(/^aws s3 ls \[read\] — List S3 objects/);
    expect(text(result)).toMatch(/^Usage: aws s3 ls /m);
  });

  it('runs a write after the user approves it, then reads it back, piped through grep', async () => {
    answers.asked.length = 0;
    const made = await client.callTool({
      name: 'aws_cli_pipeline',
      arguments: { command: 'aws s3 mb s3://http-bucket' },
    });
    expect(text(made)).toBe('make_bucket: http-bucket\n');
    expect(made.structuredContent).toMatchObject({ status: 'success', consent: 'accepted' });
    expect(answers.asked).toHaveLength(1);
    expect(answers.asked[0]).toContain('  aws s3 mb s3://http-bucket\n');

    await writeFile(join(workdir, 'notes.txt'), 'twelve bytes');
    const copied = await client.callTool({
      name: 'aws_cli_pipeline',
      arguments: { command: 'aws s3 cp notes.txt s3://http-bucket/notes.txt' },
    });
    expect(copied.isError).toBeFalsy();

    const listed = await client.callTool({ name: 'aws_cli_pipeline', arguments: { command: 'aws s3 ls' } });
    expect(text(listed)).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d http-bucket$/m);
    expect(listed.structuredContent).toMatchObject({ decision: { action: 'allow' } });

    const grepped = await client.callTool({
      name: 'aws_cli_pipeline',
      arguments: { command: 'aws s3 ls s3://http-bucket | grep notes' },
    });
    expect(grepped.isError).toBeFalsy();
    expect(text(grepped)).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+12 notes\.txt\n$/);
  });

  it('does not run a write the user declines', async () => {
    answers.next = 'decline';
    try {
      const result = await client.callTool({
        name: 'aws_cli_pipeline',
        arguments: { command: 'aws s3 mb s3://declined-over-http' },
      });
      expect(result.isError).toBe(true);
      expect(text(result)).toMatch(/^Not run: the user declined it/);
    } finally {
      answers.next = 'accept';
    }
    const listing = await client.callTool({ name: 'aws_cli_pipeline', arguments: { command: 'aws s3 ls' } });
    expect(text(listing)).not.toContain('declined-over-http');
  });

  it('answers /healthz without a token and without details', async () => {
    const response = await sendRaw(server.url.replace(/\/mcp$/, '/healthz'), { method: 'GET' });
    expect(response).toMatchObject({ status: 200, body: '{"status":"ok"}' });
  });

  it.each([
    ['no Authorization header', {}],
    ['a wrong token', { Authorization: 'Bearer not-the-token-at-all' }],
    ['another scheme', { Authorization: `Basic ${token}` }],
  ])('refuses a request with %s (401)', async (_case, authorization) => {
    const { Authorization: _omit, ...headers } = mcpHeaders;
    const response = await sendRaw(server.url, {
      headers: { ...headers, ...authorization },
      body: initialize,
    });
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="aws-mcp"');
    expect(JSON.parse(response.body)).toEqual({
      jsonrpc: '2.0',
      error: {
        code: -32000,
        message: 'Unauthorized: send the header `Authorization: Bearer <token>` with the server token.',
      },
      id: null,
    });
  });

  it('refuses a client that cannot authenticate', async () => {
    await expect(connectHttpClient(server.url, { bearer: 'guessed-token-guessed-token' })).rejects.toThrow(
      /401|Unauthorized/,
    );
  });

  it.each([
    [
      'a foreign Host (DNS rebinding)',
      { Host: 'attacker.example:80' },
      'Forbidden: Host "attacker.example:80" is not allowed',
    ],
    [
      'a foreign Origin',
      { Origin: 'https://attacker.example' },
      'Forbidden: Origin "https://attacker.example" is not allowed',
    ],
  ])('refuses %s even with the token (403)', async (_case, extra, message) => {
    const response = await sendRaw(server.url, { headers: { ...mcpHeaders, ...extra }, body: initialize });
    expect(response.status).toBe(403);
    expect(JSON.parse(response.body).error.message).toContain(message);
  });

  it('accepts localhost as the Host and a loopback Origin', async () => {
    const port = new URL(server.url).port;
    const response = await sendRaw(server.url, {
      headers: { ...mcpHeaders, Host: `localhost:${port}`, Origin: `http://localhost:${port}` },
      body: initialize,
    });
    expect(response.status).toBe(200);
    expect(response.headers['mcp-session-id']).toMatch(/^[0-9a-f-]{36}$/);
    await sendRaw(server.url, {
      method: 'DELETE',
      headers: { ...mcpHeaders, 'Mcp-Session-Id': String(response.headers['mcp-session-id']) },
    });
  });

  it.each([
    ['malformed JSON', { body: '{"jsonrpc": "2.0", ' }, 400, -32700, 'Parse error: Invalid JSON'],
    [
      'a request outside any session',
      { body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }) },
      400,
      -32000,
      'Bad Request: no Mcp-Session-Id header; a session starts with an initialize request.',
    ],
    [
      'an unknown session',
      {
        body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
        headers: { 'Mcp-Session-Id': '00000000-0000-0000-0000-000000000000' },
      },
      404,
      -32001,
      'Session not found: it ended or never existed; start a new one with initialize.',
    ],
    [
      'PUT',
      { method: 'PUT', body: '{}' },
      405,
      -32000,
      'Method Not Allowed: PUT is not one of GET, POST, DELETE.',
    ],
    [
      'a body over the size limit',
      { body: Buffer.alloc(2 * 1024 * 1024, 'a') },
      413,
      -32000,
      'Payload Too Large: a request body must not exceed 1048576 bytes (AWS_MCP_MAX_REQUEST_BYTES).',
    ],
  ] as const)(
    'answers %s with the right status and a JSON-RPC error',
    async (_case, request, status, code, message) => {
      const response = await sendRaw(server.url, {
        method: 'method' in request ? request.method : 'POST',
        headers: { ...mcpHeaders, ...('headers' in request ? request.headers : {}) },
        body: request.body,
      });
      expect(response.status).toBe(status);
      expect(JSON.parse(response.body)).toEqual({ jsonrpc: '2.0', error: { code, message }, id: null });
    },
  );

  it('refuses a write in read-only mode, with a token it made and printed', async () => {
    const { AWS_MCP_AUTH_TOKEN: _none, ...withoutToken } = env;
    const readOnly = await spawnServer({
      args: ['--transport', 'streamable-http', '--port', '0', '--mode', 'read-only'],
      env: withoutToken,
    });
    try {
      expect(readOnly.stderr()).toContain(
        'no AWS_MCP_AUTH_TOKEN set, so this run made a token; clients must send the header',
      );
      const printed = readOnly.printedToken;
      expect(printed).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const { client: readOnlyClient } = await connectHttpClient(readOnly.url, { bearer: printed });
      try {
        const result = await readOnlyClient.callTool({
          name: 'aws_cli_pipeline',
          arguments: { command: 'aws s3 mb s3://read-only-bucket' },
        });
        expect(result.isError).toBe(true);
        expect(text(result)).toMatch(/^Refused by mode:read-only: s3:mb is a write/);
        expect(result.structuredContent).toMatchObject({ status: 'refused' });
        const read = await readOnlyClient.callTool({
          name: 'aws_cli_pipeline',
          arguments: { command: 'aws s3 ls' },
        });
        expect(text(read)).toContain('http-bucket');
      } finally {
        await readOnlyClient.close();
      }
    } finally {
      expect(await readOnly.stop()).toBe(0);
    }
  });

  it('serves reads statelessly, one server per request, and refuses writes it cannot ask about', async () => {
    const stateless = await spawnServer({
      args: ['--transport', 'streamable-http', '--port', '0', '--stateless'],
      env: { ...env, AWS_MCP_AUTH_TOKEN: token },
    });
    try {
      expect(stateless.stderr()).toMatch(/serving streamable HTTP \(stateless\) at/);
      const { client: statelessClient, transport } = await connectHttpClient(stateless.url);
      try {
        expect(transport.sessionId).toBeUndefined();
        const read = await statelessClient.callTool({
          name: 'aws_cli_pipeline',
          arguments: { command: 'aws s3 ls s3://http-bucket | grep notes' },
        });
        expect(read.isError).toBeFalsy();
        expect(text(read)).toContain('notes.txt');
        const write = await statelessClient.callTool({
          name: 'aws_cli_pipeline',
          arguments: { command: 'aws s3 mb s3://stateless-bucket' },
        });
        expect(write.isError).toBe(true);
        expect(write.structuredContent).toMatchObject({ status: 'refused' });
        expect(text(write)).toMatch(
          /stateless HTTP mode, where it cannot ask the user.*without AWS_MCP_STATELESS/s,
        );
      } finally {
        await statelessClient.close();
      }
      const get = await sendRaw(stateless.url, { method: 'GET', headers: mcpHeaders });
      expect(get.status).toBe(405);
      expect(get.headers.allow).toBe('POST');
    } finally {
      expect(await stateless.stop()).toBe(0);
    }
  });

  it('caps the sessions and closes an idle one', async () => {
    const capped = await spawnServer({
      args: [
        '--transport',
        'streamable-http',
        '--port',
        '0',
        '--max-sessions',
        '1',
        '--session-idle-timeout',
        '1',
      ],
      env: { ...env, AWS_MCP_AUTH_TOKEN: token },
    });
    try {
      const first = await connectHttpClient(capped.url);
      const firstSession = first.transport.sessionId;
      await expect(connectHttpClient(capped.url)).rejects.toThrow(/maximum of 1 sessions open/);
      // Closing the client ends its GET stream but sends no DELETE: the session is left idle.
      await first.client.close();
      // Probe with new clients, which the cap refuses until the idle session is gone, never with the old one.
      const second = await pollUntil(
        () => connectHttpClient(capped.url).catch((error: Error) => error),
        (attempt) => !(attempt instanceof Error),
      );
      if (second instanceof Error) throw second;
      expect(capped.stderr()).toMatch(/closing session [0-9a-f-]+ after 1 s idle/);
      const old = await sendRaw(capped.url, {
        headers: { ...mcpHeaders, 'Mcp-Session-Id': String(firstSession) },
        body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
      });
      expect(old.status).toBe(404);
      expect(second.transport.sessionId).not.toBe(firstSession);
      await second.client.close();
    } finally {
      expect(await capped.stop()).toBe(0);
    }
  });

  it('serves the deprecated SSE transport with the same token, and warns', async () => {
    const sse = await spawnServer({
      args: ['--transport', 'sse', '--port', '0'],
      env: { ...env, AWS_MCP_AUTH_TOKEN: token },
    });
    try {
      expect(sse.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/sse$/);
      expect(sse.stderr()).toContain('warning: the sse transport is deprecated');
      const unauthenticated = await sendRaw(sse.url, { method: 'GET' });
      expect(unauthenticated.status).toBe(401);
      const headers = { Authorization: `Bearer ${token}` };
      const transport = new SSEClientTransport(new URL(sse.url), {
        requestInit: { headers },
        eventSourceInit: {
          fetch: (url, init) => fetch(url, { ...init, headers: { ...init?.headers, ...headers } }),
        },
      });
      const sseClient = new Client({ name: 'e2e-sse', version: '1.0.0' });
      await sseClient.connect(transport);
      try {
        const read = await sseClient.callTool({
          name: 'aws_cli_pipeline',
          arguments: { command: 'aws s3 ls' },
        });
        expect(text(read)).toContain('http-bucket');
      } finally {
        await sseClient.close();
      }
    } finally {
      expect(await sse.stop()).toBe(0);
    }
  });
});
