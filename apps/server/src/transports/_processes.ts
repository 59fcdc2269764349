import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/** The ids of this process's child processes, from /proc (Linux); empty where /proc has no `children` files. */
export async function listChildProcesses(): Promise<number[]> {
  let tasks: string[];
  try {
    tasks = await readdir('/proc/self/task');
  } catch {
    return [];
  }
  const lists = await Promise.all(
    tasks.map((task) => readFile(`/proc/self/task/${task}/children`, 'utf8').catch(() => '')),
  );
  return lists
    .join(' ')
    .split(/\s+/)
    .filter((id) => id !== '')
    .map(Number);
}

/**
 * Waits up to `graceMs` for the children (already told to stop, e.g. by aborting their commands) to exit, then
 * kills what is left, so a server that exits leaves no AWS CLI running behind it.
 */
export async function stopChildProcesses({ graceMs }: { graceMs: number }): Promise<void> {
  const deadline = Date.now() + graceMs;
  let children = await listChildProcesses();
  while (children.length > 0 && Date.now() < deadline) {
    await sleep(25);
    children = await listChildProcesses();
  }
  for (const id of children) {
    try {
      process.kill(id, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/**
 * Calls `onExit` once when the parent process dies (this process is re-parented), which closes no pipe when the
 * parent shared its stdin with others. Checks every `intervalMs`; the timer does not keep the process alive.
 */
export function watchParentProcess({
  onExit,
  intervalMs = 250,
}: {
  onExit: () => void;
  intervalMs?: number;
}): () => void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onExit();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
