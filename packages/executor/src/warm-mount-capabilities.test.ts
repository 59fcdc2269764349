import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeWithBubblewrap } from '@aws-mcp/test-support';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { findExecutable } from './_find-executable.js';
import { keepMountCapabilities, listPrivateFolders } from './_warm-cli.js';
import { createBubblewrapSandbox } from './bubblewrap-sandbox.js';
import type { Sandbox, SandboxStage } from './sandbox.js';

/**
 * Tries, as the warm interpreter would, to mount in its own namespace, then in a forked child's new one: prints
 * each attempt's outcome (`ok` or the error's name) as JSON.
 */
const probe = `
import ctypes, errno, json, os
libc = ctypes.CDLL(None, use_errno=True)
libc.mount.argtypes = [ctypes.c_char_p] * 3 + [ctypes.c_ulong, ctypes.c_char_p]
MS_RDONLY, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 1, 32, 4096, 16384, 1 << 18
def outcome(result):
    return 'ok' if result == 0 else errno.errorcode[ctypes.get_errno()]
seen = {
    'own tmpfs on /tmp': outcome(libc.mount(b'tmpfs', b'/tmp', b'tmpfs', 0, None)),
    'own / remounted writable': outcome(libc.mount(None, b'/', None, MS_REMOUNT | MS_BIND, None)),
}
read, write = os.pipe()
if os.fork() == 0:
    child = {'new mount namespace': outcome(libc.unshare(0x00020000))}
    if child['new mount namespace'] == 'ok':
        libc.mount(None, b'/', None, MS_REC | MS_PRIVATE, None)
        target = os.environ['READ_ONLY'].encode()
        child['a read-only bind remounted writable'] = outcome(libc.mount(None, target, None, MS_REMOUNT | MS_BIND, None))
        try:
            open(target, 'a').close()
            child['writing the read-only file'] = 'ok'
        except OSError as error:
            child['writing the read-only file'] = errno.errorcode[error.errno]
        child['its own tmpfs on /tmp'] = outcome(libc.mount(b'tmpfs', b'/tmp', b'tmpfs', 0, None))
    os.write(write, json.dumps(child).encode())
    os._exit(0)
os.close(write)
seen.update(json.loads(os.read(read, 65536)))
print(json.dumps(seen))
`;

/*
 * What the warm interpreter keeps so that each call gets its own /tmp (keepMountCapabilities), tried against the
 * real bwrap: it can make new mount namespaces and nothing more; without it a child cannot make one at all.
 */
describeWithBubblewrap('keepMountCapabilities, under bubblewrap', () => {
  let sandbox: Sandbox;
  let folder: string;
  let stage: SandboxStage;

  beforeAll(async () => {
    sandbox = createBubblewrapSandbox({ bwrapPath: findExecutable('bwrap', process.env.PATH) as string });
    folder = await mkdtemp(join(tmpdir(), 'warm-mount-capabilities-'));
    const readOnly = join(folder, 'config');
    await writeFile(readOnly, '[default]\n');
    stage = {
      kind: 'aws',
      file: findExecutable('python3', '/usr/bin:/bin') as string,
      args: ['-c', probe],
      cwd: '/',
      env: { PATH: '/usr/bin:/bin', HOME: homedir(), READ_ONLY: readOnly },
      readOnlyPaths: [readOnly],
      writablePaths: [],
    };
  });

  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  const run = (command: { file: string; args: string[]; env?: Record<string, string> }) =>
    JSON.parse(execFileSync(command.file, command.args, { env: command.env ?? stage.env, encoding: 'utf8' }));

  it('lets a child make its own mount namespace, and nothing else: its own stays as it is, read-only stays read-only', () => {
    const command = keepMountCapabilities(sandbox.wrap(stage));
    expect(command).toBeDefined();
    expect(run(command as NonNullable<typeof command>)).toEqual({
      'own tmpfs on /tmp': 'EPERM',
      'own / remounted writable': 'EPERM',
      'new mount namespace': 'ok',
      'its own tmpfs on /tmp': 'ok',
      'a read-only bind remounted writable': 'EPERM',
      'writing the read-only file': 'EROFS',
    });
  });

  it('is needed: without it a child cannot make a mount namespace (the call would run cold)', () => {
    expect(run(sandbox.wrap(stage))).toEqual({
      'own tmpfs on /tmp': 'EPERM',
      'own / remounted writable': 'EPERM',
      'new mount namespace': 'EPERM',
    });
  });

  it('lists the folders the sandbox gives a stage fresh, with their sizes, as listPrivateFolders reads them', () => {
    const folders = listPrivateFolders(sandbox.wrap(stage).args);
    const size = 512 * 1024 * 1024;
    expect(folders.slice(0, 3)).toEqual([
      { path: '/dev/shm', size },
      { path: '/tmp', size },
      { path: '/var/tmp', size },
    ]);
    expect(folders.map(({ path }) => path)).toContain(homedir());
    expect(
      keepMountCapabilities({ file: 'bwrap', args: ['--unshare-user', '--', 'x'], cwd: '/' }),
    ).toBeUndefined();
  });
});
