import { randomUUID } from 'node:crypto';
import { createServer as createNodeServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { createMcpServer } from '../server.js';
import { type ServerContext, StartupError } from '../server-context.js';
import {
  createHostCheck,
  createTokenCheck,
  generateAuthToken,
  readBody,
  sendJsonRpcError,
} from './_http-security.js';

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
  openRequests: number;
  idleTimer: NodeJS.Timeout | undefined;
}

type Handler = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

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
export async function startHttpServer({ context }: { context: ServerContext }): Promise<HttpServerHandle> {
  const { config, log } = context;
  const settings = config.http;
  const authToken = settings.authToken ?? generateAuthToken();
  const hasValidToken = createTokenCheck(authToken);
  const hostProblem = createHostCheck(settings);
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
      if (session.openRequests > 0 || closing) return;
      if (session.transport.sessionId === undefined || !sessions.has(session.transport.sessionId)) {
        if (pending.has(session)) void closeSession(session);
        return;
      }
      session.idleTimer = setTimeout(() => {
        log(
          `closing session ${session.transport.sessionId} after ${settings.sessionIdleTimeoutSeconds} s idle`,
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
      message: `Service Unavailable: the server already has its maximum of ${settings.maxSessions} sessions open (AWS_MCP_MAX_SESSIONS).`,
      headers: { 'Retry-After': '60' },
    });

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

  const unknownSession = (response: ServerResponse) =>
    sendJsonRpcError(response, {
      status: 404,
      code: -32001,
      message: 'Session not found: it ended or never existed; start a new one with initialize.',
    });

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

  const serveStreamable: Handler = async (request, response) => {
    if (settings.stateless) return serveStateless(request, response);
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
      const transport = sessions.get(sessionId)?.transport;
      const session = sessions.get(sessionId);
      if (session === undefined || !(transport instanceof StreamableHTTPServerTransport)) {
        return unknownSession(response);
      }
      return track(session, response, () => transport.handleRequest(request, response, message));
    }
    if (method !== 'POST' || !isInitializeRequest(message)) {
      sendJsonRpcError(response, {
        status: 400,
        message: 'Bad Request: no Mcp-Session-Id header; a session starts with an initialize request.',
      });
      return;
    }
    if (openSessionCount() >= settings.maxSessions) return refuseOverCap(response);
    const session: Session = {
      server: createMcpServer(context),
      transport: new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          pending.delete(session);
          sessions.set(id, session);
        },
      }),
      openRequests: 0,
      idleTimer: undefined,
    };
    pending.add(session);
    session.transport.onclose = () => forget(session);
    await session.server.connect(session.transport);
    await track(session, response, () =>
      (session.transport as StreamableHTTPServerTransport).handleRequest(request, response, message),
    );
  };

  const serveSseStream: Handler = async (request, response) => {
    if (request.method !== 'GET') {
      sendJsonRpcError(response, {
        status: 405,
        message: 'Method Not Allowed: open the SSE stream with GET.',
        headers: { Allow: 'GET' },
      });
      return;
    }
    if (openSessionCount() >= settings.maxSessions) return refuseOverCap(response);
    const transport = new SSEServerTransport('/messages', response);
    const session: Session = {
      server: createMcpServer(context),
      transport,
      openRequests: 0,
      idleTimer: undefined,
    };
    transport.onclose = () => forget(session);
    sessions.set(transport.sessionId, session);
    await track(session, response, () => session.server.connect(transport));
  };

  const serveSseMessage: Handler = async (request, response) => {
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
    if (session === undefined) return unknownSession(response);
    const body = await readJson(request, response);
    if (!body.ok) return;
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

  const handle: Handler = async (request, response) => {
    const problem = hostProblem(request);
    if (problem !== undefined) return sendJsonRpcError(response, { status: 403, message: problem });
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
    if (!hasValidToken(request)) {
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
    await route(request, response);
  };

  const httpServer = createNodeServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      log(
        `HTTP ${request.method} ${request.url} failed: ${error instanceof Error ? error.message : String(error)}`,
      );
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
