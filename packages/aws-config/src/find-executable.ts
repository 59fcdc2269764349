import { dirname, delimiter as nativeDelimiter, posix, win32 } from 'node:path';
import which from 'which';

/** What decides how a search runs; the defaults are this process's. */
export interface FindExecutableOptions {
  /** `win32` searches with PATHEXT (`aws` finds `aws.exe`) and `;` between folders. */
  platform?: NodeJS.Platform;
  /** The extensions to try on Windows (PATHEXT); Windows' own list when absent. */
  pathExt?: string | undefined;
}

/**
 * Every absolute path `name` resolves to on `searchPath`, in search order, as the OS would find it (execvp: an
 * executable regular file; on Windows with PATHEXT, so `aws` finds `aws.exe`); empty when absent. A name with a
 * slash is that file alone. Relative folders in the search path are skipped, and so is Windows' implicit current
 * folder: a file planted where the server happens to run is never picked. The one PATH search of the workspace.
 */
export function findAllExecutables(
  name: string,
  searchPath: string | undefined,
  { platform = process.platform, pathExt }: FindExecutableOptions = {},
): string[] {
  const paths = platform === 'win32' ? win32 : posix;
  // `which` and `isexe` split lists at this process's own delimiter, the platform's on the platform itself.
  const toNative = (list: string[]) => list.join(nativeDelimiter);
  const extensions = pathExt === undefined ? undefined : toNative(pathExt.split(paths.delimiter));
  if (name.includes('/') || (platform === 'win32' && name.includes('\\'))) {
    const found = which.sync(name, { nothrow: true, pathExt: extensions });
    return found === null ? [] : [found];
  }
  const folders = (searchPath ?? '')
    .split(paths.delimiter)
    .filter((folder) => folder !== '' && paths.isAbsolute(folder));
  if (folders.length === 0) return [];
  const found = which.sync(name, { all: true, nothrow: true, path: toNative(folders), pathExt: extensions });
  const allowed = new Set(folders.map((folder) => paths.resolve(folder)));
  return (found ?? []).filter((file) => allowed.has(paths.resolve(dirname(file))));
}

/** The first of {@link findAllExecutables}: the program the OS would run for `name`; undefined when absent. */
export function findExecutable(
  name: string,
  searchPath: string | undefined,
  options: FindExecutableOptions = {},
): string | undefined {
  return findAllExecutables(name, searchPath, options)[0];
}

/**
 * The search path in `env`: `PATH`, or on Windows whichever spelling the environment uses (`Path`), since a
 * copied environment object loses Windows' case-insensitive lookup.
 */
export function readSearchPath(
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  return readVariable(env, 'PATH', platform);
}

/** PATHEXT from `env`, whatever its spelling on Windows; undefined elsewhere. */
export function readPathExt(
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  return platform === 'win32' ? readVariable(env, 'PATHEXT', platform) : undefined;
}

function readVariable(env: NodeJS.ProcessEnv, name: string, platform: NodeJS.Platform): string | undefined {
  if (platform !== 'win32') return env[name];
  const key = Object.keys(env).find((candidate) => candidate.toUpperCase() === name);
  return key === undefined ? undefined : env[key];
}
