import {
  closeSync,
  existsSync,
  constants as fsConstants,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
} from 'node:fs';
import { Socket } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { execa, type ResultPromise } from 'execa';
import { launcherSource } from './_aws-launcher-source.js';
import { killProcessGroup } from './_process-group.js';
import { warmServerSource } from './_warm-cli-source.js';
import type { Sandbox, SandboxStage } from './sandbox.js';

/** What the warm CLI is started with: the CLI's own Python and the binds every call it runs may need. */
export interface WarmCliOptions {
  /** The interpreter of the `aws` script (findCliPython). */
  python: string;
  /** The `aws` script itself: calls that would run it directly run warm. */
  awsFile: string;
  sandbox: Sandbox;
  /** The warm interpreter's own environment (the calls bring theirs). */
  env: Record<string, string>;
  /** What the warm sandbox shows read-only: a call needing anything else runs cold. */
  readOnlyPaths: string[];
  /** What it shows writable (the working directories): a call needing anything else runs cold. */
  writablePaths: string[];
}

/** One call's streams and outcome, shaped like the execa subprocess a cold stage would be. */
export interface WarmCall {
  stdout: Readable;
  stderr: Readable;
  stdio: Array<Readable | null>;
  result: Promise<{ exitCode: number | undefined; signal: string | undefined; error?: string }>;
}

/** The warm CLI: forks a child of one long-lived interpreter per call. */
export interface WarmCli {
  /** Why this stage must run cold (undefined: it runs warm). */
  refuse(stage: SandboxStage, sandbox: Sandbox): string | undefined;
  /** Runs a stage `refuse` accepted; `signal` kills the call's process group. */
  run(stage: SandboxStage, signal: AbortSignal): WarmCall;
  /** How many calls ran warm. */
  readonly calls: number;
  /** Why the latest call refused ran cold, for the environment resource. */
  readonly lastRefusal: string | undefined;
  /** How many warm interpreters were started (a crash or a kill from outside starts the next). */
  readonly starts: number;
  /** The running interpreter's pid on this host, if any. */
  readonly pid: number | undefined;
  /** Stops the interpreter and its calls, and removes the calls folder. */
  stop(): Promise<void>;
}

interface Pending {
  started: () => void;
  exited: (event: { code?: number; signal?: string; error?: string }) => void;
}

interface Server {
  subprocess: ResultPromise;
  pending: Map<number, Pending>;
  alive: boolean;
}

function isInsideAny(path: string, folders: string[]): boolean {
  return folders.some((folder) => path === folder || path.startsWith(`${folder}/`));
}

