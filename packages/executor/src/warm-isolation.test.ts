import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWarmHarness, type WarmHarness } from './__fixtures__/warm-harness.js';
import { findCliPython } from './_aws-launcher.js';
import { resolvePyenvShim } from './_aws-paths.js';
import { findExecutable } from './_find-executable.js';
import { createBubblewrapSandbox } from './bubblewrap-sandbox.js';
import type { Sandbox } from './sandbox.js';

const bwrapPath = findExecutable('bwrap', process.env.PATH);
// A small process limit, so one call reaching it takes seconds; the warm interpreter's own cgroup gets it too.
const processes = 64;
const sandbox =
  bwrapPath === undefined
    ? undefined
    : createBubblewrapSandbox({ bwrapPath, limits: { aws: { processes } } });
const processLimitOff = sandbox?.limitsOff?.find((off) => off.option === 'processes')?.reason;
const awsFound = findExecutable('aws', process.env.PATH);
const awsFile = awsFound === undefined ? undefined : resolvePyenvShim(awsFound, process.env, process.cwd());
// The CLI's own interpreter: the warm sandbox shows it, so a credential_process can be a Python script.
const python = awsFile === undefined ? undefined : findCliPython(awsFile, process.env);

/** Host processes whose command line contains `marker`. */
function countProcesses(marker: string): number {
  let found = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(marker)) found += 1;
    } catch {
      // Gone.
    }
  }
  return found;
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/*
 * Calls running at once in one warm interpreter, and a program one of them starts (a profile's credential_process
 * runs inside the CLI's forked child, as the CLI's own subprocesses do): it must reach neither the interpreter nor
 * the other calls, by signal or by using up their process limit.
 */
