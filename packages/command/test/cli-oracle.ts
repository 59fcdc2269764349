/**
 * The installed AWS CLI as an oracle: `scripts/cli-oracle.py` runs each argv through the CLI's own driver and
 * parsers (in forks of a process that loaded the CLI once; nothing is sent anywhere) and answers what every
 * parser read. Differential tests hold
 * our parser's reading against these answers. Test harness only: nothing here is exported by the package.
 */
import { execFileSync, spawn } from 'node:child_process';
import { accessSync, closeSync, constants, openSync, readSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** A JSON value as the oracle writes it: bytes arrive as `{ $base64 }`, datetimes as ISO strings. */
export type OracleValue = null | boolean | number | string | OracleValue[] | { [key: string]: OracleValue };

/** argparse's reading of one option-like word (`--quie` → `--quiet`, `--region=x` → explicit `x`). */
export interface OracleOptionWord {
  /** Position in the parser's `args`. */
  index: number;
  word: string;
  /** The option string argparse resolved the word to; the word itself when no action matched. */
  option: string;
  /** The value after `=` (or a short option's attached value), `null` when none. */
  explicit: string | null;
  /** False when the word looked like an option but this parser has none by that name or prefix. */
  known: boolean;
}

/** The words one action took, in the order argparse took them. */
export interface OracleConsumed {
  dest: string;
  positional: boolean;
  words: string[];
}

/** One `parse_known_args` call of a parser the CLI built. */
export interface OracleParser {
  /** `main`, `service`, `operation`, `help`, `first-pass` (v2's --debug/--profile pre-read) or a customization's name (`cp`, `set`). */
  name: string;
  /** The command lineage the parser belongs to, e.g. `['s3', 'cp']`; empty for the main parser. */
  command: string[];
  /** The parser's Python class, e.g. `ArgTableArgParser`. */
  parser: string;
  args: string[] | null;
  options: OracleOptionWord[];
  consumed: OracleConsumed[];
  /** The parsed namespace by dest, `null` when the parse failed or exited. */
  namespace: Record<string, OracleValue> | null;
  remaining: OracleValue[] | null;
  /** argparse's message when it rejected argv (`ambiguous option: --s could match …`). */
  error?: string;
  /** The exit status when an action ended the process (`--version`). */
  exit?: number;
  /** A result that is not `(namespace, remaining)`: v2's SubCommandArgParser. */
  result?: OracleValue;
}

/** The API call the CLI was about to send, with the params exactly as the CLI built them. */
export interface OracleCall {
  service: string;
  operation: string;
  params: Record<string, OracleValue>;
  region: string | null;
  endpointUrl: string | null;
  /** botocore's parameter validation report, when the params would be refused before sending. */
  paramError?: string;
}

/** The s3transfer request the CLI was about to start. Local paths are relative to the run's cwd. */
export interface OracleTransfer {
  method: 'upload' | 'download' | 'copy' | 'delete';
  bucket?: string;
  key?: string;
  fileobj?: OracleValue;
  copySource?: OracleValue;
  extraArgs?: Record<string, OracleValue> | null;
}

/** Something the CLI did or tried on its way, in order; the last one is why the run stopped, if it did. */
export type OracleAction =
  | { kind: 'parsed' }
  | { kind: 'call'; operation: string }
  | { kind: 'transfer'; method: string }
  | { kind: 'help'; command: string | null; helpClass: string }
  | { kind: 'write-config'; file: string; values: Record<string, OracleValue> }
  | { kind: 'process'; argv: OracleValue; via?: string }
  | { kind: 'network'; via: string; address: OracleValue }
  | { kind: 'browser'; url: string }
  | { kind: 'prompt'; args: string[] };

/** Where a run was stopped before the CLI finished; `null` when the CLI ran to its own exit. */
export type OracleStop = 'parsed' | 'call' | 'transfer' | 'help' | 'process' | 'network' | 'prompt' | null;

/** What the CLI did with one argv. */
export interface OracleAnswer {
  id: number;
  parsers: OracleParser[];
  calls: OracleCall[];
  transfers: OracleTransfer[];
  actions: OracleAction[];
  stopped: OracleStop;
  /** The CLI's exit status; `null` when the run was stopped (the CLI never got to choose one). */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** The last line of the traceback when the CLI itself crashed (it then exits 1, as Python does). */
  uncaught?: string;
  durationMs: number;
  cpuMs?: { user: number; system: number; faults: number };
}

/** One question for the oracle. `until: 'parsed'` stops once the command's parser accepted argv (much faster). */
export interface OracleRequest {
  argv: string[];
  /** Files created in the run's empty cwd first, by relative path. */
  files?: Record<string, string>;
  stdin?: string;
  until?: 'call' | 'parsed';
  timeoutMs?: number;
}

/** The CLI the oracle runs, as it introduced itself. */
export interface OracleCli {
  version: string;
  major: number;
  python: string;
  botocore: string;
}

export type CliOracleErrorCode =
  | 'START_FAILED'
  | 'ORACLE_EXITED'
  | 'TIMEOUT'
  | 'RUN_DIED'
  | 'BAD_REQUEST'
  | 'UNSERIALISABLE';

/** The oracle could not answer for the CLI. Never a CLI outcome: those are answers. */
export class CliOracleError extends Error {
  override readonly name = 'CliOracleError';
  readonly code: CliOracleErrorCode;
  readonly argv: string[] | undefined;
  /** The tail of the oracle's own stderr, for START_FAILED and ORACLE_EXITED. */
  readonly stderr: string | undefined;

  constructor(options: {
    code: CliOracleErrorCode;
    message: string;
    argv?: string[];
    stderr?: string;
    cause?: unknown;
  }) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.argv = options.argv;
    this.stderr = options.stderr;
  }
}

