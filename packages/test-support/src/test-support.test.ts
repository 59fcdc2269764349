import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { chooseBubblewrapBlock, explainBubblewrapMissing } from './bwrap.js';
import { motoMissing, startEmulatedAws } from './emulators.js';
import { startHangingEndpoint } from './hanging-endpoint.js';
import { connectInMemoryClient } from './mcp-clients.js';
import { writeOpaqueCli } from './opaque-cli.js';
import { findFreePort } from './ports.js';
import {
  findProcesses,
  isProcessAlive,
  listChildPids,
  readProcessState,
  waitForExit,
  waitUntilDead,
} from './processes.js';
import { startRecordingProxy } from './recording-proxy.js';
import { createTempDir, createTempDirSync, useTempDir } from './temp.js';

describe('startHangingEndpoint', () => {
  let leftOpen: { port: number } | undefined;

  it('accepts a request, records its first line and never answers', async () => {
    const hanging = await startHangingEndpoint();
    leftOpen = hanging;
    const socket = connect(hanging.port, '127.0.0.1');
    const answered: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => answered.push(chunk));
    socket.write('GET /probe HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(hanging.requests.map((request) => request.line)).toEqual(['GET /probe HTTP/1.1']);
    expect(answered).toEqual([]);
    expect(socket.destroyed).toBe(false);
    socket.destroy();
  });

  it('reads a target given as a function at each request', async () => {
    const target = createServer((request, response) => response.end(`at ${request.url}`));
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    let endpoint = 'http://127.0.0.1:1';
    try {
      const proxy = await startRecordingProxy(() => endpoint);
      endpoint = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
      expect(await (await fetch(`${proxy.endpoint}/late`)).text()).toBe('at /late');
    } finally {
      target.close();
    }
  });

  it('closes itself when the test that started it ends', async () => {
    const port = leftOpen?.port as number;
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.on('connect', () => {
        socket.destroy();
        resolve(false);
      });
      socket.on('error', () => resolve(true));
    });
    expect(refused).toBe(true);
  });
});

describe('startRecordingProxy', () => {
  let leftOpen: string | undefined;

  it('forwards each request as it came, relays the answer, and records method, path and headers', async () => {
    const target = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      request.on('end', () =>
        response.writeHead(201, { 'x-answer': 'yes' }).end(`got ${request.url} ${body}`),
      );
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    try {
      const proxy = await startRecordingProxy(`http://127.0.0.1:${(target.address() as AddressInfo).port}`);
      leftOpen = proxy.endpoint;
      const answer = await fetch(`${proxy.endpoint}/bucket/key?x=1`, {
        method: 'PUT',
        body: 'payload',
        headers: { 'x-amz-expected-bucket-owner': '123456789012' },
      });
      expect([answer.status, answer.headers.get('x-answer'), await answer.text()]).toEqual([
        201,
        'yes',
        'got /bucket/key?x=1 payload',
      ]);
      expect(proxy.requests.map(({ method, path }) => `${method} ${path}`)).toEqual(['PUT /bucket/key?x=1']);
      expect(proxy.requests[0]?.headers['x-amz-expected-bucket-owner']).toBe('123456789012');
      expect(proxy.requests[0]?.body).toBe('payload');
      expect(proxy.requests[0]?.answer).toMatchObject({
        status: 201,
        headers: { 'x-answer': 'yes' },
        body: 'got /bucket/key?x=1 payload',
      });
    } finally {
      target.close();
    }
  });

  it('reads a target given as a function at each request', async () => {
    const target = createServer((request, response) => response.end(`at ${request.url}`));
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    let endpoint = 'http://127.0.0.1:1';
    try {
      const proxy = await startRecordingProxy(() => endpoint);
      endpoint = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
      expect(await (await fetch(`${proxy.endpoint}/late`)).text()).toBe('at /late');
    } finally {
      target.close();
    }
  });

  it('closes itself when the test that started it ends', async () => {
    await expect(fetch(leftOpen as string)).rejects.toThrow();
  });
});

describe('writeOpaqueCli', () => {
  it('writes an aws that is a shell script running the target with its arguments', async () => {
    const folder = await createTempDir('test-support-opaque-');
    const cli = await writeOpaqueCli({ folder, target: '/bin/echo' });
    expect(cli).toBe(`${folder}/aws`);
    const { stdout } = await promisify(execFile)(cli, ['--version', "it's"]);
    expect(stdout).toBe("--version it's\n");
  });

  it('refuses a target it could not quote', async () => {
    await expect(writeOpaqueCli({ folder: '/nonexistent', target: "/x'y" })).rejects.toThrow(/a quote/);
  });
});

