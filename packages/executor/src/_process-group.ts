import { existsSync, readdirSync, readFileSync } from 'node:fs';

/** How long a process group has after SIGTERM before SIGKILL, where SIGTERM is sent. */
export const killGraceMs = 1000;

function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // It is gone.
  }
}

/** The field after the command name in /proc/PID/stat is the state, then the parent's pid. */
function readParent(pid: string): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

function readChildren(pid: number): number[] {
  try {
    const children: number[] = [];
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const listed = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (listed !== '') children.push(...listed.split(' ').map(Number));
    }
    return children;
  } catch {
    // Without CONFIG_PROC_CHILDREN there is no `children` file: ask every process for its parent.
    return readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry) && readParent(entry) === pid)
      .map(Number);
  }
}

function listDescendants(pid: number): number[] {
  const found: number[] = [];
  const pending = [pid];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    for (const child of readChildren(next)) {
      found.push(child);
      pending.push(child);
    }
  }
  return found;
}

/**
 * Kills the process group that `leader` leads, and on Linux every process the leader forked, even one that
 * left the group. bubblewrap's namespace init has no parent-death signal until its set-up is done and calls
 * `setsid()` before that, so killing bubblewrap (or its group) early in its set-up left the sandbox running,
 * holding the stage's pipes. Stopping the group first means nothing new is forked between the listing and the
 * kill. Elsewhere the group gets SIGTERM, then SIGKILL after `killGraceMs`.
 */
export function killProcessGroup(leader: number): void {
  if (!existsSync(`/proc/${process.pid}/task`)) {
    signalProcess(-leader, 'SIGTERM');
    setTimeout(() => signalProcess(-leader, 'SIGKILL'), killGraceMs).unref();
    return;
  }
  signalProcess(-leader, 'SIGSTOP');
  for (const descendant of listDescendants(leader)) signalProcess(descendant, 'SIGKILL');
  signalProcess(-leader, 'SIGKILL');
}
