import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authToken,
  connectHttpClient,
  createRandom,
  findStackTraces,
  listDescendants,
  listFileDescriptors,
  now,
  resultText,
  runShell,
  startHttpServer,
  startS3Environment,
  waitFor,
} from '../bench/_lib.mjs';
import { profile } from './_profile.mjs';

const bucket = 'soak-bucket';
const protocolVersion = '2025-06-18';

/**
 * One HTTP request on its own connection (no keep-alive, so file descriptors settle as soon as it ends). Resolves
 * with the status and body, or `{ reset: true }` when the connection dropped before an answer. `destroyAfterMs`
 * drops the connection on purpose; `declaredLength` sends fewer bytes than the header promised, then drops it.
 */
function send(url, { method = 'POST', headers = {}, body, destroyAfterMs, declaredLength } = {}) {
  return new Promise((resolve) => {
    const target = new URL(url);
    const payload = body === undefined ? undefined : Buffer.from(body);
    const request = httpRequest({
      host: target.hostname,
      port: target.port,
      path: target.pathname,
      method,
      agent: false,
      headers: {
        Accept: 'application/json, text/event-stream',
        'Content-Type': 'application/json',
        ...(payload === undefined ? {} : { 'Content-Length': declaredLength ?? payload.length }),
        ...headers,
      },
    });
    let settled = false;
    const finish = (value) => {
      if (settled) return;
      settled = true;
      resolve(value);
    };
    request.on('response', (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => {
        text += chunk;
      });
      response.on('end', () => finish({ status: response.statusCode, body: text }));
      response.on('error', () => finish({ status: response.statusCode, body: text, reset: true }));
    });
    request.on('error', () => finish({ reset: true }));
    if (destroyAfterMs !== undefined) {
      setTimeout(() => {
        request.destroy();
        finish({ aborted: true });
      }, destroyAfterMs);
    }
    if (payload !== undefined) request.write(payload);
    if (declaredLength === undefined) request.end();
  });
}

const rpc = (method, params, id = 1) => JSON.stringify({ jsonrpc: '2.0', id, method, params });

