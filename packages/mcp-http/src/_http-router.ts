import type { IncomingMessage, ServerResponse } from 'node:http';
import type { McpHttpSettingNames, McpHttpSettings } from './_host.js';
import { createCorsPolicy, createHostCheck, createTokenCheck, sendJsonRpcError } from './_http-security.js';

/** Serves one authorized request of a route; `tokenIndex` says which accepted token it carried. */
export type Handler = (
  request: IncomingMessage,
  response: ServerResponse,
  tokenIndex: number,
) => Promise<void>;

/**
 * The HTTP router in front of the MCP transports, in the order a request meets it: the Host check (403), CORS
 * (a preflight is answered here), `/healthz`, the route (404 names where MCP is served), the bearer token (401),
 * and a server that is stopping (503). Only then does the route's handler run.
 */
export function createHttpRouter({
  settings,
  names,
  tokens,
  routes,
  mcpPath,
  isClosing,
}: {
  settings: McpHttpSettings;
  names: McpHttpSettingNames;
  /** The accepted bearer tokens; a handler learns which one a request carried by its index. */
  tokens: readonly string[];
  routes: ReadonlyMap<string, Handler>;
  /** Where MCP is served, named in a 404. */
  mcpPath: string;
  isClosing: () => boolean;
}): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  const whichToken = createTokenCheck(tokens);
  const hostProblem = createHostCheck(settings, names);
  const cors = createCorsPolicy(settings);
  return async (request, response) => {
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
    if (isClosing()) {
      return sendJsonRpcError(response, {
        status: 503,
        message: 'Service Unavailable: the server is stopping.',
      });
    }
    await route(request, response, tokenIndex);
  };
}
