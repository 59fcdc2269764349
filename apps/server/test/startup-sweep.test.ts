import { execFileSync } from 'node:child_process';
import { mkdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAwsSandboxHome } from '@aws-mcp/emulators';
import { createTempDir, pollUntil } from '@aws-mcp/test-support';
import { describe, expect, it } from 'vitest';
import { readServerConfig } from '../src/config.js';
import { createServerContext } from '../src/server-context.js';

describe('server start-up', () => {
  it('removes the cache copies a killed server left in the temp folder, and keeps its own', async () => {
    // A process that ran and exited: its pid names the folder a call of it left behind.
    const gone = Number(execFileSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' }).trim());
    const stale = join(tmpdir(), `aws-mcp-caches-${gone}-sweep1`);
    const live = join(tmpdir(), `aws-mcp-caches-${process.pid}-sweep2`);
    const hourAgo = new Date(Date.now() - 60 * 60_000);
    for (const folder of [stale, live]) {
      await mkdir(join(folder, '0'), { recursive: true });
      await writeFile(join(folder, '0', 'entry.json'), '{}');
      await utimes(folder, hourAgo, hourAgo);
    }
    const home = await createAwsSandboxHome({
      credentials: { accessKeyId: 'AKIASWEEP', secretAccessKey: 'x' },
    });
    const workdir = await createTempDir('startup-sweep-work-');
    const env = { PATH: process.env.PATH, ...home.env, AWS_MCP_WORKDIR: workdir };
    const lines: string[] = [];
    const context = await createServerContext({
      config: readServerConfig(env),
      env,
      log: (line) => lines.push(line),
    });
    try {
      await pollUntil(
        () => lines.some((line) => line.startsWith('removed ')),
        (done) => done,
        { attempts: 300, intervalMs: 100 },
      );
      await expect(stat(stale)).rejects.toMatchObject({ code: 'ENOENT' });
      expect((await stat(live)).isDirectory()).toBe(true);
      expect(lines).toContainEqual(
        expect.stringMatching(/^removed \d+ cache folder\(s\) that calls of stopped processes left in /),
      );
    } finally {
      await context.close();
      await home.remove();
      await rm(stale, { recursive: true, force: true });
      await rm(live, { recursive: true, force: true });
    }
  });
});
