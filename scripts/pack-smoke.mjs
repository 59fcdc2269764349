#!/usr/bin/env node
// Proves `npx @aws-mcp/server` works from packed tarballs: pack every publishable package, install the tarballs
// into an empty folder (dependencies from the npm registry), start the bin and complete an MCP initialize.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initialize } from './_initialize.mjs';

const root = new URL('..', import.meta.url).pathname;
const packages = [
  'packages/command',
  'packages/executor',
  'packages/aws-config',
  'packages/prompts',
  'packages/mcp-http',
  'apps/server',
];
const work = mkdtempSync(join(tmpdir(), 'aws-mcp-pack-'));
const tarballs = join(work, 'tarballs');
const consumer = join(work, 'consumer');

function run(file, args, cwd) {
  return execFileSync(file, args, {
    cwd,
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
}

try {
  run('pnpm', ['turbo', 'run', 'build', '--filter=@aws-mcp/server...', '--output-logs=errors-only'], root);
  for (const folder of packages) run('pnpm', ['pack', '--pack-destination', tarballs], join(root, folder));
  const files = readdirSync(tarballs).map((name) => join(tarballs, name));
  console.log(`packed: ${readdirSync(tarballs).join(', ')}`);
  execFileSync('mkdir', ['-p', consumer]);
  writeFileSync(join(consumer, 'package.json'), '{ "private": true }\n');
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...files], consumer);

  const server = spawn('npx', ['--no-install', 'aws-mcp-server'], {
    cwd: consumer,
    env: { PATH: process.env.PATH, HOME: work, AWS_MCP_WORKDIR: join(work, 'workdir') },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const reply = await initialize(server, { clientName: 'pack-smoke' });
  server.stdin.end();
  if (reply.result?.serverInfo?.name !== 'aws-mcp')
    throw new Error(`unexpected reply: ${JSON.stringify(reply)}`);
  console.log(
    `ok: npx aws-mcp-server from tarballs answered initialize as ${reply.result.serverInfo.name} ${reply.result.serverInfo.version}`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
