import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listCliInstallPaths, listHomes, resolvePyenvShim } from './_aws-paths.js';
import { findExecutable } from './_find-executable.js';

let home: string;
let root: string;
let shim: string;
let serverFolder: string;

async function writeProgram(path: string, text: string): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
  await chmod(path, 0o755);
  return path;
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'aws-paths-home-'));
  root = join(home, '.pyenv');
  await writeProgram(join(root, 'libexec', 'pyenv'), '#!/bin/sh\n');
  for (const version of ['3.11.7', '3.12.1']) {
    const python = await writeProgram(join(root, 'versions', version, 'bin', 'python3'), '#!/bin/sh\n');
    await writeProgram(join(root, 'versions', version, 'bin', 'aws'), `#!${python}\nimport awscli\n`);
  }
  await mkdir(join(root, 'versions', '2.7.18', 'bin'), { recursive: true });
  await writeFile(join(root, 'version'), '2.7.18\n3.11.7\n');
  // The text pyenv writes into every shim.
  shim = await writeProgram(
    join(root, 'shims', 'aws'),
    `#!/usr/bin/env bash\nset -e\nprogram="\${0##*/}"\nexport PYENV_ROOT="${root}"\nexec "${root}/libexec/pyenv" exec "$program" "$@"\n`,
  );
  serverFolder = join(home, 'server');
  await mkdir(join(serverFolder, 'deeper'), { recursive: true });
});

afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('resolvePyenvShim', () => {
  it("runs the global version's script, skipping versions without one", () => {
    expect(resolvePyenvShim(shim, {}, serverFolder)).toBe(join(root, 'versions', '3.11.7', 'bin', 'aws'));
  });

  it('takes PYENV_VERSION first, then .python-version from the server folder up', async () => {
    expect(resolvePyenvShim(shim, { PYENV_VERSION: '3.12.1' }, serverFolder)).toBe(
      join(root, 'versions', '3.12.1', 'bin', 'aws'),
    );
    await writeFile(join(serverFolder, '.python-version'), '3.12.1\n');
    try {
      expect(resolvePyenvShim(shim, {}, join(serverFolder, 'deeper'))).toBe(
        join(root, 'versions', '3.12.1', 'bin', 'aws'),
      );
    } finally {
      await rm(join(serverFolder, '.python-version'));
    }
  });

  it('never follows a version that is a path', () => {
    expect(resolvePyenvShim(shim, { PYENV_VERSION: '../../../tmp' }, serverFolder)).toBe(shim);
  });

  it('leaves a program that is no shim as it is', () => {
    const real = join(root, 'versions', '3.11.7', 'bin', 'aws');
    expect(resolvePyenvShim(real, {}, serverFolder)).toBe(real);
  });

  const realShim = findExecutable('aws', process.env.PATH);
  const pyenvRoot = realShim?.match(/^(.*)\/shims\/aws$/)?.[1];
  it.skipIf(pyenvRoot === undefined)('finds what `pyenv which aws` finds for the installed CLI', () => {
    const expected = execFileSync(join(pyenvRoot as string, 'bin', 'pyenv'), ['which', 'aws'], {
      encoding: 'utf8',
      cwd: process.cwd(),
    }).trim();
    expect(resolvePyenvShim(realShim as string, process.env, process.cwd())).toBe(expected);
  });
});

describe('listCliInstallPaths', () => {
  it("binds only the CLI's pyenv version tree, not pyenv's other versions", () => {
    const resolved = resolvePyenvShim(shim, {}, serverFolder);
    expect(listCliInstallPaths(resolved, [home])).toEqual([join(root, 'versions', '3.11.7')]);
  });

  it('binds all of pyenv for a shim it could not resolve (the shim needs pyenv to run)', () => {
    expect(listCliInstallPaths(shim, [home])).toEqual([root]);
  });

  it('binds the top folder of an install under a home (pip --user)', async () => {
    const python = await writeProgram(join(home, '.local', 'bin', 'python3'), '#!/bin/sh\n');
    const aws = await writeProgram(join(home, '.local', 'bin', 'aws'), `#!${python}\n`);
    expect(listCliInstallPaths(aws, [home])).toEqual([join(home, '.local')]);
  });

  it('binds nothing for a CLI outside every home', () => {
    expect(listCliInstallPaths('/usr/bin/aws', [home])).toEqual([]);
  });

  const realShim = findExecutable('aws', process.env.PATH);
  it.skipIf(realShim?.endsWith('/shims/aws') !== true)(
    'binds one version tree for the installed pyenv CLI',
    () => {
      const resolved = resolvePyenvShim(realShim as string, process.env, process.cwd());
      const paths = listCliInstallPaths(resolved, listHomes({ HOME: homedir() }));
      expect(paths).toHaveLength(1);
      expect(paths[0]).toMatch(/\/versions\/[^/]+$/);
    },
  );
});