describe('HTTP soak (streamable HTTP, stateful)', () => {
  let environment;
  let server;

  beforeAll(async () => {
    environment = await startS3Environment();
    const setup = await runShell(`aws s3 mb s3://${bucket}`, { env: environment.env });
    expect(setup.exitCode).toBe(0);
    server = await startHttpServer({
      env: { ...environment.env, AWS_MCP_MODE: 'read-only', AWS_MAX_ATTEMPTS: '1' },
    });
  });

  afterAll(async () => {
    await server?.stop();
    await environment?.stop();
  });

  it(`serves ${profile.soakRequests} mixed good and bad requests from ${profile.soakClients} clients and ends where it started`, async () => {
    const { url } = server;
    const auth = { Authorization: `Bearer ${authToken}` };
    // Warm up once (help cache, catalog, lazily opened files), then let keep-alive connections close.
    const warm = await connectHttpClient(url);
    await warm.client.callTool({ name: 'aws_cli_help', arguments: { service: 's3', command: 'ls' } });
    await warm.client.callTool({
      name: 'aws_cli_pipeline',
      arguments: { command: `aws s3 ls s3://${bucket}` },
    });
    await warm.close();
    await sleep(7_000);
    const baseline = await listFileDescriptors(server.pid);
    expect(await listDescendants(server.pid)).toEqual([]);

    const counts = {};
    const failures = [];
    const expectStatus = (kind, answer, statuses, bodyPattern) => {
      counts[kind] = (counts[kind] ?? 0) + 1;
      const statusOk = statuses.includes(answer.status);
      const bodyOk = bodyPattern === undefined || bodyPattern.test(answer.body ?? '');
      if (!statusOk || !bodyOk)
        failures.push({ kind, answer: { ...answer, body: answer.body?.slice(0, 300) } });
    };

    const worker = async (workerIndex, requests) => {
      const random = createRandom(profile.seed + workerIndex);
      const connection = await connectHttpClient(url, { name: `soak-${workerIndex}` });
      const { client, transport } = connection;
      const session = () => ({
        ...auth,
        'mcp-session-id': transport.sessionId,
        'mcp-protocol-version': protocolVersion,
      });
      const kinds = [
        [
          'help',
          25,
          async () => {
            const result = await client.callTool({
              name: 'aws_cli_help',
              arguments: { service: 's3', command: 'ls' },
            });
            expectStatus(
              'help',
              { status: result.isError ? 'error' : 'ok', body: resultText(result) },
              ['ok'],
              /ls/,
            );
          },
        ],
        [
          'tools/list',
          10,
          async () => {
            const { tools } = await client.listTools();
            expectStatus('tools/list', { status: tools.length }, [3]);
          },
        ],
        [
          'aws call',
          4,
          async () => {
            const result = await client.callTool({
              name: 'aws_cli_pipeline',
              arguments: { command: `aws s3 ls s3://${bucket} | wc -l` },
            });
            expectStatus('aws call', { status: result.structuredContent?.status, body: resultText(result) }, [
              'success',
            ]);
          },
        ],
        [
          'malformed JSON',
          8,
          async () => {
            const answer = await send(url, {
              headers: session(),
              body: '{"jsonrpc": "2.0", "id": 1, "method": ',
            });
            expectStatus('malformed JSON', answer, [400], /-32700/);
          },
        ],
        [
          'oversized body',
          3,
          async () => {
            const body = rpc('tools/call', {
              name: 'aws_cli_help',
              arguments: { query: 'x'.repeat(1_500_000) },
            });
            const answer = await send(url, { headers: session(), body });
            expectStatus(
              'oversized body',
              answer.reset && answer.status === undefined ? { status: 'reset' } : answer,
              [413],
            );
          },
        ],
        [
          'unknown HTTP method',
          6,
          async () => {
            const answer = await send(url, { method: 'PUT', headers: session(), body: '{}' });
            expectStatus('unknown HTTP method', answer, [405]);
          },
        ],
        [
          'unknown JSON-RPC method',
          8,
          async () => {
            const answer = await send(url, { headers: session(), body: rpc('no/such-method', {}, 77) });
            expectStatus('unknown JSON-RPC method', answer, [200], /-32601/);
          },
        ],
        [
          'bad session id',
          8,
          async () => {
            const answer = await send(url, {
              headers: { ...session(), 'mcp-session-id': randomUUID() },
              body: rpc('tools/list', {}),
            });
            expectStatus('bad session id', answer, [404]);
          },
        ],
        [
          'no or wrong token',
          6,
          async () => {
            const headers = {
              ...session(),
              Authorization: workerIndex % 2 === 0 ? 'Bearer wrong-token-0123456789' : '',
            };
            const answer = await send(url, { headers, body: rpc('tools/list', {}) });
            expectStatus('no or wrong token', answer, [401]);
          },
        ],
        [
          'bad Host',
          5,
          async () => {
            const answer = await send(url, {
              headers: { ...session(), Host: 'evil.example:80' },
              body: rpc('tools/list', {}),
            });
            expectStatus('bad Host', answer, [403]);
          },
        ],
        [
          'disconnect mid-call',
          4,
          async () => {
            counts['disconnect mid-call'] = (counts['disconnect mid-call'] ?? 0) + 1;
            await send(url, {
              headers: session(),
              body: rpc(
                'tools/call',
                { name: 'aws_cli_pipeline', arguments: { command: `aws s3 ls s3://${bucket}` } },
                99,
              ),
              destroyAfterMs: 20 + random.integer(400),
            });
          },
        ],
        [
          'disconnect mid-body',
          5,
          async () => {
            counts['disconnect mid-body'] = (counts['disconnect mid-body'] ?? 0) + 1;
            await send(url, {
              headers: session(),
              body: '{"jsonrpc":"2.0","id":5,"met',
              declaredLength: 4_000,
              destroyAfterMs: 30,
            });
          },
        ],
        [
          'GET without session',
          4,
          async () => {
            const answer = await send(url, { method: 'GET', headers: auth });
            expectStatus('GET without session', answer, [400]);
          },
        ],
        [
          'DELETE unknown session',
          4,
          async () => {
            const answer = await send(url, {
              method: 'DELETE',
              headers: { ...session(), 'mcp-session-id': randomUUID() },
            });
            expectStatus('DELETE unknown session', answer, [404]);
          },
        ],
      ];
      const actions = kinds.map(([, weight, action]) => [action, weight]);
      for (let index = 0; index < requests; index += 1) {
        const action = random.weighted(actions);
        try {
          await action();
        } catch (error) {
          failures.push({ worker: workerIndex, index, error: String(error) });
        }
      }
      // The session must still work after everything the other requests did.
      const { tools } = await client.listTools();
      expect(tools).toHaveLength(3);
      await connection.close();
    };

    const started = now();
    const perClient = Math.ceil(profile.soakRequests / profile.soakClients);
    await Promise.all(Array.from({ length: profile.soakClients }, (_, index) => worker(index, perClient)));
    const elapsedS = Math.round((now() - started) / 100) / 10;

    const health = await send(server.url.replace(/\/mcp$/, '/healthz'), { method: 'GET', headers: {} });
    expect(health.status).toBe(200);
    const childrenGone = await waitFor(async () => (await listDescendants(server.pid)).length === 0, {
      timeoutMs: 20_000,
    });
    const fdsSettled = await waitFor(
      async () => Object.keys(await listFileDescriptors(server.pid)).length <= Object.keys(baseline).length,
      { timeoutMs: 20_000, intervalMs: 250 },
    );
    const final = await listFileDescriptors(server.pid);
    console.log(
      `soak: ${profile.soakClients * perClient} requests in ${elapsedS} s: ${JSON.stringify(counts)}; fds ${Object.keys(baseline).length} at start, ${Object.keys(final).length} at the end`,
    );
    expect(failures).toEqual([]);
    expect(childrenGone, JSON.stringify(await listDescendants(server.pid))).toBe(true);
    expect(fdsSettled, JSON.stringify({ baseline, final })).toBe(true);
    expect(findStackTraces(server.stderr())).toEqual([]);
    expect(server.child.exitCode).toBeNull();
  });
});
