import { homedir, tmpdir, userInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { findExecutable } from './_find-executable.js';
import { buildBubblewrapArguments, createBubblewrapSandbox } from './bubblewrap-sandbox.js';
import { noSandbox, type SandboxStage } from './sandbox.js';

// What bubblewrap is asked to do, read from its arguments: nothing here starts a process (the escapes that run a
// real bwrap are in bubblewrap-sandbox.test.ts), so these rows are what mutation testing of the builder runs.
const bwrapPath = findExecutable('bwrap', process.env.PATH) ?? '/usr/bin/bwrap';
// Each test makes its own (a sandbox made at load would be covered by no test, so mutation testing would not see
// which test reads it); this one only says, for the titles, what this machine cannot apply.
const processesOff = createBubblewrapSandbox({ bwrapPath }).limitsOff?.find(
  (off) => off.option === 'processes',
)?.reason;
const newSandbox = () => createBubblewrapSandbox({ bwrapPath });

const layout = { links: [{ path: '/lib', target: 'usr/lib' }], folders: [] };
const limits = { addressSpaceBytes: 1000, cpuSeconds: 2, openFiles: 3, processes: 4, temporaryBytes: 5 };
const awsStage: SandboxStage = {
  kind: 'aws',
  file: '/home/me/.pyenv/shims/aws',
  args: ['s3', 'ls'],
  cwd: '/home/me/.cache/aws-mcp/work',
  env: { HOME: '/home/me' },
  readOnlyPaths: ['/home/me/.pyenv', '/home/me/.aws/config'],
  writablePaths: ['/home/me/.cache/aws-mcp/work'],
};
const filterStage: SandboxStage = {
  kind: 'filter',
  file: '/opt/tools/jq',
  args: ['.'],
  cwd: '/home/me/.cache/aws-mcp/work',
  env: {},
  readOnlyPaths: ['/home/me/.aws/config'],
  writablePaths: ['/home/me/.cache/aws-mcp/work'],
};
const build = (stage: SandboxStage) =>
  buildBubblewrapArguments(stage, {
    homes: ['/home/me', '/root'],
    layout,
    limits,
    prlimitPath: '/usr/bin/prlimit',
  });

describe('buildBubblewrapArguments', () => {
  it('never shows the host root, and makes its own read-only at the end', () => {
    for (const stage of [awsStage, filterStage]) {
      const args = build(stage).join(' ');
      expect(args).not.toMatch(/--(ro-)?bind(-try)? \/ \//);
      expect(args).toMatch(
        /--remount-ro \/ -- \/usr\/bin\/prlimit --as=1000 --cpu=2:7 --nofile=3 --core=0 -- /,
      );
    }
  });

  it('hides the homes before binding what the stage needs inside them', () => {
    const args = build(awsStage).join(' ');
    expect(args).toContain('--size 5 --tmpfs /home/me --size 5 --tmpfs /root');
    expect(args.indexOf('--tmpfs /home/me')).toBeLessThan(args.indexOf('--ro-bind-try /home/me/.pyenv'));
    expect(args).toContain('--bind-try /home/me/.cache/aws-mcp/work /home/me/.cache/aws-mcp/work');
    expect(args).not.toContain('--ro-bind-try /home/me/.pyenv/shims/aws');
  });

  it('gives a filter no network, none of the stage paths, its own binary and prlimit', () => {
    const args = build(filterStage).join(' ');
    expect(args).toContain('--unshare-net');
    expect(args).not.toContain('.aws/config');
    expect(args).not.toContain('/home/me/.cache');
    expect(args).toContain('--ro-bind-try /opt/tools/jq /opt/tools/jq');
    expect(args).toContain('--ro-bind-try /usr/bin/prlimit /usr/bin/prlimit');
    expect(args).toContain('--chdir /tmp');
  });

  it('sizes /tmp, /var/tmp and /dev/shm, and makes /dev read-only', () => {
    const args = build(filterStage).join(' ');
    expect(args).toContain('--remount-ro /dev --proc /proc');
    expect(args).toContain('--dev /dev --size 5 --tmpfs /dev/shm --remount-ro /dev');
    expect(args).toContain('--size 5 --tmpfs /tmp --size 5 --tmpfs /var/tmp');
  });

  it.each([
    [
      'a working directory that is a home',
      { ...awsStage, cwd: '/root', writablePaths: ['/root'] },
      'UNSAFE_WORKDIR',
    ],
    ['a read-only path that holds a home', { ...awsStage, readOnlyPaths: ['/home'] }, 'INVALID_OPTIONS'],
  ])('refuses %s', (_, stage, code) => {
    expect(() => build(stage)).toThrow(
      expect.objectContaining({
        code,
        message: expect.stringMatching(
          /would see the home \S+ through \S+, which the sandbox hides\. Use a dedicated folder, e\.g\. one under ~\/\.cache, and give only the files the CLI needs\.$/,
        ),
      }),
    );
  });

  it('sets no limits without them', () => {
    const args = buildBubblewrapArguments(awsStage, { homes: [], layout }).join(' ');
    expect(args).not.toContain('--size');
    expect(args).not.toContain('prlimit');
    expect(args).toMatch(/--remount-ro \/ -- \/home\/me\/\.pyenv\/shims\/aws s3 ls$/);
  });
});

describe('createBubblewrapSandbox', () => {
  it('sets HOME for an aws stage that has none, so Python never falls back to the missing /etc/passwd', () => {
    const stage: SandboxStage = {
      kind: 'aws',
      file: '/usr/bin/aws',
      args: [],
      cwd: '/tmp',
      env: { PATH: '/usr/bin' },
      readOnlyPaths: [],
      writablePaths: [],
    };
    expect(newSandbox().wrap(stage).env).toEqual({ PATH: '/usr/bin', HOME: homedir() });
    expect(newSandbox().wrap({ ...stage, env: { HOME: '/x' } }).env).toBeUndefined();
    expect(newSandbox().wrap({ ...stage, kind: 'filter' }).env).toBeUndefined();
  });

  it('refuses the real home as the working directory when HOME points elsewhere', () => {
    const saved = process.env.HOME;
    process.env.HOME = tmpdir();
    try {
      const realHome = userInfo().homedir;
      expect(() =>
        newSandbox().wrap({
          kind: 'aws',
          file: '/usr/bin/aws',
          args: [],
          cwd: realHome,
          env: { HOME: tmpdir() },
          readOnlyPaths: [],
          writablePaths: [realHome],
        }),
      ).toThrow(expect.objectContaining({ code: 'UNSAFE_WORKDIR' }));
    } finally {
      process.env.HOME = saved;
    }
  });

  it('says which limits the wrapped stage runs under', () => {
    const command = newSandbox().wrap({
      kind: 'filter',
      file: '/usr/bin/jq',
      args: [],
      cwd: '/tmp',
      env: {},
      readOnlyPaths: [],
      writablePaths: [],
    });
    expect(command.limits?.kind).toBe('filter');
    expect(command.limits?.values.temporaryBytes).toBe(256 * 1024 * 1024);
    if (processesOff === undefined) expect(command.limits?.values.processes).toBe(64);
    else expect(command.limits?.values.processes).toBeUndefined();
  });

  it('refuses a limit that is not a positive whole number', () => {
    expect(() => createBubblewrapSandbox({ bwrapPath, limits: { filter: { openFiles: 0 } } })).toThrow(
      /limits\.filter\.openFiles must be a positive whole number/,
    );
  });
});

/** The arguments as pairs and words, to ask where a flag stands and what follows it. */
const positionsOf = (args: readonly string[], ...words: string[]) => {
  const at = args.findIndex((_, index) => words.every((word, offset) => args[index + offset] === word));
  return at;
};

describe('buildBubblewrapArguments, argument by argument', () => {
  it.each([
    ['aws', awsStage],
    ['filter', filterStage],
  ])(
    'gives the %s stage new user, pid, ipc and uts namespaces, none to make, a session and an end with us',
    (_, stage) => {
      const args = build(stage);
      for (const flag of [
        '--unshare-user',
        '--unshare-pid',
        '--unshare-ipc',
        '--unshare-uts',
        '--disable-userns',
        '--die-with-parent',
        '--new-session',
      ]) {
        expect(args).toContain(flag);
      }
      // Everything before `--` is bubblewrap's; the stage's own program comes after it, with its arguments last.
      expect(args.slice(-stage.args.length - 1)).toEqual([stage.file, ...stage.args]);
    },
  );

  it('lets only a filter lose the network (the aws stage calls AWS)', () => {
    expect(build(filterStage)).toContain('--unshare-net');
    expect(build(awsStage)).not.toContain('--unshare-net');
  });

  it('drops every capability, then adds back only what the aws stage keeps, in the table order', () => {
    expect(positionsOf(build(awsStage), '--cap-drop', 'ALL')).toBeGreaterThanOrEqual(0);
    expect(build(awsStage)).not.toContain('--cap-add');
    const keeping = build({ ...awsStage, keepCapabilities: ['CAP_SETPCAP', 'CAP_SYS_ADMIN', 'CAP_SETPCAP'] });
    const drop = positionsOf(keeping, '--cap-drop', 'ALL');
    expect(keeping.slice(drop, drop + 6)).toEqual([
      '--cap-drop',
      'ALL',
      '--cap-add',
      'CAP_SYS_ADMIN',
      '--cap-add',
      'CAP_SETPCAP',
    ]);
  });

  it.each([
    [
      'a filter that asks to keep a capability',
      { ...filterStage, keepCapabilities: ['CAP_SYS_ADMIN'] as const },
      /^A filter stage keeps no capabilities; only the aws stage may keep CAP_SYS_ADMIN\.$/,
    ],
    [
      "bubblewrap's ALL as a capability to keep",
      { ...awsStage, keepCapabilities: ['ALL'] as unknown as SandboxStage['keepCapabilities'] },
      /A stage may keep only CAP_SYS_ADMIN and CAP_SETPCAP, not ALL/,
    ],
  ])('refuses %s (INVALID_OPTIONS)', (_, stage, message) => {
    expect(() => build(stage)).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS', message: expect.stringMatching(message) }),
    );
  });

  it('says why an unknown capability is refused', () => {
    expect(() =>
      build({
        ...awsStage,
        keepCapabilities: ['CAP_NET_RAW'] as unknown as SandboxStage['keepCapabilities'],
      }),
    ).toThrow(expect.objectContaining({ reason: 'the capability CAP_NET_RAW is not one a stage may keep' }));
  });

  it('runs the aws stage in its working directory and a filter in its private /tmp', () => {
    const aws = build(awsStage);
    expect(aws[positionsOf(aws, '--chdir') + 1]).toBe(awsStage.cwd);
    const filter = build(filterStage);
    expect(filter[positionsOf(filter, '--chdir') + 1]).toBe('/tmp');
  });

  it('hides each home once, even when the stage and the server name the same one', () => {
    const args = buildBubblewrapArguments(awsStage, { homes: ['/home/me', '/home/me'], layout });
    expect(args.filter((word) => word === '/home/me')).toHaveLength(1);
    expect(args.join(' ')).toContain('--tmpfs /home/me');
  });

  it('binds a private copy from its source onto its target, writable, after the folder that holds it', () => {
    const stage: SandboxStage = {
      ...awsStage,
      readOnlyPaths: ['/opt/cli'],
      writablePaths: [awsStage.cwd],
      privateBinds: [{ source: '/tmp/aws-mcp-copy-1/cli-cache', target: '/opt/cli/cache' }],
    };
    const args = build(stage);
    const copy = positionsOf(args, '--bind', '/tmp/aws-mcp-copy-1/cli-cache', '/opt/cli/cache');
    const parent = positionsOf(args, '--ro-bind-try', '/opt/cli', '/opt/cli');
    expect(copy).toBeGreaterThan(parent);
    expect(parent).toBeGreaterThanOrEqual(0);
    // The target is a private copy's only: never the host folder under the same name.
    expect(positionsOf(args, '--bind-try', '/opt/cli/cache', '/opt/cli/cache')).toBe(-1);
  });

  it('binds writable paths writable and read-only paths read-only, parents before children', () => {
    const stage: SandboxStage = {
      ...awsStage,
      file: '/usr/bin/aws',
      readOnlyPaths: ['/srv/work/config/deep', '/srv/aws'],
      writablePaths: ['/srv/work'],
    };
    const args = build(stage);
    const work = positionsOf(args, '--bind-try', '/srv/work', '/srv/work');
    const deep = positionsOf(args, '--ro-bind-try', '/srv/work/config/deep', '/srv/work/config/deep');
    expect(work).toBeGreaterThanOrEqual(0);
    expect(deep).toBeGreaterThan(work);
    expect(positionsOf(args, '--ro-bind-try', '/srv/aws', '/srv/aws')).toBeGreaterThanOrEqual(0);
    expect(positionsOf(args, '--bind-try', '/srv/aws', '/srv/aws')).toBe(-1);
    // The root already shows /usr to the aws stage: its program is not bound again.
    expect(args.filter((word) => word === '/usr/bin/aws')).toEqual(['/usr/bin/aws']);
  });

  it("binds a filter's program that the root does not show, read-only, and shows it no stage path", () => {
    const args = build({ ...filterStage, file: '/usr/bin/jq' });
    expect(positionsOf(args, '--ro-bind-try', '/usr/bin/jq', '/usr/bin/jq')).toBeGreaterThanOrEqual(0);
    expect(args).not.toContain('--bind-try');
  });

  it('refuses a private copy whose target holds a home (UNSAFE_WORKDIR: it would be writable)', () => {
    const stage: SandboxStage = {
      ...awsStage,
      privateBinds: [{ source: '/tmp/aws-mcp-copy-2', target: '/home' }],
    };
    expect(() => build(stage)).toThrow(
      expect.objectContaining({
        code: 'UNSAFE_WORKDIR',
        message: expect.stringContaining('the home /home/me through /home'),
      }),
    );
  });

  it.each([
    ['limits without prlimit', { limits }, ['--size', '5', '--tmpfs', '/tmp']],
    ['prlimit without limits', { prlimitPath: '/usr/bin/prlimit' }, ['--tmpfs', '/tmp']],
  ])('with %s, runs the program without prlimit and does not bind it', (_, host, tmp) => {
    const args = buildBubblewrapArguments(filterStage, { homes: [], layout, ...host });
    expect(args).not.toContain('/usr/bin/prlimit');
    expect(args.filter((word) => word === '--')).toHaveLength(1);
    // Every path bound is absolute: nothing else reaches bwrap as a path.
    args.forEach((word, index) => {
      if (['--ro-bind-try', '--bind-try', '--bind', '--ro-bind'].includes(word)) {
        expect([args[index + 1], args[index + 2]]).toEqual([
          expect.stringMatching(/^\//),
          expect.stringMatching(/^\//),
        ]);
      }
    });
    expect(args.slice(-3)).toEqual(['--', filterStage.file, ...filterStage.args]);
    expect(positionsOf(args, ...tmp)).toBeGreaterThanOrEqual(0);
  });

  it("shows each stage its own part of the root, and the host's system folders as the host lays them out", () => {
    const host = { homes: [], layout: { links: [{ path: '/bin', target: 'usr/bin' }], folders: ['/lib64'] } };
    const aws = buildBubblewrapArguments(awsStage, host);
    expect(positionsOf(aws, '--ro-bind-try', '/usr', '/usr')).toBeGreaterThanOrEqual(0);
    expect(positionsOf(aws, '--symlink', 'usr/bin', '/bin')).toBeGreaterThanOrEqual(0);
    const filter = buildBubblewrapArguments(filterStage, host);
    expect(positionsOf(filter, '--ro-bind-try', '/usr', '/usr')).toBe(-1);
    expect(positionsOf(filter, '--ro-bind-try', '/usr/lib', '/usr/lib')).toBeGreaterThanOrEqual(0);
  });
});

describe('createBubblewrapSandbox, what wrap returns', () => {
  const plainAws: SandboxStage = {
    kind: 'aws',
    file: '/usr/bin/aws',
    args: ['--version'],
    cwd: '/srv/aws-mcp-work',
    env: { HOME: '/srv/aws-mcp-home' },
    readOnlyPaths: [],
    writablePaths: ['/srv/aws-mcp-work'],
  };

  it('names itself, binds private copies, and reports signals as exit statuses (bwrap does)', () => {
    expect(newSandbox().name).toBe('bubblewrap');
    expect(newSandbox().bindsPrivateCopies).toBe(true);
    const command = newSandbox().wrap(plainAws);
    expect(command.signalsAsExitStatus).toBe(true);
    expect(command.cwd).toBe('/srv/aws-mcp-work');
    expect(command.keptCapabilities).toBeUndefined();
    expect(newSandbox().wrap({ ...filterStage, file: '/usr/bin/jq' }).cwd).toBe('/');
  });

  it('runs bwrap itself, or its cgroup helper that starts bwrap, with the arguments the builder gives', () => {
    const command = newSandbox().wrap(plainAws);
    const all = [command.file, ...command.args];
    expect(all).toContain(bwrapPath);
    expect(all.slice(-2)).toEqual(['/usr/bin/aws', '--version']);
    if (processesOff !== undefined) expect(command.file).toBe(bwrapPath);
    // With a pids cgroup, a shell helper puts the stage in its cgroup and then runs bwrap.
    else expect(command.file).not.toBe(bwrapPath);
  });

  it('says which capabilities the stage keeps', () => {
    const command = newSandbox().wrap({ ...plainAws, keepCapabilities: ['CAP_SYS_ADMIN'] });
    expect(command.keptCapabilities).toEqual(['CAP_SYS_ADMIN']);
  });

  it('refuses a stage that keeps a capability where this bubblewrap cannot grant one (SANDBOX_UNAVAILABLE)', () => {
    const setuid = createBubblewrapSandbox({
      bwrapPath,
      capabilitiesOff: 'a setuid bwrap run by another user',
    });
    expect(() => setuid.wrap({ ...plainAws, keepCapabilities: ['CAP_SETPCAP', 'CAP_SYS_ADMIN'] })).toThrow(
      expect.objectContaining({
        code: 'SANDBOX_UNAVAILABLE',
        message:
          'This bubblewrap cannot let a stage keep CAP_SYS_ADMIN and CAP_SETPCAP: a setuid bwrap run by another user.',
        reason: 'a setuid bwrap run by another user',
      }),
    );
    expect(setuid.wrap(plainAws).keptCapabilities).toBeUndefined();
  });

  it("uses the stage kind's own limits, and lists only those it applies", () => {
    const sandbox = createBubblewrapSandbox({
      bwrapPath,
      limits: { aws: { openFiles: 77 }, filter: { openFiles: 33 } },
    });
    expect(sandbox.wrap(plainAws).limits?.values.openFiles ?? 'off').toBe(
      sandbox.limitsOff?.some((off) => off.option === 'openFiles') ? 'off' : 77,
    );
    const filter = sandbox.wrap({ ...filterStage, file: '/usr/bin/jq' });
    expect(filter.limits?.kind).toBe('filter');
    for (const off of sandbox.limitsOff ?? []) expect(filter.limits?.values).not.toHaveProperty(off.option);
    expect(filter.args.join(' ')).toMatch(/--size \d+ --tmpfs \/tmp/);
  });

  it("hides the server user's home from the user database, with the server's HOME and the stage's elsewhere", () => {
    const passwdHome = userInfo().homedir;
    const saved = process.env.HOME;
    process.env.HOME = '/nowhere/server';
    try {
      const args = newSandbox()
        .wrap({ ...plainAws, env: { HOME: '/nowhere/else' } })
        .args.join(' ');
      // os.homedir() follows HOME in a child process, not in a worker thread: whichever it says is hidden too.
      for (const home of [passwdHome, homedir(), '/nowhere/else']) expect(args).toContain(`--tmpfs ${home}`);
    } finally {
      process.env.HOME = saved;
    }
  });
});

describe('noSandbox', () => {
  it('runs the stage as it is, and grants no capability it asks to keep', () => {
    expect(noSandbox.name).toBe('none');
    expect(noSandbox.wrap({ ...awsStage, keepCapabilities: ['CAP_SYS_ADMIN'] })).toEqual({
      file: awsStage.file,
      args: awsStage.args,
      cwd: awsStage.cwd,
    });
  });

  it('refuses a capability no stage may keep, as every backend does (INVALID_OPTIONS)', () => {
    expect(() => noSandbox.wrap({ ...filterStage, keepCapabilities: ['CAP_SYS_ADMIN'] })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS' }),
    );
  });
});
