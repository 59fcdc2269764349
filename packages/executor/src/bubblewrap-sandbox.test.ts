import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer } from 'node:net';
import { homedir, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCommandLine } from '@aws-mcp/command';
import {
  bubblewrapMissing,
  describeWithBubblewrap,
  type EmulatedAws,
  findProcesses,
  itWithBubblewrap,
  startEmulatedAws,
  startHangingEndpoint,
} from '@aws-mcp/test-support';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listCliInstallPaths, listHomes, resolvePyenvShim } from './_aws-paths.js';
import { findExecutable } from './_find-executable.js';
import { identifyExceededLimit } from './_stage-limits.js';
import { cleanHelpText } from './aws-help.js';
import { createBubblewrapSandbox } from './bubblewrap-sandbox.js';
import { runPipeline } from './run-pipeline.js';
import type { Sandbox, SandboxStage, StageLimitOptions } from './sandbox.js';
import { selectSandbox } from './select-sandbox.js';

// Created at load, so a limit this machine cannot apply can skip its test with the reason in the title.
const bwrapPath = findExecutable('bwrap', process.env.PATH) ?? '/usr/bin/bwrap';
const defaultSandbox = createBubblewrapSandbox({ bwrapPath });
const processesOff = defaultSandbox.limitsOff?.find((off) => off.option === 'processes')?.reason;
const awsFile = findExecutable('aws', process.env.PATH);
const systemPath = process.env.PATH ?? '/usr/bin:/bin';

let sandbox: Sandbox;
let workdir: string;
let hostSecretDir: string;

// For the blocks that run bubblewrap (describeWithBubblewrap), which are skipped where it cannot run.
beforeAll(async () => {
  if (bubblewrapMissing !== undefined) return;
  ({ sandbox } = await selectSandbox({ mode: 'required' }));
  workdir = await mkdtemp(join(tmpdir(), 'sandbox-workdir-'));
  hostSecretDir = await mkdtemp(join(homedir(), '.aws-mcp-sandbox-test-'));
  await writeFile(join(hostSecretDir, 'id_rsa'), 'PRIVATE KEY MATERIAL');
});

afterAll(async () => {
  if (workdir !== undefined) await rm(workdir, { recursive: true, force: true });
  if (hostSecretDir !== undefined) await rm(hostSecretDir, { recursive: true, force: true });
});

interface Confined {
  kind: SandboxStage['kind'];
  file: string;
  args: string[];
  env?: Record<string, string>;
  readOnlyPaths?: string[];
  input?: string;
  /** Wraps with this HOME in the server's own environment too, as a server started with HOME elsewhere. */
  serverHome?: string;
  using?: Sandbox;
}

/** Wraps one stage and spawns what wrap() returned: the sandbox itself under test, not the pipeline's allowlist. */
async function runStage({
  kind,
  file,
  args,
  env = {},
  readOnlyPaths = [],
  input,
  serverHome,
  using,
}: Confined) {
  const stageEnv = { PATH: systemPath, HOME: homedir(), LANG: 'C.UTF-8', ...env };
  const stage: SandboxStage = {
    kind,
    file,
    args,
    cwd: workdir,
    env: stageEnv,
    readOnlyPaths: kind === 'aws' ? readOnlyPaths : [],
    writablePaths: kind === 'aws' ? [workdir] : [],
  };
  const savedHome = process.env.HOME;
  if (serverHome !== undefined) process.env.HOME = serverHome;
  let command: ReturnType<Sandbox['wrap']>;
  try {
    command = (using ?? sandbox).wrap(stage);
  } finally {
    process.env.HOME = savedHome;
  }
  const started = performance.now();
  const result = await execa(command.file, command.args, {
    cwd: command.cwd,
    env: command.env ?? stageEnv,
    extendEnv: false,
    reject: false,
    ...(input === undefined ? { stdin: 'ignore' as const } : { input }),
    timeout: 60_000,
  });
  const limit = identifyExceededLimit(
    { exitCode: result.exitCode, signal: result.signal, stderr: result.stderr },
    command.limits,
  );
  return { ...result, command, limit, durationMs: performance.now() - started };
}

/** Runs a shell script as a confined stage. */
function runConfined(kind: SandboxStage['kind'], script: string, env: Record<string, string> = {}) {
  return runStage({ kind, file: '/bin/bash', args: ['-c', script], env });
}

