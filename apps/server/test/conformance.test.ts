import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SpawnedServer, spawnServer } from './http-harness.js';

const execFileAsync = promisify(execFile);

/**
 * The MCP conformance suite (npm `@modelcontextprotocol/conformance`, pinned to 0.1.13, the last release that
 * runs on Node 20; its server scenarios are those of 0.1.16). `.ci/run` installs it and names its entry here.
 */
const conformanceBin = process.env.MCP_CONFORMANCE_BIN;
const token = 'conformance-token-0123456789';

/** The scenarios that need no fixture tool, resource or prompt of the suite's own test server. */
const genericScenarios = [
  'server-initialize',
  'logging-set-level',
  'ping',
  'tools-list',
  'resources-list',
  'prompts-list',
  'server-sse-multiple-streams',
  'dns-rebinding-protection',
];

interface Check {
  id: string;
  status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | 'SKIPPED';
  description: string;
  errorMessage?: string;
}

/**
 * A loopback proxy that adds the bearer token: the suite cannot send one, and the server never runs without.
 * Every other header (Host included, for the DNS-rebinding scenario) passes unchanged.
 */
async function startTokenProxy(target: URL): Promise<{ url: string; close(): void }> {
  const server: Server = createServer((request, response) => {
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: request.method,
        path: request.url,
        headers: { ...request.headers, authorization: `Bearer ${token}` },
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on('error', () => response.destroy());
    response.on('close', () => upstream.destroy());
    request.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    url: `http://127.0.0.1:${address.port}/mcp`,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

async function runScenario(url: string, scenario: string): Promise<Check[]> {
  const output = await mkdtemp(join(tmpdir(), 'conformance-'));
  try {
    await execFileAsync(
      process.execPath,
      [conformanceBin as string, 'server', '--url', url, '--scenario', scenario, '-o', output],
      {
        timeout: 60_000,
      },
    ).catch(() => undefined);
    const [folder] = await readdir(output);
    if (folder === undefined) throw new Error(`the conformance suite wrote no result for ${scenario}`);
    return JSON.parse(await readFile(join(output, folder, 'checks.json'), 'utf8')) as Check[];
  } finally {
    await rm(output, { recursive: true, force: true });
  }
}

describe.skipIf(conformanceBin === undefined)(
  'the MCP conformance suite against streamable HTTP (MCP_CONFORMANCE_BIN)',
  () => {
    let workdir: string;
    let server: SpawnedServer;
    let proxy: Awaited<ReturnType<typeof startTokenProxy>>;

    beforeAll(async () => {
      workdir = await mkdtemp(join(tmpdir(), 'conformance-workdir-'));
      server = await spawnServer({
        args: ['--transport', 'streamable-http', '--port', '0'],
        env: {
          PATH: process.env.PATH ?? '',
          HOME: workdir,
          AWS_MCP_WORKDIR: join(workdir, 'work'),
          AWS_MCP_AUTH_TOKEN: token,
        },
      });
      proxy = await startTokenProxy(new URL(server.url));
    });

    afterAll(async () => {
      proxy?.close();
      await server?.stop();
      await rm(workdir, { recursive: true, force: true });
    });

    it.each(genericScenarios)('passes %s with no failure or warning', async (scenario) => {
      const checks = await runScenario(proxy.url, scenario);
      expect(checks.length).toBeGreaterThan(0);
      const problems = checks.filter((check) => check.status === 'FAILURE' || check.status === 'WARNING');
      expect(problems).toEqual([]);
    });

    it('sends the priming event and the retry field on a call stream (server-sse-polling)', async () => {
      const checks = await runScenario(proxy.url, 'server-sse-polling');
      const byId = (id: string) => checks.filter((check) => check.id === id).map((check) => check.status);
      expect(byId('server-sse-priming-event')).toEqual(['SUCCESS']);
      expect(byId('server-sse-retry-field')).toEqual(['SUCCESS']);
      // The scenario's own fixture tool (test_reconnection) is the suite server's, not ours: its call fails,
      // and that is the only failure.
      const problems = checks.filter((check) => check.status === 'FAILURE' || check.status === 'WARNING');
      expect(problems.map((check) => check.errorMessage)).toEqual(['Tool call failed']);
    });
  },
);
