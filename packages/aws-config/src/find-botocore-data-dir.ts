import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { findAllExecutables, findExecutable } from './find-executable.js';
import type { AwsEnvironment } from './read-aws-setup.js';

/** Where the installed AWS CLI keeps botocore's data (`endpoints.json` and one folder per service). */
export interface BotocoreLocation {
  /** The folder holding `endpoints.json`. */
  dataDir: string;
  /** The `aws` executable found on PATH (or given) that this data belongs to. */
  awsPath: string;
  /** `python`: a pip, pipx, Homebrew or distro install; `bundle`: the AWS CLI v2 installer's frozen bundle. */
  install: 'python' | 'bundle';
}

/** Options for {@link findBotocoreDataDir}. */
export interface FindBotocoreDataDirOptions {
  /** Defaults to `process.env`; PATH, PYENV_ROOT, PYENV_VERSION and HOME are read from it. */
  env?: AwsEnvironment;
  /** Use this `aws` executable instead of searching PATH. */
  awsPath?: string;
  /** Where pyenv looks for `.python-version`; defaults to `process.cwd()`. */
  cwd?: string;
}

const maxHops = 6;

/**
 * Finds the botocore data folder of the `aws` on PATH by following it on disk, without running anything:
 * symlinks are resolved, a Python script's shebang leads to its interpreter's site-packages (botocore for the
 * CLI v1, awscli/botocore for Homebrew's v2), a frozen v2 bundle keeps it in `awscli/botocore/data` beside the
 * binary, and a pyenv shim leads to the active version's `aws`. Returns undefined when nothing is found.
 */
export function findBotocoreDataDir(options: FindBotocoreDataDirOptions = {}): BotocoreLocation | undefined {
  const env = options.env ?? process.env;
  const candidates = options.awsPath ? [options.awsPath] : findAllExecutables('aws', env.PATH);
  for (const awsPath of candidates) {
    const found = followExecutable(awsPath, { env, cwd: options.cwd ?? process.cwd() }, 0);
    if (found) return { ...found, awsPath };
  }
  return undefined;
}

function followExecutable(
  path: string,
  context: { env: AwsEnvironment; cwd: string },
  hops: number,
): Omit<BotocoreLocation, 'awsPath'> | undefined {
  if (hops > maxHops) return undefined;
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    return undefined;
  }
  const head = readHead(real);
  if (!head.startsWith('#!')) {
    const bundle = findBundleData(dirname(real));
    return bundle === undefined ? undefined : { dataDir: bundle, install: 'bundle' };
  }
  if (/pyenv["']?\s+exec\b/.test(head)) {
    for (const next of pyenvCandidates(head, context)) {
      const found = followExecutable(next, context, hops + 1);
      if (found) return found;
    }
    return undefined;
  }
  const interpreter = readShebang(head, context.env);
  if (interpreter === undefined) return undefined;
  const dataDir = findPythonData(interpreter);
  return dataDir === undefined ? undefined : { dataDir, install: 'python' };
}

function readHead(path: string): string {
  try {
    return readFileSync(path).subarray(0, 4096).toString('latin1');
  } catch {
    return '';
  }
}

/** Returns the interpreter path of a shebang, resolving `#!/usr/bin/env python3` through PATH. */
function readShebang(head: string, env: AwsEnvironment): string | undefined {
  const words = (head.split('\n')[0] ?? '').slice(2).trim().split(/\s+/);
  const [program, ...rest] = words;
  if (!program) return undefined;
  if (program.endsWith('/env')) {
    const name = rest.find((word) => !word.startsWith('-') && !word.includes('='));
    return name === undefined ? undefined : findExecutable(name, env.PATH);
  }
  return program;
}

function findBundleData(folder: string): string | undefined {
  for (const base of [folder, dirname(folder), join(dirname(folder), 'dist')]) {
    const candidate = join(base, 'awscli', 'botocore', 'data');
    if (existsSync(join(candidate, 'endpoints.json'))) return candidate;
  }
  return undefined;
}

function findPythonData(interpreter: string): string | undefined {
  const prefixes = new Set<string>([dirname(dirname(interpreter))]);
  try {
    prefixes.add(dirname(dirname(realpathSync(interpreter))));
  } catch {
    // A venv's python may point nowhere readable; its own prefix was added above.
  }
  for (const prefix of prefixes) {
    for (const libFolder of ['lib', 'lib64']) {
      const lib = join(prefix, libFolder);
      for (const python of listDirectory(lib).filter((name) => name.startsWith('python'))) {
        for (const packages of ['site-packages', 'dist-packages']) {
          for (const relative of [
            ['awscli', 'botocore', 'data'],
            ['botocore', 'data'],
          ]) {
            const candidate = join(lib, python, packages, ...relative);
            if (existsSync(join(candidate, 'endpoints.json'))) return candidate;
          }
        }
      }
    }
  }
  return undefined;
}

function listDirectory(path: string): string[] {
  try {
    return readdirSync(path).sort().reverse();
  } catch {
    return [];
  }
}

/** The `aws` of each active pyenv version, the order `pyenv exec` tries them. */
function pyenvCandidates(shim: string, context: { env: AwsEnvironment; cwd: string }): string[] {
  const root =
    /PYENV_ROOT="([^"]+)"/.exec(shim)?.[1] ??
    context.env.PYENV_ROOT ??
    join(context.env.HOME || homedir(), '.pyenv');
  const versions = activePyenvVersions(root, context);
  return versions
    .filter((version) => version !== 'system')
    .map((version) => join(root, 'versions', version, 'bin', 'aws'));
}

function activePyenvVersions(root: string, context: { env: AwsEnvironment; cwd: string }): string[] {
  const fromEnv = context.env.PYENV_VERSION;
  if (fromEnv) return fromEnv.split(':');
  let folder = resolve(context.cwd);
  for (;;) {
    const versions = readVersionFile(join(folder, '.python-version'));
    if (versions) return versions;
    const parent = dirname(folder);
    if (parent === folder) break;
    folder = parent;
  }
  return readVersionFile(join(root, 'version')) ?? ['system'];
}

function readVersionFile(path: string): string[] | undefined {
  try {
    const versions = readFileSync(path, 'utf8')
      .split(/\s+/)
      .filter((word) => word !== '' && !word.startsWith('#'));
    return versions.length > 0 ? versions : undefined;
  } catch {
    return undefined;
  }
}