describe('findFreePort', () => {
  it('gives a loopback port that refuses connections', async () => {
    const port = await findFreePort();
    const error = await new Promise<NodeJS.ErrnoException>((resolve) =>
      connect(port, '127.0.0.1').on('error', resolve),
    );
    expect(error.code).toBe('ECONNREFUSED');
  });
});

describe('processes', () => {
  it('finds a running process by its command line, lists it as a child, and sees it die', async () => {
    const tag = `test-support-probe-${process.pid}`;
    const shell = spawn('/bin/sh', ['-c', `sleep 30; echo ${tag}`], { stdio: 'ignore' });
    try {
      const shellPid = shell.pid as number;
      // Until the shell's fork has become `sleep`, that child still carries the shell's command line (CI once saw
      // both), so the search is asked only once the sleeper runs.
      const sleeper = await waitForChild(shellPid);
      expect(findProcesses(tag).map((each) => each.pid)).toEqual([shellPid]);
      expect(listChildPids(process.pid)).toContain(shellPid);
      expect(isProcessAlive(shellPid)).toBe(true);
      // A living process: running, sleeping, or for a moment in disk wait (CI saw 'D' while the shell was still
      // loading from a busy disk). What matters is that it is not a zombie ('Z') or dead ('X').
      expect(readProcessState(shellPid)).toMatch(/^[RSD]$/);
      shell.kill('SIGKILL');
      expect(await waitForExit(shell)).toBe('SIGKILL');
      expect(isProcessAlive(shellPid)).toBe(false);
      expect(findProcesses(tag)).toEqual([]);
      process.kill(sleeper, 'SIGKILL');
      expect(await waitUntilDead([sleeper], { timeoutMs: 5000 })).toEqual([]);
    } finally {
      shell.kill('SIGKILL');
    }
  });

  function readCommandLine(pid: number): string {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    } catch {
      return '';
    }
  }

  async function waitForChild(pid: number): Promise<number> {
    for (let attempt = 0; attempt < 100; attempt++) {
      const [child] = listChildPids(pid);
      if (child !== undefined && readCommandLine(child).startsWith('sleep')) return child;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`${pid} started no child`);
  }
});

describe('createTempDir', () => {
  let made: string | undefined;
  let outsideError = '';
  beforeAll(async () => {
    outsideError = await createTempDir('test-support-outside-').then(
      () => '',
      (error: Error) => error.message,
    );
  });

  it('makes a folder that exists during the test', async () => {
    made = await createTempDir('test-support-temp-');
    expect(existsSync(made)).toBe(true);
  });

  it('removed it when that test ended', () => {
    expect(made).toBeDefined();
    expect(existsSync(made as string)).toBe(false);
  });

  it('makes a folder synchronously too (createTempDirSync)', () => {
    made = createTempDirSync('test-support-temp-');
    expect(existsSync(made)).toBe(true);
  });

  it('removed that one when its test ended', () => {
    expect(existsSync(made as string)).toBe(false);
  });

  it('refuses outside a test, leaving no folder', async () => {
    expect(outsideError).toMatch(/only works inside a test/);
  });
});

let blockFolder: string | undefined;

describe('useTempDir', () => {
  const folder = useTempDir('test-support-use-');

  it('makes one folder for the block, kept across its tests', () => {
    blockFolder = folder.path;
    expect(existsSync(folder.path)).toBe(true);
  });

  it('is the same folder in the next test', () => {
    expect(folder.path).toBe(blockFolder);
    expect(existsSync(folder.path)).toBe(true);
  });
});

describe('useTempDir, after its block', () => {
  it('removed the folder when the block ended', () => {
    expect(blockFolder).toBeDefined();
    expect(existsSync(blockFolder as string)).toBe(false);
  });
});

describe('explainBubblewrapMissing', () => {
  it('says bwrap is not on PATH when it is not', () => {
    expect(explainBubblewrapMissing('/nonexistent')).toBe('bwrap is not on PATH (install bubblewrap)');
  });
});

describe('chooseBubblewrapBlock', () => {
  it.each([
    [undefined, undefined, 'run'],
    [undefined, '1', 'run'],
    ['bwrap is not on PATH', undefined, 'skip'],
    ['bwrap is not on PATH', '', 'skip'],
    ['bwrap is not on PATH', '0', 'skip'],
    ['bwrap is not on PATH', 'false', 'skip'],
    ['bwrap is not on PATH', '1', 'fail'],
    ['bwrap is not on PATH', 'true', 'fail'],
  ] as const)('missing %j, CI=%j: %s', (missing, ci, choice) => {
    expect(chooseBubblewrapBlock({ missing, ci })).toBe(choice);
  });
});

