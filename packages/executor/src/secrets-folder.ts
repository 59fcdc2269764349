import { randomBytes } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { ExecutionError } from './execution-error.js';

/** How the caller's users name the settings in the texts they read: a variable, a flag, an option. */
export interface SecretsFolderNames {
  /** Where the folder is chosen (default `` `secretsFolder` ``). */
  folderSetting: string;
  /** Where the working directory is chosen (default `` `workdir` ``). */
  workdirSetting: string;
}

const defaultNames: SecretsFolderNames = { folderSetting: '`secretsFolder`', workdirSetting: '`workdir`' };

/**
 * Where unmasked output is saved (a person's `save` answer, or a call's save-to name): `chosen` when given, else
 * the user's data folder, `$XDG_DATA_HOME/aws-mcp/secrets` or `~/.local/share/aws-mcp/secrets`. Never the working
 * directory's neighbourhood (see checkSecretsFolderApart).
 */
export function resolveSecretsFolder({ chosen, env }: { chosen?: string; env: NodeJS.ProcessEnv }): string {
  const setting = chosen?.trim();
  if (setting !== undefined && setting !== '') return resolve(setting);
  const dataHome = env.XDG_DATA_HOME?.trim() || join(env.HOME || homedir(), '.local', 'share');
  return resolve(dataHome, 'aws-mcp', 'secrets');
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
 * ExecutionError `SECRETS_DIR_NEAR_WORKDIR` (its `path`: the folder's real path).
 */
export function checkSecretsFolderApart({
  workdir,
  folder,
  names = {},
}: {
  workdir: string;
  folder: string;
  names?: Partial<SecretsFolderNames>;
}): void {
  const { folderSetting, workdirSetting } = { ...defaultNames, ...names };
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
  const reason = `the secrets folder ${secrets} ${where} the working directory ${work}`;
  throw new ExecutionError({
    code: 'SECRETS_DIR_NEAR_WORKDIR',
    path: secrets,
    reason,
    message:
      `${folderSetting}: ${reason}; commands can read and upload files there, so saved secrets would not stay ` +
      'with the user. Choose a folder apart from it (the default is ~/.local/share/aws-mcp/secrets), or another ' +
      `${workdirSetting}.`,
  });
}

/**
 * Creates the secrets folder if needed and makes it private (0700). Refuses a folder that is a symbolic link, not
 * a folder, or another user's. Throws ExecutionError `SECRETS_DIR_UNUSABLE` (its `path`: the folder).
 */
export function prepareSecretsFolder(
  folder: string,
  { names = {} }: { names?: Partial<Pick<SecretsFolderNames, 'folderSetting'>> } = {},
): void {
  const { folderSetting } = { ...defaultNames, ...names };
  const unusable = (problem: string, cause?: unknown) =>
    new ExecutionError({
      code: 'SECRETS_DIR_UNUSABLE',
      path: folder,
      reason: `the secrets folder ${folder} ${problem}`,
      message: `${folderSetting}: the secrets folder ${folder} ${problem}`,
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

/** Why a save-to name was refused. */
export interface SaveNameProblem {
  reason: string;
  suggestion: string;
}

const maxNameBytes = 255;

/**
 * Checks the name of a file to save unmasked output in: a plain name for a new file in the secrets folder — no
 * folder part, not a dot-file, no character `isHidden` calls control or invisible, at most 255 bytes. `optionName`
 * is how the caller's users give it (default `` `saveTo` ``). Returns the problem, or undefined when the name can
 * be used (whether the file exists is checked when it is created, exclusively).
 */
export function checkSaveName(
  name: string,
  { isHidden, optionName = '`saveTo`' }: { isHidden: (char: string) => boolean; optionName?: string },
): SaveNameProblem | undefined {
  const suggestion =
    'Give a new plain file name such as `credentials.json`; it is created in the secrets folder, which only the user opens.';
  if (name.trim() === '') return { reason: `${optionName} is empty.`, suggestion };
  if (name.includes('/') || name.includes('\\')) {
    return {
      reason: `${optionName} ${JSON.stringify(name)} has a folder part; the file always goes to the secrets folder.`,
      suggestion,
    };
  }
  if (name.startsWith('.')) {
    return { reason: `${optionName} ${JSON.stringify(name)} is a dot-file (or \`.\`/\`..\`).`, suggestion };
  }
  if ([...name].some(isHidden)) {
    return { reason: `${optionName} holds control or invisible characters.`, suggestion };
  }
  if (Buffer.byteLength(name) > maxNameBytes) {
    return { reason: `${optionName} is longer than ${maxNameBytes} bytes.`, suggestion };
  }
  return undefined;
}

/**
 * A new file name for output saved by a person's `save` answer: the command, the time and 4 random hex digits
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
