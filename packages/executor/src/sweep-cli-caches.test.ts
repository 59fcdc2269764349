import { execFileSync } from 'node:child_process';
import { chown, mkdir, readdir, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTempDir } from '@aws-mcp/test-support';
import { describe, expect, it } from 'vitest';
import { preparePrivateCopies } from './_cli-cache.js';
import { noSandbox, type Sandbox, type SandboxStage } from './sandbox.js';
import { cacheFolderPrefix, sweepStaleCliCaches } from './sweep-cli-caches.js';

/** The pid of a process that ran and exited: no live process has it (until the kernel reuses it). */
function deadPid(): number {
  return Number(execFileSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' }).trim());
}

const hourAgo = new Date(Date.now() - 60 * 60_000);

describe('sweepStaleCliCaches', () => {
  const temp = useTempDir('sweep-cli-caches-', { each: true });

  /** A cache folder as a call leaves it (a copy with an entry), last changed at `time`. */
  async function leaveFolder(name: string, time = hourAgo): Promise<string> {
    const folder = join(temp.path, name);
    await mkdir(join(folder, '0'), { recursive: true });
    await writeFile(join(folder, '0', 'entry.json'), '{}');
    await utimes(folder, time, time);
    return folder;
  }

  it('removes the folder of a process that is gone, and keeps a live one (this process)', async () => {
    const stale = await leaveFolder(`${cacheFolderPrefix(deadPid())}aB3dE9`);
    const live = await leaveFolder(`${cacheFolderPrefix()}Xy7Qz2`);
    expect(await sweepStaleCliCaches({ directory: temp.path })).toEqual([stale]);
    expect(await readdir(temp.path)).toEqual([live.slice(temp.path.length + 1)]);
  });

  it('keeps a folder of a gone process that changed within minAgeMs', async () => {
    await leaveFolder(`${cacheFolderPrefix(deadPid())}fresh1`, new Date());
    expect(await sweepStaleCliCaches({ directory: temp.path, minAgeMs: 60_000 })).toEqual([]);
    expect(await readdir(temp.path)).toHaveLength(1);
  });

  it('neither follows nor removes a symlink named like a stale folder, nor touches a file so named', async () => {
    const gone = deadPid();
    const target = join(temp.path, 'not-a-cache');
    await mkdir(target);
    await writeFile(join(target, 'precious.txt'), 'keep me');
    await symlink(target, join(temp.path, `${cacheFolderPrefix(gone)}link01`));
    await writeFile(join(temp.path, `${cacheFolderPrefix(gone)}file01`), 'a file');
    expect(await sweepStaleCliCaches({ directory: temp.path, minAgeMs: 0 })).toEqual([]);
    expect((await readdir(temp.path)).sort()).toEqual(
      [`${cacheFolderPrefix(gone)}file01`, `${cacheFolderPrefix(gone)}link01`, 'not-a-cache'].sort(),
    );
    expect(await readdir(target)).toEqual(['precious.txt']);
  });

  it.skipIf(process.getuid?.() !== 0)("keeps another user's folder even when its pid is gone", async () => {
    const theirs = await leaveFolder(`${cacheFolderPrefix(deadPid())}other1`);
    await chown(theirs, 65534, 65534);
    expect(await sweepStaleCliCaches({ directory: temp.path })).toEqual([]);
  });

  it('removes a folder named without a pid only after unnamedMinAgeMs', async () => {
    const unnamed = await leaveFolder('aws-mcp-caches-1I9vau');
    expect(await sweepStaleCliCaches({ directory: temp.path })).toEqual([]);
    expect(await sweepStaleCliCaches({ directory: temp.path, unnamedMinAgeMs: 30 * 60_000 })).toEqual([
      unnamed,
    ]);
  });

  it("names a call's private copies with this process's pid, so the sweep keeps them while the call runs", async () => {
    const cache = join(temp.path, 'cache');
    await mkdir(cache);
    const stage: SandboxStage = {
      kind: 'aws',
      file: '/usr/bin/aws',
      args: [],
      cwd: '/tmp',
      env: {},
      readOnlyPaths: [],
      writablePaths: ['/work'],
      privateCopies: [{ target: cache, keep: [] }],
    };
    const binding = { ...noSandbox, name: 'bubblewrap', bindsPrivateCopies: true } as Sandbox;
    const copies = await preparePrivateCopies([stage], binding);
    const copy = copies.stages[0]?.privateBinds?.[0]?.source as string;
    expect(copy.startsWith(join(tmpdir(), cacheFolderPrefix()))).toBe(true);
    const base = copy.slice(0, copy.lastIndexOf('/'));
    await utimes(base, hourAgo, hourAgo);
    expect(await sweepStaleCliCaches()).not.toContain(base);
    expect(await readdir(base)).toEqual(['0']);
    await copies.finish();
    expect(await readdir(tmpdir())).not.toContain(base.slice(tmpdir().length + 1));
  });
});
