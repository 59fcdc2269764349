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

/** A process seen at a moment, with its start time so a reused pid is never mistaken for it. */
interface ProcessIdentity {
  pid: number;
  startTime: string;
}

async function readStartTime(pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime) counted after the command name, which is in parentheses and may contain spaces.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

async function listChildrenOf(pid: number): Promise<number[]> {
  let tasks: string[];
  try {
    tasks = await readdir(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const lists = await Promise.all(
    tasks.map((task) => readFile(`/proc/${pid}/task/${task}/children`, 'utf8').catch(() => '')),
  );
  return lists
    .join(' ')
    .split(/\s+/)
    .filter((id) => id !== '')
    .map(Number);
}

/**
 * Every descendant of this process (children, their children, …) with start times. Taken before stopping, it
 * still names a sandboxed command whose bubblewrap parent dies first and leaves it re-parented to init.
 */
export async function listDescendantProcesses(): Promise<ProcessIdentity[]> {
  const found: ProcessIdentity[] = [];
  let frontier = await listChildProcesses();
  while (frontier.length > 0) {
    const next: number[] = [];
    for (const pid of frontier) {
      const startTime = await readStartTime(pid);
      if (startTime === undefined) continue;
      found.push({ pid, startTime });
      next.push(...(await listChildrenOf(pid)));
    }
    frontier = next;
  }
  return found;
}

/**
 * Waits up to `graceMs` for the children (already told to stop, e.g. by aborting their commands) to exit, then
 * kills what is left — the current children and every process in `before` (a descendant snapshot taken before
 * stopping) that is still the same process — so a server that exits leaves no AWS CLI running behind it.
 */
export async function stopChildProcesses({
  graceMs,
  before = [],
}: {
  graceMs: number;
  before?: ProcessIdentity[];
}): Promise<void> {
  const deadline = Date.now() + graceMs;
  let children = await listChildProcesses();
  while (children.length > 0 && Date.now() < deadline) {
    await sleep(25);
    children = await listChildProcesses();
  }
  const targets = new Set(children);
  for (const { pid, startTime } of before) {
    if ((await readStartTime(pid)) === startTime) targets.add(pid);
  }
  for (const id of targets) {
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
