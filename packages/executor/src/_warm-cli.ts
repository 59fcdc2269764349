import {
  closeSync,
  constants as fsConstants,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  type Stats,
  statSync,
} from 'node:fs';
import { chmod, copyFile, lstat, mkdir, readdir } from 'node:fs/promises';
import { Socket } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import type { ResultPromise } from 'execa';
import { launcherSource } from './_aws-launcher-source.js';
import { loadExeca, loadedExeca } from './_execa.js';
import { killProcessGroup } from './_process-group.js';
import { type PidsCgroup, probePidsCgroup } from './_stage-limits.js';
import { type CallCgroup, createCallCgroup, findHostPid } from './_warm-cgroups.js';
import { warmServerSource } from './_warm-cli-source.js';
import { maskSecrets } from './mask-secrets.js';
import type { KeptCapability, Sandbox, SandboxedCommand, SandboxStage } from './sandbox.js';

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
  /**
   * Files whose change restarts the interpreter before the next call (the AWS config and credentials files);
   * the CLI's own `awscli` and `botocore` `__init__.py`, which the interpreter names when ready, are watched too.
   */
  watchedFiles?: string[];
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
  /** The AWS CLI version the latest interpreter imported once it was ready (undefined before the first one was). */
  readonly version: string | undefined;
  /** Why the latest interpreter was replaced (a watched file changed) or ended by itself (a crash, a kill), if it was. */
  readonly lastRestart: string | undefined;
  /** What the environment resource shows: whether an interpreter runs, its version, starts, calls, the last restart. */
  readonly status: WarmCliStatus;
  /** Stops the interpreter and its calls, and removes the calls folder. */
  stop(): Promise<void>;
}

/** The warm CLI as the environment resource shows it (no pid, no paths). */
export interface WarmCliStatus {
  /** An interpreter is running (false before the first call: it starts with it). */
  running: boolean;
  version: string | null;
  starts: number;
  calls: number;
  lastRestart: { reason: string; at: string } | null;
}

interface Pending {
  /** `pid`: the child's, in the sandbox's pid namespace. */
  started: (pid: number | undefined) => void;
  /** The child started: its streams are open, so the CLI may have run. */
  hasStarted: boolean;
  /**
   * `unconfined`: the interpreter could not confine the call (`error` says why); `nothingRan`: it exited before
   * the call's child started. In both, nothing of the call ran.
   */
  exited: (event: {
    code?: number;
    signal?: string;
    error?: string;
    unconfined?: boolean;
    nothingRan?: boolean;
  }) => void;
}

interface Server {
  subprocess: ResultPromise;
  pending: Map<number, Pending>;
  alive: boolean;
  /** Takes no more calls; stopped once its calls have ended. */
  retired: boolean;
  version?: string;
  /** The interpreter's pid inside the sandbox (from `ready`), and on this host once looked up. */
  namespacePid?: number;
  hostPid?: number;
  /** Each call's own process limit, where the sandbox applies one (a pids cgroup per call, as per cold stage). */
  processes?: number;
  /** The watched files as they were when it started: path and a stamp (see stampFile). */
  stamps: Map<string, string>;
  /** The folders each call gets fresh ones of: the warm sandbox's tmpfs mounts. */
  privateFolders: PrivateFolder[];
  /** It said `ready`: it imported the CLI. */
  ready: boolean;
  /** The end of its own stderr. */
  stderrTail: string;
}

/** Size, mtime and inode of a file, or `missing`: what a restart is decided on, one stat per file. */
function stampFile(path: string): string {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch {
    return 'missing';
  }
  return `${stats.size}:${stats.mtimeMs}:${stats.ino}`;
}

/** A cache entry is a small regular file (as the cold path copies them); anything else stays behind. */
async function listSmallFiles(folder: string): Promise<string[]> {
  const names = await readdir(folder).catch(() => [] as string[]);
  const small: string[] = [];
  for (const name of names) {
    const stats = await lstat(join(folder, name)).catch(() => undefined);
    if (stats?.isFile() && stats.size <= 1024 * 1024) small.push(name);
  }
  return small;
}

async function copySmallFiles(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true, mode: 0o700 });
  for (const name of await listSmallFiles(from)) await copyFile(join(from, name), join(to, name));
}

