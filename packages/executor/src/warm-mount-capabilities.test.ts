import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeWithBubblewrap } from '@aws-mcp/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findExecutable } from './_find-executable.js';
import { readSystemLayout } from './_sandbox-root.js';
import { createWarmCli, listPrivateFolders } from './_warm-cli.js';
import { buildBubblewrapArguments, createBubblewrapSandbox } from './bubblewrap-sandbox.js';
import {
  type KeptCapability,
  keptCapabilityTable,
  noSandbox,
  type Sandbox,
  type SandboxStage,
} from './sandbox.js';
import { createSeatbeltSandbox } from './seatbelt-sandbox.js';
import { selectSandbox } from './select-sandbox.js';

/**
 * Reads its capability sets from /proc/self/status (each as the numbers of its bits), then tries, as the warm
 * interpreter would, to mount in its own namespace, then in a forked child's new one: prints the sets and each
 * attempt's outcome (`ok` or the error's name) as JSON.
 */
const probe = `
import ctypes, errno, json, os
with open('/proc/self/status') as status:
    sets = {line.split(':')[0]: [bit for bit in range(64) if int(line.split()[1], 16) >> bit & 1]
            for line in status if line.startswith('Cap')}
libc = ctypes.CDLL(None, use_errno=True)
libc.mount.argtypes = [ctypes.c_char_p] * 3 + [ctypes.c_ulong, ctypes.c_char_p]
MS_RDONLY, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 1, 32, 4096, 16384, 1 << 18
def outcome(result):
    return 'ok' if result == 0 else errno.errorcode[ctypes.get_errno()]
seen = {
    'capabilities': sets,
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

/** The capability numbers of linux/capability.h, for the names keptCapabilityTable uses. */
const capabilityNumbers: Record<KeptCapability, number> = { CAP_SETPCAP: 8, CAP_SYS_ADMIN: 21 };

/** Each capability set of /proc/self/status holding exactly `names`. */
const capabilitySets = (names: KeptCapability[]) => {
  const bits = names.map((name) => capabilityNumbers[name]).sort((left, right) => left - right);
  return Object.fromEntries(['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb'].map((set) => [set, bits]));
};

const readOnlyStage = (overrides: Partial<SandboxStage> = {}): SandboxStage => ({
  kind: 'aws',
  file: '/usr/bin/python3',
  args: ['-c', 'pass'],
  cwd: '/',
  env: { PATH: '/usr/bin:/bin', HOME: '/nonexistent-home' },
  readOnlyPaths: [],
  writablePaths: [],
  ...overrides,
});

/*
 * The capabilities a stage keeps (keepCapabilities), tried against the real bwrap with the warm interpreter's: they
 * are the only ones in every set, and let a child make new mount namespaces and nothing more; a stage without the
 * field keeps none, and a child of it cannot make one at all.
 */
describeWithBubblewrap('keepCapabilities, under bubblewrap', () => {
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

  it('keeps exactly the warm capabilities in every set; a child makes its own mount namespace and nothing else: its own stays as it is, read-only stays read-only', () => {
    const command = sandbox.wrap({ ...stage, keepCapabilities: ['CAP_SYS_ADMIN', 'CAP_SETPCAP'] });
    expect(command.keptCapabilities).toEqual(['CAP_SYS_ADMIN', 'CAP_SETPCAP']);
    expect(run(command)).toEqual({
      capabilities: capabilitySets(['CAP_SYS_ADMIN', 'CAP_SETPCAP']),
      'own tmpfs on /tmp': 'EPERM',
      'own / remounted writable': 'EPERM',
      'new mount namespace': 'ok',
      'its own tmpfs on /tmp': 'ok',
      'a read-only bind remounted writable': 'EPERM',
      'writing the read-only file': 'EROFS',
    });
  });

  it('keeps only the one asked for', () => {
    const command = sandbox.wrap({ ...stage, keepCapabilities: ['CAP_SETPCAP'] });
    expect(command.keptCapabilities).toEqual(['CAP_SETPCAP']);
    expect(run(command)).toMatchObject({
      capabilities: capabilitySets(['CAP_SETPCAP']),
      'new mount namespace': 'EPERM',
    });
  });

  it.each([
    ['without the field', {}],
    ['with an empty list', { keepCapabilities: [] }],
  ])(
    'keeps none %s: every set is empty and a child cannot make a mount namespace (the call would run cold)',
    (_, field) => {
      const command = sandbox.wrap({ ...stage, ...field });
      expect(command.keptCapabilities).toBeUndefined();
      expect(command.args).not.toContain('--cap-add');
      expect(run(command)).toEqual({
        capabilities: capabilitySets([]),
        'own tmpfs on /tmp': 'EPERM',
        'own / remounted writable': 'EPERM',
        'new mount namespace': 'EPERM',
      });
    },
  );

  it('is learned by selectSandbox: the bubblewrap it chooses here keeps them', async () => {
    const { sandbox: chosen } = await selectSandbox({ mode: 'required' });
    const command = chosen.wrap({ ...stage, keepCapabilities: ['CAP_SYS_ADMIN', 'CAP_SETPCAP'] });
    expect(run(command).capabilities).toEqual(capabilitySets(['CAP_SYS_ADMIN', 'CAP_SETPCAP']));
  });

  // A setuid bwrap run by another user than root refuses --cap-add; this one does the same, and is the real one
  // otherwise.
  it('is refused by a bubblewrap that cannot keep any, which selectSandbox still chooses for the rest', async () => {
    const bin = join(folder, 'bin');
    await mkdir(bin);
    await writeFile(
      join(bin, 'bwrap'),
      '#!/bin/sh\nfor argument in "$@"; do\n  if [ "$argument" = --cap-add ]; then\n' +
        "    echo 'bwrap: --cap-add in setuid mode can be used only by root' >&2\n    exit 1\n  fi\ndone\n" +
        `exec ${findExecutable('bwrap', process.env.PATH)} "$@"\n`,
      { mode: 0o755 },
    );
    const { sandbox: chosen } = await selectSandbox({
      mode: 'required',
      env: { PATH: `${bin}:/usr/bin:/bin` },
    });
    expect(chosen.name).toBe('bubblewrap');
    const reason =
      'bubblewrap keeps no capability (bwrap: --cap-add in setuid mode can be used only by root)';
    expect(() => chosen.wrap({ ...stage, keepCapabilities: ['CAP_SYS_ADMIN'] })).toThrow(
      expect.objectContaining({ code: 'SANDBOX_UNAVAILABLE', reason }),
    );
    expect(run(chosen.wrap(stage)).capabilities).toEqual(capabilitySets([]));
    const warm = createWarmCli({
      python: stage.file,
      awsFile: '/usr/bin/aws',
      sandbox: chosen,
      env: stage.env,
      readOnlyPaths: [],
      writablePaths: [],
    });
    try {
      expect(warm.refuse({ ...stage, file: '/usr/bin/aws' }, chosen)).toContain(reason);
    } finally {
      await warm.stop();
    }
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
  });
});

describe('keepCapabilities', () => {
  const host = { homes: ['/nonexistent-home'], layout: readSystemLayout() };

  it('names a reason for every capability a stage may keep, and only the warm ones', () => {
    expect(Object.keys(keptCapabilityTable).sort()).toEqual(['CAP_SETPCAP', 'CAP_SYS_ADMIN']);
    for (const reason of Object.values(keptCapabilityTable)) expect(reason).toMatch(/warm child/);
  });

  it('puts each kept capability after the drop of all of them, before the program', () => {
    const args = buildBubblewrapArguments(
      readOnlyStage({ keepCapabilities: ['CAP_SETPCAP', 'CAP_SYS_ADMIN'] }),
      host,
    );
    const drop = args.indexOf('--cap-drop');
    expect(args.slice(drop, drop + 6)).toEqual([
      '--cap-drop',
      'ALL',
      '--cap-add',
      'CAP_SYS_ADMIN',
      '--cap-add',
      'CAP_SETPCAP',
    ]);
    expect(args.lastIndexOf('--cap-add')).toBeLessThan(args.indexOf('--'));
  });

  // Fail closed: bubblewrap's own ALL, a capability of no row, a name in another case, and the table's prototype.
  it.each(['ALL', 'CAP_NET_ADMIN', 'cap_sys_admin', 'toString', '__proto__'])(
    'refuses to keep %s, under every backend',
    (name) => {
      const asking = readOnlyStage({ keepCapabilities: [name as KeptCapability] });
      const refused = expect.objectContaining({ code: 'INVALID_OPTIONS' });
      expect(() => buildBubblewrapArguments(asking, host)).toThrow(refused);
      expect(() => noSandbox.wrap(asking)).toThrow(refused);
      expect(() => createSeatbeltSandbox({ tmpDir: '/private/tmp/x' }).wrap(asking)).toThrow(refused);
    },
  );

  it('refuses a filter stage asking for any', () => {
    const filter = readOnlyStage({ kind: 'filter', keepCapabilities: ['CAP_SYS_ADMIN'] });
    expect(() => buildBubblewrapArguments(filter, host)).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS' }),
    );
  });

  it('is refused by the seatbelt sandbox, which cannot grant them; a stage without it is wrapped', () => {
    const seatbelt = createSeatbeltSandbox({ tmpDir: '/private/tmp/x' });
    expect(() => seatbelt.wrap(readOnlyStage({ keepCapabilities: ['CAP_SYS_ADMIN'] }))).toThrow(
      expect.objectContaining({
        code: 'SANDBOX_UNAVAILABLE',
        reason: 'seatbelt grants no Linux capabilities',
      }),
    );
    const wrapped = seatbelt.wrap(readOnlyStage());
    expect(wrapped.file).toBe('/usr/bin/sandbox-exec');
    expect(wrapped.keptCapabilities).toBeUndefined();
  });

  it.each([
    [
      'seatbelt',
      createSeatbeltSandbox({ tmpDir: '/private/tmp/x' }),
      /the sandbox cannot run the warm CLI \(The seatbelt sandbox cannot/,
    ],
    ['none', noSandbox, /the sandbox keeps the warm CLI no CAP_SYS_ADMIN and CAP_SETPCAP/],
  ])(
    'runs every call cold under the %s sandbox, which keeps the warm CLI none',
    async (_, sandbox, reason) => {
      const warm = createWarmCli({
        python: '/usr/bin/python3',
        awsFile: '/usr/bin/aws',
        sandbox,
        env: { PATH: '/usr/bin:/bin' },
        readOnlyPaths: [],
        writablePaths: [],
      });
      try {
        expect(warm.refuse(readOnlyStage({ file: '/usr/bin/aws' }), sandbox)).toMatch(reason);
        expect(warm.starts).toBe(0);
      } finally {
        await warm.stop();
      }
    },
  );
});