export interface CliOracle {
  readonly cli: OracleCli;
  readonly isolation: 'fork' | 'reuse';
  /** The Python process's id. */
  readonly pid: number;
  /** Asks about one argv (or a full request). Rejects with a CliOracleError only when the oracle failed. */
  ask(request: string[] | OracleRequest): Promise<OracleAnswer>;
  /** Asks about many at once; the oracle runs up to `jobs` of them side by side. Answers keep the input order. */
  askMany(requests: ReadonlyArray<string[] | OracleRequest>): Promise<OracleAnswer[]>;
  /** Ends stdin, lets the oracle answer what it has, and waits for it to exit. */
  close(): Promise<void>;
}

export interface StartCliOracleOptions {
  /** The interpreter that imports the CLI's `awscli`; default: the one behind `aws` on PATH. */
  python?: string;
  /** Runs in flight at once; default: the oracle's choice (one per CPU). */
  jobs?: number;
  /** Profiles the oracle's private config defines (all with the same fake credentials); `default` always. */
  profiles?: string[];
  /**
   * `reuse` (default): a worker serves many runs and puts back the state the CLI is known to change after each
   * (a run whose changes cannot be put back retires its worker); cli-oracle.test.ts holds its answers to fork's.
   * `fork`: every run in a fresh fork of the loaded CLI, so no run can see another's state by construction;
   * the reference when an answer is in doubt, and 3-4 times slower.
   */
  isolation?: 'fork' | 'reuse';
  /** With `reuse`: runs a worker serves before it is replaced; default 200. */
  runsPerWorker?: number;
  /** How long to wait for the CLI to load; default 60 s. */
  startTimeoutMs?: number;
}

const oracleScript = fileURLToPath(new URL('../scripts/cli-oracle.py', import.meta.url));
const stderrTailLength = 4000;

const failureCodes: Record<string, CliOracleErrorCode> = {
  timeout: 'TIMEOUT',
  died: 'RUN_DIED',
  'bad-request': 'BAD_REQUEST',
  unserialisable: 'UNSERIALISABLE',
};

interface Pending {
  argv: string[];
  resolve: (answer: OracleAnswer) => void;
  reject: (error: CliOracleError) => void;
}

