import { lstat, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The start of the name of a call's private cache copies (`aws-mcp-caches-PID-XXXXXX`, made with mkdtemp): the
 * pid of the process that made it says whose it is.
 */
export function cacheFolderPrefix(pid: number = process.pid): string {
  return `aws-mcp-caches-${pid}-`;
}

const withPid = /^aws-mcp-caches-(\d+)-[A-Za-z0-9]{6}$/;
/** The name before the pid was part of it: whose it is cannot be known. */
const withoutPid = /^aws-mcp-caches-[A-Za-z0-9]{6}$/;

/** What {@link sweepStaleCliCaches} removes, and where. */
export interface SweepStaleCliCachesOptions {
  /** Where the folders are: the temp folder calls make them in (default `os.tmpdir()`). */
  directory?: string;
  /** How long ago a folder of a process that is gone must have changed last (default five minutes). */
  minAgeMs?: number;
  /** The same for a folder named without a pid, whose maker cannot be asked (default a day: longer than any call). */
  unnamedMinAgeMs?: number;
}

/** True while a process with that pid exists, this user's or another's. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists and belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the private cache copies (`aws-mcp-caches-*` in the temp folder) that calls of a process that is gone
 * left behind: a call removes its own when it ends, but a process killed or crashed mid-call never does. A folder
 * is removed only when it is a real folder (a symlink is neither removed nor followed) of this user, whose pid
 * is no live process, and that has not changed for `minAgeMs`; one named without a pid only after
 * `unnamedMinAgeMs`. A folder of a live process (this one, another server) always stays; a pid reused by another
 * process keeps its folder until that one ends too. Returns the folders removed; never throws.
 */
export async function sweepStaleCliCaches({
  directory = tmpdir(),
  minAgeMs = 5 * 60_000,
  unnamedMinAgeMs = 24 * 60 * 60_000,
}: SweepStaleCliCachesOptions = {}): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(directory);
  } catch {
    return [];
  }
  const removed: string[] = [];
  const uid = process.getuid?.();
  for (const name of names) {
    const pid = withPid.exec(name)?.[1];
    if (pid === undefined && !withoutPid.test(name)) continue;
    if (pid !== undefined && (Number(pid) <= 0 || isAlive(Number(pid)))) continue;
    const path = join(directory, name);
    try {
      const stats = await lstat(path);
      if (!stats.isDirectory() || (uid !== undefined && stats.uid !== uid)) continue;
      if (Date.now() - stats.mtimeMs < (pid === undefined ? unnamedMinAgeMs : minAgeMs)) continue;
      await rm(path, { recursive: true, force: true });
      removed.push(path);
    } catch {
      // Gone meanwhile, or not ours to remove.
    }
  }
  return removed;
}
