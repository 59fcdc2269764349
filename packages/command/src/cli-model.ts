import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type {
  CliAction,
  CliActionKind,
  CliCommandModel,
  CliModel,
  CliModelIndex,
  CliServiceModel,
} from './cli-model-types.js';
import { CommandError } from './command-error.js';

/** The version of the file layout `scripts/generate-cli-model.py` writes (its `FORMAT`). */
const format = 1;

const flagKinds = new Set<CliActionKind>([
  'store_true',
  'store_false',
  'store_const',
  'append_const',
  'count',
  'version',
  'help',
]);
/** The const argparse gives these flags; the generator leaves it out. */
const flagConst: Partial<Record<CliActionKind, boolean>> = { store_true: true, store_false: false };

const actionKinds = new Set<string>([
  'store',
  'store_true',
  'store_false',
  'store_const',
  'append',
  'append_const',
  'count',
  'version',
  'help',
  'command',
]);

/** An encoded action row, as cli-model/README.md describes it: short keys, what follows from the rest left out. */
interface EncodedRow {
  o?: string[];
  d?: string;
  n?: '?' | '*' | '+' | number;
  k?: CliActionKind;
  c?: string | number | boolean;
  f?: string | number | boolean | string[];
  h?: 1 | 2 | string[];
  r?: 1;
  v?: string;
  a?: 0 | string;
  m?: 1 | 2 | string;
  t?: 0 | string;
  s?: 1;
  p?: 'read' | 'write' | 's3-path';
  q?: 1;
}
/** A row reference: a position in the index's rows, -1 - a position in the file's rows, or the row itself. */
type Reference = number | EncodedRow;
interface EncodedCommand {
  o?: 1 | string;
  x: Reference[];
  s?: Record<string, EncodedCommand>;
}

const isString = (value: unknown): value is string => typeof value === 'string';
const isStrings = (value: unknown) => Array.isArray(value) && value.every(isString);
const isScalar = (value: unknown) => ['string', 'number', 'boolean'].includes(typeof value);
const isOne = (value: unknown) => value === 1;
const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
// One check per key of a row. The rows are most of a model (a million values in all), so they are checked with
// these plain functions inside the zod schema rather than with a zod object schema per row: ten times faster.
const rowKeys: Record<string, (value: unknown) => boolean> = {
  o: isStrings,
  d: isString,
  n: (value) =>
    value === '?' || value === '*' || value === '+' || (Number.isInteger(value) && (value as number) >= 0),
  k: (value) => isString(value) && actionKinds.has(value),
  c: isScalar,
  f: (value) => isScalar(value) || isStrings(value),
  h: (value) => value === 1 || value === 2 || isStrings(value),
  r: isOne,
  v: isString,
  a: (value) => value === 0 || isString(value),
  m: (value) => value === 1 || value === 2 || isString(value),
  t: (value) => value === 0 || isString(value),
  s: isOne,
  p: (value) => value === 'read' || value === 'write' || value === 's3-path',
  q: isOne,
};

function isEncodedRow(value: unknown): value is EncodedRow {
  if (!isRecord(value)) return false;
  for (const key in value) {
    const check = rowKeys[key];
    if (check === undefined || !check(value[key])) return false;
  }
  return true;
}

const isReference = (value: unknown): value is Reference => Number.isInteger(value) || isEncodedRow(value);

function isEncodedCommand(value: unknown): value is EncodedCommand {
  if (!isRecord(value) || !Array.isArray(value.x) || !value.x.every(isReference)) return false;
  for (const key in value) if (key !== 'o' && key !== 'x' && key !== 's') return false;
  if (value.o !== undefined && value.o !== 1 && !isString(value.o)) return false;
  return value.s === undefined || (isRecord(value.s) && Object.values(value.s).every(isEncodedCommand));
}

// The bulk of a file (rows, references, commands) is checked by the plain functions above as a whole: a zod schema
// per element would copy every array and object it passes.
const rowsSchema = z.custom<EncodedRow[]>((value) => Array.isArray(value) && value.every(isEncodedRow), {
  message: 'not a list of encoded action rows',
});
const referencesSchema = z.custom<Reference[]>((value) => Array.isArray(value) && value.every(isReference), {
  message: 'not a list of rows and row references',
});
const commandsSchema = z.custom<Record<string, EncodedCommand>>(
  (value) => isRecord(value) && Object.values(value).every(isEncodedCommand),
  { message: 'not a table of encoded commands' },
);

