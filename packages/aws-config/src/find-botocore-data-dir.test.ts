import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findBotocoreDataDir } from './find-botocore-data-dir.js';

let root: string;

async function writeExecutable(path: string, text: string | Buffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
  await chmod(path, 0o755);
}

async function writeData(folder: string): Promise<string> {
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, 'endpoints.json'), '{"partitions": []}');
  return folder;
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'botocore-find-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('findBotocoreDataDir', () => {
  it('follows a pip install shebang to its site-packages', async () => {
    const python = join(root, 'venv', 'bin', 'python');
    await writeExecutable(python, Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
    await writeExecutable(join(root, 'venv', 'bin', 'aws'), `#!${python}\nimport awscli\n`);
    const dataDir = await writeData(
      join(root, 'venv', 'lib', 'python3.11', 'site-packages', 'botocore', 'data'),
    );
    expect(findBotocoreDataDir({ env: { PATH: join(root, 'venv', 'bin') } })).toEqual({
      dataDir,
      awsPath: join(root, 'venv', 'bin', 'aws'),
      install: 'python',
    });
  });

  it('follows `#!/usr/bin/env python3` through PATH, preferring awscli/botocore (Homebrew v2)', async () => {
    const bin = join(root, 'prefix', 'bin');
    await writeExecutable(join(bin, 'python3'), Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
    await writeExecutable(join(root, 'other', 'aws'), '#!/usr/bin/env python3\n');
    const site = join(root, 'prefix', 'lib', 'python3.12', 'site-packages');
    await writeData(join(site, 'botocore', 'data'));
    const dataDir = await writeData(join(site, 'awscli', 'botocore', 'data'));
    const found = findBotocoreDataDir({ env: { PATH: `${join(root, 'other')}:${bin}` } });
    expect(found?.dataDir).toBe(dataDir);
  });

  it('follows a symlink to the AWS CLI v2 installer bundle', async () => {
    const dist = join(root, 'aws-cli', 'v2', '2.17.0', 'dist');
    await writeExecutable(join(dist, 'aws'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0]));
    const dataDir = await writeData(join(dist, 'awscli', 'botocore', 'data'));
    await mkdir(join(root, 'bin'));
    await symlink(join(dist, 'aws'), join(root, 'bin', 'aws'));
    expect(findBotocoreDataDir({ env: { PATH: join(root, 'bin') } })).toEqual({
      dataDir,
      awsPath: join(root, 'bin', 'aws'),
      install: 'bundle',
    });
  });

  it('follows a pyenv shim to the active version', async () => {
    const pyenv = join(root, 'pyenv');
    await writeExecutable(
      join(pyenv, 'shims', 'aws'),
      `#!/usr/bin/env bash\nset -e\nexport PYENV_ROOT="${pyenv}"\nexec "${pyenv}/libexec/pyenv" exec "$program" "$@"\n`,
    );
    await writeFile(join(pyenv, 'version'), '3.12.1\n');
    for (const version of ['3.11.7', '3.12.1']) {
      const python = join(pyenv, 'versions', version, 'bin', 'python');
      await writeExecutable(python, Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
      await writeExecutable(join(pyenv, 'versions', version, 'bin', 'aws'), `#!${python}\n`);
      await writeData(
        join(
          pyenv,
          'versions',
          version,
          'lib',
          `python${version.slice(0, 4)}`,
          'site-packages',
          'botocore',
          'data',
        ),
      );
    }
    const env = { PATH: join(pyenv, 'shims') };
    expect(findBotocoreDataDir({ env, cwd: root })?.dataDir).toContain(join('versions', '3.12.1'));
    expect(findBotocoreDataDir({ env: { ...env, PYENV_VERSION: '3.11.7' }, cwd: root })?.dataDir).toContain(
      join('versions', '3.11.7'),
    );
    await writeFile(join(root, '.python-version'), '3.11.7\n');
    expect(findBotocoreDataDir({ env, cwd: root })?.dataDir).toContain(join('versions', '3.11.7'));
  });

  it('returns undefined when there is no aws on PATH or it leads nowhere', async () => {
    expect(findBotocoreDataDir({ env: { PATH: '' } })).toBeUndefined();
    // An interpreter under a prefix that holds no Python install (`/` would: Debian's awscli lives in /lib/python3).
    await writeExecutable(join(root, 'bin', 'aws'), '#!/nowhere/bin/python\n');
    expect(findBotocoreDataDir({ env: { PATH: join(root, 'bin') } })).toBeUndefined();
  });

  it('finds the data of the AWS CLI installed on this machine, when there is one', () => {
    const found = findBotocoreDataDir();
    if (found === undefined) return;
    expect(found.dataDir).toMatch(/botocore[/\\]data$/);
  });
});
