import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createNetServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authToken,
  connectHttpClient,
  findOnPath,
  findStackTraces,
  listDescendants,
  resultText,
  runShell,
  startHttpServer,
  startS3Environment,
  waitFor,
} from '../bench/_lib.mjs';
import { profile } from './_profile.mjs';

const nginx = findOnPath('nginx', `${process.env.PATH}:/usr/sbin:/sbin`);
const bucket = 'scale-out-bucket';

async function findFreePort() {
  const server = createNetServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** nginx in the foreground with everything (config, logs, pid, temp files) under a temporary prefix. */
/** `balance`: nginx's default round-robin, or `ip_hash` (client affinity, what a stateful deployment needs). */
async function startNginx({ upstreamPorts, balance = 'round-robin' }) {
  const prefix = await mkdtemp(join(tmpdir(), 'aws-mcp-nginx-'));
  const port = await findFreePort();
  for (const folder of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'])
    await mkdir(join(prefix, folder));
  const asRoot = process.getuid?.() === 0;
  const config = `
${asRoot ? `user ${userInfo().username};` : ''}
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 256; }
http {
  log_format upstream '$request_method $uri $status $upstream_addr';
  access_log ${prefix}/access.log upstream;
  client_body_temp_path ${prefix}/client_body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  upstream aws_mcp {
${balance === 'ip_hash' ? '    ip_hash;\n' : ''}${upstreamPorts.map((upstreamPort) => `    server 127.0.0.1:${upstreamPort};`).join('\n')}
  }
  server {
    listen 127.0.0.1:${port};
    client_max_body_size 1m;
    location / {
      proxy_pass http://aws_mcp;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_buffering off;
      proxy_read_timeout 300s;
    }
  }
}
`;
  await writeFile(join(prefix, 'nginx.conf'), config);
  const child = spawn(
    nginx,
    ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-e', join(prefix, 'error.log'), '-g', 'daemon off;'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const url = `http://127.0.0.1:${port}`;
  const ready = await waitFor(
    async () => {
      if (child.exitCode !== null) return false;
      const response = await fetch(`${url}/healthz`).catch(() => undefined);
      return response?.status === 200;
    },
    { timeoutMs: 10_000, intervalMs: 100 },
  );
  if (!ready) {
    child.kill('SIGKILL');
    throw new Error(
      `nginx did not start: ${stderr}${await readFile(join(prefix, 'error.log'), 'utf8').catch(() => '')}`,
    );
  }
  return {
    url,
    pid: child.pid,
    prefix,
    child,
    readAccessLog: () => readFile(join(prefix, 'access.log'), 'utf8'),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGQUIT');
      const result = await exited;
      await rm(prefix, { recursive: true, force: true });
      return result;
    },
  };
}

describe.skipIf(nginx === undefined)('scale-out: two stateless servers behind nginx', () => {
  let environment;
  const servers = [];
  let proxy;

  beforeAll(async () => {
    environment = await startS3Environment();
    await writeFile(join(environment.workdir, 'hello.txt'), 'hello from s3\n');
    const env = { ...environment.env, AWS_MAX_ATTEMPTS: '1' };
    expect((await runShell(`aws s3 mb s3://${bucket}`, { env })).exitCode).toBe(0);
    expect(
      (
        await runShell(`aws s3 cp ${join(environment.workdir, 'hello.txt')} s3://${bucket}/hello.txt`, {
          env,
        })
      ).exitCode,
    ).toBe(0);
    for (let index = 0; index < 2; index += 1) {
      servers.push(await startHttpServer({ env: { ...env, AWS_MCP_MODE: 'read-only' }, stateless: true }));
    }
    proxy = await startNginx({ upstreamPorts: servers.map((server) => new URL(server.url).port) });
  });

  afterAll(async () => {
    await proxy?.stop();
    for (const server of servers) await server.stop();
    await environment?.stop();
  });

  it(`serves one client's ${profile.scaleOutCalls} calls correctly, round-robin across both, and stops cleanly`, async () => {
    const connection = await connectHttpClient(`${proxy.url}/mcp`, { name: 'scale-out' });
    const { client, transport } = connection;
    expect(transport.sessionId).toBeUndefined();
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual([
      'aws_cli_help',
      'aws_cli_pipeline',
      'aws_withdraw_approvals',
    ]);
    for (let index = 0; index < profile.scaleOutCalls; index += 1) {
      switch (index % 3) {
        case 0: {
          const result = await client.callTool({
            name: 'aws_cli_pipeline',
            arguments: { command: `aws s3 cp s3://${bucket}/hello.txt - | wc -c` },
          });
          expect(resultText(result).trim()).toBe('14');
          break;
        }
        case 1: {
          const result = await client.callTool({
            name: 'aws_cli_pipeline',
            arguments: {
              command: `aws s3api list-objects-v2 --bucket ${bucket} --output json | jq -r ".Contents[].Key"`,
            },
          });
          expect(resultText(result)).toBe('hello.txt\n');
          break;
        }
        default: {
          const result = await client.callTool({
            name: 'aws_cli_help',
            arguments: { service: 's3', command: 'cp' },
          });
          expect(result.isError).toBeFalsy();
          expect(resultText(result)).toContain('--recursive');
        }
      }
    }
    const refused = await client.callTool({
      name: 'aws_cli_pipeline',
      arguments: { command: `aws s3 rb s3://${bucket} --force` },
    });
    expect(refused.structuredContent).toMatchObject({ status: 'refused' });
    await connection.close();

    const lines = (await proxy.readAccessLog()).split('\n').filter((line) => /^POST \/mcp 20\d /.test(line));
    const perUpstream = Object.fromEntries(
      servers.map((server) => {
        const address = `127.0.0.1:${new URL(server.url).port}`;
        return [address, lines.filter((line) => line.endsWith(address)).length];
      }),
    );
    console.log(
      `scale-out: ${lines.length} MCP POSTs through nginx, per instance ${JSON.stringify(perUpstream)}`,
    );
    for (const count of Object.values(perUpstream)) expect(count).toBeGreaterThanOrEqual(lines.length * 0.3);

    const workers = await listDescendants(proxy.pid);
    expect(workers.length).toBeGreaterThan(0);
    expect(await proxy.stop()).toMatchObject({ code: 0 });
    for (const server of servers) {
      expect(await listDescendants(server.pid)).toEqual([]);
      expect(await server.stop()).toMatchObject({ code: 0 });
      expect(findStackTraces(server.stderr())).toEqual([]);
    }
    for (const worker of workers) expect(existsSync(`/proc/${worker.pid}`)).toBe(false);
    expect(existsSync(proxy.prefix)).toBe(false);
  });
});

describe.skipIf(nginx === undefined)('scale-out: two stateful servers behind nginx', () => {
  let environment;
  const servers = [];
  const proxies = [];

  beforeAll(async () => {
    environment = await startS3Environment();
    for (let index = 0; index < 2; index += 1) {
      servers.push(await startHttpServer({ env: { ...environment.env, AWS_MAX_ATTEMPTS: '1' } }));
    }
  });

  afterAll(async () => {
    for (const proxy of proxies) await proxy.stop();
    for (const server of servers) await server.stop();
    await environment?.stop();
  });

  const upstreamPorts = () => servers.map((server) => new URL(server.url).port);

  it('loses the session under round-robin: the second request reaches the instance that never saw it', async () => {
    const proxy = await startNginx({ upstreamPorts: upstreamPorts() });
    proxies.push(proxy);
    await expect(connectHttpClient(`${proxy.url}/mcp`)).rejects.toThrow(/404|Session not found/);
  });

  it('keeps a session, consent included, with client affinity (ip_hash)', async () => {
    const proxy = await startNginx({ upstreamPorts: upstreamPorts(), balance: 'ip_hash' });
    proxies.push(proxy);
    const transport = new StreamableHTTPClientTransport(new URL(`${proxy.url}/mcp`), {
      requestInit: { headers: { Authorization: `Bearer ${authToken}` } },
    });
    const client = new Client({ name: 'sticky', version: '1.0.0' }, { capabilities: { elicitation: {} } });
    const asked = [];
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked.push(request.params.message);
      return { action: 'accept', content: { approve: true } };
    });
    await client.connect(transport);
    expect(transport.sessionId).toBeDefined();
    const made = await client.callTool({
      name: 'aws_cli_pipeline',
      arguments: { command: 'aws s3 mb s3://sticky-bucket' },
    });
    expect(resultText(made)).toBe('make_bucket: sticky-bucket\n');
    expect(made.structuredContent).toMatchObject({ consent: 'accepted' });
    expect(asked).toHaveLength(1);
    const listed = await client.callTool({ name: 'aws_cli_pipeline', arguments: { command: 'aws s3 ls' } });
    expect(resultText(listed)).toContain('sticky-bucket');
    await transport.terminateSession();
    await client.close();
  });
});