const indexSchema = z.strictObject({
  format: z.literal(format),
  cliVersion: z.string(),
  cliMajor: z.number().int(),
  botocoreVersion: z.string(),
  pythonVersion: z.string(),
  services: z.array(z.string()),
  globals: rowsSchema,
  rows: rowsSchema,
});

const serviceSchema = z.strictObject({
  format: z.literal(format),
  cliVersion: z.string(),
  name: z.string(),
  kind: z.enum(['service', 'customization']),
  apiService: z.string().optional(),
  x: referencesSchema,
  c: commandsSchema,
  rows: rowsSchema,
});

/** argparse's dest for an optional: its first long option (else its first), without dashes, - as _. */
function defaultDest(options: readonly string[]): string {
  const chosen = options.find((option) => option.startsWith('--')) ?? options[0] ?? '';
  let start = 0;
  while (chosen[start] === '-') start++;
  return chosen.slice(start).replaceAll('-', '_');
}

/** `instance-ids` → `InstanceIds`, as the generator's pascal_case (each word capitalized, the dashes dropped). */
function toPascalCase(name: string): string {
  let result = '';
  let upper = true;
  for (const character of name) {
    if (character === '-') upper = true;
    else {
      result += upper ? character.toUpperCase() : character;
      upper = false;
    }
  }
  return result;
}

/** The inverse of the generator's encode_row (its decode_row, line for line). */
function decodeRow(encoded: EncodedRow, commandNames: readonly string[]): CliAction {
  const options = encoded.o ?? [];
  const kind = encoded.k ?? 'store';
  const dest = encoded.d ?? defaultDest(options);
  const action: CliAction = {
    options,
    dest,
    nargs: encoded.n ?? (flagKinds.has(kind) ? 0 : null),
    kind,
    required: encoded.r === 1,
  };
  const constant = encoded.c ?? flagConst[kind];
  if (constant !== undefined) action.const = constant;
  if (encoded.f !== undefined) action.default = encoded.f;
  if (encoded.h !== undefined) {
    action.choices =
      encoded.h === 1 ? [...commandNames] : encoded.h === 2 ? [...commandNames, 'help'] : encoded.h;
  }
  if (encoded.v !== undefined) action.valueType = encoded.v;
  if (encoded.a !== 0) {
    const argument = encoded.a ?? (options.length > 0 ? (options[0] as string).slice(2) : dest);
    action.argument = argument;
    if (encoded.m === 1) action.member = toPascalCase(argument);
    else if (encoded.m === 2) action.member = toPascalCase(argument.slice(3));
    else if (encoded.m !== undefined) action.member = encoded.m;
    const type = encoded.t ?? 'string';
    if (type !== 0) action.type = type;
    if (encoded.s === 1) action.sensitive = true;
    if (encoded.p !== undefined) action.localPath = encoded.p;
    if (encoded.q === 1) action.clearsRequired = true;
  }
  return action;
}

function freezeAction(action: CliAction): CliAction {
  Object.freeze(action.options);
  if (action.choices !== undefined) Object.freeze(action.choices);
  if (Array.isArray(action.default)) Object.freeze(action.default);
  return Object.freeze(action);
}

function invalid(file: string, detail: string, cause?: unknown): CommandError {
  return new CommandError({
    code: 'CLI_MODEL_INVALID',
    message: `${file} is not a CLI model file (${detail}); regenerate it with scripts/generate-cli-model.py.`,
    cause,
  });
}

function readModelFile<T>(file: string, schema: z.ZodType<T>): T {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw invalid(file, error instanceof SyntaxError ? 'not JSON' : 'unreadable', error);
  }
  const result = schema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw invalid(
      file,
      `${issue?.path.join('.') || 'top level'}: ${issue?.message ?? 'invalid'}`,
      result.error,
    );
  }
  return result.data;
}

/** Decodes rows on first use: the shared ones once, a `command` action's once per parser (its choices vary). */
class RowDecoder {
  private readonly decoded: (CliAction | undefined)[] = [];

