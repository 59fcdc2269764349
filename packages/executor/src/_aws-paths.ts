import { accessSync, constants, existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { CredentialsMode } from './_environment.js';
import type { CliCacheNames, PrivateCopyRequest } from './sandbox.js';

/** The homes a sandbox hides: the stage's HOME and the server user's own. */
export function listHomes(env: NodeJS.ProcessEnv): string[] {
  // The account's own home from the password database too: with HOME set elsewhere, a CLI installed under the
  // real home (pyenv, pipx, ~/.local) must still be found and bound.
  const homes = new Set<string>([homedir(), accountHome()]);
  if (env.HOME !== undefined && isAbsolute(env.HOME)) homes.add(env.HOME);
  return [...homes].filter((home) => home !== '/');
}

function accountHome(): string {
  try {
    return userInfo().homedir;
  } catch {
    return homedir();
  }
}

function topFolderUnder(path: string, homes: string[]): string | undefined {
  for (const home of homes) {
    const inside = relative(home, path);
    if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) continue;
    return join(home, inside.split(sep)[0] as string);
  }
  return undefined;
}

function readHead(file: string): string {
  try {
    return readFileSync(file, { encoding: 'latin1', flag: 'r' }).slice(0, 2048);
  } catch {
    return '';
  }
}

function readShebangInterpreter(file: string): string | undefined {
  return readHead(file).match(/^#!\s*(\S+)/)?.[1];
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function readVersionFile(file: string): string[] | undefined {
  try {
    const words = readFileSync(file, 'utf8')
      .split(/\s+/)
      .filter((word) => word !== '' && !word.startsWith('#'));
    return words.length > 0 ? words : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The program a pyenv shim would run for `aws`: `<root>/versions/<version>/bin/aws` for the first version, in
 * pyenv's order, that has one — PYENV_VERSION, then `.python-version` from `lookupFrom` up, then the root's
 * `version` file. `lookupFrom` is the server's folder, never the working directory, so a `.python-version` a
 * command writes there cannot choose the interpreter. Returns `awsFile` itself when it is no pyenv shim or no
 * version has the program.
 */
export function resolvePyenvShim(awsFile: string, env: NodeJS.ProcessEnv, lookupFrom: string): string {
  const head = readHead(awsFile);
  if (!/\bpyenv["']?\s+exec\b/.test(head)) return awsFile;
  const root = /^export PYENV_ROOT="([^"]+)"$/m.exec(head)?.[1] ?? env.PYENV_ROOT;
  if (root === undefined) return awsFile;
  let versions = env.PYENV_VERSION ? env.PYENV_VERSION.split(':') : undefined;
  for (let folder = resolve(lookupFrom); versions === undefined; folder = dirname(folder)) {
    versions = readVersionFile(join(folder, '.python-version'));
    if (dirname(folder) === folder) break;
  }
  versions ??= readVersionFile(join(root, 'version')) ?? [];
  for (const version of versions) {
    if (version === 'system' || version.includes('/') || version.startsWith('.')) continue;
    const target = join(root, 'versions', version, 'bin', basename(awsFile));
    if (isExecutableFile(target)) return target;
  }
  return awsFile;
}

/** `<root>/versions/<version>` when `path` lies in a pyenv version tree (a root with `libexec/pyenv`). */
function pyenvVersionTree(path: string): string | undefined {
  const match = /^(.+)\/versions\/([^/]+)\//.exec(path);
  if (match === null || !existsSync(join(match[1] as string, 'libexec', 'pyenv'))) return undefined;
  return join(match[1] as string, 'versions', match[2] as string);
}

/**
 * Folders under a home that the AWS CLI needs to start (its install, its interpreter), read-only: a pip
 * `--user` install, pyenv, or the v2 installer under $HOME would vanish under the sandbox's private home. For a
 * CLI in a pyenv version tree only that tree (`~/.pyenv/versions/3.11.7`), not pyenv's other versions; a shim
 * that could not be resolved (see resolvePyenvShim) needs pyenv itself, so its top folder.
 */
export function listCliInstallPaths(awsFile: string, homes: string[]): string[] {
  const paths = new Set<string>();
  const candidates = [awsFile];
  try {
    candidates.push(realpathSync(awsFile));
  } catch {}
  for (const candidate of [...candidates]) {
    const interpreter = readShebangInterpreter(candidate);
    if (interpreter !== undefined && isAbsolute(interpreter)) candidates.push(interpreter);
  }
  for (const candidate of candidates) {
    const folder = topFolderUnder(candidate, homes);
    if (folder !== undefined) paths.add(pyenvVersionTree(candidate) ?? folder);
  }
  return [...paths];
}

/**
 * What the aws stage must see, decided here alone: unless credentials come from variables only, the AWS config
 * and credentials files (honouring AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE), the files the profile chain
 * needs (`profileFiles`: credential_process programs, web identity tokens, CA bundles) and the CLI's caches as
 * private copies of which only `cacheNames` come back; in every mode the files that variables point to. A role's
 * throwaway config (`roleConfigFile`, a copy of the user's config) replaces the config file, in every mode.
 */
export function listAwsStagePaths(
  env: NodeJS.ProcessEnv,
  credentialsMode: CredentialsMode,
  {
    profileFiles = [],
    cacheNames = { cli: [], sso: [] },
    roleConfigFile,
  }: { profileFiles?: readonly string[]; cacheNames?: CliCacheNames; roleConfigFile?: string } = {},
): { readOnly: string[]; privateCopies: PrivateCopyRequest[] } {
  const home = env.HOME ?? homedir();
  const readOnly: string[] = [];
  const privateCopies: PrivateCopyRequest[] = [];
  if (roleConfigFile !== undefined) readOnly.push(roleConfigFile);
  if (credentialsMode !== 'env') {
    if (roleConfigFile === undefined) readOnly.push(env.AWS_CONFIG_FILE || join(home, '.aws', 'config'));
    readOnly.push(env.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials'));
    readOnly.push(...profileFiles.filter((path) => isAbsolute(path)));
    privateCopies.push(
      { target: join(home, '.aws', 'cli', 'cache'), keep: cacheNames.cli },
      { target: join(home, '.aws', 'sso', 'cache'), keep: cacheNames.sso },
    );
  }
  for (const name of [
    'AWS_CA_BUNDLE',
    'AWS_WEB_IDENTITY_TOKEN_FILE',
    'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
  ]) {
    const value = env[name];
    if (value !== undefined && isAbsolute(value)) readOnly.push(value);
  }
  return { readOnly, privateCopies };
}