/**
 * Starts `scripts/cli-oracle.py` under the CLI's interpreter and waits for it to load the CLI.
 * Rejects with CliOracleError `START_FAILED` (with the oracle's stderr) when it cannot. The oracle exits by
 * itself when its stdin closes, so a test process that dies takes it down too.
 */
export async function startCliOracle(options: StartCliOracleOptions = {}): Promise<CliOracle> {
  const python = options.python ?? findCliPython('aws') ?? 'python3';
  const args = [oracleScript];
  if (options.jobs !== undefined) args.push('--jobs', String(options.jobs));
  if (options.profiles !== undefined) args.push('--profiles', options.profiles.join(','));
  if (options.isolation !== undefined) args.push('--isolation', options.isolation);
  if (options.runsPerWorker !== undefined) args.push('--runs-per-worker', String(options.runsPerWorker));
  const child = spawn(python, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderrTail = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderrTail = (stderrTail + chunk).slice(-stderrTailLength);
  });
  // A closed pipe surfaces as the exit below; without a listener it would be an uncaught error.
  child.stdin.on('error', () => {});
  const lines = createInterface({ input: child.stdout });
  const pending = new Map<number, Pending>();
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  const { cli, isolation } = await new Promise<{ cli: OracleCli; isolation: 'fork' | 'reuse' }>(
    (resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(
          new CliOracleError({
            code: 'START_FAILED',
            message: `${python} did not load the CLI in time`,
            stderr: stderrTail,
          }),
        );
      }, options.startTimeoutMs ?? 60_000);
      const onExit = (code: number | null) => {
        clearTimeout(timer);
        reject(
          new CliOracleError({
            code: 'START_FAILED',
            message: `${python} ${oracleScript} exited (${code}) before it was ready`,
            stderr: stderrTail,
          }),
        );
      };
      child.once('error', (cause) => {
        clearTimeout(timer);
        reject(new CliOracleError({ code: 'START_FAILED', message: `cannot run ${python}`, cause }));
      });
      child.once('exit', onExit);
      lines.once('line', (line) => {
        clearTimeout(timer);
        child.off('exit', onExit);
        const greeting = JSON.parse(line) as {
          ready?: boolean;
          cli?: OracleCli;
          isolation?: 'fork' | 'reuse';
        };
        if (greeting.ready !== true || greeting.cli === undefined) {
          child.kill('SIGKILL');
          reject(new CliOracleError({ code: 'START_FAILED', message: `unexpected greeting: ${line}` }));
          return;
        }
        resolve({ cli: greeting.cli, isolation: greeting.isolation ?? 'reuse' });
      });
    },
  );

  lines.on('line', (line) => {
    const answer = JSON.parse(line) as Partial<OracleAnswer> & { errorCode?: string; error?: string };
    const waiting = typeof answer.id === 'number' ? pending.get(answer.id) : undefined;
    if (waiting === undefined || answer.id === undefined) return;
    pending.delete(answer.id);
    holdOpen();
    if (answer.errorCode !== undefined) {
      waiting.reject(
        new CliOracleError({
          code: failureCodes[answer.errorCode] ?? 'RUN_DIED',
          message: `${answer.error ?? answer.errorCode}: aws ${waiting.argv.join(' ')}`,
          argv: waiting.argv,
        }),
      );
      return;
    }
    waiting.resolve(answer as OracleAnswer);
  });
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      for (const waiting of pending.values()) {
        waiting.reject(
          new CliOracleError({
            code: 'ORACLE_EXITED',
            message: `the oracle exited (${code ?? signal}) before answering aws ${waiting.argv.join(' ')}`,
            argv: waiting.argv,
            stderr: stderrTail,
          }),
        );
      }
      pending.clear();
      resolve();
    });
  });

  // Referenced only while a question is open, so an idle oracle never keeps the test process alive.
  function holdOpen() {
    // The pipes are sockets at run time, though typed as plain streams.
    const handles = [child, child.stdout, child.stderr] as unknown as { ref(): void; unref(): void }[];
    for (const handle of handles) {
      if (pending.size > 0) handle.ref();
      else handle.unref();
    }
  }
  holdOpen();

  let nextId = 1;
  function ask(request: string[] | OracleRequest): Promise<OracleAnswer> {
    const body: OracleRequest = Array.isArray(request) ? { argv: request } : request;
    if (exited !== undefined) {
      return Promise.reject(
        new CliOracleError({
          code: 'ORACLE_EXITED',
          message: 'the oracle has exited',
          argv: body.argv,
          stderr: stderrTail,
        }),
      );
    }
    const id = nextId++;
    return new Promise<OracleAnswer>((resolve, reject) => {
      pending.set(id, { argv: body.argv, resolve, reject });
      holdOpen();
      child.stdin.write(`${JSON.stringify({ ...body, id })}\n`);
    });
  }

  return {
    cli,
    isolation,
    pid: child.pid ?? -1,
    ask,
    askMany: (requests) => Promise.all(requests.map(ask)),
    async close() {
      if (exited !== undefined) return;
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.ref();
      await exitedPromise;
      clearTimeout(timer);
    },
  };
}

