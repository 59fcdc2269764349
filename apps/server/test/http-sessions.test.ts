import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createAwsSandboxHome, type Emulator, S3RVER_CREDENTIALS, startS3rver } from '@aws-mcp/emulators';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  type CallToolResult,
  ElicitRequestSchema,
  type LoggingMessageNotification,
  LoggingMessageNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  coldAwsStage,
  pollUntil,
  processesContaining,
  type SpawnedServer,
  sendRaw,
  spawnServer,
  startHangingEndpoint,
  startTcpProxy,
} from './http-harness.js';

const token = 'sessions-token-0123456789';
const otherToken = 'sessions-other-token-0123456789';

interface Connected {
  client: Client;
  sessionId: string | undefined;
  logs: LoggingMessageNotification['params'][];
  /** Every message the server sent this client, as JSON text (for "no other session's id anywhere"). */
  received: string[];
  /** The ids of consent requests the server sent. */
  asked: (string | number)[];
}

async function connect(
  url: string,
  {
    bearer = token,
    transport: kind = 'streamable-http',
    answer = 'decline',
  }: {
    bearer?: string;
    transport?: 'streamable-http' | 'sse';
    /** `never`: the person never answers the consent form (it times out). */
    answer?: 'decline' | 'never';
  } = {},
): Promise<Connected> {
  const headers = { Authorization: `Bearer ${bearer}` };
  const transport =
    kind === 'sse'
      ? new SSEClientTransport(new URL(url), {
          requestInit: { headers },
          eventSourceInit: {
            fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, ...headers } }),
          },
        })
      : new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
  const client = new Client(
    { name: 'sessions', version: '1.0.0' },
    { capabilities: { elicitation: { form: {} } } },
  );
  const connected: Connected = { client, sessionId: undefined, logs: [], received: [], asked: [] };
  client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
    connected.logs.push(notification.params);
  });
  client.setRequestHandler(ElicitRequestSchema, async (_request, extra) => {
    connected.asked.push(extra.requestId);
    if (answer === 'never') {
      await new Promise((resolve) => extra.signal.addEventListener('abort', resolve));
    }
    return { action: 'decline' };
  });
  await client.connect(transport);
  const wire: Transport = transport;
  const dispatch = wire.onmessage;
  wire.onmessage = (message) => {
    connected.received.push(JSON.stringify(message));
    dispatch?.(message);
  };
  // SSE names its session in the endpoint URL it was given; streamable HTTP in a header.
  connected.sessionId =
    transport instanceof StreamableHTTPClientTransport
      ? transport.sessionId
      : ((transport as unknown as { _endpoint?: URL })._endpoint?.searchParams.get('sessionId') ?? undefined);
  return connected;
}

function text(result: unknown): string {
  const content = (result as CallToolResult).content[0];
  return content?.type === 'text' ? content.text : '';
}

const mcpHeaders = (sessionId: string | undefined, bearer = token) => ({
  Accept: 'application/json, text/event-stream',
  'Content-Type': 'application/json',
  Authorization: `Bearer ${bearer}`,
  'Mcp-Protocol-Version': '2025-11-25',
  ...(sessionId === undefined ? {} : { 'Mcp-Session-Id': sessionId }),
});

