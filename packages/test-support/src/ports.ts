import { createServer } from 'node:net';

/**
 * A loopback port nothing listens on right now: the system picks a free one, and it is released before this
 * resolves. Another process may take it later, so use it at once (a refused connection, a server's own port).
 */
export async function findFreePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', resolve);
  });
  const address = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('the port probe got no port');
  return address.port;
}

/** `http://127.0.0.1:PORT` of a port nothing listens on: connections to it are refused. */
export async function findRefusingEndpoint(): Promise<string> {
  return `http://127.0.0.1:${await findFreePort()}`;
}