describe.skipIf(sandbox === undefined)('warm calls kept apart, under bubblewrap', () => {
  let harness: WarmHarness;
  let silent: Server;
  let silentPort: number;

  beforeAll(async () => {
    harness = await startWarmHarness({
      sandbox: sandbox as NonNullable<typeof sandbox>,
      name: 'warm-isolation',
    });
    // An endpoint that accepts and never answers: a call to it ends at the CLI's own read timeout.
    silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentPort = (silent.address() as AddressInfo).port;
  }, 120_000);

  afterAll(async () => {
    silent?.close();
    await harness?.stop();
  });

  /** A config whose `hostile` profile runs `script` (bash) as its credential_process, in the working directory. */
  async function writeHostileConfig(name: string, script: string, runner = '/bin/bash'): Promise<string> {
    const file = join(harness.workdir, `${name}.script`);
    await writeFile(file, runner === '/bin/bash' ? `exec 1>&2\n${script}\nexit 1\n` : script);
    const configFile = join(harness.workdir, `${name}-config`);
    await writeFile(
      configFile,
      `[profile hostile]\nregion = us-east-1\ncredential_process = ${runner} ${file}\n`,
    );
    return configFile;
  }

  it("survives a call's program that SIGKILLs every process it can: the interpreter and the call beside it run on", async () => {
    await harness.warm('aws sts get-caller-identity');
    const startsBefore = harness.warmCli.starts;
    const beside = harness.warm(
      `aws sts get-caller-identity --endpoint-url http://127.0.0.1:${silentPort} --cli-read-timeout 8`,
    );
    await new Promise((resolve) => setTimeout(resolve, 1500));
    // `kill -9 -1`, then each pid /proc shows: the interpreter (its pid 2), bubblewrap's init, the other call.
    const configFile = await writeHostileConfig(
      'killer',
      'kill -9 -1; for entry in /proc/[0-9]*; do pid=${entry#/proc/}; [ "$pid" = $$ ] || kill -9 "$pid"; done; echo survived',
    );
    const hostile = await harness.warm('aws sts get-caller-identity --profile hostile', {
      env: { ...harness.options.env, AWS_CONFIG_FILE: configFile },
    });
    expect(hostile.exitCode).not.toBe(0);
    const besideResult = await beside;
    expect(besideResult.stderr).toMatch(/Read timeout on endpoint URL/);
    expect(harness.warmCli.starts).toBe(startsBefore);
    expect((await harness.warm('aws sts get-caller-identity')).exitCode).toBe(0);
    expect(harness.warmCli.starts).toBe(startsBefore);
    expect(harness.warmCli.lastRestart).toBeUndefined();
  }, 120_000);

  it("keeps each call's folder from the calls beside it: a program of one cannot list or read the other's TMPDIR, cache copy or CLI history", async () => {
    const { workdir, warmCli } = harness;
    // Each call's copy of the CLI cache starts with this entry, as a cached role's credentials would.
    const cache = join(harness.home.home, '.aws', 'cli', 'cache');
    await mkdir(cache, { recursive: true });
    await writeFile(join(cache, 'seeded.json'), '{"Credentials": {"SecretAccessKey": "cached-secret"}}');
    // Both calls' credential_process run at once: each leaves a secret in its own TMPDIR, names that TMPDIR in
    // the working directory, then tries the other's folder (found from its TMPDIR) while the other still runs.
    const script = join(workdir, 'neighbour.sh');
    await writeFile(
      script,
      [
        'name=$1 other=$2',
        `cd ${workdir}`,
        'echo "secret-of-$name" > "$TMPDIR/secret"',
        'echo "$TMPDIR" > "$name.tmpdir"',
        'for i in $(seq 600); do [ -s "$other.tmpdir" ] && break; sleep 0.1; done',
        'tmp=$(cat "$other.tmpdir"); folder=$(dirname "$tmp")',
        '{',
        '  echo "own tmp: $(cat "$TMPDIR/secret" 2>&1)"',
        '  echo "own cache: $(cat "$TMPDIR/../caches/0/seeded.json" 2>&1)"',
        '  echo "calls folder: $(ls "$(dirname "$folder")" 2>&1)"',
        '  echo "folder: $(ls "$folder" 2>&1)"',
        '  echo "tmp: $(cat "$tmp/secret" 2>&1)"',
        '  echo "cache: $(cat "$folder/caches/0/seeded.json" 2>&1)"',
        '  echo "own history: $(ls "$TMPDIR/../history" 2>&1)"',
        '  echo "history: $(ls "$folder/history" 2>&1)"',
        '  echo "shared history: $(ls ~/.aws/cli/history 2>&1)"',
        '} > "$name.part"',
        'mv "$name.part" "$name.report"',
        'for i in $(seq 600); do [ -f "$other.report" ] && break; sleep 0.1; done',
        // moto takes any key: the call goes on with these and asks sts who it is.
        'printf \'{"Version": 1, "AccessKeyId": "AKIAIOSFODNN7EXAMPLE", "SecretAccessKey": "neighbour"}\'',
        '',
      ].join('\n'),
    );
    const run = (name: string, other: string) => {
      const configFile = join(workdir, `${name}-config`);
      return writeFile(
        configFile,
        // The CLI's history records every response, credentials included; it is open before the process runs.
        `[profile ${name}]\nregion = us-east-1\ncli_history = enabled\n` +
          `credential_process = /bin/bash ${script} ${name} ${other}\n`,
      ).then(() =>
        harness.warm(`aws sts get-caller-identity --profile ${name} --query Account --output text`, {
          env: { ...harness.options.env, AWS_CONFIG_FILE: configFile },
        }),
      );
    };
    const callsBefore = warmCli.calls;
    const results = await Promise.all([run('left', 'right'), run('right', 'left')]);
    expect(warmCli.calls, warmCli.lastRefusal).toBe(callsBefore + 2);
    for (const [index, name] of ['left', 'right'].entries()) {
      const result = results[index] as (typeof results)[number];
      expect(result.exitCode, result.stderr).toBe(0);
      expect(result.output.trim()).toMatch(/^\d{12}$/);
      const report = await readFile(join(workdir, `${name}.report`), 'utf8');
      expect(report).toContain(`own tmp: secret-of-${name}\n`);
      expect(report).toContain('own cache: {"Credentials": {"SecretAccessKey": "cached-secret"}}\n');
      expect(report).toContain('own history: history.db\n');
      expect(report).toMatch(/^shared history: .*No such file or directory$/m);
      for (const what of ['calls folder', 'folder', 'tmp', 'cache', 'history']) {
        expect(report).toMatch(new RegExp(`^${what}: .*Permission denied$`, 'm'));
      }
      // Only the call's own secrets, once each.
      expect(report.match(/secret-of-\w+|cached-secret/g)).toEqual([`secret-of-${name}`, 'cached-secret']);
    }
  }, 120_000);

  it('gives each of two calls at once its own /tmp, /var/tmp, /dev/shm and home, as two cold calls get, and no capability', async () => {
    const { workdir, warmCli } = harness;
    // Each call's credential_process leaves a file in each folder, waits until the other call has left its own,
    // then reports what it sees there, its capabilities, and whether it may make a mount namespace.
    const script = join(workdir, 'scratch.sh');
    await writeFile(
      script,
      [
        'name=$1 other=$2 round=$3',
        'folders="/tmp /var/tmp /dev/shm $HOME"',
        'for folder in $folders; do echo "$name" > "$folder/left-by-$name"; done',
        `touch ${workdir}/$round-$name.ready`,
        `for i in $(seq 600); do [ -f ${workdir}/$round-$other.ready ] && break; sleep 0.1; done`,
        '{',
        `  [ -f ${workdir}/$round-$other.ready ] && echo "overlapped: yes"`,
        '  for folder in $folders; do echo "$folder: $(cd "$folder" && echo left-by-*) $(cat "$folder/left-by-$name")"; done',
        '  grep ^Cap /proc/self/status',
        '  unshare --mount true 2>/dev/null && echo "unshare: yes" || echo "unshare: no"',
        `} > ${workdir}/$round-$name.part`,
        `mv ${workdir}/$round-$name.part ${workdir}/$round-$name.report`,
        `for i in $(seq 600); do [ -f ${workdir}/$round-$other.report ] && break; sleep 0.1; done`,
        'printf \'{"Version": 1, "AccessKeyId": "AKIAIOSFODNN7EXAMPLE", "SecretAccessKey": "scratch"}\'',
        '',
      ].join('\n'),
    );
    const runPair = async (round: 'warm' | 'cold') => {
      const run = async (name: string, other: string) => {
        const configFile = join(workdir, `${round}-${name}-config`);
        await writeFile(
          configFile,
          `[profile ${name}]\nregion = us-east-1\ncredential_process = /bin/bash ${script} ${name} ${other} ${round}\n`,
        );
        return harness[round](`aws sts get-caller-identity --profile ${name} --query Account --output text`, {
          env: { ...harness.options.env, AWS_CONFIG_FILE: configFile },
        });
      };
      const results = await Promise.all([run('left', 'right'), run('right', 'left')]);
      for (const result of results) expect(result.exitCode, result.stderr).toBe(0);
      return Promise.all(
        ['left', 'right'].map((name) => readFile(join(workdir, `${round}-${name}.report`), 'utf8')),
      );
    };
    const callsBefore = warmCli.calls;
    const warm = await runPair('warm');
    expect(warmCli.calls, warmCli.lastRefusal).toBe(callsBefore + 2);
    const cold = await runPair('cold');
    const home = harness.home.home;
    for (const [index, name] of ['left', 'right'].entries()) {
      expect(warm[index]).toBe(
        [
          'overlapped: yes',
          ...['/tmp', '/var/tmp', '/dev/shm', home].map((folder) => `${folder}: left-by-${name} ${name}`),
          ...['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb'].map((set) => `${set}:\t0000000000000000`),
          'unshare: no',
          '',
        ].join('\n'),
      );
      expect(warm[index]).toBe(cold[index]);
    }
  }, 120_000);

  it.skipIf(processLimitOff !== undefined || python === undefined)(
    "counts a call's processes against its own limit: a call beside one at its limit runs, and a cancel leaves none",
    async () => {
      const marker = `warm-isolation-forker-${process.pid}`;
      const reached = join(harness.workdir, 'reached');
      // Forks until the limit refuses (a shell would retry for a long time), then holds the call open.
      // The script's name carries the marker: each fork's command line names it.
      const configFile = await writeHostileConfig(
        marker,
        [
          'import os, time',
          `marker = '${marker}'`,
          'count = 0',
          `while count < ${processes * 3}:`,
          '    try:',
          '        pid = os.fork()',
          '    except OSError:',
          '        break',
          '    if pid == 0:',
          '        time.sleep(600)',
          '        os._exit(0)',
          '    count += 1',
          `open('${reached}', 'w').write(str(count))`,
          'time.sleep(600)',
          '',
        ].join('\n'),
        python as string,
      );
      const abort = new AbortController();
      const forking = harness.warm('aws sts get-caller-identity --profile hostile', {
        env: { ...harness.options.env, AWS_CONFIG_FILE: configFile },
        signal: abort.signal,
      });
      await waitFor(() => existsSync(reached), 90_000);
      // At its own limit: the call's child, the script and its forks share `processes` (threads count too).
      const forked = Number(readFileSync(reached, 'utf8'));
      expect(forked).toBeGreaterThan(processes / 2);
      expect(forked).toBeLessThan(processes);
      expect(countProcesses(marker)).toBe(forked + 1);
      const beside = await harness.warm('aws sts get-caller-identity --query Account --output text');
      expect(beside.exitCode, beside.stderr).toBe(0);
      expect(beside.output.trim()).toMatch(/^\d{12}$/);
      abort.abort();
      const ended = await forking;
      expect(ended.status).not.toBe('success');
      await waitFor(() => countProcesses(marker) === 0, 10_000);
    },
    180_000,
  );
});

