import { createServer as createNodeServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { McpHttpError } from './_errors.js';
import {
  defaultSettingNames,
  type McpHttpHost,
  type McpHttpSettingNames,
  type McpHttpSettings,
} from './_host.js';
import { createHttpRouter, type Handler } from './_http-router.js';
import { generateAuthToken, sendJsonRpcError } from './_http-security.js';
import { createSessionTable } from './_http-sessions.js';

/** What `startMcpHttpServer` serves and how. */
export interface StartMcpHttpServerOptions {
  /** Streamable HTTP at `/mcp`, or the deprecated SSE transport at `/sse` + `/messages`. */
  transport: 'streamable-http' | 'sse';
  settings: McpHttpSettings;
  /** A new McpServer for each session (or each request when stateless). */
  createServer: () => McpServer;
  /**
   * Applied to every string of an event kept for resumed streams (required: what a replay returns must have been
   * masked the way the application masks secrets).
   */
  maskText: (text: string) => string;
  /** How many bytes of events one session keeps for resumed streams (default 2 MiB). */
  eventBytes?: number;
  /** The operator's log (default: none): what one session did never goes to the others. */
  log?: (message: string) => void;
  /** How texts name the settings (default: the library's option names). */
  settingNames?: Partial<McpHttpSettingNames>;
}

/** A running HTTP server. */
export interface McpHttpServerHandle {
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

/** What `startMcpHttpServer` (start.ts, the public entry, which imports this module at its first call) does. */
export async function startMcpHttpServer({
  transport,
  settings,
  createServer,
  maskText,
  eventBytes = 2 * 1024 * 1024,
  log = () => {},
  settingNames = {},
}: StartMcpHttpServerOptions): Promise<McpHttpServerHandle> {
  const names: McpHttpSettingNames = { ...defaultSettingNames, ...settingNames };
  const host: McpHttpHost = { settings, names, createServer, maskText, eventBytes, log };
  const authToken = settings.authToken ?? generateAuthToken();
  const tokens = settings.authTokens.length > 0 ? settings.authTokens : [authToken];
  const table = createSessionTable({ host });

  let routes: Map<string, Handler>;
  // The transports are imported when a server starts, not with the package: the SDK's HTTP transports load Hono's
  // Node adapter, which reads fetch's globals (loading undici), and a program that imports this package only for
  // `sessionLabel` or `isLoopbackHost` should not pay that at start-up.
  if (transport === 'sse') {
    const { createSseHandlers } = await import('./_sse.js');
    const sse = createSseHandlers({ host, table });
    routes = new Map([
      ['/sse', sse.stream],
      ['/messages', sse.message],
      ['/messages/', sse.message],
    ]);
  } else {
    const { createStreamableHttpHandler } = await import('./_streamable-http.js');
    routes = new Map([['/mcp', createStreamableHttpHandler({ host, table })]]);
  }
  const mcpPath = transport === 'sse' ? '/sse' : '/mcp';
  const handle = createHttpRouter({ settings, names, tokens, routes, mcpPath, isClosing: table.isClosing });

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
        new McpHttpError({
          code: 'LISTEN_FAILED',
          message: `cannot listen on ${formatUrl(listenHost, settings.port, '')}: ${
            error.code === 'EADDRINUSE'
              ? `the port is in use (choose another with ${names.port}, or 0 for any free port)`
              : error.message
          }`,
          cause: error,
        }),
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