describe.each(['streamable-http', 'sse'] as const)('sessions over %s', (transport) => {
  let home: Awaited<ReturnType<typeof createAwsSandboxHome>>;
  let workdir: string;
  let server: SpawnedServer;

  beforeAll(async () => {
    home = await createAwsSandboxHome({ credentials: S3RVER_CREDENTIALS, region: 'us-east-1' });
    workdir = await mkdtemp(join(tmpdir(), 'sessions-workdir-'));
    server = await spawnServer({
      args: ['--transport', transport, '--port', '0', '--consent-timeout', '2'],
      env: {
        PATH: process.env.PATH ?? '',
        ...home.env,
        AWS_MCP_WORKDIR: workdir,
        AWS_MCP_AUTH_TOKEN: token,
        AWS_MCP_AUTH_TOKENS: otherToken,
        AWS_MCP_AUDIT_LOG: join(workdir, '..', `${basename(workdir)}-audit.jsonl`),
        AWS_MAX_ATTEMPTS: '1',
        // Nothing listens here: the account lookup before a consent form fails at once.
        AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
        ...coldAwsStage,
      },
    });
  });

  afterAll(async () => {
    await server?.stop();
    await home?.remove();
    await rm(workdir, { recursive: true, force: true });
    await rm(join(workdir, '..', `${basename(workdir)}-audit.jsonl`), { force: true });
  });

  it('sends each session the log messages of its own level (logging/setLevel)', async () => {
    const quiet = await connect(server.url, { transport });
    const chatty = await connect(server.url, { transport });
    try {
      await quiet.client.setLoggingLevel('error');
      await chatty.client.setLoggingLevel('info');
      // An edit of the AWS files is logged at info to every session that wants info.
      await appendFile(home.env.AWS_CONFIG_FILE as string, '\n[profile added-later]\nregion = eu-west-1\n');
      const seen = await pollUntil(
        () => chatty.logs,
        (logs) => logs.some((entry) => String(entry.data).includes('added-later')),
      );
      expect(seen.map((entry) => entry.data)).toContainEqual(
        'the AWS files changed; profiles now: added-later, default',
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(quiet.logs.filter((entry) => String(entry.data).includes('added-later'))).toEqual([]);
    } finally {
      await quiet.client.close();
      await chatty.client.close();
    }
  });

  it('never shows one session the id of another, not even in a failed request it logs', async () => {
    const first = await connect(server.url, { transport });
    const second = await connect(server.url, { transport });
    try {
      expect(first.sessionId).toMatch(/^[0-9a-f-]{36}$/);
      await second.client.setLoggingLevel('debug');
      // A request that breaks off mid-body, naming the first session in its URL (SSE) or header.
      const base = new URL(server.url);
      const path = transport === 'sse' ? `/messages?sessionId=${first.sessionId}` : '/mcp';
      await new Promise<void>((resolve) => {
        const request = httpRequest(new URL(path, base), {
          method: 'POST',
          headers: { ...mcpHeaders(first.sessionId), 'Content-Length': '1000' },
        });
        request.on('error', () => resolve());
        request.write('{"jsonrpc":');
        setTimeout(() => {
          request.destroy();
          resolve();
        }, 200);
      });
      await first.client.callTool({
        name: 'aws_cli_pipeline',
        arguments: { command: 'aws s3 mb s3://separate' },
      });
      await second.client.callTool({ name: 'aws_cli_help', arguments: { service: 's3', command: 'ls' } });
      const resources = await second.client.readResource({ uri: 'aws://config/environment' });
      const everything = [...second.received, JSON.stringify(resources), server.stderr()].join('\n');
      expect(everything).not.toContain(first.sessionId);
      expect(server.stderr()).not.toContain(second.sessionId);
      expect(server.stderr()).not.toMatch(/sessionId=/);
      // The audit log names each call's session by its label, never by the id (a credential over HTTP).
      const audit = await readFile(join(workdir, '..', `${basename(workdir)}-audit.jsonl`), 'utf8');
      const sessions = audit
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { session?: string }).session);
      expect(sessions.length).toBeGreaterThan(0);
      for (const session of sessions) expect(session).toMatch(/^[0-9a-f]{8}$/);
      expect(audit).not.toContain(first.sessionId);
    } finally {
      await first.client.close();
      await second.client.close();
    }
  });

  it.each([
    ['declined', 'decline', /declined/],
    ['never answered (timed out)', 'never', /timed out|did not answer|no answer/i],
  ] as const)(
    'refuses a forged, a repeated or a late answer to a consent form %s',
    async (_case, answer, outcome) => {
      const session = await connect(server.url, { transport, answer });
      try {
        const refused = await session.client.callTool({
          name: 'aws_cli_pipeline',
          arguments: { command: 'aws s3 mb s3://answered-once' },
        });
        expect(text(refused)).toMatch(outcome);
        expect(session.asked).toHaveLength(1);
        const answer = (id: unknown) =>
          JSON.stringify({
            jsonrpc: '2.0',
            id,
            result: { action: 'accept', content: { approve: true, answer: 'show' } },
          });
        const target =
          transport === 'sse'
            ? new URL(`/messages?sessionId=${session.sessionId}`, server.url).href
            : server.url;
        for (const id of [session.asked[0], 4242, String(session.asked[0])]) {
          const response = await sendRaw(target, {
            headers: mcpHeaders(session.sessionId),
            body: answer(id),
          });
          expect(response.status).toBe(400);
          expect(JSON.parse(response.body).error.message).toBe(
            `Bad Request: the response with id ${JSON.stringify(id)} answers no request this server sent on this session and still waits for (it was answered already, timed out, or was never sent); nothing was accepted.`,
          );
        }
      } finally {
        await session.client.close();
      }
    },
  );

  it('takes requests of a session only with the token that started it', async () => {
    const session = await connect(server.url, { transport });
    try {
      const ping = JSON.stringify({ jsonrpc: '2.0', id: 99, method: 'ping' });
      const target =
        transport === 'sse'
          ? new URL(`/messages?sessionId=${session.sessionId}`, server.url).href
          : server.url;
      const other = await sendRaw(target, { headers: mcpHeaders(session.sessionId, otherToken), body: ping });
      expect(other.status).toBe(404);
      expect(JSON.parse(other.body).error.message).toBe(
        'Session not found: it ended or never existed; start a new one with initialize.',
      );
      // Its own token still works, and the other token can start a session of its own.
      await session.client.ping();
      const second = await connect(server.url, { transport, bearer: otherToken });
      await second.client.ping();
      await second.client.close();
    } finally {
      await session.client.close();
    }
  });
});