/**
 * Finds the Python interpreter behind an `aws` command: a pyenv shim (asks pyenv which file it runs), a
 * script's shebang (`#!/usr/bin/python3`, `#!/usr/bin/env python3`), a symlink to either. Returns `undefined`
 * when there is none, e.g. for the official v2 installer's frozen binary, or when `aws` is not found.
 */
export function findCliPython(awsPath: string): string | undefined {
  const file = resolveExecutable(awsPath);
  if (file === undefined) return undefined;
  const head = readHead(file);
  if (!head.startsWith('#!')) return undefined;
  const pyenvRoot = /^export PYENV_ROOT="([^"]+)"$/m.exec(head)?.[1];
  if (pyenvRoot !== undefined && head.includes('pyenv') && head.includes('exec')) {
    const target = runQuietly(path.join(pyenvRoot, 'libexec', 'pyenv'), ['which', path.basename(file)]);
    return target === undefined || target === file ? undefined : findCliPython(target);
  }
  const shebang = (head.split('\n')[0] ?? '').slice(2).trim().split(/\s+/);
  let interpreter = shebang[0];
  if (interpreter !== undefined && path.basename(interpreter) === 'env') {
    interpreter = shebang.slice(1).find((word) => !word.startsWith('-') && !word.includes('='));
    interpreter = interpreter === undefined ? undefined : resolveExecutable(interpreter);
  }
  if (interpreter === undefined || !/python/.test(path.basename(interpreter))) return undefined;
  return resolveExecutable(interpreter);
}

/**
 * The version of the `awscli` that `python` imports, or `undefined` when it imports none. For `skipIf`.
 */
export function probeCliPython(python: string | undefined): string | undefined {
  if (python === undefined) return undefined;
  return runQuietly(python, ['-c', 'import awscli; print(awscli.__version__)']);
}

function resolveExecutable(name: string): string | undefined {
  const candidates = name.includes('/')
    ? [name]
    : (process.env.PATH ?? '')
        .split(path.delimiter)
        .filter(Boolean)
        .map((folder) => path.join(folder, name));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return realpathSync(candidate);
    } catch {
      // Not here; try the next folder.
    }
  }
  return undefined;
}

function readHead(file: string): string {
  const buffer = Buffer.alloc(2048);
  const fd = openSync(file, 'r');
  try {
    return buffer.subarray(0, readSync(fd, buffer, 0, buffer.length, 0)).toString('latin1');
  } finally {
    closeSync(fd);
  }
}

function runQuietly(file: string, args: string[]): string | undefined {
  try {
    const output = execFileSync(file, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 30_000,
    });
    return output.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The parser entry by name (the first, or the `nth` of several): a small convenience for assertions. */
export function parserNamed(answer: OracleAnswer, name: string, nth = 0): OracleParser | undefined {
  return answer.parsers.filter((parser) => parser.name === name)[nth];
}