/**
 * A seccomp program (classic BPF, as `bwrap --seccomp` loads it) that fails the syscalls numbered `first` to
 * `last` with ENOSYS, as a kernel built without them does, and allows every other. The Landlock syscalls have the
 * same numbers on every architecture, so no architecture check is needed.
 */
function buildEnosysFilter(first: number, last: number): Buffer {
  const instructions: Array<[code: number, jt: number, jf: number, k: number]> = [
    [0x20, 0, 0, 0], // ld [0]: seccomp_data.nr
    [0x35, 0, 2, first], // jge first ? next : allow
    [0x25, 1, 0, last], // jgt last ? allow : next
    [0x06, 0, 0, 0x0005_0000 | 38], // ret SECCOMP_RET_ERRNO | ENOSYS
    [0x06, 0, 0, 0x7fff_0000], // ret SECCOMP_RET_ALLOW
  ];
  const program = Buffer.alloc(instructions.length * 8);
  instructions.forEach(([code, jt, jf, k], index) => {
    program.writeUInt16LE(code, index * 8);
    program.writeUInt8(jt, index * 8 + 2);
    program.writeUInt8(jf, index * 8 + 3);
    program.writeUInt32LE(k, index * 8 + 4);
  });
  return program;
}

/**
 * The real bubblewrap sandbox, with `--seccomp` loading `filterFile` into every stage it wraps (the warm
 * interpreter and a cold stage alike); a shell opens the file on descriptor 9 for bwrap to read.
 */