describe('streamable HTTP sessions of clients that went away', () => {
  let workdir: string;
  let hang: Awaited<ReturnType<typeof startHangingEndpoint>>;
  let server: SpawnedServer;

  beforeAll(async () => {
    workdir = await mkdtemp(join(tmpdir(), 'sessions-evict-'));
    hang = await startHangingEndpoint();
    server = await spawnServer({
      args: [
        '--transport',
        'streamable-http',
        '--port',
        '0',
        '--max-sessions',
        '3',
        '--session-evict-idle',
        '1',
      ],
      env: {
        PATH: process.env.PATH ?? '',
        HOME: workdir,
        AWS_MCP_WORKDIR: join(workdir, 'work'),
        AWS_MCP_AUTH_TOKEN: token,
        AWS_MAX_ATTEMPTS: '1',
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'x',
        AWS_SECRET_ACCESS_KEY: 'y',
        ...coldAwsStage,
      },
    });
  });

  afterAll(async () => {
    await server?.stop();
    hang?.close();
    await rm(workdir, { recursive: true, force: true });
  });

  it('closes the least recently used idle session for a new client, and logs its age', async () => {
    // Ten short runs that close without DELETE, three slots: each new one gets in once an old one is idle.
    for (let run = 0; run < 10; run++) {
      const attempt = await pollUntil(
        () => connect(server.url).catch((error: Error) => error),
        (value) => !(value instanceof Error),
      );
      if (attempt instanceof Error) throw attempt;
      await attempt.client.ping();
      await attempt.client.close();
    }
    const evictions = server
      .stderr()
      .match(/closing session [0-9a-f]{8} \(age \d+ s, idle \d+ s\) for a new client/g);
    expect(evictions?.length).toBeGreaterThanOrEqual(7);
  });

  it('still answers 503 when every session has a call running', async () => {
    const clients: Connected[] = [];
    try {
      for (let slot = 0; slot < 3; slot++) {
        const attempt = await pollUntil(
          () => connect(server.url).catch((error: Error) => error),
          (value) => !(value instanceof Error),
        );
        if (attempt instanceof Error) throw attempt;
        clients.push(attempt);
      }
      expect(clients).toHaveLength(3);
      const calls = clients.map((session) =>
        session.client
          .callTool({
            name: 'aws_cli_pipeline',
            arguments: { command: `aws s3 ls --endpoint-url ${hang.endpoint}` },
          })
          .catch(() => undefined),
      );
      await pollUntil(
        () => processesContaining(hang.endpoint),
        (lines) => lines.length >= 3,
        200,
      );
      await new Promise((resolve) => setTimeout(resolve, 1200));
      await expect(connect(server.url)).rejects.toThrow(/maximum of 3 sessions open/);
      void calls;
    } finally {
      for (const session of clients) await session.client.close();
    }
  });
});