  constructor(
    private readonly rows: readonly EncodedRow[],
    private readonly file: string,
    private readonly parent?: RowDecoder,
  ) {}

  resolve(reference: Reference, commandNames: readonly string[]): CliAction {
    if (typeof reference !== 'number') return freezeAction(decodeRow(reference, commandNames));
    if (reference < 0) return this.at(-1 - reference, commandNames);
    if (this.parent === undefined) throw invalid(this.file, `reference ${reference} in the index`);
    return this.parent.at(reference, commandNames, this.file);
  }

  /** Throws as resolve would for a reference to a row that does not exist, without decoding anything. */
  check(reference: Reference): void {
    if (typeof reference !== 'number') return;
    if (reference < 0) {
      if (this.rows[-1 - reference] === undefined)
        throw invalid(this.file, `row ${-1 - reference} does not exist`);
      return;
    }
    if (this.parent === undefined) throw invalid(this.file, `reference ${reference} in the index`);
    if (this.parent.rows[reference] === undefined)
      throw invalid(this.file, `row ${reference} does not exist`);
  }

  at(position: number, commandNames: readonly string[], file = this.file): CliAction {
    const row = this.rows[position];
    if (row === undefined) throw invalid(file, `row ${position} does not exist`);
    if (row.h === 1 || row.h === 2) return freezeAction(decodeRow(row, commandNames));
    let action = this.decoded[position];
    if (action === undefined) {
      action = freezeAction(decodeRow(row, commandNames));
      this.decoded[position] = action;
    }
    return action;
  }
}

/**
 * A command's model with its parser decoded on first use: most calls use one command of a service, and decoding
 * all of ec2's took two thirds of its first use. Every reference was checked when the file was loaded, so the
 * decoding cannot fail later.
 */
function decodeCommand(name: string, encoded: EncodedCommand, rows: RowDecoder): CliCommandModel {
  checkReferences(encoded, rows);
  const names = Object.keys(encoded.s ?? {});
  let actions: CliAction[] | undefined;
  const command = { name, kind: encoded.o === undefined ? 'customization' : 'operation' } as CliCommandModel;
  Object.defineProperty(command, 'actions', {
    enumerable: true,
    get: () => {
      actions ??= encoded.x.map((reference) => rows.resolve(reference, names));
      return actions;
    },
  });
  if (encoded.o !== undefined) command.apiOperation = encoded.o === 1 ? toPascalCase(name) : encoded.o;
  const nested = encoded.s;
  if (nested !== undefined) {
    let subcommands: Record<string, CliCommandModel> | undefined;
    Object.defineProperty(command, 'subcommands', {
      enumerable: true,
      get: () => {
        if (subcommands === undefined) {
          subcommands = {};
          for (const [subname, subcommand] of Object.entries(nested)) {
            subcommands[subname] = decodeCommand(subname, subcommand, rows);
          }
        }
        return subcommands;
      },
    });
  }
  return command;
}

function checkReferences(encoded: EncodedCommand, rows: RowDecoder): void {
  for (const reference of encoded.x) rows.check(reference);
  for (const subcommand of Object.values(encoded.s ?? {})) checkReferences(subcommand, rows);
}

function toPath(directory: string | URL): string {
  return typeof directory === 'string' ? directory : fileURLToPath(directory);
}

/**
 * Loads a CLI model written by `scripts/generate-cli-model.py`: the index (`index.json`) at once, each top-level
 * command's file the first time `loadService` asks for it (read synchronously, validated, decoded, then kept).
 * The actions are frozen and shared between commands. With `cliVersion`, a model of another CLI version is refused.
 * Throws CommandError: CLI_MODEL_INVALID when a file is missing or not a model file (the index at once, a service
 * file on first use), CLI_MODEL_MISMATCH when the index is for another CLI version or a service file for another
 * index.
 */
