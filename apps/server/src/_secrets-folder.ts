import { randomBytes } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';

/**
 * Where unmasked output is saved (`save` in the consent form, or a call's `saveOutputTo`): AWS_MCP_SECRETS_DIR, else
 * the user's data folder, `$XDG_DATA_HOME/aws-mcp/secrets` or `~/.local/share/aws-mcp/secrets`. Never the working
 * directory's neighbourhood (see checkSecretsFolderApart).
 */
export function resolveSecretsFolder(env: NodeJS.ProcessEnv): string {
  const setting = env.AWS_MCP_SECRETS_DIR?.trim();
  if (setting !== undefined && setting !== '') return resolve(setting);
  const dataHome = env.XDG_DATA_HOME?.trim() || join(env.HOME || homedir(), '.local', 'share');
  return resolve(dataHome, 'aws-mcp', 'secrets');
}

/** Why the secrets folder cannot be used; thrown at start, naming the setting. */
export class SecretsFolderError extends Error {
  readonly code: 'SECRETS_DIR_NEAR_WORKDIR' | 'SECRETS_DIR_UNUSABLE';
  readonly folder: string;

  constructor({
    code,
    folder,
    message,
    cause,
  }: {
    code: SecretsFolderError['code'];
    folder: string;
    message: string;
    cause?: unknown;
  }) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'SecretsFolderError';
    this.code = code;
    this.folder = folder;
  }
}

/** The real path of `path`, or of its nearest existing ancestor with the rest appended (a folder made later). */
function realPathOf(path: string): string {
  const missing: string[] = [];
  let current = resolve(path);
  for (;;) {
    try {
      return join(realpathSync(current), ...missing.reverse());
    } catch {
      const parent = dirname(current);
      if (parent === current) return resolve(path);
      missing.push(current.slice(parent.length + (parent.endsWith(sep) ? 0 : 1)));
      current = parent;
    }
  }
}

/**
 * Refuses a secrets folder that is the working directory, lies inside it, holds it, or sits beside it (the same
 * parent): commands read and write the working directory, and a saved secret there could be echoed back by a
 * validation error or uploaded. Compares real paths, so a symbolic link cannot bring them together. Throws
 * SecretsFolderError `SECRETS_DIR_NEAR_WORKDIR`.
 */
export function checkSecretsFolderApart({ workdir, folder }: { workdir: string; folder: string }): void {
  const work = realPathOf(workdir);
  const secrets = realPathOf(folder);
  const inside = (child: string, parent: string) =>
    child === parent || child.startsWith(parent.endsWith(sep) ? parent : `${parent}${sep}`);
  const where = inside(secrets, work)
    ? inside(work, secrets)
      ? 'is'
      : 'lies inside'
    : inside(work, secrets)
      ? 'holds'
      : dirname(work) === dirname(secrets)
        ? 'sits beside'
        : undefined;
  if (where === undefined) return;
  throw new SecretsFolderError({
    code: 'SECRETS_DIR_NEAR_WORKDIR',
    folder: secrets,
    message:
      `AWS_MCP_SECRETS_DIR: the secrets folder ${secrets} ${where} the working directory ${work}; commands can read ` +
      'and upload files there, so saved secrets would not stay with the user. Choose a folder apart from it ' +
      '(the default is ~/.local/share/aws-mcp/secrets), or another AWS_MCP_WORKDIR.',
  });
}

/**
 * Creates the secrets folder if needed and makes it private (0700). Refuses a folder that is a symbolic link, not
 * a folder, or another user's. Throws SecretsFolderError `SECRETS_DIR_UNUSABLE`.
 */
export function prepareSecretsFolder(folder: string): void {
  const unusable = (problem: string, cause?: unknown) =>
    new SecretsFolderError({
      code: 'SECRETS_DIR_UNUSABLE',
      folder,
      message: `AWS_MCP_SECRETS_DIR: the secrets folder ${folder} ${problem}`,
      cause,
    });
  try {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw unusable(`cannot be created (${(error as NodeJS.ErrnoException).code ?? String(error)}).`, error);
  }
  const stat = lstatSync(folder);
  if (!stat.isDirectory()) throw unusable('is not a folder (a symbolic link is not accepted either).');
  if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) {
    throw unusable('belongs to another user.');
  }
  if ((stat.mode & 0o777) !== 0o700) chmodSync(folder, 0o700);
}

/** Why a `saveOutputTo` name was refused. */
export interface SaveNameProblem {
  reason: string;
  suggestion: string;
}

const maxNameBytes = 255;

/**
 * Checks a `saveOutputTo` file name: a plain name for a new file in the secrets folder — no folder part, not a
 * dot-file, no control or invisible characters, at most 255 bytes. Returns the problem, or undefined when the name
 * can be used (whether the file exists is checked when it is created, exclusively).
 */
export function checkSaveName(
  name: string,
  isHidden: (char: string) => boolean,
): SaveNameProblem | undefined {
  const suggestion =
    'Give a new plain file name such as `credentials.json`; it is created in the secrets folder, which only the user opens.';
  if (name.trim() === '') return { reason: '`saveOutputTo` is empty.', suggestion };
  if (name.includes('/') || name.includes('\\')) {
    return {
      reason: `\`saveOutputTo\` ${JSON.stringify(name)} has a folder part; the file always goes to the secrets folder.`,
      suggestion,
    };
  }
  if (name.startsWith('.')) {
    return {
      reason: `\`saveOutputTo\` ${JSON.stringify(name)} is a dot-file (or \`.\`/\`..\`).`,
      suggestion,
    };
  }
  if ([...name].some(isHidden)) {
    return { reason: '`saveOutputTo` holds control or invisible characters.', suggestion };
  }
  if (Buffer.byteLength(name) > maxNameBytes) {
    return { reason: `\`saveOutputTo\` is longer than ${maxNameBytes} bytes.`, suggestion };
  }
  return undefined;
}

/**
 * A new file name for output saved by the consent answer `save`: the command, the time and 4 random hex digits
 * (two calls in one second get two files), e.g. `sts-get-session-token-20261201T134500Z-3f9a.txt`.
 */
export function defaultSaveName({
  service,
  operation,
  now = new Date(),
}: {
  service: string | undefined;
  operation: string | undefined;
  now?: Date;
}): string {
  const stamp = now
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replaceAll(/[-:]/g, '');
  const command = [service, operation].filter((part) => part !== undefined && part !== '').join('-');
  return `${(command || 'aws').replaceAll(/[^A-Za-z0-9-]/g, '-')}-${stamp}-${randomBytes(2).toString('hex')}.txt`;
}
