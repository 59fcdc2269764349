import { mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PidsCgroup } from './_stage-limits.js';

/** The pid of a process in each pid namespace it is in, outermost (this host's) first: `NSpid` of its status. */
function readNamespacePids(pid: number): number[] | undefined {
  try {
    const line = /^NSpid:\s+(.+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return line?.trim().split(/\s+/).map(Number);
  } catch {
    return undefined;
  }
}

function readChildren(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8')
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map(Number),
    );
  } catch {
    return [];
  }
}

/**
 * The host pid of the process that `namespacePid` names inside the sandbox whose outermost process is `root`
 * (bubblewrap, or the cgroup helper running it): its descendant whose innermost NSpid is that number. Undefined
 * when there is none (it ended) or /proc lacks `children` or `NSpid` (then no per-call cgroup is made).
 */
export function findHostPid(root: number, namespacePid: number, under?: number): number | undefined {
  const pending = [under ?? root];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    for (const child of readChildren(next)) {
      const pids = readNamespacePids(child);
      if (pids !== undefined && pids.length > 1 && pids.at(-1) === namespacePid) return child;
      pending.push(child);
    }
  }
  return undefined;
}

/** One warm call's pids cgroup: its own process limit, and every process it started, whatever its session. */
export interface CallCgroup {
  path: string;
  /** SIGKILLs every process still in it (a daemon the call left, in another session). */
  killAll(): void;
  /** Kills what is left, then removes it (retrying while killed tasks leave). */
  remove(): Promise<void>;
}

/**
 * Makes `parent/name` with `pids.max = processes` and moves `hostPid` (a warm child that waits, before running
 * anything, for the executor) into it, so the call's processes count against its own limit and not against the
 * calls running beside it. Throws what the cgroup file system said when it cannot (the caller fails the call).
 */
export function createCallCgroup({
  cgroup,
  name,
  processes,
  hostPid,
}: {
  cgroup: PidsCgroup;
  name: string;
  processes: number;
  hostPid: number;
}): CallCgroup {
  const path = join(cgroup.parent, name);
  mkdirSync(path);
  try {
    writeFileSync(join(path, 'pids.max'), String(processes));
    writeFileSync(join(path, 'cgroup.procs'), String(hostPid));
  } catch (error) {
    rmdirSync(path);
    throw error;
  }
  const killAll = () => {
    let tasks: string[] = [];
    try {
      tasks = readFileSync(join(path, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean);
    } catch {
      return;
    }
    for (const task of tasks) {
      try {
        process.kill(Number(task), 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
  };
  return {
    path,
    killAll,
    async remove() {
      for (let attempt = 0; attempt < 50; attempt += 1) {
        killAll();
        try {
          rmdirSync(path);
          return;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
          await new Promise((resolve) => setTimeout(resolve, 20 * (attempt + 1)));
        }
      }
    },
  };
}
