// Shared by the benchmarks (bench/run.mjs) and the reliability suite (reliability/*.reliability.mjs): start the
// built server over stdio or HTTP, run raw commands, read memory, file descriptors and processes from /proc.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createAwsSandboxHome, startS3rver } from '@aws-mcp/emulators';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

export const serverDirectory = join(dirname(fileURLToPath(import.meta.url)), '..');
export const serverEntry = join(serverDirectory, 'dist', 'index.js');

/** A token long enough for the server's check, the same for every HTTP instance of one run. */
export const authToken = `bench-${randomBytes(16).toString('hex')}`;

/** The median of a list of numbers (the mean of the middle two for an even count). */
export function median(values) {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** mulberry32: a small seeded generator, so a failing case can be replayed from its seed. */
export function createRandom(seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    integer: (limit) => Math.floor(next() * limit),
    pick: (items) => items[Math.floor(next() * items.length)],
    chance: (probability) => next() < probability,
    /** One of `[item, weight]` pairs, in proportion to its weight. */
    weighted(pairs) {
      let roll = next() * pairs.reduce((sum, [, weight]) => sum + weight, 0);
      for (const [item, weight] of pairs) {
        roll -= weight;
        if (roll < 0) return item;
      }
      return pairs[pairs.length - 1][0];
    },
  };
}

/** Milliseconds since an arbitrary point, with sub-millisecond precision. */
export const now = () => performance.now();

/** Finds `name` on `searchPath` like a shell would; undefined when it is not there. */
export function findOnPath(name, searchPath = process.env.PATH ?? '') {
  const result = spawnSync('sh', ['-c', `command -v ${name}`], {
    env: { ...process.env, PATH: searchPath },
    encoding: 'utf8',
  });
  const found = result.stdout.trim();
  return result.status === 0 && found.startsWith('/') ? found : undefined;
}

