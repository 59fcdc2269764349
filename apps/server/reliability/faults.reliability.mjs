import { spawn } from 'node:child_process';
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  findProcessesMatching,
  findStackTraces,
  listDescendants,
  now,
  resultText,
  serverEntry,
  startS3Environment,
  startStdioClient,
  waitFor,
} from '../bench/_lib.mjs';

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}

/** An endpoint that accepts connections and never answers. */
async function startHangingEndpoint() {
  const sockets = new Set();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await listen(server);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close() {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

/** An endpoint that answers every request with an S3-style XML error. */
async function startErrorEndpoint({ status, code, message }) {
  let requests = 0;
  const server = createHttpServer((request, response) => {
    requests += 1;
    request.resume();
    request.on('end', () => {
      response.writeHead(status, { 'Content-Type': 'application/xml' });
      response.end(
        `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>fault</RequestId></Error>`,
      );
    });
  });
  const port = await listen(server);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests: () => requests,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** A loopback port nothing listens on: bound once to get a free number, then closed. */
async function findRefusingPort() {
  const server = createNetServer();
  const port = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('faults', () => {
  let environment;
  const cleanups = [];

  beforeAll(async () => {
    environment = await startS3Environment();
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  afterAll(async () => {
    await environment?.stop();
  });

  async function startServer(extraEnv = {}) {
    const server = await startStdioClient({
      env: { ...environment.env, AWS_MAX_ATTEMPTS: '1', ...extraEnv },
    });
    cleanups.push(async () => {
      await server.close();
      expect(findStackTraces(server.stderr())).toEqual([]);
    });
    return server;
  }

  async function expectServerAnswers(server) {
    const { tools } = await server.client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual([
      'aws_cli_help',
      'aws_cli_pipeline',
      'aws_withdraw_approvals',
    ]);
  }

  it('reports an endpoint that refuses connections as a failed command, and keeps serving', async () => {
    const endpoint = `http://127.0.0.1:${await findRefusingPort()}`;
    const server = await startServer({ AWS_ENDPOINT_URL: endpoint });
    const started = now();
    const result = await server.client.callTool({
      name: 'aws_cli_pipeline',
      arguments: { command: 'aws s3 ls', timeout: 60 },
    });
    expect(now() - started).toBeLessThan(30_000);
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toMatchObject({ status: 'error' });
    expect(result.structuredContent.exitCode).not.toBe(0);
    expect(resultText(result)).toMatch(/Could not connect to the endpoint URL/);
    await expectServerAnswers(server);
    expect(await listDescendants(server.pid)).toEqual([]);
  });

  it('stops a command against a hanging endpoint at its timeout and leaves no process behind', async () => {
    const hang = await startHangingEndpoint();
    cleanups.push(() => hang.close());
    const server = await startServer({ AWS_ENDPOINT_URL: hang.endpoint });
    const started = now();
    const result = await server.client.callTool({
      name: 'aws_cli_pipeline',
      arguments: { command: 'aws s3 ls | grep anything', timeout: 3 },
    });
    const elapsed = now() - started;
    expect(result.structuredContent).toMatchObject({ status: 'timeout' });
    expect(resultText(result)).toMatch(/stopped at the time limit/);
    expect(elapsed).toBeGreaterThanOrEqual(2_900);
    expect(elapsed).toBeLessThan(10_000);
    const left = await waitFor(async () => (await findProcessesMatching(hang.endpoint)).length === 0, {
      timeoutMs: 3_000,
    });
    expect(left, JSON.stringify(await findProcessesMatching(hang.endpoint))).toBe(true);
    expect(await listDescendants(server.pid)).toEqual([]);
    await expectServerAnswers(server);
  });

  it.each([
    { status: 500, code: 'InternalError', message: 'We encountered an internal error. Please try again.' },
    { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' },
    { status: 403, code: 'AccessDenied', message: 'Access Denied' },
  ])('reports an endpoint answering $status $code as a failed command with the AWS error', async (fault) => {
    const endpoint = await startErrorEndpoint(fault);
    cleanups.push(() => endpoint.close());
    const server = await startServer({ AWS_ENDPOINT_URL: endpoint.endpoint });
    const result = await server.client.callTool({
      name: 'aws_cli_pipeline',
      arguments: { command: 'aws s3api list-buckets', timeout: 60 },
    });
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toMatchObject({ status: 'error' });
    expect(resultText(result)).toContain(fault.code);
    expect(endpoint.requests()).toBeGreaterThan(0);
    await expectServerAnswers(server);
    expect(await listDescendants(server.pid)).toEqual([]);
  });

  it('starts without the AWS CLI, says so once, and answers every call with how to install it', async () => {
    const emptyPath = await mkdtemp(join(tmpdir(), 'aws-mcp-no-cli-'));
    cleanups.push(() => rm(emptyPath, { recursive: true, force: true }));
    const server = await startServer({ PATH: emptyPath });
    expect(server.initializeMs).toBeLessThan(5_000);
    const result = await server.client.callTool({
      name: 'aws_cli_pipeline',
      arguments: { command: 'aws s3 ls' },
    });
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toMatchObject({ status: 'refused' });
    expect(resultText(result)).toMatch(/AWS_CLI_MISSING/);
    expect(resultText(result)).toMatch(/install/i);
    const help = await server.client.callTool({
      name: 'aws_cli_help',
      arguments: { service: 's3', command: 'ls' },
    });
    expect(help.isError).toBe(true);
    expect(resultText(help)).toMatch(/install/i);
    await waitFor(() => /AWS CLI/.test(server.stderr()), { timeoutMs: 3_000 });
    const lines = server
      .stderr()
      .split('\n')
      .filter((line) => /AWS CLI.*not found/.test(line));
    expect(lines).toHaveLength(1);
  });

  it('uses a profile added to the AWS files while it runs, without a restart', async () => {
    const server = await startServer();
    const call = () =>
      server.client.callTool({
        name: 'aws_cli_pipeline',
        arguments: { command: 'aws s3api list-buckets --output json', profile: 'added-later' },
      });
    const before = await call();
    expect(before.isError).toBe(true);
    expect(before.structuredContent).toMatchObject({ status: 'refused' });
    expect(resultText(before)).toContain('added-later');

    const { credentials } = environment.s3;
    await appendFile(environment.env.AWS_CONFIG_FILE, '\n[profile added-later]\nregion = eu-west-1\n');
    await appendFile(
      environment.env.AWS_SHARED_CREDENTIALS_FILE,
      `\n[added-later]\naws_access_key_id = ${credentials.accessKeyId}\naws_secret_access_key = ${credentials.secretAccessKey}\n`,
    );
    const after = await waitFor(
      async () => {
        const result = await call();
        return result.isError ? undefined : result;
      },
      { timeoutMs: 10_000, intervalMs: 200 },
    );
    expect(after, 'the new profile never became usable').toBeDefined();
    expect(after.structuredContent).toMatchObject({ status: 'success', exitCode: 0 });
    expect(JSON.parse(resultText(after))).toHaveProperty('Buckets');
  });

  it('exits when stdin closes in the middle of a command and leaves no process behind', async () => {
    const hang = await startHangingEndpoint();
    cleanups.push(() => hang.close());
    const child = spawn(process.execPath, [serverEntry], {
      env: { ...environment.env, AWS_ENDPOINT_URL: hang.endpoint, AWS_MAX_ATTEMPTS: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    cleanups.push(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.stdout.resume();
    const exited = new Promise((resolve) => child.once('exit', (code) => resolve({ code, at: now() })));
    const send = (message) => child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
    send({
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'faults', version: '1' },
      },
    });
    send({ method: 'notifications/initialized' });
    send({
      id: 2,
      method: 'tools/call',
      params: { name: 'aws_cli_pipeline', arguments: { command: 'aws s3 ls | wc -l', timeout: 120 } },
    });
    const running = await waitFor(async () => (await findProcessesMatching(hang.endpoint)).length > 0, {
      timeoutMs: 15_000,
    });
    expect(running, 'the command never started').toBe(true);
    const closedAt = now();
    child.stdin.end();
    const { code, at } = await exited;
    expect(code).toBe(0);
    expect(at - closedAt).toBeLessThan(3_000);
    const left = await waitFor(async () => (await findProcessesMatching(hang.endpoint)).length === 0, {
      timeoutMs: 2_000,
    });
    expect(left, JSON.stringify(await findProcessesMatching(hang.endpoint))).toBe(true);
    expect(findStackTraces(stderr)).toEqual([]);
  });
});
