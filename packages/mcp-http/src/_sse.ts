import type { IncomingMessage, ServerResponse } from 'node:http';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import type { McpHttpHost } from './_host.js';
import { readJsonBody, refuseAnswer, refuseUnknownSession } from './_http-messages.js';
import type { Handler } from './_http-router.js';
import { sendJsonRpcError } from './_http-security.js';
import type { SessionTable } from './_http-sessions.js';

/**
 * The handlers of the deprecated SSE transport: `stream` opens a session's event stream (GET `/sse`), `message`
 * takes a client message for it (POST `/messages?sessionId=…`, with the token that opened the session).
 */
export function createSseHandlers({ host, table }: { host: McpHttpHost; table: SessionTable }): {
  stream: Handler;
  message: Handler;
} {
  const { settings, names } = host;
  const { sessions } = table;
  const readJson = (request: IncomingMessage, response: ServerResponse) =>
    readJsonBody(request, response, {
      maxRequestBytes: settings.maxRequestBytes,
      name: names.maxRequestBytes,
    });

  const serveSseStream: Handler = async (request, response, tokenIndex) => {
    if (request.method !== 'GET') {
      sendJsonRpcError(response, {
        status: 405,
        message: 'Method Not Allowed: open the SSE stream with GET.',
        headers: { Allow: 'GET' },
      });
      return;
    }
    if (!(await table.makeRoom())) return table.refuseOverCap(response);
    const transport = new SSEServerTransport('/messages', response);
    const session = table.create(transport, tokenIndex);
    transport.onclose = () => table.forget(session);
    sessions.set(transport.sessionId, session);
    await table.track(session, response, () => session.server.connect(transport));
  };

  const serveSseMessage: Handler = async (request, response, tokenIndex) => {
    if (request.method !== 'POST') {
      sendJsonRpcError(response, {
        status: 405,
        message: 'Method Not Allowed: send messages with POST.',
        headers: { Allow: 'POST' },
      });
      return;
    }
    const url = new URL(request.url ?? '/', 'http://localhost');
    const session = sessions.get(url.searchParams.get('sessionId') ?? '');
    if (session === undefined || session.tokenIndex !== tokenIndex) return refuseUnknownSession(response);
    const body = await readJson(request, response);
    if (!body.ok) return;
    const problem = session.traffic.claimAnswers(Array.isArray(body.message) ? body.message : [body.message]);
    if (problem !== undefined) return refuseAnswer(response, problem);
    session.traffic.touch();
    await (session.transport as SSEServerTransport).handlePostMessage(request, response, body.message);
  };

  return { stream: serveSseStream, message: serveSseMessage };
}
