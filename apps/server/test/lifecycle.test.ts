import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readProcessState } from '@aws-mcp/test-support';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  coldAwsStage,
  pollUntil,
  processesContaining,
  serverEntry,
  spawnServer,
  startHangingEndpoint,
  waitForExit,
} from './http-harness.js';

const token = 'lifecycle-token-0123456789';

function processState(pid: number): string {
  return readProcessState(pid) ?? '';
}

/** A JSON-RPC client on a child's stdin and stdout, enough to start a call and leave it hanging. */
function speakJsonRpc(
  child: ChildProcess,
  write: (line: string) => void = (line) => void child.stdin?.write(line),
) {
  let buffer = '';
  const waiting = new Map<number, (message: unknown) => void>();
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n')) {
      const message = JSON.parse(buffer.slice(0, end)) as { id?: number };
      buffer = buffer.slice(end + 1);
      if (message.id !== undefined) waiting.get(message.id)?.(message);
    }
  });
  const send = (message: object) => write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
  return {
    request(id: number, method: string, params: object): Promise<unknown> {
      const answer = new Promise<unknown>((resolve) => waiting.set(id, resolve));
      send({ id, method, params });
      return answer;
    },
    notify(method: string) {
      send({ method });
    },
  };
}

async function startHangingCall(
  child: ChildProcess,
  endpoint: string,
  write?: (line: string) => void,
): Promise<void> {
  const rpc = speakJsonRpc(child, write);
  await rpc.request(1, 'initialize', {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'lifecycle', version: '1' },
  });
  rpc.notify('notifications/initialized');
  void rpc.request(2, 'tools/call', {
    name: 'aws_cli_pipeline',
    arguments: { command: `aws s3 ls --endpoint-url ${endpoint}` },
  });
  const running = await pollUntil(
    () => processesContaining(endpoint),
    (lines) => lines.length > 0,
  );
  expect(running.length).toBeGreaterThan(0);
}