describeWithBubblewrap('bubblewrap sandbox escapes', () => {
  it('lets the aws stage write in the working directory only', async () => {
    const result = await runConfined(
      'aws',
      'echo ok > inside.txt && echo $? ; echo x > /etc/aws-mcp-escape 2>&1; echo "etc:$?"; echo x > /usr/aws-mcp-escape; echo "usr:$?"',
    );
    expect(result.stdout).toMatch(/^0\netc:1\nusr:1$/);
    expect(await readFile(join(workdir, 'inside.txt'), 'utf8')).toBe('ok\n');
    expect(existsSync('/etc/aws-mcp-escape')).toBe(false);
  });

  it('keeps writes to home and /tmp inside the sandbox', async () => {
    const marker = `aws-mcp-escape-${process.pid}`;
    const result = await runConfined(
      'aws',
      `echo x > ~/${marker} && echo x > /tmp/${marker} && echo written`,
    );
    expect(result.stdout).toBe('written');
    expect(existsSync(join(homedir(), marker))).toBe(false);
    expect(existsSync(join('/tmp', marker))).toBe(false);
  });

  it("hides the server user's home, even through a symlink in the working directory", async () => {
    await symlink(join(hostSecretDir, 'id_rsa'), join(workdir, 'link-to-key'));
    const result = await runConfined(
      'aws',
      `cat link-to-key; cat ${join(hostSecretDir, 'id_rsa')}; ls ~/.ssh`,
    );
    expect(result.stdout).not.toContain('PRIVATE KEY MATERIAL');
    expect(result.stderr).toMatch(/No such file or directory/);
  });

  it('cannot remount the root read-write nor write to it or /dev; writes to a home stay inside', async () => {
    const result = await runConfined(
      'aws',
      'mount -o remount,rw / 2>&1; echo "mount:$?"; for path in /aws-mcp-escape /dev/aws-mcp-escape /root/aws-mcp-escape; do touch $path 2>/dev/null; echo "touch:$?"; done',
    );
    expect(result.stdout).toMatch(/mount:(?!0)\d+/);
    expect(result.stdout).toContain('touch:1\ntouch:1\ntouch:0');
    expect(existsSync('/aws-mcp-escape')).toBe(false);
    expect(existsSync('/root/aws-mcp-escape')).toBe(false);
  });

  it('cannot signal a process outside', async () => {
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const result = await runConfined('aws', `kill -TERM ${sleeper.pid} 2>&1; echo "kill:$?"`);
      expect(result.stdout).toMatch(/kill:1/);
      expect(sleeper.exitCode).toBeNull();
      expect(sleeper.signalCode).toBeNull();
    } finally {
      sleeper.kill('SIGKILL');
    }
  });

  it('gives a filter stage no network', async () => {
    const server = createServer((socket) => {
      socket.on('error', () => {});
      socket.end('hello');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    try {
      const fromAws = await runConfined(
        'aws',
        `exec 3<>/dev/tcp/127.0.0.1/${address.port} && echo connected`,
      );
      expect(fromAws.stdout).toBe('connected');
      const fromFilter = await runConfined(
        'filter',
        `exec 3<>/dev/tcp/127.0.0.1/${address.port} && echo connected`,
      );
      expect(fromFilter.stdout).not.toContain('connected');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describeWithBubblewrap('the minimal root', () => {
  const suffix = randomBytes(6).toString('hex');
  const marker = `AWS-MCP-ESCAPE-MARKER-${suffix}`;
  const topFolder = `/aws-mcp-escape-test-${suffix}`;
  const otherHome = `/home/aws-mcp-escape-test-${suffix}`;
  const realHome = userInfo().homedir;
  const realHomeFolder = join(realHome, `.aws-mcp-escape-test-${suffix}`);
  const fakeHome = join(tmpdir(), `aws-mcp-fake-home-${suffix}`);
  const repositoryJson = fileURLToPath(new URL('../package.json', import.meta.url));
  const planted = {
    'a new top-level folder': join(topFolder, 'secret.txt'),
    '/etc': `/etc/aws-mcp-escape-test-${suffix}`,
    'another home': join(otherHome, '.ssh', 'id_rsa'),
    'the real home, with HOME elsewhere': join(realHomeFolder, 'id_rsa'),
    '/var/lib': `/var/lib/aws-mcp-escape-test-${suffix}.json`,
  };
  beforeAll(async () => {
    for (const path of Object.values(planted)) {
      await mkdir(join(path, '..'), { recursive: true });
      await writeFile(path, `{"secret": "${marker}"}\n`);
    }
    await mkdir(fakeHome, { recursive: true });
  });
  afterAll(async () => {
    for (const path of [
      topFolder,
      otherHome,
      realHomeFolder,
      fakeHome,
      planted['/etc'],
      planted['/var/lib'],
    ]) {
      await rm(path, { recursive: true, force: true });
    }
  });

  const targets: Array<[string, () => string, string]> = [
    ['/etc/shadow', () => '/etc/shadow', 'root:'],
    ...Object.entries(planted).map(([what, path]): [string, () => string, string] => [
      what,
      () => path,
      marker,
    ]),
    ['a .json outside the working directory (the repository)', () => repositoryJson, '@aws-mcp/executor'],
  ];
  const readers: Array<[string, SandboxStage['kind'], (path: string) => { file: string; args: string[] }]> = [
    ['the aws stage (cat)', 'aws', (path) => ({ file: '/bin/bash', args: ['-c', `cat ${path}`] })],
    ['jq', 'filter', (path) => ({ file: '/usr/bin/jq', args: ['-R', '.', path] })],
    ['awk', 'filter', (path) => ({ file: '/usr/bin/gawk', args: ['--sandbox', '{ print }', path] })],
    ['grep', 'filter', (path) => ({ file: '/usr/bin/grep', args: ['-r', '', path] })],
    ['sed', 'filter', (path) => ({ file: '/usr/bin/sed', args: ['--sandbox', '-n', 'p', path] })],
  ];
  describe.each(targets)('%s', (_, target, content) => {
    it('is readable outside (the test plants real files)', async () => {
      expect(await readFile(target(), 'utf8')).toContain(content);
    });
    it.each(readers)('is not there for %s, with HOME overridden', async (_reader, kind, build) => {
      const result = await runStage({
        kind,
        ...build(target()),
        env: { HOME: fakeHome },
        serverHome: fakeHome,
      });
      expect(result.stdout).not.toContain(content);
      expect(result.stderr).toMatch(/No such file or directory/);
    });
  });

  it.skipIf(awsFile === undefined)('keeps /etc/shadow from a real `aws s3 cp` upload', async () => {
    const server = await startLoopbackS3();
    try {
      const result = await runAws(['s3', 'cp', '/etc/shadow', 's3://bucket/shadow', ...server.endpoint]);
      expect(result.exitCode).not.toBe(0);
      expect(result.stderr).toMatch(/\/etc\/shadow does not exist/);
      expect(server.bodies.join('')).not.toContain('root:');
    } finally {
      await server.close();
    }
  });
});

interface LoopbackS3 {
  endpoint: string[];
  bodies: string[];
  close(): Promise<void>;
}

/** A tiny S3 on loopback that lists one bucket, reached by name so /etc/hosts and nsswitch.conf are needed. */
async function startLoopbackS3(): Promise<LoopbackS3> {
  const bodies: string[] = [];
  const server: Server = createHttpServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      bodies.push(body);
      response.setHeader('content-type', 'application/xml');
      response.end(
        '<?xml version="1.0" encoding="UTF-8"?><ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
          '<Owner><ID>x</ID></Owner><Buckets><Bucket><Name>loopback-bucket</Name>' +
          '<CreationDate>2024-01-01T00:00:00.000Z</CreationDate></Bucket></Buckets></ListAllMyBucketsResult>',
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    endpoint: ['--endpoint-url', `http://localhost:${address.port}`],
    bodies,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The real CLI as the executor prepares it: its install paths from listCliInstallPaths, fake keys, one attempt. */
function runAws(
  args: string[],
  {
    file = resolvePyenvShim(awsFile as string, process.env, process.cwd()),
    readOnlyPaths = [] as string[],
    using = sandbox,
  } = {},
) {
  const env = { PATH: systemPath, HOME: homedir() };
  return runStage({
    kind: 'aws',
    file,
    args,
    using,
    readOnlyPaths: [...listCliInstallPaths(file, listHomes(env)), ...readOnlyPaths],
    env: {
      AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKEFAKE',
      AWS_SECRET_ACCESS_KEY: 'fake',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_MAX_ATTEMPTS: '1',
      AWS_PAGER: '',
      MANPAGER: 'cat',
    },
  });
}

describeWithBubblewrap('the AWS CLI under the minimal root', () => {
  it.skipIf(awsFile === undefined)('prints its version', async () => {
    const result = await runAws(['--version']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^aws-cli\/\d/);
  });

  it.skipIf(awsFile === undefined)('calls a loopback endpoint by name', async () => {
    const server = await startLoopbackS3();
    try {
      const result = await runAws(['s3', 'ls', ...server.endpoint]);
      expect(result.stderr).toBe('');
      expect(result.stdout).toMatch(/loopback-bucket/);
    } finally {
      await server.close();
    }
  });

  it.skipIf(awsFile === undefined)('renders `aws s3 help` (groff)', async () => {
    const result = await runAws(['s3', 'help']);
    expect(result.exitCode).toBe(0);
    expect(cleanHelpText(result.stdout)).toMatch(
      /DESCRIPTION\s+This\s+section\s+explains\s+prominent\s+concepts/,
    );
  });

  const pyenvRoot = awsFile?.match(/^(.*)\/shims\/aws$/)?.[1];
  it.skipIf(pyenvRoot === undefined)(
    'starts from its pyenv version tree alone, resolved through the shim (as the executor binds it)',
    async () => {
      const real = execFileSync(join(pyenvRoot as string, 'bin', 'pyenv'), ['which', 'aws'], {
        encoding: 'utf8',
      }).trim();
      const versionTree = real.replace(/\/bin\/aws$/, '');
      const result = await runStage({
        kind: 'aws',
        file: real,
        args: ['--version'],
        readOnlyPaths: [versionTree],
      });
      expect(result.stdout).toMatch(/^aws-cli\/\d/);
    },
  );
});

describeWithBubblewrap('filters under the minimal root', () => {
  const input = 'b 2\na 1\nc 3\na 1\n';
  it.each([
    ['jq', '/usr/bin/jq', ['-rR', 'split(" ")[0]'], 'b\na\nc\na\n'],
    ['awk', '/usr/bin/gawk', ['--sandbox', '{ s += $2 } END { print s }'], '7\n'],
    ['grep', '/usr/bin/grep', ['-c', 'a'], '2\n'],
    ['sed', '/usr/bin/sed', ['--sandbox', 's/ /=/'], 'b=2\na=1\nc=3\na=1\n'],
    ['sort', '/usr/bin/sort', ['-u'], 'a 1\nb 2\nc 3\n'],
    ['head', '/usr/bin/head', ['-n', '1'], 'b 2\n'],
    ['tail', '/usr/bin/tail', ['-n', '1'], 'a 1\n'],
    ['wc', '/usr/bin/wc', ['-l'], '4\n'],
    ['cut', '/usr/bin/cut', ['-d', ' ', '-f', '2'], '2\n1\n3\n1\n'],
    ['tr', '/usr/bin/tr', ['a-c', 'A-C'], 'B 2\nA 1\nC 3\nA 1\n'],
    ['uniq', '/usr/bin/uniq', ['-c'], '      1 b 2\n      1 a 1\n      1 c 3\n      1 a 1\n'],
    ['tac', '/usr/bin/tac', [], 'a 1\nc 3\na 1\nb 2\n'],
    ['rev', '/usr/bin/rev', [], '2 b\n1 a\n3 c\n1 a\n'],
    ['nl', '/usr/bin/nl', ['-ba'], '     1\tb 2\n     2\ta 1\n     3\tc 3\n     4\ta 1\n'],
  ])('%s still works', async (_, file, args, expected) => {
    const result = await runStage({ kind: 'filter', file, args, input });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(expected.replace(/\n$/, ''));
  });
});

/** A sandbox with some limits changed, as createBubblewrapSandbox's `limits` option makes it. */
function limitedSandbox(limits: StageLimitOptions): Sandbox {
  return createBubblewrapSandbox({ bwrapPath, limits });
}

describeWithBubblewrap('stage limits', () => {
  it('stops the awk memory bomb at the default limit, recognizably', async () => {
    const result = await runStage({
      kind: 'filter',
      file: '/usr/bin/gawk',
      args: ['--sandbox', 'BEGIN { s = "x"; for (i = 0; i < 28; i++) s = s s; print length(s) }'],
      using: defaultSandbox,
    });
    expect(result.exitCode).not.toBe(0);
    expect(result.limit).toEqual({ limit: 'memory', option: 'addressSpaceBytes', value: 512 * 1024 * 1024 });
    // Stopped by the limit, not by the 60 s timeout (a wall-clock bound fails on a loaded machine).
    expect(result.timedOut).toBe(false);
  });

  it('stops the jq memory bomb at the default limit, recognizably', async () => {
    const result = await runStage({
      kind: 'filter',
      file: '/usr/bin/jq',
      args: ['-n', '[range(40000000)] | length'],
      using: defaultSandbox,
    });
    expect(result.stdout).toBe('');
    expect(result.limit).toMatchObject({ limit: 'memory', option: 'addressSpaceBytes' });
    // Stopped by the limit, not by the 60 s timeout (a wall-clock bound fails on a loaded machine).
    expect(result.timedOut).toBe(false);
  });

  it.skipIf(awsFile === undefined)('names the memory limit of an aws stage too (MemoryError)', async () => {
    const result = await runAws(['--version'], {
      using: limitedSandbox({ aws: { addressSpaceBytes: 40 * 1024 * 1024 } }),
    });
    expect(result.stderr).toMatch(/MemoryError/);
    expect(result.limit).toMatchObject({ limit: 'memory', value: 40 * 1024 * 1024 });
  });

  it('stops a busy loop at the CPU time limit (SIGXCPU, reported by bwrap as 152)', async () => {
    const result = await runStage({
      kind: 'filter',
      file: '/usr/bin/gawk',
      args: ['--sandbox', 'BEGIN { while (1) ; }'],
      using: limitedSandbox({ filter: { cpuSeconds: 1 } }),
    });
    expect(result.exitCode).toBe(152);
    expect(result.limit).toEqual({ limit: 'cpu time', option: 'cpuSeconds', value: 1 });
    expect(result.timedOut).toBe(false);
  });

  it('stops a stage that opens too many files', async () => {
    const result = await runStage({
      kind: 'filter',
      file: '/usr/bin/paste',
      args: Array(20).fill('/dev/null'),
      using: limitedSandbox({ filter: { openFiles: 16 } }),
    });
    expect(result.stderr).toMatch(/Too many open files/);
    expect(result.limit).toMatchObject({ limit: 'open files', value: 16 });
  });

  it('bounds the private /tmp (sort spilling there)', async () => {
    const result = await runStage({
      kind: 'filter',
      file: '/usr/bin/sort',
      args: ['-S', '64K', '-T', '/tmp'],
      input: Array.from({ length: 200_000 }, (_, index) => `line ${(index * 7919) % 200_000}`).join('\n'),
      using: limitedSandbox({ filter: { temporaryBytes: 1024 * 1024 } }),
    });
    expect(result.stderr).toMatch(/No space left on device/);
    expect(result.limit).toMatchObject({ limit: 'temporary space', value: 1024 * 1024 });
  });

  it.skipIf(processesOff !== undefined)(
    `stops a fork bomb in a filter at the pids limit${processesOff === undefined ? '' : ` (skipped: ${processesOff})`}`,
    async () => {
      // Each child blocks on a copy of stdin, which the test never closes, so they pile up until fork fails.
      const command = defaultSandbox.wrap({
        kind: 'filter',
        file: '/usr/bin/dash',
        args: [
          '-c',
          'exec 3<&0; i=0; while [ $i -lt 500 ]; do { read x <&3; } & i=$((i+1)); echo $i; done; echo all',
        ],
        cwd: workdir,
        env: { PATH: systemPath },
        readOnlyPaths: [],
        writablePaths: [],
      });
      const subprocess = execa(command.file, command.args, {
        cwd: command.cwd,
        env: command.env ?? {},
        extendEnv: false,
        reject: false,
        stdin: 'pipe',
        timeout: 30_000,
      });
      const result = await subprocess;
      subprocess.stdin?.destroy();
      const started = Number(result.stdout.split('\n').at(-1));
      expect(result.stdout).not.toContain('all');
      expect(started).toBeLessThan(64);
      expect(result.stderr).toMatch(/Cannot fork/);
      const limit = identifyExceededLimit(
        { exitCode: result.exitCode, signal: result.signal, stderr: result.stderr },
        command.limits,
      );
      expect(limit).toEqual({ limit: 'processes', option: 'processes', value: 64 });
      // The helper removed the stage's cgroup, named after its pid.
      expect(existsSync(join(command.args[3] as string, String(subprocess.pid)))).toBe(false);
    },
  );

  it('lists no limit as off on this machine, or says why', () => {
    for (const off of defaultSandbox.limitsOff ?? []) expect(off.reason).not.toBe('');
    if (processesOff !== undefined) console.error(`pids limit off here: ${processesOff}`);
  });
});

describeWithBubblewrap('runPipeline in the bubblewrap sandbox', () => {
  let aws: EmulatedAws;
  beforeAll(async () => {
    aws = await startEmulatedAws({ emulator: 's3rver' });
  });
  afterAll(async () => {
    await aws?.stop();
  });

  function run(command: string, env: Record<string, string | undefined> = {}) {
    return runPipeline(parseCommandLine(command), {
      cwd: workdir,
      env: { PATH: process.env.PATH, ...aws.homeEnv, ...env },
      endpointUrl: aws.emulator.endpoint,
      sandbox,
      timeoutMs: 60_000,
    });
  }

  it('runs the real AWS CLI with its config, uploads from and downloads into the working directory', async () => {
    expect((await run('aws s3 mb s3://sandboxed')).status).toBe('success');
    await writeFile(join(workdir, 'up.txt'), 'confined upload\n');
    const upload = await run('aws s3 cp up.txt s3://sandboxed/up.txt');
    expect(upload).toMatchObject({ status: 'success', sandbox: 'bubblewrap' });
    await mkdir(join(workdir, 'downloads'), { recursive: true });
    expect((await run('aws s3 cp s3://sandboxed/up.txt downloads/copy.txt')).status).toBe('success');
    expect(await readFile(join(workdir, 'downloads', 'copy.txt'), 'utf8')).toBe('confined upload\n');
    const listed = await run('aws s3 ls s3://sandboxed | grep up.txt | wc -l');
    expect(listed.output.trim()).toBe('1');
  });

  it('shows a filter neither the credential variables nor the AWS files', async () => {
    const credentials = aws.homeEnv.AWS_SHARED_CREDENTIALS_FILE as string;
    const environment = await run("aws s3 ls | jq -nc '$ENV | keys'", {
      AWS_SECRET_ACCESS_KEY: 'very-secret',
    });
    // bwrap sets PWD for the program it starts; HOME names a folder that does not exist; nothing else reaches a
    // filter.
    expect(JSON.parse(environment.output)).toEqual(['HOME', 'PATH', 'PWD']);
    expect((await run("aws s3 ls | jq -nr '$ENV.HOME'")).output).toBe('/nonexistent\n');
    // File operands are refused by the command layer; the sandbox is the second wall.
    const file = await runStage({
      kind: 'filter',
      file: '/usr/bin/grep',
      args: ['-r', '', credentials],
      env: aws.homeEnv,
    });
    expect(file.exitCode).not.toBe(0);
    expect(file.stdout).not.toContain('S3RVER');
    expect(file.stderr).toMatch(/No such file or directory/);
  });

  it('names the memory limit that stopped the awk and jq bombs before the timeout, while a call beside them runs as usual', async () => {
    // In a UTF-8 locale, as the issue measured it (1.2 GiB); in C, gawk's 2^28 bytes fit in 512 MiB.
    const [awk, jq, normal] = await Promise.all([
      run(`aws --version | awk 'BEGIN{s="x"; for(i=0;i<28;i++) s=s s; print length(s)}'`, {
        LANG: 'C.UTF-8',
      }),
      run("aws --version | jq -n '[range(40000000)] | length'"),
      run('aws s3api list-buckets --output json | jq ".Buckets | length"'),
    ]);
    for (const [bomb, filter] of [
      [awk, 'awk'],
      [jq, 'jq'],
    ] as const) {
      expect(bomb).toMatchObject({ status: 'error', failedStage: filter, output: '' });
      expect(bomb.exceededLimit).toMatchObject({
        stage: filter,
        limit: 'memory',
        option: 'addressSpaceBytes',
        value: 512 * 1024 * 1024,
      });
      expect(bomb.exceededLimit?.message).toMatch(
        new RegExp(`^${filter} was stopped by the sandbox's memory limit \\(512 MiB\\)`),
      );
    }
    expect(normal).toMatchObject({ status: 'success' });
    expect(normal.exceededLimit).toBeUndefined();
    expect(Number(normal.output.trim())).toBeGreaterThanOrEqual(0);
  });

  it('throws the limit named with reject: true', async () => {
    await expect(
      runPipeline(parseCommandLine("aws --version | jq -n '[range(40000000)] | length'"), {
        cwd: workdir,
        env: { PATH: process.env.PATH, ...aws.homeEnv },
        sandbox,
        timeoutMs: 60_000,
        reject: true,
      }),
    ).rejects.toMatchObject({
      code: 'COMMAND_FAILED',
      message: expect.stringContaining("jq was stopped by the sandbox's memory limit (512 MiB)"),
    });
  });

  it('reads a filter cut off by head (SIGPIPE, which bubblewrap reports as exit 141) as no failure', async () => {
    // gawk dies of SIGPIPE, or exits 2 saying "Connection reset by peer" (stages are joined by socket pairs).
    for (let round = 0; round < 4; round++) {
      const result = await run('aws --version | awk \'BEGIN { while (1) print "y" }\' | head -n 2');
      expect(result).toMatchObject({ status: 'success', output: 'y\ny\n' });
      const awk = result.stages[1];
      if (awk?.exitCode === 141) expect(awk.signal).toBe('SIGPIPE');
      else expect(result.filterStderr).toMatch(/Connection reset by peer/);
    }
  });

  it('leaves no process behind after a timeout', async () => {
    const { endpoint } = await startHangingEndpoint();
    const result = await runPipeline(parseCommandLine(`aws s3 ls --endpoint-url ${endpoint}`), {
      cwd: workdir,
      env: { PATH: process.env.PATH, ...aws.homeEnv, AWS_MAX_ATTEMPTS: '1' },
      sandbox,
      timeoutMs: 1500,
    });
    expect(result.status).toBe('timeout');
    const processes = findProcesses(endpoint).map((each) => each.commandLine);
    expect(processes).toEqual([]);
  });
});

describeWithBubblewrap('runPipeline canceled while bubblewrap starts', () => {
  it('leaves no sandbox helper behind, whenever the cancel lands', async () => {
    const { endpoint } = await startHangingEndpoint();
    const leftovers = () => findProcesses(endpoint).map((each) => each.commandLine);
    for (const delayMs of [0, 2, 5, 10, 20, 40, 80, 160]) {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), delayMs);
      const result = await runPipeline(parseCommandLine(`aws s3 ls --endpoint-url ${endpoint}`), {
        cwd: workdir,
        env: { PATH: process.env.PATH, HOME: homedir(), AWS_MAX_ATTEMPTS: '1' },
        sandbox,
        signal: controller.signal,
      });
      expect(result.status).toBe('canceled');
    }
    let left = leftovers();
    for (let attempt = 0; attempt < 60 && left.length > 0; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      left = leftovers();
    }
    expect(left).toEqual([]);
  });
});

describe('selectSandbox', () => {
  it('says plainly when there is no backend', async () => {
    const selection = await selectSandbox({ mode: 'auto', platform: 'win32' });
    expect(selection).toMatchObject({
      description: 'none: there is no sandbox backend on Windows',
      unavailableReason: 'there is no sandbox backend on Windows',
    });
    expect(selection.sandbox.name).toBe('none');
  });

  it('refuses in required mode when bubblewrap is missing, with how to install it', async () => {
    await expect(selectSandbox({ mode: 'required', env: { PATH: '/nonexistent' } })).rejects.toThrow(
      /The sandbox mode is `required`, but bubblewrap is not installed \(install it: `sudo apt-get install bubblewrap`\)/,
    );
  });

  itWithBubblewrap('chooses bubblewrap here', async () => {
    const selection = await selectSandbox({ mode: 'auto' });
    expect(selection.sandbox.name).toBe('bubblewrap');
    expect(selection.description).toMatch(/^bubblewrap \d/);
  });
});