describe('streamable HTTP calls whose stream breaks', () => {
  let workdir: string;
  let s3: Emulator;
  let home: Awaited<ReturnType<typeof createAwsSandboxHome>>;

  beforeAll(async () => {
    workdir = await mkdtemp(join(tmpdir(), 'sessions-resume-'));
    s3 = await startS3rver();
    home = await createAwsSandboxHome({ credentials: s3.credentials, region: 'us-east-1' });
  });

  afterAll(async () => {
    await s3?.stop();
    await home?.remove();
    await rm(workdir, { recursive: true, force: true });
  });

  const start = (grace: number, extra: string[] = []) =>
    spawnServer({
      args: ['--transport', 'streamable-http', '--port', '0', '--resume-grace', String(grace), ...extra],
      env: {
        PATH: process.env.PATH ?? '',
        ...home.env,
        AWS_MCP_WORKDIR: join(workdir, `work-${grace}`),
        AWS_MCP_AUTH_TOKEN: token,
        AWS_MAX_ATTEMPTS: '1',
        ...coldAwsStage,
      },
    });

  it('resumes a call after a dropped connection and delivers its result', async () => {
    const server = await start(20);
    const slowS3 = await startTcpProxy({ target: s3.endpoint.replace('http://', ''), delayMs: 3000 });
    const front = await startTcpProxy({ target: new URL(server.url).host });
    const session = await connect(`http://${front.endpoint}/mcp`);
    try {
      const call = session.client.callTool({
        name: 'aws_cli_pipeline',
        arguments: { command: `aws s3 ls --endpoint-url http://${slowS3.endpoint}` },
      });
      const running = await pollUntil(
        () => processesContaining(slowS3.endpoint),
        (lines) => lines.length > 0,
      );
      expect(running.length).toBeGreaterThan(0);
      front.cut();
      const result = await call;
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toMatchObject({ status: 'success', exitCode: 0 });
      expect(server.stderr()).not.toMatch(/canceled call/);
    } finally {
      await session.client.close();
      front.close();
      slowS3.close();
      expect(await server.stop()).toBe(0);
    }
  });

  it('cancels a call whose stream is gone and not resumed within the grace period, leaving no process', async () => {
    const server = await start(2);
    const hang = await startHangingEndpoint();
    const front = await startTcpProxy({ target: new URL(server.url).host });
    const session = await connect(`http://${front.endpoint}/mcp`);
    try {
      const call = session.client
        .callTool({
          name: 'aws_cli_pipeline',
          arguments: { command: `aws s3 ls --endpoint-url ${hang.endpoint}` },
        })
        .catch((error: Error) => error);
      await pollUntil(
        () => processesContaining(hang.endpoint),
        (lines) => lines.length > 0,
      );
      front.refuse(true);
      front.cut();
      const left = await pollUntil(
        () => processesContaining(hang.endpoint),
        (lines) => lines.length === 0,
        160,
      );
      expect(left).toEqual([]);
      const canceled =
        /canceled call \d+ of session [0-9a-f]{8}: its response stream broke and was not resumed within 2 s/;
      expect(await pollUntil(server.stderr, (stderr) => canceled.test(stderr))).toMatch(canceled);
      void call;
    } finally {
      await session.client.close();
      front.close();
      hang.close();
      expect(await server.stop()).toBe(0);
    }
  });

  it('never closes for a new client a session whose call still runs after its stream broke', async () => {
    const server = await start(30, ['--max-sessions', '1', '--session-evict-idle', '1']);
    const hang = await startHangingEndpoint();
    const front = await startTcpProxy({ target: new URL(server.url).host });
    const session = await connect(`http://${front.endpoint}/mcp`);
    try {
      void session.client
        .callTool({
          name: 'aws_cli_pipeline',
          arguments: { command: `aws s3 ls --endpoint-url ${hang.endpoint}` },
        })
        .catch(() => undefined);
      await pollUntil(
        () => processesContaining(hang.endpoint),
        (lines) => lines.length > 0,
      );
      front.refuse(true);
      front.cut();
      // No request of it is open now, and it has been quiet past the eviction threshold, but its call runs.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await expect(connect(server.url)).rejects.toThrow(/maximum of 1 sessions open/);
      expect(processesContaining(hang.endpoint).length).toBeGreaterThan(0);
    } finally {
      await session.client.close();
      front.close();
      hang.close();
      expect(await server.stop()).toBe(0);
    }
  });

  it('replays nothing for an event id of another session, and gives the client a stream of its own', async () => {
    const server = await start(20);
    const initialize = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    });
    const openRaw = async () => {
      const init = await sendRaw(server.url, { headers: mcpHeaders(undefined), body: initialize });
      const sessionId = String(init.headers['mcp-session-id']);
      await sendRaw(server.url, {
        headers: mcpHeaders(sessionId),
        body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
      });
      return { sessionId, eventId: /^id: (.+)$/m.exec(init.body)?.[1] };
    };
    const first = await openRaw();
    const second = await openRaw();
    const controller = new AbortController();
    try {
      expect(first.eventId).toBeDefined();
      // The first session's priming event id: after it, its own stream carried the initialize result.
      const replay = await fetch(server.url, {
        headers: { ...mcpHeaders(second.sessionId), 'Last-Event-ID': String(first.eventId) },
        signal: controller.signal,
      });
      expect(replay.status).toBe(200);
      expect(replay.headers.get('content-type')).toBe('text/event-stream');
      const reader = replay.body?.getReader();
      const chunk = await Promise.race([
        reader?.read().then(({ value }) => new TextDecoder().decode(value)),
        new Promise<string>((resolve) => setTimeout(() => resolve(''), 1000)),
      ]);
      expect(chunk).not.toContain('serverInfo');
      const asked = /asked to resume after an event it does not hold/;
      expect(await pollUntil(server.stderr, (stderr) => asked.test(stderr))).toMatch(asked);
    } finally {
      controller.abort();
      for (const { sessionId } of [first, second]) {
        await sendRaw(server.url, { method: 'DELETE', headers: mcpHeaders(sessionId) });
      }
      expect(await server.stop()).toBe(0);
    }
  });
});

