import { once } from 'node:events';
import { connect } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { testSettings, testToken } from './__fixtures__/settings.js';
import { type McpHttpServerHandle, startMcpHttpServer } from './index.js';

const token = testToken;
const mebibyte = 1024 * 1024;
const maxRequestBytes = mebibyte;
/** The drain's bound for this limit: the larger of 16 MiB and four times the limit. */
const drainBytes = 16 * mebibyte;

interface RawExchange {
  /** Everything the server sent, as bytes read with latin1 (one character per byte). */
  received: string;
  /** Body bytes the kernel took from the client before the socket ended. */
  written: number;
  error: NodeJS.ErrnoException | undefined;
}

/** How the client says where its body ends. */
type Framing = 'content-length' | 'chunked';

/**
 * POSTs a body of `bodyBytes` over a raw socket, with its `Content-Length` or in 64 KiB chunks, respecting
 * backpressure, and reads until the server closes the connection.
 */
function postRaw(url: string, { framing, bodyBytes }: { framing: Framing; bodyBytes: number }) {
  const { hostname, port, pathname } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port) });
  const exchange: RawExchange = { received: '', written: 0, error: undefined };
  socket.setEncoding('latin1');
  socket.on('data', (text: string) => {
    exchange.received += text;
  });
  socket.on('error', (error) => {
    exchange.error = error;
  });
  // Not events.once: it rejects on 'error', and a reset is what the tests look for.
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const send = async () => {
    await once(socket, 'connect');
    socket.write(
      [
        `POST ${pathname} HTTP/1.1`,
        `Host: ${hostname}:${port}`,
        `Authorization: Bearer ${token}`,
        'Content-Type: application/json',
        'Accept: application/json, text/event-stream',
        framing === 'chunked' ? 'Transfer-Encoding: chunked' : `Content-Length: ${bodyBytes}`,
        '',
        '',
      ].join('\r\n'),
    );
    const chunk = Buffer.alloc(64 * 1024, 'x');
    let queued = 0;
    while (queued < bodyBytes && socket.writable) {
      const part = chunk.subarray(0, Math.min(chunk.length, bodyBytes - queued));
      queued += part.length;
      if (framing === 'chunked') socket.write(`${part.length.toString(16)}\r\n`);
      const more = socket.write(part, (error) => {
        if (!error) exchange.written += part.length;
      });
      if (framing === 'chunked') socket.write('\r\n');
      if (!more) await Promise.race([once(socket, 'drain'), closed]);
    }
    if (framing === 'chunked' && socket.writable) socket.write('0\r\n\r\n');
  };
  return Promise.all([send().catch(() => undefined), closed]).then(() => exchange);
}

/** The status line, headers and body of one HTTP/1.1 response. */
function parseResponse(received: string) {
  const end = received.indexOf('\r\n\r\n');
  const [statusLine = '', ...headerLines] = received.slice(0, end).split('\r\n');
  const headers = Object.fromEntries(
    headerLines.map((line) => [
      line.slice(0, line.indexOf(':')).toLowerCase(),
      line.slice(line.indexOf(':') + 1).trim(),
    ]),
  );
  return { statusLine, headers, body: received.slice(end + 4) };
}

describe('a request body over the limit (raw HTTP/1.1 over node:net)', () => {
  let handle: McpHttpServerHandle | undefined;
  afterEach(async () => {
    await handle?.close();
    handle = undefined;
  });
  const start = async () => {
    handle = await startMcpHttpServer({
      transport: 'streamable-http',
      settings: testSettings({ maxRequestBytes }),
      createServer: () => new McpServer({ name: 'drain', version: '1.0.0' }),
      maskText: (text) => text,
      settingNames: { maxRequestBytes: 'MAX_BODY' },
    });
    return handle.url;
  };

  const framings: Framing[] = ['content-length', 'chunked'];

  it.each(framings)(
    'is read to its end and answered with a complete 413, not a reset (%s)',
    async (framing) => {
      const url = await start();
      const bodyBytes = 6 * mebibyte;
      const exchange = await postRaw(url, { framing, bodyBytes });
      expect(exchange.error).toBeUndefined();
      expect(exchange.written).toBe(bodyBytes);
      const { statusLine, headers, body } = parseResponse(exchange.received);
      expect(statusLine).toBe('HTTP/1.1 413 Payload Too Large');
      expect(headers.connection).toBe('close');
      expect(body.length).toBe(Number(headers['content-length']));
      expect(JSON.parse(body)).toMatchObject({
        error: {
          message: `Payload Too Large: a request body must not exceed ${maxRequestBytes} bytes (MAX_BODY).`,
        },
      });
    },
  );

  it.each(framings)(
    'is read no further than its bound: a client still sending past it has the connection closed (%s)',
    async (framing) => {
      const url = await start();
      const exchange = await postRaw(url, { framing, bodyBytes: 64 * mebibyte });
      expect(exchange.written).toBeGreaterThan(drainBytes);
      // What the kernel's socket buffers held when the server stopped reading: a few MiB on loopback.
      expect(exchange.written).toBeLessThan(drainBytes + 16 * mebibyte);
    },
  );
});
