import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendJsonRpcError } from './_http-security.js';

/** A request header's value (the first, when it is repeated). */
export function headerValue(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** How long, and how much, the rest of a too-large body is read before the 413 is sent anyway. */
const drainLimits = { timeoutMs: 10_000, minBytes: 16 * 1024 * 1024, perLimit: 4 };

/**
 * Reads (and drops) what is left of a request body, so that answering and closing does not reset a client still
 * sending: closing a socket with unread data makes the kernel send a reset, and the client then never sees the
 * answer. Gives up after a while or past a bound (`drainLimits`), destroying the request, so a client that keeps
 * sending cannot hold the connection.
 */
function drainRequest(request: IncomingMessage, limit: number): Promise<void> {
  if (request.readableEnded || request.destroyed) return Promise.resolve();
  const maxBytes = Math.max(drainLimits.minBytes, drainLimits.perLimit * limit);
  return new Promise((resolve) => {
    let drained = 0;
    const done = () => {
      clearTimeout(timer);
      request.off('data', count);
      resolve();
    };
    const giveUp = () => {
      request.destroy();
      done();
    };
    const count = (chunk: Buffer) => {
      drained += chunk.length;
      if (drained > maxBytes) giveUp();
    };
    const timer = setTimeout(giveUp, drainLimits.timeoutMs);
    request.on('data', count);
    request.once('end', done);
    request.once('close', done);
    request.once('error', done);
    request.resume();
  });
}

/**
 * Reads a request body of at most `maxRequestBytes` as JSON. A larger body is answered 413 once it has been read
 * to its end (see drainRequest), and a body that is not JSON 400 (-32700); either way `ok` is false and the
 * response is sent.
 */
export async function readJsonBody(
  request: IncomingMessage,
  response: ServerResponse,
  { maxRequestBytes, name }: { maxRequestBytes: number; name: string },
): Promise<{ ok: true; message: unknown } | { ok: false }> {
  const body = await readBody(request, maxRequestBytes);
  if (body.tooLarge) {
    await drainRequest(request, maxRequestBytes);
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
