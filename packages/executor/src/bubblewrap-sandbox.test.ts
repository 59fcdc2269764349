import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCommandLine } from '@aws-mcp/command';
import { createAwsSandboxHome, type Emulator, startS3rver } from '@aws-mcp/emulators';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPipeline } from './run-pipeline.js';
import type { Sandbox, SandboxStage } from './sandbox.js';
import { selectSandbox } from './select-sandbox.js';

let sandbox: Sandbox;
let workdir: string;
let hostSecretDir: string;

beforeAll(async () => {
  ({ sandbox } = await selectSandbox({ mode: 'required' }));
  workdir = await mkdtemp(join(tmpdir(), 'sandbox-workdir-'));
  hostSecretDir = await mkdtemp(join(homedir(), '.aws-mcp-sandbox-test-'));
  await writeFile(join(hostSecretDir, 'id_rsa'), 'PRIVATE KEY MATERIAL');
});

afterAll(async () => {
  await rm(workdir, { recursive: true, force: true });
  await rm(hostSecretDir, { recursive: true, force: true });
});

/** Runs a shell script as a confined stage: the sandbox itself under test, not the pipeline's allowlist. */
async function runConfined(kind: SandboxStage['kind'], script: string, env: Record<string, string> = {}) {
  const command = sandbox.wrap({
    kind,
    file: '/bin/bash',
    args: ['-c', script],
    cwd: workdir,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: homedir(), ...env },
    readOnlyPaths: [],
    writablePaths: [workdir],
  });
  return execa(command.file, command.args, {
    cwd: command.cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: homedir(), ...env },
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    timeout: 20_000,
  });
}

describe('bubblewrap sandbox escapes', () => {
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

  it('cannot remount the root filesystem read-write', async () => {
    const result = await runConfined(
      'aws',
      'mount -o remount,rw / 2>&1; echo "mount:$?"; touch /aws-mcp-escape 2>&1; echo "touch:$?"',
    );
    expect(result.stdout).toMatch(/mount:(?!0)\d+/);
    expect(result.stdout).toMatch(/touch:1/);
    expect(existsSync('/aws-mcp-escape')).toBe(false);
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

describe('runPipeline in the bubblewrap sandbox', () => {
  let s3: Emulator;
  let home: Awaited<ReturnType<typeof createAwsSandboxHome>>;
  beforeAll(async () => {
    s3 = await startS3rver();
    home = await createAwsSandboxHome({ credentials: s3.credentials, region: 'us-east-1' });
  });
  afterAll(async () => {
    await s3?.stop();
    await home?.remove();
  });

  function run(command: string, env: Record<string, string | undefined> = {}) {
    return runPipeline(parseCommandLine(command), {
      cwd: workdir,
      env: { PATH: process.env.PATH, ...home.env, ...env },
      endpointUrl: s3.endpoint,
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
    const credentials = home.env.AWS_SHARED_CREDENTIALS_FILE as string;
    const environment = await run("aws s3 ls | jq -nc '$ENV | keys'", {
      AWS_SECRET_ACCESS_KEY: 'very-secret',
    });
    // bwrap sets PWD for the program it starts; nothing else reaches a filter.
    expect(JSON.parse(environment.output)).toEqual(['PATH', 'PWD']);
    // File operands are refused by the command layer; the sandbox is the second wall.
    const file = await runConfined('filter', `cat ${credentials}`, home.env as Record<string, string>);
    expect(file.exitCode).not.toBe(0);
    expect(file.stdout).not.toContain('S3RVER');
    expect(file.stderr).toMatch(/No such file or directory/);
  });

  it('leaves no process behind after a timeout', async () => {
    const hang = createServer((socket) => socket.on('error', () => {}));
    await new Promise<void>((resolve) => hang.listen(0, '127.0.0.1', resolve));
    const address = hang.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const endpoint = `http://127.0.0.1:${address.port}`;
    try {
      const result = await runPipeline(parseCommandLine(`aws s3 ls --endpoint-url ${endpoint}`), {
        cwd: workdir,
        env: { PATH: process.env.PATH, ...home.env, AWS_MAX_ATTEMPTS: '1' },
        sandbox,
        timeoutMs: 1500,
      });
      expect(result.status).toBe('timeout');
      const processes = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
        .split('\n')
        .filter((line) => line.includes(endpoint) && !line.startsWith('ps '));
      expect(processes).toEqual([]);
    } finally {
      hang.close();
    }
  });
});

describe('runPipeline canceled while bubblewrap starts', () => {
  it('leaves no sandbox helper behind, whenever the cancel lands', async () => {
    const hang = createServer((socket) => socket.on('error', () => {}));
    await new Promise<void>((resolve) => hang.listen(0, '127.0.0.1', resolve));
    const address = hang.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const endpoint = `http://127.0.0.1:${address.port}`;
    const leftovers = () =>
      execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
        .split('\n')
        .filter((line) => line.includes(endpoint) && !line.startsWith('ps '));
    try {
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
    } finally {
      hang.close();
    }
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
      /AWS_MCP_SANDBOX=required, but bubblewrap is not installed \(install it: `sudo apt-get install bubblewrap`\)/,
    );
  });

  it('chooses bubblewrap here', async () => {
    const selection = await selectSandbox({ mode: 'auto' });
    expect(selection.sandbox.name).toBe('bubblewrap');
    expect(selection.description).toMatch(/^bubblewrap \d/);
  });
});
