import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  pollUntil,
  processesContaining,
  sendRaw,
  serverEntry,
  spawnServer,
  startHangingEndpoint,
  startTcpProxy,
  waitForExit,
} from './http-harness.js';

// AWS's documented example pair: the engine masks a 40-character secret key beside an access key id.
const keyId = 'AKIAIOSFODNN7EXAMPLE';
const secretKey = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const token = 'masked-stderr-token-0123456789';

let home: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'masked-stderr-'));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('the server’s stderr', () => {
  it('masks a secret quoted by a start-up error', async () => {
    const child = spawn(process.execPath, [serverEntry], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: home,
        AWS_MCP_WORKDIR: join(home, 'work'),
        AWS_MCP_MODE: `${keyId} ${secretKey}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    expect(await waitForExit(child)).toBe(2);
    expect(stderr).toBe(
      `aws-mcp: AWS_MCP_MODE must be one of read-only, confirm-writes, full, not "${keyId} [MASKED]".\n`,
    );
  });

  it('masks a secret in an HTTP log line: a canceled call’s request id, chosen by the client', async () => {
    const server = await spawnServer({
      args: ['--transport', 'streamable-http', '--port', '0', '--resume-grace', '1'],
      env: {
        PATH: process.env.PATH ?? '',
        HOME: home,
        AWS_MCP_WORKDIR: join(home, 'http-work'),
        AWS_MCP_AUTH_TOKEN: token,
        AWS_MAX_ATTEMPTS: '1',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_REGION: 'us-east-1',
      },
    });
    const hang = await startHangingEndpoint();
    const front = await startTcpProxy({ target: new URL(server.url).host });
    try {
      const headers = {
        Accept: 'application/json, text/event-stream',
        'Content-Type': 'application/json',
        Authorization: `Bearer ${token}`,
      };
      const initialize = await sendRaw(server.url, {
        headers,
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: {
            protocolVersion: '2025-06-18',
            capabilities: {},
            clientInfo: { name: 'raw', version: '1' },
          },
        }),
      });
      const sessionId = initialize.headers['mcp-session-id'] as string;
      const session = { ...headers, 'Mcp-Session-Id': sessionId, 'Mcp-Protocol-Version': '2025-06-18' };
      await sendRaw(server.url, {
        headers: session,
        body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
      });
      const call = httpRequest(`http://${front.endpoint}/mcp`, { method: 'POST', headers: session });
      call.on('error', () => {});
      call.end(
        JSON.stringify({
          jsonrpc: '2.0',
          id: `${keyId} ${secretKey}`,
          method: 'tools/call',
          params: {
            name: 'aws_cli_pipeline',
            arguments: { command: `aws s3 ls --endpoint-url ${hang.endpoint}` },
          },
        }),
      );
      await pollUntil(
        () => processesContaining(hang.endpoint),
        (lines) => lines.length > 0,
      );
      front.cut();
      const canceled = await pollUntil(server.stderr, (stderr) => stderr.includes('canceled call'));
      expect(canceled).toMatch(new RegExp(`canceled call "${keyId} \\[MASKED\\]" of session [0-9a-f]{8}: `));
      expect(canceled).not.toContain(secretKey);
      // The token the operator needs is the server's own, not an AWS secret: the start-up lines keep it.
      expect(canceled).toMatch(/serving streamable HTTP at http:\/\/127\.0\.0\.1:\d+\/mcp/);
    } finally {
      front.close();
      hang.close();
      expect(await server.stop()).toBe(0);
    }
  });
});
