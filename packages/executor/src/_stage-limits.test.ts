import { existsSync, readFileSync } from 'node:fs';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import {
  buildCgroupHelperCommand,
  buildPrlimitArguments,
  findPidsHierarchy,
  formatStageLimit,
  identifyExceededLimit,
  type PidsCgroup,
  preparePidsCgroup,
  probePidsCgroup,
  processLimitMarker,
  resolveStageLimits,
  signalOfExitStatus,
  stageLimitTable,
} from './_stage-limits.js';
import { type AppliedStageLimits, type StageLimits, stageLimitOptions } from './sandbox.js';

const MiB = 1024 * 1024;
const tools = { sh: '/bin/sh', mkdir: '/usr/bin/mkdir', rmdir: '/usr/bin/rmdir' };

describe('stageLimitOptions', () => {
  it('names every row of the table, in its order', () => {
    expect([...stageLimitOptions]).toEqual(Object.keys(stageLimitTable));
  });
});

describe('resolveStageLimits', () => {
  it('starts from the table and changes only what is given', () => {
    const limits = resolveStageLimits({ filter: { addressSpaceBytes: 1024 * MiB } });
    expect(limits.aws.addressSpaceBytes).toBe(stageLimitTable.addressSpaceBytes.defaults.aws);
    expect(limits.filter).toEqual({
      addressSpaceBytes: 1024 * MiB,
      cpuSeconds: 600,
      openFiles: 256,
      processes: 64,
      temporaryBytes: 256 * MiB,
    });
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('refuses %s with INVALID_OPTIONS', (value) => {
    expect(() => resolveStageLimits({ aws: { processes: value } })).toThrow(
      expect.objectContaining({
        code: 'INVALID_OPTIONS',
        message: `limits.aws.processes must be a positive whole number, not ${value}.`,
      }),
    );
  });
});

describe('buildPrlimitArguments', () => {
  it('sets address space, CPU time (soft, then hard 5 s later), open files, and no core dumps', () => {
    expect(buildPrlimitArguments('/usr/bin/prlimit', resolveStageLimits().filter)).toEqual([
      '/usr/bin/prlimit',
      `--as=${512 * MiB}`,
      '--cpu=600:605',
      '--nofile=256',
      '--core=0',
      '--',
    ]);
  });
});

const v1MountInfo = [
  '24 30 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw',
  '35 24 0:30 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
  '36 24 0:31 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids',
  '37 24 0:32 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
].join('\n');
const v1Cgroups = '9:name=systemd:/\n8:pids:/\n4:memory:/process_api/abc\n0::/\n';
const v2MountInfo =
  '30 24 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate';

describe('findPidsHierarchy', () => {
  it.each([
    [
      'cgroup v1 (this project machine)',
      v1MountInfo,
      v1Cgroups,
      { version: 1, mountPoint: '/sys/fs/cgroup/pids', mountRoot: '/', ownPath: '/' },
    ],
    [
      'cgroup v2 only',
      v2MountInfo,
      '0::/user.slice/user-1000.slice/session-2.scope\n',
      {
        version: 2,
        mountPoint: '/sys/fs/cgroup',
        mountRoot: '/',
        ownPath: '/user.slice/user-1000.slice/session-2.scope',
      },
    ],
    [
      'a container whose mount root is its own cgroup',
      '36 24 0:31 /docker/abc /sys/fs/cgroup/pids ro,relatime - cgroup cgroup rw,pids',
      '8:pids:/docker/abc\n',
      { version: 1, mountPoint: '/sys/fs/cgroup/pids', mountRoot: '/docker/abc', ownPath: '/docker/abc' },
    ],
    [
      'no cgroup mounted',
      '24 30 0:22 / /sys rw - sysfs sysfs rw',
      '',
      { reason: expect.stringMatching(/no cgroup/) },
    ],
  ])('%s', (_, mountInfo, ownCgroups, expected) => {
    expect(findPidsHierarchy(mountInfo, ownCgroups)).toEqual(expected);
  });
});

describe('preparePidsCgroup', () => {
  it('says why when the mount is not there', () => {
    const prepared = preparePidsCgroup({
      version: 1,
      mountPoint: '/proc/aws-mcp-no-such-cgroup',
      mountRoot: '/',
      ownPath: '/',
    });
    expect(prepared).toEqual({
      reason: expect.stringMatching(/^no pids cgroup can be created under \/proc/),
    });
  });

  it("says why when this process's cgroup is outside the mount", () => {
    expect(
      preparePidsCgroup({
        version: 1,
        mountPoint: '/sys/fs/cgroup/pids',
        mountRoot: '/docker/a',
        ownPath: '/b',
      }),
    ).toEqual({ reason: expect.stringMatching(/outside the mounted \/docker\/a/) });
  });
});

describe('buildCgroupHelperCommand', () => {
  it('fails closed (exit 125) without running the stage when the cgroup cannot be made', async () => {
    const helper = buildCgroupHelperCommand({
      cgroup: { parent: '/proc/aws-mcp-no-such-cgroup', home: '/proc', version: 1 },
      processes: 8,
      tools,
      command: ['/bin/echo', 'the stage ran'],
    });
    const result = await execa(helper.file, helper.args, { reject: false, stdin: 'ignore' });
    expect(result.exitCode).toBe(125);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^aws-mcp-sandbox: cannot put the stage in its pids cgroup/);
  });

  const cgroup = probePidsCgroup();
  it.skipIf('reason' in cgroup)(
    `runs the stage inside its own cgroup, passes its status through and removes the cgroup${'reason' in cgroup ? ` (skipped: ${cgroup.reason})` : ''}`,
    async () => {
      const { parent } = cgroup as PidsCgroup;
      const helper = buildCgroupHelperCommand({
        cgroup: cgroup as PidsCgroup,
        processes: 8,
        tools,
        command: ['/bin/sh', '-c', 'cat /proc/self/cgroup; exit 7'],
      });
      const subprocess = execa(helper.file, helper.args, { reject: false, stdin: 'ignore' });
      const result = await subprocess;
      expect(result.exitCode).toBe(7);
      expect(result.stdout).toContain(`/aws-mcp/${subprocess.pid}`);
      expect(existsSync(`${parent}/${subprocess.pid}`)).toBe(false);
    },
  );
});

const applied = (values: Partial<StageLimits>, kind: 'aws' | 'filter' = 'filter'): AppliedStageLimits => ({
  kind,
  values,
});
const all = resolveStageLimits();

describe('identifyExceededLimit', () => {
  // The stderr texts are what these programs printed when they reached the limit in bubblewrap-sandbox.test.ts.
  it.each([
    [
      'gawk past RLIMIT_AS',
      {
        exitCode: 2,
        stderr:
          'gawk: cmd. line:1: fatal: node.c:748:str2wstr: cannot allocate 1073741828 bytes of memory: Cannot allocate memory',
      },
      applied(all.filter),
      'addressSpaceBytes',
    ],
    [
      'jq past RLIMIT_AS (aborts)',
      { exitCode: 134, stderr: 'jq: error: cannot allocate memory' },
      applied(all.filter),
      'addressSpaceBytes',
    ],
    [
      'Python past RLIMIT_AS',
      { exitCode: 1, stderr: '  File "<frozen importlib>"\nMemoryError' },
      applied(all.aws, 'aws'),
      'addressSpaceBytes',
    ],
    ['SIGXCPU, as bwrap reports it', { exitCode: 152, stderr: '' }, applied(all.filter), 'cpuSeconds'],
    [
      'SIGXCPU, as Node reports it',
      { exitCode: undefined, signal: 'SIGXCPU', stderr: '' },
      applied(all.filter),
      'cpuSeconds',
    ],
    [
      'EMFILE',
      { exitCode: 1, stderr: '/usr/bin/paste: /dev/null: Too many open files' },
      applied(all.filter),
      'openFiles',
    ],
    [
      'a refused fork, marked by the helper',
      { exitCode: 2, stderr: `/usr/bin/dash: 0: Cannot fork\n${processLimitMarker}64 reached` },
      applied(all.filter),
      'processes',
    ],
    [
      'a refused thread, marked by the helper, though Python also says memory-like things',
      { exitCode: 1, stderr: `RuntimeError: can't start new thread\n${processLimitMarker}512 reached` },
      applied(all.aws, 'aws'),
      'processes',
    ],
    [
      'a full /tmp in a filter',
      { exitCode: 2, stderr: 'sort: write failed: /tmp/sortAbc: No space left on device' },
      applied(all.filter),
      'temporaryBytes',
    ],
    [
      'a full working directory in the aws stage',
      { exitCode: 1, stderr: '[Errno 28] No space left on device' },
      applied(all.aws, 'aws'),
      undefined,
    ],
    ['a stage that succeeded', { exitCode: 0, stderr: 'MemoryError' }, applied(all.filter), undefined],
    [
      'a limit that was not applied',
      { exitCode: 1, stderr: 'Too many open files' },
      applied({ cpuSeconds: 600 }),
      undefined,
    ],
    [
      'an ordinary failure',
      { exitCode: 1, stderr: 'jq: error: syntax error' },
      applied(all.filter),
      undefined,
    ],
  ] as const)('%s', (_, ending, limits, option) => {
    const found = identifyExceededLimit({ signal: undefined, ...ending }, limits);
    if (option === undefined) expect(found).toBeUndefined();
    else expect(found).toEqual({ limit: stageLimitTable[option].name, option, value: limits.values[option] });
  });

  it('needs the limits the stage ran under', () => {
    expect(
      identifyExceededLimit({ exitCode: 152, signal: undefined, stderr: '' }, undefined),
    ).toBeUndefined();
  });
});

describe('signalOfExitStatus', () => {
  it.each([
    [152, 'SIGXCPU'],
    [137, 'SIGKILL'],
    [141, 'SIGPIPE'],
    [1, undefined],
    [128, undefined],
    [undefined, undefined],
  ])('%s → %s', (status, signal) => {
    expect(signalOfExitStatus(status)).toBe(signal);
  });
});

describe('formatStageLimit', () => {
  it.each([
    ['addressSpaceBytes', 4 * 1024 * MiB, '4 GiB'],
    ['addressSpaceBytes', 512 * MiB, '512 MiB'],
    ['cpuSeconds', 600, '600 s'],
    ['openFiles', 256, '256 open files'],
    ['processes', 64, '64 processes'],
    ['temporaryBytes', 256 * MiB, '256 MiB'],
  ] as const)('%s %s → %s', (option, value, text) => {
    expect(formatStageLimit(option, value)).toBe(text);
  });
});

describe('the README', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('### Limits'), readme.indexOf('## Concurrency'));
  it.each(Object.entries(stageLimitTable))('lists %s with its defaults', (option, row) => {
    const line = section.split('\n').find((candidate) => candidate.startsWith(`| \`${option}\``));
    expect(line).toBeDefined();
    const cells = (line as string).split('|').map((cell) => cell.trim());
    expect(cells.slice(2, 4)).toEqual([
      formatStageLimit(option as keyof StageLimits, row.defaults.aws).replace(
        / (open files|processes|s)$/,
        '',
      ),
      formatStageLimit(option as keyof StageLimits, row.defaults.filter).replace(
        / (open files|processes|s)$/,
        '',
      ),
    ]);
  });
});
