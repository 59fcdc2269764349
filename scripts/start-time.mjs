#!/usr/bin/env node
// How long `node ENTRY` takes to answer an MCP initialize over stdio: the median of RUNS starts (default 9).
// Usage: node scripts/start-time.mjs [ENTRY] [RUNS]. Prints one line; no assertions.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const entry = resolve(process.argv[2] ?? new URL('../apps/server/dist/index.js', import.meta.url).pathname);
const runs = Number(process.argv[3] ?? 9);
const home = mkdtempSync(join(tmpdir(), 'aws-mcp-start-'));

function startOnce() {
  return new Promise((resolveTime, reject) => {
    const started = performance.now();
    const server = spawn(process.execPath, [entry], {
      env: { PATH: process.env.PATH, HOME: home, AWS_MCP_WORKDIR: join(home, 'workdir') },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    const initialize = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'start-time', version: '1' },
      },
    };
    server.stdin.write(`${JSON.stringify(initialize)}\n`);
    let buffered = '';
    server.stdout.on('data', (chunk) => {
      buffered += chunk;
      if (buffered.includes('"id":1')) {
        const elapsed = performance.now() - started;
        server.kill('SIGTERM');
        resolveTime(elapsed);
      }
    });
    server.once('exit', (code) => {
      if (!buffered.includes('"id":1')) reject(new Error(`the server exited with ${code} before replying`));
    });
  });
}

try {
  const times = [];
  for (let run = 0; run < runs; run++) times.push(await startOnce());
  times.sort((left, right) => left - right);
  const median = times[Math.floor(times.length / 2)];
  console.log(
    `${entry}: initialize answered in ${median.toFixed(0)} ms (median of ${runs}; min ${times[0].toFixed(0)}, max ${times.at(-1).toFixed(0)})`,
  );
} finally {
  rmSync(home, { recursive: true, force: true });
}
