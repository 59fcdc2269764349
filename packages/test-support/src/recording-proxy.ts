import { createServer, request as forwardRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cleanUpWhenTestEnds } from './_cleanup.js';

/** A loopback HTTP proxy in front of an endpoint (moto, s3rver) that records every request it forwards. */
export interface RecordingProxy {
  /** `http://127.0.0.1:PORT`, for `--endpoint-url` or AWS_ENDPOINT_URL. */
  endpoint: string;
  /** Each request's method, path and headers, in arrival order. */
  requests: Array<{ method: string; path: string; headers: IncomingHttpHeaders }>;
  /** Stops listening; safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts an HTTP proxy on 127.0.0.1 that forwards every request as it came to `target` and answers with the
 * target's answer, recording what each request carried (a header the CLI sends, such as
 * `x-amz-expected-bucket-owner`, is seen as it went over the wire). Started inside a test, it closes itself when
 * the test ends; started in a hook, close it in the matching after-hook.
 */
export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const upstream = new URL(target);
  const requests: RecordingProxy['requests'] = [];
  const server = createServer((request, response) => {
    requests.push({ method: request.method ?? '', path: request.url ?? '', headers: request.headers });
    const forward = forwardRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: request.method,
        path: request.url,
        headers: request.headers,
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    forward.on('error', () => response.destroy());
    request.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  const proxy: RecordingProxy = {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return closed;
    },
  };
  cleanUpWhenTestEnds(proxy.close);
  return proxy;
}