describe('describeWithBubblewrap and itWithBubblewrap where bwrap is not on PATH', () => {
  const fixture = fileURLToPath(new URL('./__fixtures__/bwrap-blocks/', import.meta.url));
  const vitest = createRequire(import.meta.url).resolve('vitest/vitest.mjs');

  /** Runs the fixture's blocks in a vitest of their own whose PATH has no bwrap; each test's name, status and failure. */
  async function runFixture(ci: string): Promise<string[]> {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [vitest, 'run', '--root', fixture, '--reporter=json'],
      { env: { PATH: '/nonexistent', CI: ci, HOME: process.env.HOME }, encoding: 'utf8' },
    ).catch((error: { stdout: string }) => error);
    const report = JSON.parse(stdout) as {
      testResults: { assertionResults: { fullName: string; status: string; failureMessages: string[] }[] }[];
    };
    return (report.testResults[0]?.assertionResults ?? []).map(
      (each) =>
        `${each.fullName}: ${each.status}${each.failureMessages.map((message) => ` ${message.split('\n')[0]}`).join('')}`,
    );
  }

  it('skips visibly outside CI, with the reason in the titles', async () => {
    const reason = '(skipped: bwrap is not on PATH (install bubblewrap))';
    expect(await runFixture('')).toEqual([
      `a sandboxed block ${reason} a test in it: skipped`,
      `a plain block a sandboxed test ${reason}: skipped`,
      'a plain block a plain test: passed',
    ]);
  });

  it('fails under CI, saying why', async () => {
    const failure =
      'Error: bwrap is not on PATH (install bubblewrap): under CI a sandboxed test must run, not skip';
    expect(await runFixture('1')).toEqual([
      `a sandboxed block has a working bubblewrap: failed ${failure}`,
      `a plain block a sandboxed test: failed ${failure}`,
      'a plain block a plain test: passed',
    ]);
  });
});

describe.skipIf(motoMissing !== undefined)(
  `startEmulatedAws${motoMissing === undefined ? '' : ` (skipped: ${motoMissing})`}`,
  () => {
    const tempDir = useTempDir('test-support-moto-');

    it('gives the CLI a home with the profiles asked for, and moto the environment asked for', async () => {
      const amis = `${tempDir.path}/amis.json`;
      const image = { ami_id: 'ami-12c6146b', name: 'only-one', state: 'available', public: true };
      await writeFile(amis, JSON.stringify([{ ...image, owner_id: '123456789012', architecture: 'x86_64' }]));
      const aws = await startEmulatedAws({
        profiles: [
          { name: 'default', region: 'us-east-1' },
          { name: 'other', region: 'eu-west-3' },
        ],
        motoEnv: { MOTO_AMIS_PATH: amis },
      });
      try {
        expect(aws.homeEnv).toEqual({
          HOME: aws.home,
          AWS_CONFIG_FILE: `${aws.home}/.aws/config`,
          AWS_SHARED_CREDENTIALS_FILE: `${aws.home}/.aws/credentials`,
        });
        const run = (args: string[]) =>
          promisify(execFile)('aws', args, { env: { ...aws.env, AWS_MAX_ATTEMPTS: '1' }, cwd: aws.workdir });
        expect((await run(['configure', 'get', 'region', '--profile', 'other'])).stdout.trim()).toBe(
          'eu-west-3',
        );
        const images = await run([
          ...['--profile', 'other', 'ec2', 'describe-images', '--owners', '123456789012'],
          ...['--query', 'Images[].Name', '--output', 'text'],
        ]);
        expect(images.stdout.trim()).toBe('only-one');
      } finally {
        await aws.stop();
      }
      expect(existsSync(aws.home)).toBe(false);
    });
  },
);

describe('connectInMemoryClient', () => {
  function createAskingServer(): McpServer {
    const server = new McpServer({ name: 'asking', version: '1.0.0' });
    server.registerTool('ask', { inputSchema: { question: z.string() } }, async ({ question }) => {
      const capabilities = server.server.getClientCapabilities();
      if (capabilities?.elicitation === undefined) return { content: [{ type: 'text', text: 'cannot ask' }] };
      const answer = await server.server.elicitInput({
        message: question,
        requestedSchema: { type: 'object', properties: { approve: { type: 'boolean' } } },
      });
      return { content: [{ type: 'text', text: JSON.stringify(answer) }] };
    });
    return server;
  }

  it.each([
    ['accept', '{"action":"accept","content":{"approve":true}}', ['may I?']],
    ['decline', '{"action":"decline"}', ['may I?']],
    ['none', 'cannot ask', []],
  ] as const)(
    'answers consent by the policy %s and records what it was asked',
    async (policy, text, asked) => {
      const connected = await connectInMemoryClient({ server: createAskingServer(), consent: policy });
      try {
        const result = await connected.client.callTool({ name: 'ask', arguments: { question: 'may I?' } });
        expect(result.content).toEqual([{ type: 'text', text }]);
        expect(connected.consent.asked).toEqual(asked);
      } finally {
        await connected.close();
      }
    },
  );
});
