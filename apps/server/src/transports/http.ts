import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { createServer as createNodeServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest, isJSONRPCRequest, type RequestId } from '@modelcontextprotocol/sdk/types.js';
import { writeMaskedStderr } from '../_masked-stderr.js';
import { sessionLabel } from '../_session-label.js';
import { createMcpServer } from '../server.js';
import { type ServerContext, StartupError } from '../server-context.js';
import { SessionEventStore } from './_event-store.js';
import {
  createCorsPolicy,
  createHostCheck,
  createTokenCheck,
  generateAuthToken,
  readBody,
  sendJsonRpcError,
} from './_http-security.js';
import { chooseSessionToEvict } from './_session-eviction.js';
import { type SessionTraffic, watchSessionTraffic } from './_session-traffic.js';
import { createStreamBreakWatch, type StreamBreakWatch } from './_stream-breaks.js';

/** A running HTTP server. */
export interface HttpServerHandle {
  /** Where clients connect: `…/mcp` for streamable HTTP, `…/sse` for SSE. */
  url: string;
  /** The token clients send as `Authorization: Bearer …` (the configured one, or the one made at start). */
  authToken: string;
  /** Sessions open now. */
  sessionCount(): number;
  /** Stops listening, closes every session (aborting their running commands) and every connection. */
  close(): Promise<void>;
}

interface Session {
  server: McpServer;
  transport: StreamableHTTPServerTransport | SSEServerTransport;
  /** Which accepted token created it; it takes requests with that token only. */
  tokenIndex: number;
  traffic: SessionTraffic;
  /** Streamable HTTP only: the session's own event store and its broken-stream watch. */
  events: SessionEventStore | undefined;
  breaks: StreamBreakWatch | undefined;
  createdAt: number;
  openRequests: number;
  idleTimer: NodeJS.Timeout | undefined;
}

/** The POST whose handling is running, so the event store learns which stream carries its calls. */
interface PostContext {
  streamId: string | undefined;
}

// How often a client that lost a stream is told to retry (the SSE `retry` field), in ms.
const retryIntervalMs = 1000;

function formatAge(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return seconds < 120 ? `${seconds} s` : `${Math.round(seconds / 60)} min`;
}

/**
 * Sets (or with `undefined` removes) a request header for the SDK's transport, which reads `rawHeaders`
 * (through @hono/node-server).
 */
function setRequestHeader(request: IncomingMessage, name: string, value: string | undefined): void {
  if (value === undefined) delete request.headers[name];
  else request.headers[name] = value;
  const raw = request.rawHeaders;
  for (let index = raw.length - 2; index >= 0; index -= 2) {
    if (raw[index]?.toLowerCase() === name) raw.splice(index, 2);
  }
  if (value !== undefined) raw.push(name, value);
}

type Handler = (request: IncomingMessage, response: ServerResponse, tokenIndex: number) => Promise<void>;

function formatUrl(host: string, port: number, path: string): string {
  const shown = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `http://${shown}:${port}${path}`;
}