export function loadCliModel(directory: string | URL, options: { cliVersion?: string } = {}): CliModel {
  const root = toPath(directory);
  const indexFile = join(root, 'index.json');
  const encoded = readModelFile(indexFile, indexSchema);
  if (options.cliVersion !== undefined && encoded.cliVersion !== options.cliVersion) {
    throw new CommandError({
      code: 'CLI_MODEL_MISMATCH',
      message: `${indexFile} is the model of aws-cli ${encoded.cliVersion}, not of the installed ${options.cliVersion}.`,
    });
  }
  const shared = new RowDecoder(encoded.rows, indexFile);
  const index: CliModelIndex = {
    cliVersion: encoded.cliVersion,
    cliMajor: encoded.cliMajor,
    botocoreVersion: encoded.botocoreVersion,
    pythonVersion: encoded.pythonVersion,
    globals: encoded.globals.map((row) => freezeAction(decodeRow(row, []))),
    services: encoded.services,
  };
  const known = new Set(encoded.services);
  const loaded = new Map<string, CliServiceModel>();
  return {
    index,
    loadService(name) {
      if (!known.has(name)) return undefined;
      let service = loaded.get(name);
      if (service === undefined) {
        service = loadServiceFile(join(root, `${name}.json`), name, index.cliVersion, shared);
        loaded.set(name, service);
      }
      return service;
    },
  };
}

function loadServiceFile(
  file: string,
  name: string,
  cliVersion: string,
  shared: RowDecoder,
): CliServiceModel {
  const encoded = readModelFile(file, serviceSchema);
  if (encoded.cliVersion !== cliVersion || encoded.name !== name) {
    throw new CommandError({
      code: 'CLI_MODEL_MISMATCH',
      message: `${file} is ${encoded.name} of aws-cli ${encoded.cliVersion}, but its index is aws-cli ${cliVersion}; regenerate the model.`,
    });
  }
  const rows = new RowDecoder(encoded.rows, file, shared);
  const names = Object.keys(encoded.c);
  const commands: Record<string, CliCommandModel> = {};
  for (const [commandName, command] of Object.entries(encoded.c)) {
    commands[commandName] = decodeCommand(commandName, command, rows);
  }
  const service: CliServiceModel = {
    name,
    kind: encoded.kind,
    actions: encoded.x.map((reference) => rows.resolve(reference, names)),
    commands,
  };
  if (encoded.apiService !== undefined) service.apiService = encoded.apiService;
  return service;
}

const snapshots = new Map<number, CliModel>();

/**
 * The model committed with this package for AWS CLI v1 or v2 (`cli-model/v1/`, `cli-model/v2/`, generated from the
 * versions their index names), loaded once and shared. Throws CommandError (CLI_MODEL_INVALID) when it is missing.
 */
export function loadSnapshotCliModel(major: 1 | 2): CliModel {
  let model = snapshots.get(major);
  if (model === undefined) {
    model = loadCliModel(new URL(`../cli-model/v${major}/`, import.meta.url));
    snapshots.set(major, model);
  }
  return model;
}

/** The folder name of a generated model in a cache: one per CLI version and Python version. */
export function cliModelCacheName(source: { cliVersion: string; pythonVersion: string }): string {
  const safe = (value: string) => value.replace(/[^A-Za-z0-9._-]/g, '_');
  return `format${format}-aws-cli-${safe(source.cliVersion)}-python-${safe(source.pythonVersion)}`;
}

/**
 * The model `generateCliModel` left in `cacheDirectory` for this CLI and Python version, or undefined when there is
 * none. Throws like loadCliModel when the cached files are not a model of that version.
 */
export function loadCachedCliModel(options: {
  cacheDirectory: string;
  cliVersion: string;
  pythonVersion: string;
}): CliModel | undefined {
  const directory = join(options.cacheDirectory, cliModelCacheName(options));
  if (!existsSync(join(directory, 'index.json'))) return undefined;
  return loadCliModel(directory, { cliVersion: options.cliVersion });
}

const temporaryPrefix = '.generating-';
/** A run's folder older than this was left by a process that died (a run takes about a minute at most). */
const abandonedAfterMs = 3_600_000;

async function removeAbandonedRuns(cacheDirectory: string): Promise<void> {
  for (const entry of await readdir(cacheDirectory)) {
    if (!entry.startsWith(temporaryPrefix)) continue;
    const path = join(cacheDirectory, entry);
    const info = await stat(path).catch(() => undefined);
    if (info !== undefined && Date.now() - info.mtimeMs > abandonedAfterMs) {
      await rm(path, { recursive: true, force: true });
    }
  }
}

const generatorScript = fileURLToPath(new URL('../scripts/generate-cli-model.py', import.meta.url));

