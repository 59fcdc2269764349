import { createServer as createNodeServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeMaskedStderr } from '../_masked-stderr.js';
import { type ServerContext, StartupError } from '../server-context.js';
import { createHttpRouter, type Handler } from './_http-router.js';
import { generateAuthToken, sendJsonRpcError } from './_http-security.js';
import { createSessionTable } from './_http-sessions.js';
import { createSseHandlers } from './_sse.js';
import { createStreamableHttpHandler } from './_streamable-http.js';

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

function formatUrl(host: string, port: number, path: string): string {
  const shown = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `http://${shown}:${port}${path}`;
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
  const table = createSessionTable({ context, log });

  let routes: Map<string, Handler>;
  if (config.transport === 'sse') {
    const sse = createSseHandlers({ context, table });
    routes = new Map([
      ['/sse', sse.stream],
      ['/messages', sse.message],
      ['/messages/', sse.message],
    ]);
  } else {
    routes = new Map([['/mcp', createStreamableHttpHandler({ context, table, log })]]);
  }
  const mcpPath = config.transport === 'sse' ? '/sse' : '/mcp';
  const handle = createHttpRouter({ settings, tokens, routes, mcpPath, isClosing: table.isClosing });

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
    sessionCount: table.count,
    close: async () => {
      if (table.isClosing()) return;
      const stopped = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      await table.closeAll();
      httpServer.closeAllConnections();
      await stopped;
    },
  };
}
