import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAllExecutables, findExecutable, readPathExt, readSearchPath } from './find-executable.js';

/** A folder with a program `prog` that prints the folder's name; `mode` 0o644 makes it not executable. */
function makeProgram(folder: string, mode = 0o755): void {
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'prog'), `#!/bin/sh\necho ${folder}\n`);
  chmodSync(join(folder, 'prog'), mode);
}

/**
 * The `prog` real programs would run from this process's folder: the `which` command, and Python's subprocess
 * (execvp), as the CLI runs a credential_process.
 */
function askReal(searchPath: string): { which: string | undefined; execvp: string | undefined } {
  const env = { PATH: searchPath };
  const which = spawnSync('/usr/bin/which', ['prog'], { env, encoding: 'utf8' });
  const python = spawnSync(
    python3,
    ['-c', 'import subprocess,sys\ntry: subprocess.run(["prog"])\nexcept OSError: sys.exit(3)'],
    { env, encoding: 'utf8' },
  );
  const found = which.stdout.trim();
  return {
    which: found === '' ? undefined : found.startsWith('/') ? found : resolve(found),
    execvp: python.status === 0 ? python.stdout.trim() : undefined,
  };
}

// The interpreter itself, not a pyenv shim, which needs more than the test's PATH.
const python3 = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], {
  encoding: 'utf8',
}).stdout.trim();
let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'find-executable-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('findExecutable, beside the real which and execvp', () => {
  // Each layout: the folders on PATH (relative to `root` unless absolute) and the folder whose prog is found.
  it.each([
    { layout: 'two folders with it', path: ['a', 'b'], make: { a: 0o755, b: 0o755 }, found: 'a', same: true },
    {
      layout: 'a non-executable file of the same name earlier on PATH',
      path: ['plain', 'b'],
      make: { plain: 0o644, b: 0o755 },
      found: 'b',
      same: true,
    },
    {
      layout: 'a folder named like the program earlier on PATH',
      path: ['dir', 'b'],
      make: { b: 0o755 },
      dirs: ['dir/prog'],
      found: 'b',
      same: true,
    },
    {
      layout: 'a symlink to the program',
      path: ['link'],
      make: { b: 0o755 },
      link: true,
      found: 'link',
      same: true,
    },
    // Where this search differs on purpose: a relative folder (here `rel`, found from the working directory by
    // which and execvp, here from this process's own) is never searched, so a file planted where the server runs is never picked.
    {
      layout: 'a relative folder first',
      path: ['@rel', 'b'],
      make: { rel: 0o755, b: 0o755 },
      found: 'b',
      same: false,
    },
    { layout: 'nothing executable', path: ['plain'], make: { plain: 0o644 }, found: undefined, same: true },
  ])('$layout', ({ path, make, dirs, link, found, same }) => {
    const folder = join(root, path.join('_').replace('@', ''));
    for (const [name, mode] of Object.entries(make)) makeProgram(join(folder, name), mode);
    for (const dir of dirs ?? []) mkdirSync(join(folder, dir), { recursive: true });
    if (link) {
      mkdirSync(join(folder, 'link'), { recursive: true });
      symlinkSync(join(folder, 'b', 'prog'), join(folder, 'link', 'prog'));
    }
    const searchPath = path
      .map((entry) =>
        entry.startsWith('@') ? relative(process.cwd(), join(folder, entry.slice(1))) : join(folder, entry),
      )
      .join(':');
    const expected = found === undefined ? undefined : join(folder, found, 'prog');
    expect(findExecutable('prog', searchPath)).toBe(expected);
    const real = askReal(searchPath);
    if (same) {
      expect(real.which).toBe(expected);
      // The program prints its folder: execvp ran the same file (a symlink prints its target's folder).
      expect(real.execvp).toBe(found === undefined ? undefined : join(folder, link ? 'b' : found));
    } else {
      expect(real.which).not.toBe(expected);
    }
  });

  it('finds every match in order, and a path with a slash as itself', () => {
    const folder = join(root, 'all');
    makeProgram(join(folder, 'a'));
    makeProgram(join(folder, 'b'));
    const searchPath = `${join(folder, 'a')}:${join(folder, 'b')}`;
    expect(findAllExecutables('prog', searchPath)).toEqual([
      join(folder, 'a', 'prog'),
      join(folder, 'b', 'prog'),
    ]);
    expect(findExecutable(join(folder, 'b', 'prog'), '')).toBe(join(folder, 'b', 'prog'));
    expect(findExecutable(join(folder, 'none', 'prog'), searchPath)).toBeUndefined();
  });
});

describe('readSearchPath and readPathExt', () => {
  it.each([
    {
      platform: 'win32' as const,
      env: { Path: 'C:\\bin', PathExt: '.EXE' },
      path: 'C:\\bin',
      pathExt: '.EXE',
    },
    {
      platform: 'win32' as const,
      env: { PATH: 'C:\\a', PATHEXT: '.COM;.EXE' },
      path: 'C:\\a',
      pathExt: '.COM;.EXE',
    },
    { platform: 'linux' as const, env: { Path: '/x', PATHEXT: '.EXE' }, path: undefined, pathExt: undefined },
    { platform: 'linux' as const, env: { PATH: '/usr/bin' }, path: '/usr/bin', pathExt: undefined },
  ])('reads $env on $platform', ({ platform, env, path, pathExt }) => {
    expect(readSearchPath(env, platform)).toBe(path);
    expect(readPathExt(env, platform)).toBe(pathExt);
  });
});
