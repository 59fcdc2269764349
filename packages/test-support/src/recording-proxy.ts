import { createServer, request as forwardRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cleanUpWhenTestEnds } from './_cleanup.js';

/** How much of a request's or an answer's body is kept for the test to read; the rest is relayed, not kept. */
const keptBodyBytes = 1024 * 1024;

/** One request the proxy forwarded, and the target's answer once it has come. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The request's body as UTF-8 (its first MiB), complete once the answer is recorded. */
  body: string;
  /** The target's answer: status, headers and body as UTF-8 (its first MiB), set when the answer has ended. */
  answer?: { status: number; headers: IncomingHttpHeaders; body: string };
}

/** A loopback HTTP proxy in front of an endpoint (moto, s3rver) that records every request it forwards. */
export interface RecordingProxy {
  /** `http://127.0.0.1:PORT`, for `--endpoint-url` or AWS_ENDPOINT_URL. */
  endpoint: string;
  /** Each request, in arrival order. */
  requests: RecordedRequest[];
  /** Stops listening; safe to call twice. */
  close(): Promise<void>;
}

/** Collects the first MiB of a stream that is piped on as it is. */
function keepBody(stream: NodeJS.ReadableStream, done: (text: string) => void): void {
  const chunks: Buffer[] = [];
  let kept = 0;
  stream.on('data', (chunk: Buffer) => {
    if (kept >= keptBodyBytes) return;
    chunks.push(chunk.subarray(0, keptBodyBytes - kept));
    kept += chunk.length;
  });
  stream.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
}

/**
 * Starts an HTTP proxy on 127.0.0.1 that forwards every request as it came to `target` and answers with the
 * target's answer, recording what each request carried and what came back (a header the CLI sends, such as
 * `x-amz-expected-bucket-owner`, is seen as it went over the wire). `target` may be a function, read at each
 * request, for a proxy started before its target. Started inside a test, it closes itself when the test ends;
 * started in a hook, close it in the matching after-hook.
 */
export async function startRecordingProxy(target: string | (() => string)): Promise<RecordingProxy> {
  const requests: RecordingProxy['requests'] = [];
  const server = createServer((request, response) => {
    const upstream = new URL(typeof target === 'string' ? target : target());
    const recorded: RecordedRequest = {
      method: request.method ?? '',
      path: request.url ?? '',
      headers: request.headers,
      body: '',
    };
    requests.push(recorded);
    keepBody(request, (text) => {
      recorded.body = text;
    });
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
        keepBody(answer, (text) => {
          recorded.answer = { status: answer.statusCode ?? 502, headers: answer.headers, body: text };
        });
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
