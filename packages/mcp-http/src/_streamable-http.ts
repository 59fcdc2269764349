import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest, isJSONRPCRequest, type RequestId } from '@modelcontextprotocol/sdk/types.js';
import { SessionEventStore } from './_event-store.js';
import type { McpHttpHost } from './_host.js';
import { headerValue, readJsonBody, refuseAnswer, refuseUnknownSession } from './_http-messages.js';
import type { Handler } from './_http-router.js';
import { sendJsonRpcError } from './_http-security.js';
import type { Session, SessionTable } from './_http-sessions.js';
import { sessionLabel } from './session-label.js';

/** The POST whose handling is running, so the event store learns which stream carries its calls. */
interface PostContext {
  streamId: string | undefined;
}

// How often a client that lost a stream is told to retry (the SSE `retry` field), in ms.
const retryIntervalMs = 1000;

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

/**
 * The handler of `/mcp`: streamable HTTP with sessions (GET, POST, DELETE; a session starts with initialize and
 * keeps its own event store for resumed streams), or with `stateless` set, a new server per POST.
 */
export function createStreamableHttpHandler({
  host,
  table,
}: {
  host: McpHttpHost;
  table: SessionTable;
}): Handler {
  const { settings, names, log, eventBytes } = host;
  const postContext = new AsyncLocalStorage<PostContext>();
  const eventAgeMs = Math.max(2 * settings.resumeGraceSeconds, 60) * 1000;
  const { sessions, pending, statelessServers } = table;
  const readJson = (request: IncomingMessage, response: ServerResponse) =>
    readJsonBody(request, response, {
      maxRequestBytes: settings.maxRequestBytes,
      name: names.maxRequestBytes,
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
    if (problem !== undefined) return refuseAnswer(response, problem);
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
        return table.track(session, response, () => transport.handleRequest(request, response, message));
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
    return table.track(session, response, () =>
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
    const server = host.createServer();
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
        return refuseUnknownSession(response);
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
    if (!(await table.makeRoom())) return table.refuseOverCap(response);
    const events = new SessionEventStore({
      maxBytes: eventBytes,
      maxAgeMs: eventAgeMs,
      maskText: host.maskText,
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
    const session = table.create(transport, tokenIndex, events);
    pending.add(session);
    transport.onclose = () => table.forget(session);
    await session.server.connect(transport);
    await serveInSession(session, transport, request, response, message);
  };

  return serveStreamable;
}
