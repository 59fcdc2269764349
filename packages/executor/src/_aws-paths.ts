import { readFileSync, realpathSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { isAbsolute, join, relative, sep } from 'node:path';
import type { CredentialsMode } from './_environment.js';

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

function readShebangInterpreter(file: string): string | undefined {
  try {
    const head = readFileSync(file, { encoding: 'utf8', flag: 'r' }).slice(0, 256);
    const match = head.match(/^#!\s*(\S+)/);
    return match?.[1];
  } catch {
    return undefined;
  }
}

/**
 * Folders under a home that the AWS CLI needs to start (its install, its interpreter), read-only: a pip
 * `--user` install, pyenv, or the v2 installer under $HOME would vanish under the sandbox's private home.
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
    if (folder !== undefined) paths.add(folder);
  }
  return [...paths];
}

/**
 * What the aws stage must see: the AWS config and credentials files (honouring AWS_CONFIG_FILE and
 * AWS_SHARED_CREDENTIALS_FILE) unless credentials come from variables only, files that variables point to, and
 * the CLI's caches (writable, so SSO and assume-role keep working).
 */
export function listAwsStagePaths(
  env: NodeJS.ProcessEnv,
  credentialsMode: CredentialsMode,
): { readOnly: string[]; writable: string[] } {
  const home = env.HOME ?? homedir();
  const readOnly: string[] = [];
  const writable: string[] = [];
  if (credentialsMode !== 'env') {
    readOnly.push(env.AWS_CONFIG_FILE || join(home, '.aws', 'config'));
    readOnly.push(env.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials'));
    writable.push(join(home, '.aws', 'cli', 'cache'), join(home, '.aws', 'sso', 'cache'));
  }
  for (const name of [
    'AWS_CA_BUNDLE',
    'AWS_WEB_IDENTITY_TOKEN_FILE',
    'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
  ]) {
    const value = env[name];
    if (value !== undefined && isAbsolute(value)) readOnly.push(value);
  }
  return { readOnly, writable };
}
