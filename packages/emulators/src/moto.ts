import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Emulator, EmulatorCredentials } from './emulator.js';

/** moto accepts any key pair; these are the ones the tests and the demo use. */
export const MOTO_CREDENTIALS: EmulatorCredentials = {
  accessKeyId: 'AKIDMOTOLOCALTESTING',
  secretAccessKey: 'moto-local-secret-key-for-tests-only-000',
};

/** A running moto_server: the emulator plus moto's own API for resetting and reading its state. */
export interface MotoEmulator extends Emulator {
  /** Forgets every resource (`POST /moto-api/reset`). */
  reset(): Promise<void>;
  /** moto's view of every resource it holds (`GET /moto-api/data.json`). */
  readState(): Promise<Record<string, unknown>>;
}

const startTimeoutMs = 30_000;

const watchdog = `
const { spawn } = require('node:child_process');
const [program, ...args] = process.argv.slice(1);
const child = spawn(program, args, { stdio: ['ignore', 'inherit', 'inherit'] });
const end = () => { try { child.kill('SIGTERM'); } catch {} setTimeout(() => { try { child.kill('SIGKILL'); } catch {} process.exit(0); }, 2000).unref(); };
process.stdin.on('end', end); process.stdin.on('error', end); process.stdin.resume();
process.on('SIGTERM', end);
child.on('exit', (code) => process.exit(code ?? 1));
`;

/** The project-local virtual environment `scripts/setup-moto.mjs` makes where PyPI is reachable. */
export const projectMotoVenv: string = fileURLToPath(new URL('../../../.venv/', import.meta.url));

/**
 * Finds `moto_server`: in the virtual environment `venv` (default: the project's `.venv`, made by
 * `scripts/setup-moto.mjs`), else on PATH. Returns undefined when there is none.
 */
export function findMotoServer(options: { env?: NodeJS.ProcessEnv; venv?: string } = {}): string | undefined {
  const env = options.env ?? process.env;
  const candidates = [
    join(resolve(options.venv ?? projectMotoVenv), 'bin', 'moto_server'),
    ...(env.PATH ?? '')
      .split(delimiter)
      .filter((folder) => folder !== '')
      .map((folder) => join(folder, 'moto_server')),
  ];
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return undefined;
}

/**
 * Starts moto_server on 127.0.0.1 on a port the OS picks, resolves when it answers, and configures its Lambda
 * backend to work without Docker (moto then answers `invoke` without running the function). `stop()` ends its
 * whole process group. Throws when moto_server is missing or does not start within 30 s.
 */
export async function startMoto(
  options: { env?: NodeJS.ProcessEnv; venv?: string } = {},
): Promise<MotoEmulator> {
  const program = findMotoServer(options);
  if (program === undefined) {
    throw new Error(
      'moto_server is not installed: run `node scripts/setup-moto.mjs` (it makes .venv with `pip install "moto[server]"`, which needs PyPI), or put an existing moto_server on PATH.',
    );
  }
  // A watchdog parent ends moto's process group when our end of its stdin closes, so a test process that dies
  // never leaves moto_server running.
  const child = spawn(process.execPath, ['-e', watchdog, program, '-H', '127.0.0.1', '-p', '0'], {
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', ...options.env },
  });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await killGroup(child);
  };
  try {
    const port = await readPort(child);
    const endpoint = `http://127.0.0.1:${port}`;
    await post(endpoint, '/moto-api/config', { batch: { use_docker: false }, lambda: { use_docker: false } });
    return {
      endpoint,
      port,
      credentials: MOTO_CREDENTIALS,
      stop,
      reset: () => post(endpoint, '/moto-api/reset', undefined),
      async readState() {
        const response = await fetch(`${endpoint}/moto-api/data.json`);
        return (await response.json()) as Record<string, unknown>;
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function readPort(child: ChildProcess): Promise<number> {
  return new Promise((resolvePort, reject) => {
    let seen = '';
    const timer = setTimeout(() => {
      reject(new Error(`moto_server did not start within ${startTimeoutMs} ms: ${seen.slice(-500)}`));
    }, startTimeoutMs);
    const onData = (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      const match = /Running on http:\/\/127\.0\.0\.1:(\d+)/.exec(seen);
      if (match !== null) {
        clearTimeout(timer);
        child.stderr?.off('data', onData);
        child.stdout?.off('data', onData);
        // Keep draining so a chatty server never blocks on a full pipe.
        child.stderr?.resume();
        child.stdout?.resume();
        resolvePort(Number(match[1]));
      }
    };
    child.stderr?.on('data', onData);
    child.stdout?.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`moto_server exited (${signal ?? code}) before it was ready: ${seen.slice(-500)}`));
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

async function post(endpoint: string, path: string, body: unknown): Promise<void> {
  const response = await fetch(`${endpoint}${path}`, {
    method: 'POST',
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`moto ${path} answered ${response.status}`);
}

async function killGroup(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {}
  }, 3000);
  await exited;
  clearTimeout(timer);
}