function headerValue(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Serves MCP over HTTP on the shared context: streamable HTTP at `/mcp` (stateful sessions, or a new server per
 * request when stateless) or the deprecated SSE transport at `/sse` + `/messages`, and `/healthz`. Every MCP
 * request needs the bearer token and a loopback (or allowed) Host. Throws StartupError when it cannot listen.
 */
export async function startHttpServer({
  context,
  log = writeMaskedStderr,
}: {
  context: ServerContext;
  /** The operator's log (stderr): what one session did never goes to the others as a notification. */
  log?: (message: string) => void;
}): Promise<HttpServerHandle> {
  const { config } = context;
  const settings = config.http;
  const authToken = settings.authToken ?? generateAuthToken();
  const tokens = settings.authTokens.length > 0 ? settings.authTokens : [authToken];
  const whichToken = createTokenCheck(tokens);
  const hostProblem = createHostCheck(settings);
  const cors = createCorsPolicy(settings);
  const postContext = new AsyncLocalStorage<PostContext>();
  const eventBytes = Math.max(2 * 1024 * 1024, 8 * config.maxOutputChars);
  const eventAgeMs = Math.max(2 * settings.resumeGraceSeconds, 60) * 1000;
  const sessions = new Map<string, Session>();
  const pending = new Set<Session>();
  const statelessServers = new Set<McpServer>();
  let closing = false;

  const openSessionCount = () => sessions.size + pending.size;

  const closeSession = async (session: Session) => {
    clearTimeout(session.idleTimer);
    await session.server.close().catch(() => {});
  };

  const forget = (session: Session) => {
    clearTimeout(session.idleTimer);
    session.breaks?.clear();
    session.events?.clear();
    pending.delete(session);
    const id = session.transport.sessionId;
    if (id !== undefined && sessions.get(id) === session) sessions.delete(id);
  };

  // A session counts as idle only while none of its requests (including a client's open GET stream) is open.
  const track = async (session: Session, response: ServerResponse, serve: () => Promise<void>) => {
    session.openRequests += 1;
    clearTimeout(session.idleTimer);
    response.on('close', () => {
      session.openRequests -= 1;
      session.traffic.touch();
      if (session.openRequests > 0 || closing) return;
      if (session.transport.sessionId === undefined || !sessions.has(session.transport.sessionId)) {
        if (pending.has(session)) void closeSession(session);
        return;
      }
      session.idleTimer = setTimeout(() => {
        log(
          `closing session ${sessionLabel(session.transport.sessionId)} after ${settings.sessionIdleTimeoutSeconds} s idle`,
        );
        void closeSession(session);
      }, settings.sessionIdleTimeoutSeconds * 1000);
      session.idleTimer.unref();
    });
    await serve();
  };

  const refuseOverCap = (response: ServerResponse) =>
    sendJsonRpcError(response, {
      status: 503,
      message: `Service Unavailable: the server already has its maximum of ${settings.maxSessions} sessions open (AWS_MCP_MAX_SESSIONS), and none is idle long enough to close (AWS_MCP_SESSION_EVICT_IDLE).`,
      headers: { 'Retry-After': '60' },
    });

  // At the cap, the least recently used session that is idle (no request open, no call running, no consent
  // pending) for AWS_MCP_SESSION_EVICT_IDLE is closed to admit a new client. Returns whether there is room.
  const makeRoom = async (): Promise<boolean> => {
    if (openSessionCount() < settings.maxSessions) return true;
    const now = Date.now();
    const victim = chooseSessionToEvict(
      [...sessions.values()].map((session) => ({
        session,
        openRequests: session.openRequests,
        runningCalls: session.traffic.running().size,
        asking: session.traffic.asking(),
        lastActive: session.traffic.lastActive(),
      })),
      { now, idleMs: settings.sessionEvictIdleSeconds * 1000 },
    )?.session;
    if (victim === undefined) return false;
    log(
      `closing session ${sessionLabel(victim.transport.sessionId)} (age ${formatAge(now - victim.createdAt)}, idle ${formatAge(now - victim.traffic.lastActive())}) for a new client: all ${settings.maxSessions} sessions were taken`,
    );
    forget(victim);
    await closeSession(victim);
    return openSessionCount() < settings.maxSessions;
  };

  const newSession = (
    transport: StreamableHTTPServerTransport | SSEServerTransport,
    tokenIndex: number,
    events?: SessionEventStore,
  ): Session => {
    const traffic = watchSessionTraffic(transport);
    const session: Session = {
      server: createMcpServer(context),
      transport,
      tokenIndex,
      traffic,
      events,
      breaks:
        events === undefined
          ? undefined
          : createStreamBreakWatch({
              graceMs: settings.resumeGraceSeconds * 1000,
              traffic,
              onCancel: (requestId, reason) =>
                log(
                  `canceled call ${JSON.stringify(requestId)} of session ${sessionLabel(transport.sessionId)}: ${reason}`,
                ),
            }),
      createdAt: Date.now(),
      openRequests: 0,
      idleTimer: undefined,
    };
    return session;
  };

  const badAnswer = (response: ServerResponse, problem: string) =>
    sendJsonRpcError(response, { status: 400, code: -32600, message: problem });

  const readJson = async (
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<{ ok: true; message: unknown } | { ok: false }> => {
    const body = await readBody(request, settings.maxRequestBytes);
    if (body.tooLarge) {
      sendJsonRpcError(response, {
        status: 413,
        message: `Payload Too Large: a request body must not exceed ${settings.maxRequestBytes} bytes (AWS_MCP_MAX_REQUEST_BYTES).`,
        headers: { Connection: 'close' },
      });
      return { ok: false };
    }
    try {
      return { ok: true, message: JSON.parse(body.text) };
    } catch {
      sendJsonRpcError(response, { status: 400, code: -32700, message: 'Parse error: Invalid JSON' });
      return { ok: false };
    }
  };

  // The same answer for a session that never existed and one started with another token: neither is told apart.
  const unknownSession = (response: ServerResponse) =>
    sendJsonRpcError(response, {
      status: 404,
      code: -32001,
      message: 'Session not found: it ended or never existed; start a new one with initialize.',
    });

  // Serves one request of an established streamable HTTP session: answers are claimed first (one answer per
  // server request), a resume names a stream of this session's own store, and a broken call stream is watched.
  const serveInSession = async (
    session: Session,
    transport: StreamableHTTPServerTransport,
    request: IncomingMessage,
    response: ServerResponse,
    message: unknown,
  ) => {
    const messages = message === undefined ? [] : Array.isArray(message) ? message : [message];
    const problem = session.traffic.claimAnswers(messages);
    if (problem !== undefined) return badAnswer(response, problem);
    // The version the session negotiated decides what its streams carry (the priming event needs 2025-11-25),
    // not a lower or missing header: the client agreed to that version in initialize.
    const negotiated = session.traffic.protocolVersion();
    const claimed = headerValue(request, 'mcp-protocol-version');
    if (negotiated !== undefined && (claimed === undefined || claimed < negotiated)) {
      setRequestHeader(request, 'mcp-protocol-version', negotiated);
    }
    const lastEventId = request.method === 'GET' ? headerValue(request, 'last-event-id') : undefined;
    if (lastEventId !== undefined) {
      const streamId = session.events?.streamOf(lastEventId);
      if (streamId !== undefined) {
        const resumedEnds = session.breaks?.resumed(streamId);
        response.on('close', () => resumedEnds?.());
        return track(session, response, () => transport.handleRequest(request, response, message));
      }
      // An event this session never had (another session's) or no longer holds: nothing is replayed, and the
      // client gets a new stream of its own. A 404 would tell it the session itself was gone.
      log(
        `session ${sessionLabel(session.transport.sessionId)} asked to resume after an event it does not hold (older than ${eventAgeMs / 1000} s, or never its own); it gets a new stream, nothing replayed`,
      );
      setRequestHeader(request, 'last-event-id', undefined);
    }
    const requestIds: RequestId[] = messages.filter(isJSONRPCRequest).map((call) => call.id);
    const post: PostContext = { streamId: undefined };
    if (requestIds.length > 0) response.on('close', () => session.breaks?.ended(post.streamId, requestIds));
    return track(session, response, () =>
      postContext.run(post, () => transport.handleRequest(request, response, message)),
    );
  };

  const serveStateless: Handler = async (request, response) => {
    if (request.method !== 'POST') {
      sendJsonRpcError(response, {
        status: 405,
        message: 'Method Not Allowed: a stateless server takes POST only.',
        headers: { Allow: 'POST' },
      });
      return;
    }
    const body = await readJson(request, response);
    if (!body.ok) return;
    const server = createMcpServer(context);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    statelessServers.add(server);
    response.on('close', () => {
      statelessServers.delete(server);
      void server.close().catch(() => {});
    });
    await server.connect(transport);
    await transport.handleRequest(request, response, body.message);
  };

  const serveStreamable: Handler = async (request, response, tokenIndex) => {
    if (settings.stateless) return serveStateless(request, response, tokenIndex);
    const method = request.method ?? '';
    if (!['GET', 'POST', 'DELETE'].includes(method)) {
      sendJsonRpcError(response, {
        status: 405,
        message: `Method Not Allowed: ${method} is not one of GET, POST, DELETE.`,
        headers: { Allow: 'GET, POST, DELETE' },
      });
      return;
    }
    const sessionId = headerValue(request, 'mcp-session-id');
    let message: unknown;
    if (method === 'POST') {
      const body = await readJson(request, response);
      if (!body.ok) return;
      message = body.message;
    }
    if (sessionId !== undefined) {
      const session = sessions.get(sessionId);
      const transport = session?.transport;
      if (
        session === undefined ||
        session.tokenIndex !== tokenIndex ||
        !(transport instanceof StreamableHTTPServerTransport)
      ) {
        return unknownSession(response);
      }
      return serveInSession(session, transport, request, response, message);
    }
    if (method !== 'POST' || !isInitializeRequest(message)) {
      sendJsonRpcError(response, {
        status: 400,
        message: 'Bad Request: no Mcp-Session-Id header; a session starts with an initialize request.',
      });
      return;
    }
    if (!(await makeRoom())) return refuseOverCap(response);
    const events = new SessionEventStore({
      maxBytes: eventBytes,
      maxAgeMs: eventAgeMs,
      onStore: (streamId, stored) => {
        // The priming event (no message) opens a call stream: remember it for the POST being handled.
        const post = postContext.getStore();
        if (post !== undefined && post.streamId === undefined && Object.keys(stored).length === 0) {
          post.streamId = streamId;
        }
      },
    });
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        pending.delete(session);
        sessions.set(id, session);
      },
      eventStore: events,
      retryInterval: retryIntervalMs,
    });
    const session = newSession(transport, tokenIndex, events);
    pending.add(session);
    transport.onclose = () => forget(session);
    await session.server.connect(transport);
    await serveInSession(session, transport, request, response, message);
  };

  const serveSseStream: Handler = async (request, response, tokenIndex) => {
    if (request.method !== 'GET') {
      sendJsonRpcError(response, {
        status: 405,
        message: 'Method Not Allowed: open the SSE stream with GET.',
        headers: { Allow: 'GET' },
      });
      return;
    }
    if (!(await makeRoom())) return refuseOverCap(response);
    const transport = new SSEServerTransport('/messages', response);
    const session = newSession(transport, tokenIndex);
    transport.onclose = () => forget(session);
    sessions.set(transport.sessionId, session);
    await track(session, response, () => session.server.connect(transport));
  };

  const serveSseMessage: Handler = async (request, response, tokenIndex) => {
    if (request.method !== 'POST') {
      sendJsonRpcError(response, {
        status: 405,
        message: 'Method Not Allowed: send messages with POST.',
        headers: { Allow: 'POST' },
      });
      return;
    }
    const url = new URL(request.url ?? '/', 'http://localhost');
    const session = sessions.get(url.searchParams.get('sessionId') ?? '');
    if (session === undefined || session.tokenIndex !== tokenIndex) return unknownSession(response);
    const body = await readJson(request, response);
    if (!body.ok) return;
    const problem = session.traffic.claimAnswers(Array.isArray(body.message) ? body.message : [body.message]);
    if (problem !== undefined) return badAnswer(response, problem);
    session.traffic.touch();
    await (session.transport as SSEServerTransport).handlePostMessage(request, response, body.message);
  };

  const routes = new Map<string, Handler>(
    config.transport === 'sse'
      ? [
          ['/sse', serveSseStream],
          ['/messages', serveSseMessage],
          ['/messages/', serveSseMessage],
        ]
      : [['/mcp', serveStreamable]],
  );
  const mcpPath = config.transport === 'sse' ? '/sse' : '/mcp';

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const problem = hostProblem(request);
    if (problem !== undefined) return sendJsonRpcError(response, { status: 403, message: problem });
    if (cors.isPreflight(request)) return cors.preflight(request, response);
    for (const [name, value] of Object.entries(cors.headers(request))) response.setHeader(name, value);
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path === '/healthz') {
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        return sendJsonRpcError(response, {
          status: 405,
          message: 'Method Not Allowed: use GET.',
          headers: { Allow: 'GET, HEAD' },
        });
      }
      response.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      response.end(request.method === 'HEAD' ? undefined : '{"status":"ok"}');
      return;
    }
    const route = routes.get(path);
    if (route === undefined) {
      return sendJsonRpcError(response, { status: 404, message: `Not Found: MCP is served at ${mcpPath}.` });
    }
    const tokenIndex = whichToken(request);
    if (tokenIndex === undefined) {
      return sendJsonRpcError(response, {
        status: 401,
        message: 'Unauthorized: send the header `Authorization: Bearer <token>` with the server token.',
        headers: { 'WWW-Authenticate': 'Bearer realm="aws-mcp"' },
      });
    }
    if (closing) {
      return sendJsonRpcError(response, {
        status: 503,
        message: 'Service Unavailable: the server is stopping.',
      });
    }
    await route(request, response, tokenIndex);
  };

  const httpServer = createNodeServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      // The path only: a query can carry a session id (SSE's `?sessionId=`).
      const path = new URL(request.url ?? '/', 'http://localhost').pathname;
      log(`HTTP ${request.method} ${path} failed: ${error instanceof Error ? error.message : String(error)}`);
      sendJsonRpcError(response, { status: 500, code: -32603, message: 'Internal error' });
    });
  });

  const listenHost = settings.host.replace(/^\[(.*)\]$/, '$1');
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        new StartupError(
          `cannot listen on ${formatUrl(listenHost, settings.port, '')}: ${
            error.code === 'EADDRINUSE'
              ? 'the port is in use (choose another with AWS_MCP_PORT, or 0 for any free port)'
              : error.message
          }`,
        ),
      );
    });
    httpServer.listen(settings.port, listenHost, () => resolve());
  });
  const { port } = httpServer.address() as AddressInfo;

  return {
    url: formatUrl(listenHost, port, mcpPath),
    authToken,
    sessionCount: openSessionCount,
    close: async () => {
      if (closing) return;
      closing = true;
      const stopped = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      await Promise.all([
        ...[...sessions.values(), ...pending].map(closeSession),
        ...[...statelessServers].map((server) => server.close().catch(() => {})),
      ]);
      httpServer.closeAllConnections();
      await stopped;
    },
  };
}