/** Copies a file made for one call into the call's folder, readable by the call alone. */
async function copyCallFile(source: string, copy: string): Promise<void> {
  await mkdir(join(copy, '..'), { recursive: true, mode: 0o700 });
  await copyFile(source, copy);
  await chmod(copy, 0o600);
}

/**
 * Where the calls folder appears in the warm sandbox: a top-level folder of its read-only root, so that each
 * call's Landlock rules can grant all of /tmp and the home (shared by the calls, writable as a cold stage's own)
 * without granting the other calls' folders.
 */
const sandboxCallsFolder = '/aws-mcp-warm-calls';

function isInsideAny(path: string, folders: string[]): boolean {
  return folders.some((folder) => path === folder || path.startsWith(`${folder}/`));
}

/** A folder a wrapped stage gets a fresh tmpfs of, and its size (undefined: unsized). */
export interface PrivateFolder {
  path: string;
  size: number | undefined;
}

/**
 * The folders a bubblewrap command gives its stage fresh (`[--size N] --tmpfs PATH` before bwrap's `--`): a cold
 * stage's own /tmp, /var/tmp, /dev/shm and homes, as the sandbox itself lists them.
 */
export function listPrivateFolders(args: readonly string[]): PrivateFolder[] {
  const end = args.indexOf('--');
  const folders: PrivateFolder[] = [];
  args.slice(0, end < 0 ? args.length : end).forEach((arg, index, options) => {
    const path = options[index + 1];
    if (arg !== '--tmpfs' || path === undefined) return;
    const size = options[index - 2] === '--size' ? Number(options[index - 1]) : undefined;
    folders.push({ path, size });
  });
  return folders;
}

/**
 * What the warm interpreter keeps so that each child can mount its own /tmp, /var/tmp, /dev/shm and homes
 * (warm-server.py's enter_own_mounts; keptCapabilityTable says why each). Each child drops them, and every other,
 * before anything of the call runs.
 */
const warmCapabilities: readonly KeptCapability[] = ['CAP_SYS_ADMIN', 'CAP_SETPCAP'];

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
 * Runs a call the interpreter could not confine as a cold stage runs (`command`, the stage as its sandbox wraps
 * it), into the call's streams; an abort kills its process group. Resolves with its outcome, never rejects.
 */
