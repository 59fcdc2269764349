import { type ChildProcess, spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { connect, createServer as createNetServer, type Server } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findProcesses, pollUntil as pollUntilShared, waitForExit } from '@aws-mcp/test-support';

export { startHangingEndpoint, waitForExit } from '@aws-mcp/test-support';

/** The built server's entry, as `npx`/the bin runs it. */
export const serverEntry = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'index.js');

/** A built server started as its own process. */
export interface SpawnedServer {
  child: ChildProcess;
  /** The URL it printed on stderr (`serving … at URL`). */
  url: string;
  /** The token it printed, when it made one. */
  printedToken: string | undefined;
  stderr(): string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
  /** Sends SIGTERM and waits for the exit. */
  stop(): Promise<number | string>;
}

/**
 * Starts `node dist/index.js ...args` and waits for the line saying where it serves. Rejects with its stderr if
 * it exits first.
 */
export async function spawnServer({
  args,
  env,
}: {
  args: string[];
  env: Record<string, string>;
}): Promise<SpawnedServer> {
  const child = spawn(process.execPath, [serverEntry, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const exited = waitForExit(child);
  // Without a configured token the server prints the one it made right after the URL; wait for both.
  const expectToken = env.AWS_MCP_AUTH_TOKEN === undefined && !args.includes('--auth-token');
  const tokenPattern = /Authorization: Bearer (\S+)/;
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /serving .* at (http:\/\/\S+)/.exec(stderr);
      if (match?.[1] !== undefined && (!expectToken || tokenPattern.test(stderr))) resolve(match[1]);
    });
    void exited.then((code) => reject(new Error(`the server exited (${code}) before serving:\n${stderr}`)));
  });
  const server: SpawnedServer = {
    child,
    url,
    printedToken: tokenPattern.exec(stderr)?.[1],
    stderr: () => stderr,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
  return server;
}

/** A raw HTTP exchange, for what an SDK client never sends (a wrong Host, broken JSON). */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Sends one HTTP request with exactly these headers and reads the whole answer. */
export function sendRaw(
  url: string,
  {
    method = 'POST',
    headers = {},
    body,
  }: { method?: string; headers?: Record<string, string>; body?: string | Buffer },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    request.on('error', reject);
    request.end(body);
  });
}

/**
 * The server's environment for a test that watches the aws stage by its command line (processesContaining): the
 * cold stage, one `aws …` process per call. A warm call is a fork of the warm interpreter, whose command line
 * names no endpoint, so such a test would find nothing to watch and its "no process left" could not fail; the
 * warm stage's cancel, timeout and crash have their own tests (packages/executor/src/warm-cli-lifecycle.test.ts).
 */
export const coldAwsStage = { AWS_MCP_WARM_CLI: 'off' } as const;

/** Command lines of running processes that contain `text` (other than this one). */
export function processesContaining(text: string): string[] {
  return findProcesses(text).map((each) => each.commandLine);
}

/** Reads a value every 50 ms until `done` accepts it, at most `attempts` times; resolves with the last value. */
export function pollUntil<T>(
  read: () => T | Promise<T>,
  done: (value: T) => boolean,
  attempts = 100,
): Promise<T> {
  return pollUntilShared(read, done, { attempts });
}

/**
 * A TCP proxy on loopback in front of `target` (`host:port`): `cut()` breaks every connection open now (a
 * network drop, as the client sees it), `refuse` makes it reset new connections, and `delayMs` holds each
 * connection's first bytes from the target that long (a slow endpoint).
 */
export async function startTcpProxy({ target, delayMs = 0 }: { target: string; delayMs?: number }): Promise<{
  endpoint: string;
  cut(): void;
  refuse(value: boolean): void;
  close(): void;
}> {
  const [host, port] = [
    target.slice(0, target.lastIndexOf(':')),
    Number(target.slice(target.lastIndexOf(':') + 1)),
  ];
  const sockets = new Set<import('node:net').Socket>();
  let refusing = false;
  const server: Server = createNetServer((client) => {
    if (refusing) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect({ host, port });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    if (delayMs === 0) upstream.pipe(client);
    else {
      upstream.pause();
      setTimeout(() => {
        upstream.pipe(client);
        upstream.resume();
      }, delayMs);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    endpoint: `127.0.0.1:${address.port}`,
    cut: () => {
      for (const socket of sockets) socket.resetAndDestroy();
    },
    refuse: (value) => {
      refusing = value;
    },
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}