function withSeccompFilter(inner: Sandbox, filterFile: string): Sandbox {
  return {
    name: inner.name,
    ...(inner.limitsOff === undefined ? {} : { limitsOff: inner.limitsOff }),
    ...(inner.bindsPrivateCopies === undefined ? {} : { bindsPrivateCopies: inner.bindsPrivateCopies }),
    wrap(stage) {
      const command = inner.wrap(stage);
      const argv = [command.file, ...command.args];
      const at = argv.indexOf(bwrapPath as string);
      if (at < 0) throw new Error('bwrap is not in the wrapped command');
      argv.splice(at + 1, 0, '--seccomp', '9');
      return { ...command, file: '/bin/sh', args: ['-c', 'exec 9<"$0" && exec "$@"', filterFile, ...argv] };
    },
  };
}

/** unshare(2)'s number, where this test knows it (the Landlock ones are the same on every architecture). */
const unshareSyscall = ({ x64: 272, arm64: 97 } as Record<string, number>)[process.arch];

/*
 * A kernel without Landlock, one whose filesystem rules cannot be added, or one that refuses a mount namespace,
 * made real by a seccomp filter: the warm CLI cannot keep calls apart there, so every call runs cold (fail
 * closed), with the reason it reports.
 */
describe
  .skipIf(sandbox === undefined)
  .each([
    [
      'has no Landlock',
      [444, 446],
      /^the warm CLI cannot keep calls apart: Landlock is not available \(Function not implemented\)$/,
    ],
    [
      'cannot add Landlock rules',
      [445, 445],
      /^the warm CLI cannot keep calls apart: the call could not be confined: landlock_add_rule \/\S+: Function not implemented$/,
    ],
    ...(unshareSyscall === undefined
      ? []
      : [
          [
            'refuses a mount namespace for each call',
            [unshareSyscall, unshareSyscall],
            /^the warm CLI cannot keep calls apart: the call could not be confined: unshare\(CLONE_NEWNS\): Function not implemented$/,
          ] as const,
        ]),
  ] as const)('warm calls where the kernel %s, under bubblewrap', (_kernel, syscalls, reason) => {
  let harness: WarmHarness;
  let filterFolder: string;

  beforeAll(async () => {
    filterFolder = await mkdtemp(join(tmpdir(), 'warm-no-landlock-filter-'));
    const filterFile = join(filterFolder, 'enosys.bpf');
    await writeFile(filterFile, buildEnosysFilter(syscalls[0], syscalls[1]));
    harness = await startWarmHarness({
      sandbox: withSeccompFilter(sandbox as NonNullable<typeof sandbox>, filterFile),
      name: 'warm-no-landlock',
    });
  }, 120_000);

  afterAll(async () => {
    await harness?.stop();
    await rm(filterFolder, { recursive: true, force: true });
  });

  it('runs every call cold, the first one included, and says why', async () => {
    for (const round of [1, 2]) {
      const result = await harness.warm('aws sts get-caller-identity --query Account --output text');
      expect(result.exitCode, result.stderr).toBe(0);
      expect(result.output.trim()).toMatch(/^\d{12}$/);
      expect(harness.warmCli.lastRefusal, `call ${round}`).toMatch(reason);
      expect(harness.warmCli.status).toMatchObject({ calls: 0, starts: 1, lastRestart: null });
    }
  }, 120_000);
});