/** Runs `sh -c command` and resolves with its exit code, stdout (when kept) and duration. */
export function runShell(command, { env = process.env, keepOutput = true } = {}) {
  return new Promise((resolve, reject) => {
    const started = now();
    const child = spawn('sh', ['-c', command], {
      env,
      stdio: ['ignore', keepOutput ? 'pipe' : 'ignore', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (exitCode) => resolve({ exitCode, stdout, stderr, durationMs: now() - started }));
  });
}

/** An S3 emulator with a throwaway HOME whose AWS files point at it, plus a working directory. */
export async function startS3Environment({ region = 'us-east-1' } = {}) {
  const s3 = await startS3rver();
  const home = await createAwsSandboxHome({ credentials: s3.credentials, region });
  const workdir = await mkdtemp(join(tmpdir(), 'aws-mcp-bench-workdir-'));
  const env = {
    PATH: process.env.PATH ?? '',
    ...home.env,
    AWS_ENDPOINT_URL: s3.endpoint,
    AWS_MCP_WORKDIR: workdir,
    // The aws stage runs cold here: the reliability suites watch each command's processes and check that a server
    // has no child left after a call, which a warm interpreter outlives by design, and the bench's server-vs-raw
    // rows measure the cold path. The warm CLI has its own (bench/warm.mjs, the executor's warm-*.test.ts).
    AWS_MCP_WARM_CLI: 'off',
  };
  return {
    s3,
    home,
    workdir,
    env,
    async stop() {
      await s3.stop();
      await home.remove();
      await rm(workdir, { recursive: true, force: true });
    },
  };
}

/** The text of a tool result's first content block. */
export function resultText(result) {
  const content = result?.content?.[0];
  return content?.type === 'text' ? content.text : '';
}

/**
 * Starts the built server over stdio with the SDK client and resolves once `initialize` completed. `pid` is the
 * server's process id; `stderr()` is everything it logged so far.
 */
export async function startStdioClient({ env, capabilities = {} }) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [serverEntry],
    env,
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const client = new Client({ name: 'aws-mcp-bench', version: '1.0.0' }, { capabilities });
  const started = now();
  await client.connect(transport);
  const initializeMs = now() - started;
  return {
    client,
    transport,
    pid: transport.pid,
    initializeMs,
    stderr: () => stderr,
    close: () => client.close(),
  };
}

/**
 * Spawns the built server on streamable HTTP on a free loopback port (or `port`) and resolves with its URL once
 * it prints it. `stop()` sends SIGTERM and waits for the exit.
 */
export async function startHttpServer({ env, stateless = false, port = 0, extraArgs = [] }) {
  const child = spawn(
    process.execPath,
    [
      serverEntry,
      '--transport',
      'streamable-http',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      ...extraArgs,
    ],
    {
      env: { ...env, AWS_MCP_AUTH_TOKEN: authToken, ...(stateless ? { AWS_MCP_STATELESS: 'true' } : {}) },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the HTTP server did not start:\n${stderr}`)), 15_000);
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      const match = /serving streamable HTTP(?: \(stateless\))? at (\S+)/.exec(stderr);
      if (match !== null) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`the HTTP server exited at start:\n${stderr}`));
    });
  });
  return {
    url,
    pid: child.pid,
    child,
    exited,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Connects an SDK client to a streamable HTTP URL with the run's bearer token. */
export async function connectHttpClient(url, { name = 'aws-mcp-bench' } = {}) {
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { Authorization: `Bearer ${authToken}` } },
  });
  const client = new Client({ name, version: '1.0.0' });
  await client.connect(transport);
  return {
    client,
    transport,
    async close() {
      await transport.terminateSession().catch(() => {});
      await client.close();
    },
  };
}

/** Reads `VmHWM` (peak) and `VmRSS` (now) of a process in MB; undefined once it is gone. */
export async function readMemory(pid) {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const field = (name) =>
      Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) / 1024;
    return { peakMb: field('VmHWM'), rssMb: field('VmRSS') };
  } catch {
    return undefined;
  }
}

const clockTicks = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** CPU seconds (user + system) a process itself has used, not counting its children; NaN once it is gone. */
export async function readCpuSeconds(pid) {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return Number.NaN;
  }
}

/** Resets a process's peak RSS to its current RSS (Linux `clear_refs` 5); false where it is not allowed. */
export async function resetPeakMemory(pid) {
  try {
    await writeFile(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** The open file descriptors of a process, as `fd → target`. */
export async function listFileDescriptors(pid) {
  const names = await readdir(`/proc/${pid}/fd`).catch(() => []);
  const entries = await Promise.all(
    names.map(async (name) => [name, await readlink(`/proc/${pid}/fd/${name}`).catch(() => '?')]),
  );
  return Object.fromEntries(entries);
}

/** Every process on the machine as `{ pid, ppid, cmdline }`, from /proc. */
export async function listProcesses() {
  const names = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  const processes = await Promise.all(
    names.map(async (name) => {
      try {
        const stat = await readFile(`/proc/${name}/stat`, 'utf8');
        // The command name may hold spaces and parentheses; the fields after the last `)` are fixed.
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const cmdline = (await readFile(`/proc/${name}/cmdline`, 'utf8')).replaceAll('\0', ' ').trim();
        return { pid: Number(name), ppid: Number(fields[1]), state: fields[0], cmdline };
      } catch {
        return undefined;
      }
    }),
  );
  return processes.filter((entry) => entry !== undefined);
}

/** The live (not zombie) descendants of `pid`. */
export async function listDescendants(pid) {
  const processes = await listProcesses();
  const found = [];
  let parents = new Set([pid]);
  while (parents.size > 0) {
    const children = processes.filter((entry) => parents.has(entry.ppid));
    found.push(...children);
    parents = new Set(children.map((entry) => entry.pid));
  }
  return found.filter((entry) => entry.state !== 'Z');
}

/** Live processes whose command line contains `text` (for example an emulator's port), except this one. */
export async function findProcessesMatching(text) {
  return (await listProcesses()).filter(
    (entry) => entry.pid !== process.pid && entry.state !== 'Z' && entry.cmdline.includes(text),
  );
}

/** Polls `check` (async, truthy when done) every `intervalMs` until it passes or `timeoutMs` runs out. */
export async function waitFor(check, { timeoutMs = 5_000, intervalMs = 50 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) return value;
    await sleep(intervalMs);
  }
}

/**
 * Makes a directory holding an `aws` script that appends one `CALL <argv…>` line (shell-quoted, so one line per
 * run) to `logFile` and then execs the real aws found on `realPath`. Put the directory first on the server's PATH
 * to see every AWS CLI process the server starts.
 */
export async function createAwsSpy({ directory, logFile, realPath = process.env.PATH ?? '' }) {
  const realAws = findOnPath('aws', realPath);
  if (realAws === undefined) throw new Error('no aws on PATH');
  await mkdir(directory, { recursive: true });
  const script = join(directory, 'aws');
  await writeFile(
    script,
    `#!/bin/bash\n{ printf 'CALL'; printf ' %q' "$@"; printf '\\n'; } >> ${JSON.stringify(logFile)}\nexec ${JSON.stringify(realAws)} "$@"\n`,
  );
  await chmod(script, 0o755);
  await writeFile(logFile, '');
  return {
    path: `${directory}${delimiter}${realPath}`,
    async readCalls() {
      const text = await readFile(logFile, 'utf8').catch(() => '');
      return text.split('\n').filter((line) => line.startsWith('CALL'));
    },
  };
}

/** The machine and tool versions a result was measured with. */
export function describeMachine() {
  const awsVersion = spawnSync('aws', ['--version'], { encoding: 'utf8' });
  return {
    date: new Date().toISOString(),
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    aws: `${awsVersion.stdout}${awsVersion.stderr}`.trim().split('\n')[0] ?? 'not found',
    kernel: spawnSync('uname', ['-sr'], { encoding: 'utf8' }).stdout.trim(),
    loadAverage: readLoadAverage(),
  };
}

function readLoadAverage() {
  const result = spawnSync('cat', ['/proc/loadavg'], { encoding: 'utf8' });
  return result.stdout.split(' ').slice(0, 3).join(' ');
}

/** Lines matching what Node prints for a crash or an unhandled rejection, or a JavaScript stack frame. */
export function findStackTraces(stderr) {
  return stderr
    .split('\n')
    .filter((line) =>
      /^\s+at .+(:\d+:\d+\)?|\(native\)|<anonymous>)$|UnhandledPromiseRejection|unhandled rejection|^(Type|Reference|Range|Syntax)Error\b|node:internal/i.test(
        line,
      ),
    );
}
