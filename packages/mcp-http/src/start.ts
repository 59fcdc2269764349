import type { McpHttpServerHandle, StartMcpHttpServerOptions } from './http.js';

/**
 * Serves MCP over HTTP: streamable HTTP at `/mcp` (stateful sessions, or a new server per request when
 * stateless) or the deprecated SSE transport at `/sse` + `/messages`, and `/healthz`. Every MCP request needs the
 * bearer token and a loopback (or allowed) Host. Throws McpHttpError (`LISTEN_FAILED`) when it cannot listen.
 *
 * The HTTP code (and Node's `http`, about 3 ms to load) is imported here, at the call: a program that imports this
 * package for its helpers (isLoopbackHost, sessionLabel) and serves over stdio never evaluates it.
 */
export async function startMcpHttpServer(options: StartMcpHttpServerOptions): Promise<McpHttpServerHandle> {
  const { startMcpHttpServer: start } = await import('./http.js');
  return start(options);
}
