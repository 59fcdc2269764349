import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendJsonRpcError } from './_http-security.js';

/** A request header's value (the first, when it is repeated). */
export function headerValue(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Reads a request body of at most `maxRequestBytes` as JSON. A larger body is answered 413 and a body that is not
 * JSON 400 (-32700); either way `ok` is false and the response is sent.
 */
export async function readJsonBody(
  request: IncomingMessage,
  response: ServerResponse,
  { maxRequestBytes, name }: { maxRequestBytes: number; name: string },
): Promise<{ ok: true; message: unknown } | { ok: false }> {
  const body = await readBody(request, maxRequestBytes);
  if (body.tooLarge) {
    sendJsonRpcError(response, {
      status: 413,
      message: `Payload Too Large: a request body must not exceed ${maxRequestBytes} bytes (${name}).`,
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
}

/** Answers 400 (-32600) for a client's answer the session does not take, saying why. */
export function refuseAnswer(response: ServerResponse, problem: string): void {
  sendJsonRpcError(response, { status: 400, code: -32600, message: problem });
}

/**
 * Answers 404 (-32001) for a session that ended, never existed or was started with another token: the same
 * answer for each, so none is told apart.
 */
export function refuseUnknownSession(response: ServerResponse): void {
  sendJsonRpcError(response, {
    status: 404,
    code: -32001,
    message: 'Session not found: it ended or never existed; start a new one with initialize.',
  });
}
