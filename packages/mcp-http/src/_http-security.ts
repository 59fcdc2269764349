import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { defaultSettingNames, type McpHttpSettingNames, type McpHttpSettings } from './_host.js';

/** Whether `host` is a loopback address or name, so only processes on this machine can connect. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || bare === '0:0:0:0:0:0:0:1';
  return false;
}

/** A JSON-RPC error answer with no id, as the SDK's own transports send them. */
export function sendJsonRpcError(
  response: ServerResponse,
  {
    status,
    code = -32000,
    message,
    headers = {},
  }: { status: number; code?: number; message: string; headers?: Record<string, string> },
): void {
  if (response.headersSent) {
    response.end();
    return;
  }
  const body = JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null });
  response.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    ...headers,
  });
  response.end(body);
}

/** A token for a server started without one: 256 random bits, URL-safe. */
export function generateAuthToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Finds which of the accepted tokens a request's bearer token is, comparing with every one in constant time
 * (hashes hide the length too). Returns its index, or undefined for no token or a wrong one.
 */
export function createTokenCheck(
  accepted: readonly string[],
): (request: IncomingMessage) => number | undefined {
  const digests = accepted.map((token) => createHash('sha256').update(token).digest());
  return (request) => {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(request.headers.authorization ?? '');
    const digest = createHash('sha256')
      .update(match?.[1] ?? '')
      .digest();
    let found: number | undefined;
    digests.forEach((expected, index) => {
      if (timingSafeEqual(digest, expected) && found === undefined) found = index;
    });
    return match === null ? undefined : found;
  };
}

/** The request headers a browser may send cross-origin (the MCP ones, the token and resumption). */
const corsAllowedHeaders = 'authorization, content-type, mcp-session-id, mcp-protocol-version, last-event-id';

/**
 * CORS for the exact origins in `allowedOrigins`: `headers` for an answer to such an origin (its own
 * origin, never `*`, never credentials), and `preflight` for an OPTIONS preflight, answered without a token.
 * Another origin, or a request without Origin, gets no CORS header at all.
 */
export function createCorsPolicy(config: Pick<McpHttpSettings, 'allowedOrigins'>): {
  headers(request: IncomingMessage): Record<string, string>;
  isPreflight(request: IncomingMessage): boolean;
  preflight(request: IncomingMessage, response: ServerResponse): void;
} {
  const allowed = new Set(config.allowedOrigins);
  const originOf = (request: IncomingMessage) => {
    const origin = request.headers.origin;
    return origin !== undefined && allowed.has(origin) ? origin : undefined;
  };
  const vary: Record<string, string> = allowed.size > 0 ? { Vary: 'Origin' } : {};
  const headers = (request: IncomingMessage): Record<string, string> => {
    const origin = originOf(request);
    if (origin === undefined) return vary;
    return {
      ...vary,
      'Access-Control-Allow-Origin': origin,
      'Access-Control-Expose-Headers': 'mcp-session-id',
    };
  };
  return {
    headers,
    isPreflight: (request) =>
      request.method === 'OPTIONS' &&
      originOf(request) !== undefined &&
      request.headers['access-control-request-method'] !== undefined,
    preflight: (request, response) => {
      response.writeHead(204, {
        ...headers(request),
        'Access-Control-Allow-Methods': 'GET, POST, DELETE',
        'Access-Control-Allow-Headers': corsAllowedHeaders,
        'Access-Control-Max-Age': '600',
        'Content-Length': '0',
      });
      response.end();
    },
  };
}

function hostnameOf(hostHeader: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(hostHeader);
  if (bracketed) return bracketed[1] ?? '';
  return hostHeader.replace(/:\d+$/, '');
}

/**
 * Checks the Host and Origin headers against DNS rebinding: a web page whose name resolves to 127.0.0.1 sends its
 * own name as Host. Accepted: loopback names, the bound host and `allowedHosts`; for Origin (sent by browsers
 * only), loopback origins and `allowedOrigins`. Returns why a request is refused (naming the setting with `names`),
 * or undefined.
 */
export function createHostCheck(
  config: Pick<McpHttpSettings, 'host' | 'allowedHosts' | 'allowedOrigins'>,
  names: Pick<McpHttpSettingNames, 'allowedHosts' | 'allowedOrigins'> = defaultSettingNames,
): (request: IncomingMessage) => string | undefined {
  const boundHost = hostnameOf(config.host.toLowerCase());
  const wildcard = boundHost === '0.0.0.0' || boundHost === '::';
  const allowedHost = (hostHeader: string) => {
    const lowered = hostHeader.toLowerCase();
    const name = hostnameOf(lowered);
    if (isLoopbackHost(name)) return true;
    if (!wildcard && name === boundHost) return true;
    return config.allowedHosts.includes(name) || config.allowedHosts.includes(lowered);
  };
  return (request) => {
    const host = request.headers.host;
    if (host === undefined || !allowedHost(host)) {
      return `Forbidden: Host ${JSON.stringify(host ?? '')} is not allowed; add it to ${names.allowedHosts} to accept it.`;
    }
    const origin = request.headers.origin;
    if (origin === undefined) return undefined;
    if (config.allowedOrigins.includes(origin)) return undefined;
    if (URL.canParse(origin) && isLoopbackHost(new URL(origin).hostname)) return undefined;
    return `Forbidden: Origin ${JSON.stringify(origin)} is not allowed; add it to ${names.allowedOrigins} to accept it.`;
  };
}

/**
 * Reads a request body up to `limit` bytes; `tooLarge` when it is longer. The rest is drained, not kept, and the
 * socket stays usable so the caller can still answer 413.
 */
export function readBody(
  request: IncomingMessage,
  limit: number,
): Promise<{ tooLarge: true } | { tooLarge: false; text: string }> {
  if (Number(request.headers['content-length'] ?? 0) > limit) {
    request.resume();
    return Promise.resolve({ tooLarge: true });
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      received += chunk.length;
      if (received > limit) {
        tooLarge = true;
        resolve({ tooLarge: true });
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      if (!tooLarge) resolve({ tooLarge: false, text: Buffer.concat(chunks).toString('utf8') });
    });
    request.on('error', reject);
  });
}
