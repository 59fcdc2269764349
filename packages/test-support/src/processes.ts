import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** A running process, as /proc shows it. */
export interface ProcessEntry {
  pid: number;
  /** Its arguments joined with spaces (`/proc/PID/cmdline`). */
  commandLine: string;
}

/** The state letter of `/proc/PID/stat` (R, S, D, Z, T, X …), or undefined when there is no such process. */
export function readProcessState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name sits in parentheses and may itself hold spaces or parentheses.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

/** Alive: it exists and is neither a zombie nor dead (a zombie's parent may never reap it in a container). */
export function isProcessAlive(pid: number): boolean {
  const state = readProcessState(pid);
  return state !== undefined && state !== 'Z' && state !== 'X';
}

/** The direct children of `pid`, from `/proc/PID/task/TID/children`; empty when it has none or is gone. */
export function listChildPids(pid: number): number[] {
  const children: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  for (const task of tasks) {
    try {
      const listed = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (listed !== '') children.push(...listed.split(/\s+/).map(Number));
    } catch {
      // The thread ended while it was read.
    }
  }
  return children;
}

/**
 * The live processes whose command line contains `text`, other than this process; the way to see what a
 * test left running (an endpoint's port, a tag in the arguments).
 */
export function findProcesses(text: string): ProcessEntry[] {
  const found: ProcessEntry[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const commandLine = readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      if (commandLine.includes(text) && isProcessAlive(Number(name)))
        found.push({ pid: Number(name), commandLine });
    } catch {
      // Gone.
    }
  }
  return found;
}

/** Waits for a spawned process to exit, with its code, or its signal name when killed. */
export function waitForExit(child: ChildProcess): Promise<number | string> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  if (child.signalCode !== null) return Promise.resolve(child.signalCode);
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
}

/** Reads a value every `intervalMs` until `done` accepts it, at most `attempts` times; resolves with the last value. */
export async function pollUntil<T>(
  read: () => T | Promise<T>,
  done: (value: T) => boolean,
  { attempts = 100, intervalMs = 50 }: { attempts?: number; intervalMs?: number } = {},
): Promise<T> {
  let value = await read();
  for (let attempt = 0; attempt < attempts && !done(value); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    value = await read();
  }
  return value;
}

/** Waits until none of `pids` is alive, checking every 25 ms for at most `timeoutMs`; resolves with those still alive. */
export async function waitUntilDead(
  pids: number[],
  { timeoutMs = 1000 }: { timeoutMs?: number } = {},
): Promise<number[]> {
  const alive = () => pids.filter(isProcessAlive);
  return pollUntil(alive, (left) => left.length === 0, {
    attempts: Math.ceil(timeoutMs / 25),
    intervalMs: 25,
  });
}
