import type { ServerResponse } from 'node:http';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { SessionEventStore } from './_event-store.js';
import type { McpHttpHost } from './_host.js';
import { sendJsonRpcError } from './_http-security.js';
import { chooseSessionToEvict } from './_session-eviction.js';
import { type SessionTraffic, watchSessionTraffic } from './_session-traffic.js';
import { createStreamBreakWatch, type StreamBreakWatch } from './_stream-breaks.js';
import { sessionLabel } from './session-label.js';

/** One client's session over streamable HTTP or SSE: its own McpServer. */
export interface Session {
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

/** The open sessions of one HTTP server, with what opens, tracks, evicts and closes them. */
export interface SessionTable {
  /** Established sessions by id. */
  sessions: Map<string, Session>;
  /** Streamable HTTP sessions whose initialize is being answered, before they have an id. */
  pending: Set<Session>;
  /** The servers of stateless requests being answered. */
  statelessServers: Set<McpServer>;
  /** Sessions open now, pending ones included. */
  count(): number;
  /** A session for this transport, on a new McpServer; a streamable one gets its event store and break watch. */
  create(
    transport: StreamableHTTPServerTransport | SSEServerTransport,
    tokenIndex: number,
    events?: SessionEventStore,
  ): Session;
  /** Runs `serve` for one of the session's requests, counting it open (not idle) until the response closes. */
  track(session: Session, response: ServerResponse, serve: () => Promise<void>): Promise<void>;
  /** Drops the session from the table (its transport closed). */
  forget(session: Session): void;
  /** Whether a new session fits, after closing the least recently used idle one if the cap is reached. */
  makeRoom(): Promise<boolean>;
  /** Answers 503: the cap is reached and no session is idle long enough to close. */
  refuseOverCap(response: ServerResponse): void;
  /** True once closeAll has started. */
  isClosing(): boolean;
  /** Closes every session and stateless server (aborting their running commands). */
  closeAll(): Promise<void>;
}

function formatAge(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return seconds < 120 ? `${seconds} s` : `${Math.round(seconds / 60)} min`;
}

/**
 * The session bookkeeping of an HTTP server: a session is idle only while none of its requests is open, an idle
 * session closes after the idle timeout, and at the cap the least recently used idle session makes room.
 */
export function createSessionTable({ host }: { host: McpHttpHost }): SessionTable {
  const { settings, names, log } = host;
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
      message: `Service Unavailable: the server already has its maximum of ${settings.maxSessions} sessions open (${names.maxSessions}), and none is idle long enough to close (${names.sessionEvictIdleSeconds}).`,
      headers: { 'Retry-After': '60' },
    });

  // At the cap, the least recently used session that is idle (no request open, no call running, no consent
  // pending) for the eviction idle time is closed to admit a new client. Returns whether there is room.
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
      server: host.createServer(),
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

  return {
    sessions,
    pending,
    statelessServers,
    count: openSessionCount,
    create: newSession,
    track,
    forget,
    makeRoom,
    refuseOverCap,
    isClosing: () => closing,
    closeAll: async () => {
      closing = true;
      await Promise.all([
        ...[...sessions.values(), ...pending].map(closeSession),
        ...[...statelessServers].map((server) => server.close().catch(() => {})),
      ]);
    },
  };
}
