import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { killProcessGroup } from './_process-group.js';

/** Alive: it exists and is neither a zombie nor dead (a zombie's parent may never reap it in a container). */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !['Z', 'X'].includes(stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3));
  } catch {
    return false;
  }
}

async function waitUntilDead(pids: number[]): Promise<number[]> {
  for (let attempt = 0; attempt < 40 && pids.some(isAlive); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return pids.filter(isAlive);
}

describe.skipIf(!existsSync('/proc/self/task') || !existsSync('/usr/bin/setsid'))('killProcessGroup', () => {
  it('kills the group and a child that left it (setsid), as bubblewrap set-up does', async () => {
    const leader = spawn('/bin/sh', ['-c', 'setsid sleep 600 & echo $!; wait'], {
      detached: true,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const escaped = await new Promise<number>((resolve) =>
      leader.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))),
    );
    expect(isAlive(escaped)).toBe(true);
    killProcessGroup(leader.pid as number);
    expect(await waitUntilDead([leader.pid as number, escaped])).toEqual([]);
  });

  it('does nothing to a group that is gone', () => {
    expect(() => killProcessGroup(2 ** 22 + 1)).not.toThrow();
  });
});
