import { createServer, type Socket } from 'node:net';
import { cleanUpWhenTestEnds } from './_cleanup.js';

/** A loopback endpoint that accepts connections and never answers. */
export interface HangingEndpoint {
  /** `http://127.0.0.1:PORT`, for `--endpoint-url` or AWS_ENDPOINT_URL. */
  endpoint: string;
  port: number;
  /** The first line each connection sent (an HTTP request line) and when it came, in arrival order. */
  requests: Array<{ at: number; line: string }>;
  /** Ends every open connection and stops listening; safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts a TCP server on 127.0.0.1 that accepts every connection, reads what comes and never answers, so an AWS
 * CLI call against it waits until its read timeout or until it is killed. Started inside a test, it closes
 * itself when the test ends; started in a hook, close it in the matching after-hook.
 */
export async function startHangingEndpoint(): Promise<HangingEndpoint> {
  const sockets = new Set<Socket>();
  const requests: HangingEndpoint['requests'] = [];
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    socket.once('data', (chunk: Buffer) => {
      requests.push({ at: Date.now(), line: chunk.toString('latin1').split('\r\n')[0] ?? '' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the hanging endpoint got no port');
  let closed: Promise<void> | undefined;
  const hanging: HangingEndpoint = {
    endpoint: `http://127.0.0.1:${address.port}`,
    port: address.port,
    requests,
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      });
      return closed;
    },
  };
  cleanUpWhenTestEnds(hanging.close);
  return hanging;
}
