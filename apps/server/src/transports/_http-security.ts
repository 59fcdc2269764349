import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type HttpConfig, isLoopbackHost } from '../config.js';

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

/** A token for a run without AWS_MCP_AUTH_TOKEN: 256 random bits, URL-safe. */
export function generateAuthToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Compares a request's bearer token with the expected one in constant time (hashes hide the length too). */
export function createTokenCheck(expected: string): (request: IncomingMessage) => boolean {
  const expectedDigest = createHash('sha256').update(expected).digest();
  return (request) => {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(request.headers.authorization ?? '');
    const digest = createHash('sha256')
      .update(match?.[1] ?? '')
      .digest();
    return timingSafeEqual(digest, expectedDigest) && match !== null;
  };
}

function hostnameOf(hostHeader: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(hostHeader);
  if (bracketed) return bracketed[1] ?? '';
  return hostHeader.replace(/:\d+$/, '');
}

/**
 * Checks the Host and Origin headers against DNS rebinding: a web page whose name resolves to 127.0.0.1 sends its
 * own name as Host. Accepted: loopback names, the bound host and AWS_MCP_ALLOWED_HOSTS; for Origin (sent by
 * browsers only), loopback origins and AWS_MCP_ALLOWED_ORIGINS. Returns why a request is refused, or undefined.
 */
export function createHostCheck(config: HttpConfig): (request: IncomingMessage) => string | undefined {
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
      return `Forbidden: Host ${JSON.stringify(host ?? '')} is not allowed; add it to AWS_MCP_ALLOWED_HOSTS to accept it.`;
    }
    const origin = request.headers.origin;
    if (origin === undefined) return undefined;
    if (config.allowedOrigins.includes(origin)) return undefined;
    if (URL.canParse(origin) && isLoopbackHost(new URL(origin).hostname)) return undefined;
    return `Forbidden: Origin ${JSON.stringify(origin)} is not allowed; add it to AWS_MCP_ALLOWED_ORIGINS to accept it.`;
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