describe('CORS for --allowed-origins', () => {
  let workdir: string;
  let server: SpawnedServer;
  const allowed = 'https://app.example.com';

  beforeAll(async () => {
    workdir = await mkdtemp(join(tmpdir(), 'sessions-cors-'));
    server = await spawnServer({
      args: ['--transport', 'streamable-http', '--port', '0', '--allowed-origins', allowed],
      env: {
        PATH: process.env.PATH ?? '',
        HOME: workdir,
        AWS_MCP_WORKDIR: join(workdir, 'work'),
        AWS_MCP_AUTH_TOKEN: token,
      },
    });
  });

  afterAll(async () => {
    await server?.stop();
    await rm(workdir, { recursive: true, force: true });
  });

  const preflight = (origin: string, extra: Record<string, string> = {}) =>
    sendRaw(server.url, {
      method: 'OPTIONS',
      headers: {
        Origin: origin,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization, content-type, mcp-session-id',
        ...extra,
      },
    });

  it('answers a preflight from an allowed origin without a token', async () => {
    const response = await preflight(allowed);
    expect(response.status).toBe(204);
    expect(response.headers).toMatchObject({
      'access-control-allow-origin': allowed,
      'access-control-allow-methods': 'GET, POST, DELETE',
      'access-control-allow-headers':
        'authorization, content-type, mcp-session-id, mcp-protocol-version, last-event-id',
      'access-control-expose-headers': 'mcp-session-id',
      vary: 'Origin',
    });
    expect(response.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it.each([
    ['a foreign origin', 'https://attacker.example', {}],
    ['an allowed origin with a foreign Host', allowed, { Host: 'attacker.example' }],
  ])('refuses a preflight from %s, with no CORS header', async (_case, origin, extra) => {
    const response = await preflight(origin, extra);
    expect(response.status).toBe(403);
    expect(Object.keys(response.headers).filter((name) => name.startsWith('access-control-'))).toEqual([]);
  });

  it('still needs the token for the real request, and lets the page read the session id', async () => {
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'page', version: '1' } },
    });
    const { Authorization: _none, ...withoutToken } = mcpHeaders(undefined);
    const refused = await sendRaw(server.url, { headers: { ...withoutToken, Origin: allowed }, body });
    expect(refused.status).toBe(401);
    expect(refused.headers['access-control-allow-origin']).toBe(allowed);
    const accepted = await sendRaw(server.url, {
      headers: { ...mcpHeaders(undefined), Origin: allowed },
      body,
    });
    expect(accepted.status).toBe(200);
    expect(accepted.headers).toMatchObject({
      'access-control-allow-origin': allowed,
      'access-control-expose-headers': 'mcp-session-id',
      vary: 'Origin',
    });
    expect(accepted.headers['mcp-session-id']).toMatch(/^[0-9a-f-]{36}$/);
    await sendRaw(server.url, {
      method: 'DELETE',
      headers: mcpHeaders(String(accepted.headers['mcp-session-id'])),
    });
  });
});