function openFifoReader(path: string): Socket {
  const fd = openSync(path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  return new Socket({ fd, readable: true, writable: false });
}

/**
 * Opens and closes a FIFO's write end: a reader that never saw a writer (the child died before opening it) then
 * reads end of file once what is buffered is read, as after any writer that came and went.
 */
function closeFifoOnce(path: string): void {
  try {
    closeSync(openSync(path, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK));
  } catch {
    // No reader (already ended) or no FIFO: nothing waits on it.
  }
}

/**
 * Starts nothing yet: the interpreter starts with the first call, inside `sandbox` (wrapped as an aws stage with
 * the given binds plus a private calls folder), and again after it crashed or was killed. Each call gets FIFOs
 * for stdout, stderr and the launcher's report in its own folder, which is removed after the call.
 */
export function createWarmCli(options: WarmCliOptions): WarmCli {
  const callsFolder = mkdtempSync(join(tmpdir(), 'aws-mcp-warm-'));
  let server: Server | undefined;
  let starts = 0;
  let nextCall = 0;
  let lastRefusal: string | undefined;

  const findRefusal = (stage: SandboxStage, sandbox: Sandbox): string | undefined => {
    if (sandbox !== options.sandbox) return 'the call runs in another sandbox';
    const viaLauncher = stage.file === options.python && stage.args[0] === '-c';
    if (!viaLauncher && stage.file !== options.awsFile) return 'the call runs another AWS CLI';
    const missingRead = stage.readOnlyPaths.find(
      (path) => !isInsideAny(path, [...options.readOnlyPaths, ...options.writablePaths]),
    );
    if (missingRead !== undefined) return `the call needs ${missingRead}, which the warm sandbox lacks`;
    const missingWrite = stage.writablePaths.find((path) => !isInsideAny(path, options.writablePaths));
    if (missingWrite !== undefined) return `the call writes ${missingWrite}, which the warm sandbox lacks`;
    const copied = (stage.privateCopies ?? []).find((copy) => existsSync(copy.target));
    if (copied !== undefined) return `the CLI cache ${copied.target} needs a private copy per call`;
    return undefined;
  };

  const startServer = (): Server => {
    const stage: SandboxStage = {
      kind: 'aws',
      file: options.python,
      args: ['-c', warmServerSource, launcherSource],
      cwd: callsFolder,
      env: options.env,
      readOnlyPaths: options.readOnlyPaths,
      writablePaths: [callsFolder, ...options.writablePaths],
    };
    const command = options.sandbox.wrap(stage);
    const subprocess = execa(command.file, command.args, {
      cwd: command.cwd,
      env: command.env ?? stage.env,
      extendEnv: false,
      stdio: ['pipe', 'pipe', 'pipe'],
      buffer: false,
      reject: false,
      detached: true,
      windowsHide: true,
    });
    const started: Server = { subprocess, pending: new Map(), alive: true };
    starts += 1;
    let text = '';
    subprocess.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n')) {
        const line = text.slice(0, end);
        text = text.slice(end + 1);
        const event = JSON.parse(line) as { started?: number; exit?: number; code?: number; signal?: string };
        if (event.started !== undefined) started.pending.get(event.started)?.started();
        if (event.exit !== undefined) {
          started.pending.get(event.exit)?.exited(event);
          started.pending.delete(event.exit);
        }
      }
    });
    subprocess.stderr?.resume();
    subprocess.stdin?.on('error', () => {});
    void subprocess.then(() => {
      started.alive = false;
      if (server === started) server = undefined;
      for (const call of started.pending.values()) call.exited({ error: 'the warm CLI exited' });
      started.pending.clear();
    });
    return started;
  };

  return {
    get calls() {
      return nextCall;
    },
    get lastRefusal() {
      return lastRefusal;
    },
    get starts() {
      return starts;
    },
    get pid() {
      return server?.subprocess.pid;
    },
    refuse(stage, sandbox) {
      const reason = findRefusal(stage, sandbox);
      if (reason !== undefined) lastRefusal = reason;
      return reason;
    },
    run(stage, signal) {
      if (server === undefined || !server.alive) server = startServer();
      const current = server;
      nextCall += 1;
      const id = nextCall;
      const folder = join(callsFolder, `call-${id}`);
      const viaLauncher = stage.file === options.python && stage.args[0] === '-c';
      const argv = viaLauncher ? stage.args.slice(3) : stage.args;
      const fifo = (name: string) => join(folder, name);
      const request = {
        run: id,
        argv,
        // As the sandbox would give a cold stage: without HOME, Python would look in /etc/passwd.
        env: { HOME: homedir(), ...stage.env },
        cwd: stage.cwd,
        tmpdir: join(folder, 'tmp'),
        stdout: fifo('stdout'),
        stderr: fifo('stderr'),
        report: viaLauncher ? fifo('report') : null,
        launcher: viaLauncher ? stage.args[2] : null,
      };
      mkdirSync(join(folder, 'tmp'), { recursive: true, mode: 0o700 });
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      const report = viaLauncher ? new PassThrough() : null;
      const onAbort = () => current.subprocess.stdin?.write(`${JSON.stringify({ kill: id })}\n`);
      const result = new Promise<{
        exitCode: number | undefined;
        signal: string | undefined;
        error?: string;
      }>((resolve) => {
        current.pending.set(id, {
          started: () => {
            const readers: Array<[Socket, NodeJS.WritableStream]> = [
              [openFifoReader(request.stdout), stdout],
              [openFifoReader(request.stderr), stderr],
            ];
            if (report !== null) readers.push([openFifoReader(fifo('report')), report]);
            for (const [reader, target] of readers) reader.pipe(target);
          },
          exited: (event) => {
            signal.removeEventListener('abort', onAbort);
            if (event.error !== undefined) {
              for (const stream of [stdout, stderr, report]) stream?.end();
            } else {
              for (const name of ['stdout', 'stderr', ...(report === null ? [] : ['report'])]) {
                closeFifoOnce(fifo(name));
              }
            }
            resolve({ exitCode: event.code, signal: event.signal, error: event.error });
          },
        });
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
        current.subprocess.stdin?.write(`${JSON.stringify(request)}\n`);
      });
      const ended = Promise.all(
        [stdout, stderr, report].map(
          (stream) =>
            stream === null || new Promise((resolve) => stream.on('end', resolve).on('close', resolve)),
        ),
      );
      const cleaned = Promise.all([result, ended]).then(([outcome]) => {
        rmSync(folder, { recursive: true, force: true });
        return outcome;
      });
      return { stdout, stderr, stdio: [null, stdout, stderr, report], result: cleaned };
    },
    async stop() {
      const current = server;
      server = undefined;
      if (current !== undefined) {
        current.subprocess.stdin?.end();
        if (current.subprocess.pid !== undefined) killProcessGroup(current.subprocess.pid);
        await current.subprocess;
      }
      rmSync(callsFolder, { recursive: true, force: true });
    },
  };
}

/**
 * The warm call as the execa subprocess of a cold stage looks to the pipeline's outputs and judge: its streams,
 * and a promise of a result with the CLI's exit code or the signal that killed it.
 */
export function toStageSubprocess(call: WarmCall, signal: AbortSignal): ResultPromise {
  const result = call.result.then((outcome) => ({
    exitCode: outcome.exitCode,
    signal: outcome.signal,
    failed: outcome.exitCode !== 0,
    isCanceled: signal.aborted && outcome.exitCode === undefined,
    ...(outcome.error === undefined ? {} : { message: outcome.error }),
  }));
  return Object.assign(result, {
    stdout: call.stdout,
    stderr: call.stderr,
    stdio: call.stdio,
    pid: undefined,
    kill: () => true,
  }) as unknown as ResultPromise;
}