describe('aws-mcp-server lifecycle', () => {
  let workdir: string;
  let hang: Awaited<ReturnType<typeof startHangingEndpoint>>;
  let env: Record<string, string>;
  const started: ChildProcess[] = [];

  beforeEach(async () => {
    workdir = await mkdtemp(join(tmpdir(), 'lifecycle-'));
    hang = await startHangingEndpoint();
    env = {
      PATH: process.env.PATH ?? '',
      HOME: workdir,
      AWS_MCP_WORKDIR: join(workdir, 'work'),
      AWS_MAX_ATTEMPTS: '1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'y',
      ...coldAwsStage,
    };
  });

  afterEach(async () => {
    for (const child of started.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    hang.close();
    await rm(workdir, { recursive: true, force: true });
  });

  it('ends a stdio server when stdin closes, killing its running command', async () => {
    const child = spawn(process.execPath, [serverEntry], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    started.push(child);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    await startHangingCall(child, hang.endpoint);
    child.stdin?.end();
    expect(await waitForExit(child)).toBe(0);
    expect(stderr).toContain('aws-mcp: stopping: stdin ended');
    const left = await pollUntil(
      () => processesContaining(hang.endpoint),
      (lines) => lines.length === 0,
    );
    expect(left).toEqual([]);
  });

  it('ends a stdio server whose parent dies while stdin stays open, killing its running command', async () => {
    // The server's stdin is a FIFO this test holds open (Node would close a pipe it made once the parent exits),
    // so the parent's death closes nothing the server reads: only its parent check can notice.
    const fifo = join(workdir, 'stdin');
    execFileSync('mkfifo', [fifo]);
    const input = openSync(fifo, constants.O_RDWR);
    const parent = spawn(
      process.execPath,
      [
        '-e',
        `const server = require('node:child_process').spawn(process.execPath, [${JSON.stringify(serverEntry)}], { stdio: 'inherit' });
         process.stderr.write('server-pid:' + server.pid + '\\n');
         setInterval(() => {}, 1000);`,
      ],
      { env, stdio: [input, 'pipe', 'pipe'] },
    );
    started.push(parent);
    let stderr = '';
    const serverPid = new Promise<number>((resolve) => {
      parent.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const match = /server-pid:(\d+)/.exec(stderr);
        if (match?.[1] !== undefined) resolve(Number(match[1]));
      });
    });
    const pid = await serverPid;
    await startHangingCall(parent, hang.endpoint, (line) => writeSync(input, line));
    const outputClosed = new Promise<void>((resolve) => parent.stdout?.once('close', () => resolve()));
    parent.kill('SIGKILL');
    await waitForExit(parent);
    // stdout closes once the last holder, the server, has exited.
    await outputClosed;
    // Exited: gone, or a zombie until its new parent reaps it.
    expect(processState(pid)).toMatch(/^(|Z.*)$/);
    expect(stderr).toContain('aws-mcp: stopping: the parent process exited');
    const left = await pollUntil(
      () => processesContaining(hang.endpoint),
      (lines) => lines.length === 0,
    );
    expect(left).toEqual([]);
    closeSync(input);
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('stops a stdio server cleanly on %s', async (signal) => {
    const child = spawn(process.execPath, [serverEntry], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    started.push(child);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    await startHangingCall(child, hang.endpoint);
    child.kill(signal);
    expect(await waitForExit(child)).toBe(0);
    expect(stderr).toContain(`aws-mcp: stopping: ${signal}`);
    expect(
      await pollUntil(
        () => processesContaining(hang.endpoint),
        (lines) => lines.length === 0,
      ),
    ).toEqual([]);
  });

  it('stops an HTTP server on SIGTERM: sessions closed, commands killed, port released', async () => {
    const server = await spawnServer({
      args: ['--transport', 'streamable-http', '--port', '0'],
      env: { ...env, AWS_MCP_AUTH_TOKEN: token },
    });
    started.push(server.child);
    const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
    const { StreamableHTTPClientTransport } = await import(
      '@modelcontextprotocol/sdk/client/streamableHttp.js'
    );
    const client = new Client({ name: 'lifecycle', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(server.url), {
        requestInit: { headers: { Authorization: `Bearer ${token}` } },
      }),
    );
    const call = client.callTool({
      name: 'aws_cli_pipeline',
      arguments: { command: `aws s3 ls --endpoint-url ${hang.endpoint}` },
    });
    call.catch(() => {});
    await pollUntil(
      () => processesContaining(hang.endpoint),
      (lines) => lines.length > 0,
    );
    expect(await server.stop()).toBe(0);
    expect(server.stderr()).toContain('aws-mcp: stopping: SIGTERM');
    expect(
      await pollUntil(
        () => processesContaining(hang.endpoint),
        (lines) => lines.length === 0,
      ),
    ).toEqual([]);
    const port = Number(new URL(server.url).port);
    const probe = createNetServer();
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen(port, '127.0.0.1', resolve);
    });
    probe.close();
    await client.close().catch(() => {});
  });
});

describe('aws-mcp-server start-up', () => {
  async function run(args: string[], env: Record<string, string> = {}) {
    const home = await mkdtemp(join(tmpdir(), 'startup-'));
    const child = spawn(process.execPath, [serverEntry, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: home, AWS_MCP_WORKDIR: join(home, 'work'), ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await waitForExit(child);
    await rm(home, { recursive: true, force: true });
    return { code, stdout, stderr };
  }

  it.each([
    [
      ['--port', 'abc'],
      {},
      'aws-mcp: --port (AWS_MCP_PORT) must be a whole number from 0 to 65535, not "abc".\n',
    ],
    [
      [],
      { AWS_MCP_MODE: 'yolo' },
      'aws-mcp: AWS_MCP_MODE must be one of read-only, confirm-writes, full, not "yolo".\n',
    ],
    [
      ['--transport', 'streamable-http', '--host', '0.0.0.0'],
      {},
      'aws-mcp: AWS_MCP_AUTH_TOKEN (or --auth-token) must be set when --host (AWS_MCP_HOST) is 0.0.0.0, not a loopback address: anyone who can reach the port could spend your AWS credentials.\n',
    ],
    [
      ['--no-such-flag'],
      {},
      'aws-mcp: Unknown option --no-such-flag. Run aws-mcp-server --help for the options.\n',
    ],
  ])('refuses %j %j with one line and exit code 2', async (args, env, line) => {
    const result = await run(args, env);
    expect(result).toEqual({ code: 2, stdout: '', stderr: line });
  });

  it('refuses a policy file it cannot read as the bad setting it is: one line, exit code 2', async () => {
    const result = await run(['--policy-file', '/nonexistent/policy.json']);
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr: 'aws-mcp: AWS_MCP_POLICY_FILE: Cannot read the policy file /nonexistent/policy.json.\n',
    });
  });

  it('says at start which protections are off, and runs read-only without a sandbox unless told otherwise', async () => {
    const home = await mkdtemp(join(tmpdir(), 'startup-'));
    try {
      const env = {
        PATH: process.env.PATH ?? '',
        HOME: home,
        AWS_MCP_WORKDIR: join(home, 'work'),
        AWS_MCP_AUTH_TOKEN: token,
      };
      const args = ['--transport', 'streamable-http', '--port', '0', '--sandbox', 'disabled'];
      const server = await spawnServer({ args, env });
      await server.stop();
      expect(server.stderr()).toMatch(
        /^aws-mcp: serving streamable HTTP at \S+ \(mode read-only, working directory \S+; protections off: sandbox \(AWS_MCP_SANDBOX=disabled\), and with it every stage limit\)$/m,
      );
      const chosen = await spawnServer({ args: [...args, '--mode', 'confirm-writes'], env });
      await chosen.stop();
      expect(chosen.stderr()).toMatch(/serving streamable HTTP at \S+ \(mode confirm-writes,/);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it('says an empty policy file is empty, with exit code 2', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'empty-policy-'));
    try {
      await writeFile(join(folder, 'policy.json'), '');
      const result = await run(['--policy-file', join(folder, 'policy.json')]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^aws-mcp: AWS_MCP_POLICY_FILE: The policy file .* is empty: .*\n$/);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('says which port is taken, in one line, with exit code 1', async () => {
    const taken = createNetServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const address = taken.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    try {
      const result = await run(['--transport', 'streamable-http', '--port', String(address.port)], {
        AWS_MCP_AUTH_TOKEN: token,
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        `aws-mcp: could not start: cannot listen on http://127.0.0.1:${address.port}: the port is in use (choose another with AWS_MCP_PORT, or 0 for any free port)\n`,
      );
    } finally {
      taken.close();
    }
  });

  it('prints every flag with --help and the version with --version', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: aws-mcp-server \[options\]/);
    for (const flag of ['--transport', '--port', '--auth-token', '--[no-]stateless', '--endpoint-url']) {
      expect(help.stdout).toContain(flag);
    }
    const version = await run(['--version']);
    expect(version).toEqual({ code: 0, stdout: 'aws-mcp-server 0.1.0\n', stderr: '' });
  });
});
