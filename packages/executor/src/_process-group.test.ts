import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { isProcessAlive, waitUntilDead } from '@aws-mcp/test-support';
import { describe, expect, it } from 'vitest';
import { killProcessGroup } from './_process-group.js';

describe.skipIf(!existsSync('/proc/self/task') || !existsSync('/usr/bin/setsid'))('killProcessGroup', () => {
  it('kills the group and a child that left it (setsid), as bubblewrap set-up does', async () => {
    const leader = spawn('/bin/sh', ['-c', 'setsid sleep 600 & echo $!; wait'], {
      detached: true,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const escaped = await new Promise<number>((resolve) =>
      leader.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))),
    );
    expect(isProcessAlive(escaped)).toBe(true);
    killProcessGroup(leader.pid as number);
    expect(await waitUntilDead([leader.pid as number, escaped])).toEqual([]);
  });

  it('does nothing to a group that is gone', () => {
    expect(() => killProcessGroup(2 ** 22 + 1)).not.toThrow();
  });
});
