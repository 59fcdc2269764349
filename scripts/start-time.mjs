#!/usr/bin/env node
// How long `node ENTRY` takes to answer an MCP initialize over stdio: the median of RUNS starts (default 9).
// Usage: node scripts/start-time.mjs [ENTRY] [RUNS]. Prints one line; no assertions.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { initialize } from './_initialize.mjs';

const entry = resolve(process.argv[2] ?? new URL('../apps/server/dist/index.js', import.meta.url).pathname);
const runs = Number(process.argv[3] ?? 9);
const home = mkdtempSync(join(tmpdir(), 'aws-mcp-start-'));

async function startOnce() {
  const started = performance.now();
  const server = spawn(process.execPath, [entry], {
    env: { PATH: process.env.PATH, HOME: home, AWS_MCP_WORKDIR: join(home, 'workdir') },
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  try {
    await initialize(server, { clientName: 'start-time' });
    return performance.now() - started;
  } finally {
    server.kill('SIGTERM');
  }
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