/**
 * Runs `scripts/generate-cli-model.py` with `python` (the interpreter that runs the installed CLI) in a child
 * process of its own process group, without blocking the event loop, and returns the new model. The generator
 * writes into a fresh folder in `cacheDirectory` (created when missing), which is then renamed to
 * `cliModelCacheName(...)`, so a reader never sees half a model. When another run got there first, its model is
 * kept and returned; a folder there that is not a model of this version is replaced. Folders of runs that died more
 * than an hour ago are removed. Rejects with CommandError (CLI_MODEL_GENERATION_FAILED, with the generator's last
 * stderr lines) when the generator cannot start, fails, times out (`timeoutMs`, default 5 minutes) or is aborted
 * (the whole process group is stopped); file-system errors pass through.
 */
export async function generateCliModel(options: {
  python: string;
  cacheDirectory: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}): Promise<{ directory: string; model: CliModel }> {
  await mkdir(options.cacheDirectory, { recursive: true });
  await removeAbandonedRuns(options.cacheDirectory);
  const temporary = await mkdtemp(join(options.cacheDirectory, temporaryPrefix));
  try {
    await runGenerator(options, temporary);
    const index = readModelFile(join(temporary, 'index.json'), indexSchema);
    const directory = join(options.cacheDirectory, cliModelCacheName(index));
    try {
      await rename(temporary, directory);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST' && code !== 'ENOTEMPTY') throw error;
      try {
        return { directory, model: loadCliModel(directory, { cliVersion: index.cliVersion }) };
      } catch {
        // What is there is not a model of this version (a broken earlier run): put ours in its place.
        const stale = `${temporary}-stale`;
        await rename(directory, stale);
        await rename(temporary, directory);
        await rm(stale, { recursive: true, force: true });
      }
    }
    return { directory, model: loadCliModel(directory, { cliVersion: index.cliVersion }) };
  } finally {
    await rm(temporary, { recursive: true, force: true });
  }
}

function runGenerator(
  options: { python: string; timeoutMs?: number; signal?: AbortSignal },
  output: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const timeoutMs = options.timeoutMs ?? 300_000;
    let stderr = '';
    let ending: string | undefined;
    // Its own process group, so that stopping it also stops the worker processes it forks.
    const child = spawn(options.python, [generatorScript, '--output', output], {
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    });
    const stop = (reason: string) => {
      ending ??= reason;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => stop(`timed out after ${timeoutMs} ms`), timeoutMs);
    const onAbort = () => stop('was aborted');
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    const finish = (error?: { reason: string; cause?: unknown }) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (error === undefined) {
        resolve();
        return;
      }
      const detail = stderr.trim();
      reject(
        new CommandError({
          code: 'CLI_MODEL_GENERATION_FAILED',
          message: `The CLI model generator (${options.python} ${generatorScript}) ${error.reason}${detail === '' ? '' : `: ${detail}`}`,
          cause: error.cause,
        }),
      );
    };
    child.on('error', (error) => finish({ reason: `could not run (${error.message})`, cause: error }));
    child.on('close', (code, signal) => {
      if (ending !== undefined) finish({ reason: ending });
      else if (code === 0) finish();
      else finish({ reason: signal === null ? `exited with ${code}` : `was ended by ${signal}` });
    });
  });
}

/**
 * The interpreter named in a script's `#!` line when it is a Python (`/usr/bin/python3`, or `python3` for
 * `#!/usr/bin/env python3`): for a pip-installed `aws`, the Python that can import its awscli. Undefined for
 * anything else (a shell shim such as pyenv's, a frozen binary, a missing file).
 */
export function readPythonFromShebang(script: string): string | undefined {
  let head: string;
  try {
    head = readFileSync(script).subarray(0, 512).toString('latin1');
  } catch {
    return undefined;
  }
  const line = /^#!\s*(\S+)(?:[ \t]+(\S+))?/.exec(head);
  if (line === null) return undefined;
  const [, interpreter = '', argument] = line;
  const isPython = (path: string) => /(^|\/)python[0-9.]*$/.test(path);
  if (isPython(interpreter)) return interpreter;
  if (interpreter.endsWith('/env') && argument !== undefined && isPython(argument)) return argument;
  return undefined;
}
