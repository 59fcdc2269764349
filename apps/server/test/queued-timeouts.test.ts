import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type HangingEndpoint, startHangingEndpoint } from '@aws-mcp/test-support';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SpawnedServer, spawnServer } from './http-harness.js';

const token = 'queued-timeouts-token-0123456789';
const timeoutSeconds = 3;
/** The executor sends SIGKILL this long after SIGTERM. */
const killGraceMs = 1000;
/** HTTP round trips and the server's checks before its clock starts, on two shared cores. */
const marginMs = 2500;
/** A busy event loop runs the kill a little after the deadline. */
const killSlackMs = 250;

interface Call {
  name: string;
  sentAt: number;
  /** When the answer came, or undefined when none came within the limit. */
  endedAt: number | undefined;
  status: unknown;
  durationMs: number;
}

describe('aws-mcp-server over streamable HTTP with --max-concurrent 1', () => {
  // Its requests tell which call's CLI was still at work, and when.
  let hang: HangingEndpoint;
  let home: string;
  let server: SpawnedServer;
  let client: Client;

  beforeAll(async () => {
    hang = await startHangingEndpoint();
    home = await mkdtemp(join(tmpdir(), 'e2e-queued-'));
    server = await spawnServer({
      args: ['--transport', 'streamable-http', '--port', '0', '--max-concurrent', '1'],
      env: {
        PATH: process.env.PATH ?? '',
        // The real home: a sandbox shows the CLI's install under it (pyenv, pip --user) only when it is a home.
        HOME: process.env.HOME ?? home,
        AWS_MCP_WORKDIR: join(home, 'work'),
        AWS_MCP_AUTH_TOKEN: token,
        AWS_MAX_ATTEMPTS: '1',
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'x',
        AWS_SECRET_ACCESS_KEY: 'y',
      },
    });
    const transport = new StreamableHTTPClientTransport(new URL(server.url), {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
    });
    client = new Client({ name: 'e2e-queued', version: '1.0.0' });
    await client.connect(transport);
    // A first call settles what the server learns once (the CLI check, the catalog), so the four calls below
    // reach the limiter a few milliseconds apart, as they would from a busy client.
    await client.callTool({
      name: 'aws_cli_pipeline',
      arguments: { command: 'aws s3 ls s3://warm-up --endpoint-url http://127.0.0.1:9' },
    });
  });

  afterAll(async () => {
    await client?.close();
    await server?.stop();
    await hang?.close();
    await rm(home, { recursive: true, force: true });
  });

  it('ends four parallel calls within their timeout, the wait included, and none at work after its deadline', async () => {
    const limitMs = timeoutSeconds * 1000 + killGraceMs + marginMs;
    const names = ['call-1', 'call-2', 'call-3', 'call-4'];
    const calls = await Promise.all(
      names.map(async (name, index): Promise<Call> => {
        await new Promise((resolve) => setTimeout(resolve, index * 10));
        const sentAt = Date.now();
        try {
          const result = await client.callTool(
            {
              name: 'aws_cli_pipeline',
              arguments: {
                command: `aws s3 ls s3://${name} --endpoint-url ${hang.endpoint}`,
                timeout: timeoutSeconds,
              },
            },
            undefined,
            { timeout: limitMs + 2000 },
          );
          const structured = result.structuredContent as { status?: unknown; durationMs?: number };
          return {
            name,
            sentAt,
            endedAt: Date.now(),
            status: structured.status,
            durationMs: structured.durationMs ?? 0,
          };
        } catch (error) {
          return { name, sentAt, endedAt: undefined, status: String(error), durationMs: 0 };
        }
      }),
    );

    const late = calls
      .map((call) => ({
        name: call.name,
        status: call.status,
        tookMs: call.endedAt === undefined ? 'no answer' : call.endedAt - call.sentAt,
        durationMs: call.durationMs,
      }))
      .filter(
        (call) =>
          call.status !== 'timeout' ||
          typeof call.tookMs !== 'number' ||
          call.tookMs > limitMs ||
          call.durationMs > timeoutSeconds * 1000 + killGraceMs,
      );
    expect(late).toEqual([]);

    // A request from a call's CLI after that call's deadline means a process of it outlived the deadline.
    expect(hang.requests.length).toBeGreaterThanOrEqual(1);
    const afterDeadline = hang.requests
      .map((request) => {
        const name = /\/(call-\d)/.exec(request.line)?.[1];
        const call = calls.find((candidate) => candidate.name === name);
        if (call?.endedAt === undefined) return { line: request.line, afterDeadlineMs: Number.NaN };
        // The server's clock starts after the request arrives, so its deadline is no later than this.
        const deadline = call.endedAt - call.durationMs + timeoutSeconds * 1000;
        return { line: request.line, afterDeadlineMs: request.at - deadline };
      })
      .filter((request) => !(request.afterDeadlineMs <= killSlackMs));
    expect(afterDeadline).toEqual([]);
  });
});
