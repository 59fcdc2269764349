import { closeSync, constants, fchmodSync, lstatSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, isAbsolute, normalize } from 'node:path';
import { ExecutionError } from './execution-error.js';

/** Where a pipeline's unmasked output goes with `secrets: { saveTo }`: written as it arrives, counted. */
export interface SaveFile {
  readonly path: string;
  /** Bytes written so far. */
  readonly bytes: number;
  write(chunk: Buffer): void;
  /** Closes the file; removes it when `discard` (nothing ran). */
  close(options?: { discard?: boolean }): void;
}

function refuse(
  path: string,
  problem: string,
  code: 'SAVE_TO_INVALID' | 'SAVE_TO_EXISTS' = 'SAVE_TO_INVALID',
) {
  return new ExecutionError({
    code,
    path,
    message: `\`saveTo\` ${path} ${problem}`,
  });
}

/**
 * Checks a `saveTo` path before anything runs: absolute and normalized, its parent an existing folder (not a
 * symbolic link) owned by this user and private (no permission bits for group or others, e.g. 0700), and no file
 * there yet. Throws ExecutionError `SAVE_TO_INVALID` or `SAVE_TO_EXISTS`, with `path`.
 */
export function checkSaveTarget(path: string): void {
  if (!isAbsolute(path) || normalize(path) !== path || path.endsWith('/')) {
    throw refuse(path, 'must be an absolute, normalized file path (no `..`, no trailing `/`).');
  }
  const folder = dirname(path);
  let stat: ReturnType<typeof lstatSync>;
  try {
    stat = lstatSync(folder);
  } catch {
    throw refuse(
      path,
      `cannot be created: its folder ${folder} does not exist. Create it with mode 0700 first.`,
    );
  }
  if (!stat.isDirectory()) {
    throw refuse(
      path,
      `cannot be created: ${folder} is not a folder (a symbolic link is not accepted either).`,
    );
  }
  if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) {
    throw refuse(path, `cannot be created: its folder ${folder} belongs to another user.`);
  }
  if ((stat.mode & 0o077) !== 0) {
    const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
    throw refuse(
      path,
      `cannot be created: its folder ${folder} has mode ${mode}, readable by others; make it private (chmod 700).`,
    );
  }
  let exists = true;
  try {
    lstatSync(path);
  } catch {
    exists = false;
  }
  if (exists) {
    throw refuse(
      path,
      'already exists; a saved output never replaces a file. Choose a new name.',
      'SAVE_TO_EXISTS',
    );
  }
}

/**
 * Creates the file exclusively (it must not exist, a symbolic link is not followed) with mode 0600 and returns a
 * writer. Throws ExecutionError `SAVE_TO_EXISTS` when it appeared since the check, `SAVE_TO_INVALID` otherwise.
 */
export function openSaveFile(path: string): SaveFile {
  checkSaveTarget(path);
  let fd: number;
  try {
    fd = openSync(
      path,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0),
      0o600,
    );
    // The umask can only take bits away; this makes the mode exact.
    fchmodSync(fd, 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw refuse(path, 'already exists. Choose a new name.', 'SAVE_TO_EXISTS');
    throw refuse(path, `cannot be created (${code ?? String(error)}).`);
  }
  let bytes = 0;
  let open = true;
  return {
    path,
    get bytes() {
      return bytes;
    },
    write(chunk) {
      if (!open) return;
      // Synchronous: the chunk is on disk before the next one is read, and memory stays bounded by one chunk.
      for (let offset = 0; offset < chunk.length; ) offset += writeSync(fd, chunk, offset);
      bytes += chunk.length;
    },
    close({ discard = false } = {}) {
      if (!open) return;
      open = false;
      closeSync(fd);
      if (discard) {
        try {
          unlinkSync(path);
        } catch {}
      }
    },
  };
}