async function runCold({
  command,
  stage,
  signal,
  streams,
}: {
  command: SandboxedCommand;
  stage: SandboxStage;
  signal: AbortSignal;
  streams: { stdout: PassThrough; stderr: PassThrough; report: PassThrough | null };
}): Promise<{ exitCode: number | undefined; signal: string | undefined; error?: string }> {
  const execa = await loadExeca();
  const subprocess = execa(command.file, command.args, {
    cwd: command.cwd,
    env: command.env ?? stage.env,
    extendEnv: false,
    stdio: ['ignore', 'pipe', 'pipe', ...(streams.report === null ? [] : ['pipe' as const])],
    buffer: false,
    reject: false,
    detached: true,
    windowsHide: true,
  });
  const onAbort = () => {
    if (subprocess.pid !== undefined) killProcessGroup(subprocess.pid);
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  subprocess.stdout?.pipe(streams.stdout);
  subprocess.stderr?.pipe(streams.stderr);
  if (streams.report !== null) (subprocess.stdio[3] as Readable | undefined)?.pipe(streams.report);
  return subprocess.then((ended) => {
    signal.removeEventListener('abort', onAbort);
    // A process that never started has streams that never end.
    for (const stream of [streams.stdout, streams.stderr, streams.report]) {
      if (stream !== null && !stream.writableEnded) stream.end();
    }
    const started = ended.exitCode !== undefined || ended.signal !== undefined;
    return {
      exitCode: ended.exitCode,
      signal: ended.signal,
      ...(started ? {} : { error: ended.shortMessage }),
    };
  });
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
  /** How many calls ran warm (a call the interpreter could not confine ran cold). */
  let warmCalls = 0;
  let lastRefusal: string | undefined;
  let lastRestart: { reason: string; at: string } | undefined;
  let lastVersion: string | undefined;
  let stopping = false;
  /** Why no call may run warm any more: the interpreter cannot keep calls apart here (Landlock, the cgroup). */
  let isolationGap: string | undefined;
  /** Why the interpreter could not start (it exited before `ready`): every later call runs cold. */
  let startFailure: string | undefined;
  let pidsCgroup: PidsCgroup | undefined;
  /** The cgroups of calls not yet cleaned up, so that stop() removes them too. */
  const callCgroups = new Set<CallCgroup>();
  const noteRestart = (reason: string) => {
    lastRestart = { reason, at: new Date().toISOString() };
  };

  const serverStage: SandboxStage = {
    kind: 'aws',
    file: options.python,
    args: ['-c', warmServerSource, launcherSource],
    cwd: '/',
    env: options.env,
    readOnlyPaths: options.readOnlyPaths,
    writablePaths: options.writablePaths,
    privateBinds: [{ source: callsFolder, target: sandboxCallsFolder }],
    keepCapabilities: warmCapabilities,
  };
  /** The interpreter's command and the folders each call gets its own of, once planned (wrapping is pure). */
  let serverPlan: { command: SandboxedCommand; privateFolders: PrivateFolder[] } | undefined;
  const planServer = () => {
    if (serverPlan !== undefined || isolationGap !== undefined) return serverPlan;
    let command: SandboxedCommand;
    try {
      command = options.sandbox.wrap(serverStage);
    } catch (error) {
      isolationGap = `the sandbox cannot run the warm CLI (${error instanceof Error ? error.message : String(error)})`;
      return undefined;
    }
    const privateFolders = listPrivateFolders(command.args);
    const kept = command.keptCapabilities ?? [];
    // Fail closed: without both, calls at once would share /tmp, /var/tmp, /dev/shm and the home.
    if (!warmCapabilities.every((capability) => kept.includes(capability)))
      isolationGap = `the sandbox keeps the warm CLI no ${warmCapabilities.join(' and ')} for each call's mounts`;
    else if (privateFolders.length === 0) isolationGap = 'the sandbox gives the warm CLI no private /tmp';
    else serverPlan = { command, privateFolders };
    return serverPlan;
  };

  const findRefusal = (stage: SandboxStage, sandbox: Sandbox): string | undefined => {
    if (startFailure !== undefined) return startFailure;
    const plan = planServer();
    if (isolationGap !== undefined || plan === undefined) {
      return `the warm CLI cannot keep calls apart: ${isolationGap}`;
    }
    if (sandbox !== options.sandbox) return 'the call runs in another sandbox';
    const viaLauncher = stage.file === options.python && stage.args[0] === '-c';
    if (!viaLauncher && stage.file !== options.awsFile) return 'the call runs another AWS CLI';
    // A cold call gets its own of each (its homes too); the warm child its own of the warm sandbox's (enter_own_mounts).
    const ownFolder = listPrivateFolders(sandbox.wrap(stage).args).find(
      ({ path }) => !plan.privateFolders.some((folder) => folder.path === path),
    );
    if (ownFolder !== undefined)
      return `the call would get its own ${ownFolder.path}, which the warm CLI lacks`;
    const callFiles = new Set(stage.callFiles ?? []);
    const missingRead = stage.readOnlyPaths.find(
      (path) =>
        !callFiles.has(path) && !isInsideAny(path, [...options.readOnlyPaths, ...options.writablePaths]),
    );
    if (missingRead !== undefined) return `the call needs ${missingRead}, which the warm sandbox lacks`;
    const missingWrite = stage.writablePaths.find((path) => !isInsideAny(path, options.writablePaths));
    if (missingWrite !== undefined) return `the call writes ${missingWrite}, which the warm sandbox lacks`;
    // The copies preparePrivateCopies made for the call are handed to the child; a cache without one is refused.
    const bound = new Set((stage.privateBinds ?? []).map(({ target }) => target));
    const unbound = (stage.privateCopies ?? []).find((copy) => !bound.has(copy.target));
    if (unbound !== undefined) return `the CLI cache ${unbound.target} has no private copy for the call`;
    return undefined;
  };

  const startServer = (plan: NonNullable<typeof serverPlan>): Server => {
    const { command, privateFolders } = plan;
    // Where the sandbox gives a cold stage its own process limit (a pids cgroup), each warm call gets one too.
    const processes = command.limits?.values.processes;
    if (processes !== undefined && pidsCgroup === undefined) {
      const probed = probePidsCgroup();
      if ('reason' in probed) isolationGap = `no pids cgroup for each call (${probed.reason})`;
      else pidsCgroup = probed;
    }
    const subprocess = loadedExeca()(command.file, command.args, {
      cwd: command.cwd,
      env: command.env ?? serverStage.env,
      extendEnv: false,
      stdio: ['pipe', 'pipe', 'pipe'],
      buffer: false,
      reject: false,
      detached: true,
      windowsHide: true,
    });
    const started: Server = {
      subprocess,
      pending: new Map(),
      alive: true,
      retired: false,
      privateFolders,
      ready: false,
      stderrTail: '',
      ...(processes === undefined ? {} : { processes }),
      stamps: new Map((options.watchedFiles ?? []).map((path) => [path, stampFile(path)])),
    };
    starts += 1;
    let text = '';
    subprocess.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n')) {
        const line = text.slice(0, end);
        text = text.slice(end + 1);
        const event = JSON.parse(line) as {
          ready?: number;
          version?: string;
          files?: string[];
          started?: number;
          pid?: number;
          isolationGap?: string | null;
          exit?: number;
          code?: number;
          signal?: string;
          unconfined?: boolean;
        };
        if (event.ready !== undefined) {
          started.ready = true;
          started.version = event.version;
          lastVersion = event.version;
          started.namespacePid = event.ready;
          if (event.isolationGap) isolationGap = event.isolationGap;
          for (const path of event.files ?? []) started.stamps.set(path, stampFile(path));
        }
        if (event.started !== undefined) started.pending.get(event.started)?.started(event.pid);
        if (event.exit !== undefined) {
          started.pending.get(event.exit)?.exited(event);
          started.pending.delete(event.exit);
          if (started.retired && started.pending.size === 0) shutDown(started);
        }
      }
    });
    // Its own errors only (each call's stderr is that call's FIFO): the last lines say why it could not start.
    subprocess.stderr?.on('data', (chunk: Buffer) => {
      started.stderrTail = (started.stderrTail + chunk.toString('utf8')).slice(-4096);
    });
    subprocess.stdin?.on('error', () => {});
    void subprocess.then((ended) => {
      started.alive = false;
      const how = ended.signal === undefined ? `exit code ${ended.exitCode}` : `signal ${ended.signal}`;
      // Its last line of stderr says why (a Python traceback's last line, a limit's message), masked as any output.
      const last = started.stderrTail.trim().split('\n').at(-1)?.slice(0, 300);
      const said = last === undefined ? undefined : maskSecrets(last).text;
      const why = `${how}${said ? `: ${said}` : ''}`;
      if (!started.retired && !stopping) {
        if (started.ready)
          noteRestart(`the warm CLI exited by itself (${why}); the next call starts a new one`);
        else {
          // It could not import the CLI: that does not change by trying again, so every call runs cold.
          startFailure = `the warm CLI exited before it was ready (${why})`;
          noteRestart(`${startFailure}; calls run cold`);
        }
      }
      if (server === started) server = undefined;
      for (const call of started.pending.values()) {
        // A call whose child never started ran nothing: it runs cold, unless the warm CLI is being stopped.
        call.exited({
          error: `the warm CLI exited during the call (${why}; the next call starts a new one); run it again`,
          ...(call.hasStarted || stopping ? {} : { nothingRan: true }),
        });
      }
      started.pending.clear();
    });
    return started;
  };

  const shutDown = (old: Server) => {
    old.subprocess.stdin?.end();
    if (old.subprocess.pid !== undefined) killProcessGroup(old.subprocess.pid);
  };

  /** Retires the interpreter when a watched file changed since it started (the calls it runs finish first). */
  const checkStamps = (current: Server) => {
    for (const [path, stamp] of current.stamps) {
      if (stampFile(path) === stamp) continue;
      noteRestart(`${path} changed`);
      current.retired = true;
      if (server === current) server = undefined;
      if (current.pending.size === 0) shutDown(current);
      return;
    }
  };

  /**
   * Moves a call's child into a pids cgroup of its own (where the sandbox limits processes), before it runs
   * anything. Returns why it could not (the call then fails: fail closed), else undefined.
   */
  const moveIntoOwnCgroup = (
    current: Server,
    id: number,
    namespacePid: number | undefined,
    made: (cgroup: CallCgroup) => void,
  ): string | undefined => {
    if (current.processes === undefined) return undefined;
    const root = current.subprocess.pid;
    if (pidsCgroup === undefined || root === undefined || namespacePid === undefined) {
      return `the warm CLI could not give the call its own process limit (${isolationGap ?? 'no cgroup'}); run it again`;
    }
    if (current.hostPid === undefined && current.namespacePid !== undefined) {
      current.hostPid = findHostPid(root, current.namespacePid);
    }
    if (current.hostPid === undefined) {
      // Without /proc's `children` or `NSpid` no call can get its own cgroup: the calls after this one run cold.
      isolationGap = 'the interpreter cannot be found in /proc (NSpid, task children)';
      return `the warm CLI could not give the call its own process limit (${isolationGap}); run it again`;
    }
    const hostPid = findHostPid(root, namespacePid, current.hostPid);
    if (hostPid === undefined) return 'the warm CLI could not find the call in /proc; run it again';
    try {
      made(
        createCallCgroup({
          cgroup: pidsCgroup,
          name: `warm-${root}-${id}`,
          processes: current.processes,
          hostPid,
        }),
      );
      return undefined;
    } catch (error) {
      return `the warm CLI could not give the call its own process limit (${(error as Error).message}); run it again`;
    }
  };

  return {
    get calls() {
      return warmCalls;
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
    get version() {
      return server?.version ?? lastVersion;
    },
    get lastRestart() {
      return lastRestart?.reason;
    },
    get status() {
      return {
        running: server?.alive === true,
        version: server?.version ?? lastVersion ?? null,
        starts,
        calls: warmCalls,
        lastRestart: lastRestart ?? null,
      };
    },
    refuse(stage, sandbox) {
      const reason = findRefusal(stage, sandbox);
      if (reason !== undefined) lastRefusal = reason;
      return reason;
    },
    run(stage, signal) {
      if (server !== undefined) checkStamps(server);
      // refuse() accepted the stage, so the plan is made.
      if (server === undefined || !server.alive)
        server = startServer(planServer() as NonNullable<typeof serverPlan>);
      const current = server;
      nextCall += 1;
      const id = nextCall;
      const folder = join(callsFolder, `call-${id}`);
      /** The same path as the warm sandbox shows it, for the interpreter. */
      const inSandbox = (path: string) => sandboxCallsFolder + path.slice(callsFolder.length);
      const viaLauncher = stage.file === options.python && stage.args[0] === '-c';
      const argv = viaLauncher ? stage.args.slice(3) : stage.args;
      const fifo = (name: string) => join(folder, name);
      // The cache copies preparePrivateCopies made live outside the warm sandbox: the child gets a copy of each
      // in its call folder, and what it leaves there goes back to them before the merge (as a cold call's would).
      const caches = (stage.privateBinds ?? []).map(({ source, target }, index) => ({
        source,
        target,
        copy: join(folder, 'caches', String(index)),
      }));
      // The files made for this call alone (the role's config) lie outside the warm sandbox: the child reads a
      // copy in its own folder, and its environment names the copy where it named the file.
      const files = (stage.callFiles ?? []).map((source, index) => ({
        source,
        copy: join(folder, 'files', String(index), basename(source)),
      }));
      const env: Record<string, string> = { HOME: homedir(), ...stage.env };
      for (const [name, value] of Object.entries(env)) {
        const file = files.find(({ source }) => source === value);
        if (file !== undefined) env[name] = inSandbox(file.copy);
      }
      const request = {
        run: id,
        argv,
        // As the sandbox would give a cold stage: without HOME, Python would look in /etc/passwd.
        env,
        cwd: stage.cwd,
        folder: inSandbox(folder),
        tmpdir: inSandbox(join(folder, 'tmp')),
        stdout: inSandbox(fifo('stdout')),
        stderr: inSandbox(fifo('stderr')),
        report: viaLauncher ? inSandbox(fifo('report')) : null,
        launcher: viaLauncher ? stage.args[2] : null,
        caches: caches.map(({ target, copy }) => ({ target, copy: inSandbox(copy) })),
        private: current.privateFolders.map(({ path, size }) => ({ path, size: size ?? null })),
      };
      mkdirSync(join(folder, 'tmp'), { recursive: true, mode: 0o700 });
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      const report = viaLauncher ? new PassThrough() : null;
      let callCgroup: CallCgroup | undefined;
      let failure: string | undefined;
      /** Set when the interpreter could not confine the call, which then ran cold instead (nothing ran warm). */
      let ranCold = false;
      const onAbort = () => {
        current.subprocess.stdin?.write(`${JSON.stringify({ kill: id })}\n`);
        callCgroup?.killAll();
      };
      const result = new Promise<{
        exitCode: number | undefined;
        signal: string | undefined;
        error?: string;
      }>((resolve) => {
        current.pending.set(id, {
          hasStarted: false,
          started: (namespacePid) => {
            const entry = current.pending.get(id);
            if (entry !== undefined) entry.hasStarted = true;
            warmCalls += 1;
            // The child waits for these readers before it runs anything: its cgroup comes first.
            failure = moveIntoOwnCgroup(current, id, namespacePid, (made) => {
              callCgroup = made;
              callCgroups.add(made);
            });
            if (failure !== undefined) {
              current.subprocess.stdin?.write(`${JSON.stringify({ kill: id })}\n`);
              return;
            }
            const readers: Array<[Socket, NodeJS.WritableStream]> = [
              [openFifoReader(fifo('stdout')), stdout],
              [openFifoReader(fifo('stderr')), stderr],
            ];
            if (report !== null) readers.push([openFifoReader(fifo('report')), report]);
            for (const [reader, target] of readers) reader.pipe(target);
          },
          exited: (event) => {
            signal.removeEventListener('abort', onAbort);
            if ((event.unconfined === true || event.nothingRan === true) && event.error !== undefined) {
              if (event.unconfined === true) {
                // Fail closed: never warm without the call's own domain. Nothing ran, so the call runs cold.
                isolationGap = event.error;
                lastRefusal = `the warm CLI cannot keep calls apart: ${event.error}`;
              } else lastRefusal = startFailure ?? 'the warm CLI exited before the call started';
              ranCold = true;
              resolve(
                runCold({
                  command: options.sandbox.wrap(stage),
                  stage,
                  signal,
                  streams: { stdout, stderr, report },
                }),
              );
              return;
            }
            if (failure !== undefined) {
              for (const stream of [stdout, stderr, report]) stream?.end();
              resolve({ exitCode: undefined, signal: undefined, error: failure });
              return;
            }
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
        Promise.all([
          ...caches.map(({ source, copy }) => copySmallFiles(source, copy)),
          ...files.map(({ source, copy }) => copyCallFile(source, copy)),
        ]).then(
          () => {
            // The kill follows the request, so an abort before the start still reaches the child.
            current.subprocess.stdin?.write(`${JSON.stringify(request)}\n`);
            if (signal.aborted) onAbort();
            else signal.addEventListener('abort', onAbort, { once: true });
          },
          (error: Error) => {
            current.pending.delete(id);
            for (const stream of [stdout, stderr, report]) stream?.end();
            resolve({
              exitCode: undefined,
              signal: undefined,
              error: `the copy for the call failed: ${error.message}`,
            });
          },
        );
      });
      const ended = Promise.all(
        [stdout, stderr, report].map(
          (stream) =>
            stream === null || new Promise((resolve) => stream.on('end', resolve).on('close', resolve)),
        ),
      );
      const cleaned = Promise.all([result, ended]).then(async ([outcome]) => {
        // A call run cold wrote its cache copies itself; the ones in the call folder were never used.
        if (!ranCold) {
          for (const { source, copy } of caches) await copySmallFiles(copy, source).catch(() => {});
        }
        rmSync(folder, { recursive: true, force: true });
        if (callCgroup !== undefined) {
          await callCgroup.remove();
          callCgroups.delete(callCgroup);
        }
        return outcome;
      });
      return { stdout, stderr, stdio: [null, stdout, stderr, report], result: cleaned };
    },
    async stop() {
      stopping = true;
      const current = server;
      server = undefined;
      if (current !== undefined) {
        current.subprocess.stdin?.end();
        if (current.subprocess.pid !== undefined) killProcessGroup(current.subprocess.pid);
        await current.subprocess;
      }
      await Promise.all([...callCgroups].map((cgroup) => cgroup.remove()));
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
    // What SPAWN_FAILED's message quotes (it reads execa's shortMessage).
    ...(outcome.error === undefined ? {} : { message: outcome.error, shortMessage: outcome.error }),
  }));
  return Object.assign(result, {
    stdout: call.stdout,
    stderr: call.stderr,
    stdio: call.stdio,
    pid: undefined,
    kill: () => true,
  }) as unknown as ResultPromise;
}
