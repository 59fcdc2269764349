#!/usr/bin/env node
// The warm CLI (AWS_MCP_WARM_CLI=on) in `pnpm bench`: the built server with the warm CLI on and off beside the AWS
// CLI run by hand, in one run against moto on loopback. Part of bench/run.mjs; alone:
//
//   node apps/server/bench/warm.mjs [--quick]
//   BENCH_WARM_REPS, BENCH_WARM_CONCURRENCY, BENCH_WARM_LARGE_MB, BENCH_STARTUP_REPS override the sizes.
//
// Numbers only: it fails only when a command itself fails. Goals (issue 16): per call ≤ 0.35× raw, 32 at once ≤ 0.3×
// raw, start-up ≤ 5× `node -e 0`, large output ≥ 0.95× raw.
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAwsSandboxHome, startMoto } from '@aws-mcp/emulators';
import {
  median,
  now,
  readCpuSeconds,
  readMemory,
  resultText,
  runShell,
  serverEntry,
  startStdioClient,
} from './_lib.mjs';

const round = (value, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
const fmt = (ms) => `${Math.round(ms)} ms`;
const verdict = (met) => (met ? 'met' : 'NOT met');

/** The proportional set size (shared pages split between sharers) of a process and its descendants, in MiB. */
async function readTreePssMb(root) {
  const parents = new Map();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    parents.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
  }
  const tree = [root];
  for (let index = 0; index < tree.length; index += 1) {
    for (const [pid, parent] of parents) if (parent === tree[index]) tree.push(pid);
  }
  let kb = 0;
  for (const pid of tree) {
    const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => '');
    kb += Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
  }
  return kb / 1024;
}

async function readWarmStatus(client) {
  const read = await client.readResource({ uri: 'aws://config/environment' });
  return JSON.parse(read.contents[0].text).warmCli;
}

/**
 * Runs the warm section and returns its summary. `log` prints a line. Starts moto, a stdio server with the warm
 * CLI and one without (both bubblewrap, mode full, 32 calls at once allowed), and stops them all.
 */
export async function benchWarm({ quick = false, log = console.log } = {}) {
  const setting = (name, fallback) => Number(process.env[name] ?? fallback);
  const sizes = {
    reps: setting('BENCH_WARM_REPS', quick ? 3 : 10),
    startupReps: setting('BENCH_STARTUP_REPS', quick ? 3 : 10),
    concurrency: setting('BENCH_WARM_CONCURRENCY', 32),
    largeMb: setting('BENCH_WARM_LARGE_MB', quick ? 16 : 64),
  };
  const moto = await startMoto();
  const home = await createAwsSandboxHome({ credentials: moto.credentials, region: 'us-east-1' });
  const workdir = join(home.home, 'work');
  await mkdir(workdir, { recursive: true });
  const env = {
    PATH: process.env.PATH ?? '',
    LANG: 'C.UTF-8',
    ...home.env,
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_MAX_ATTEMPTS: '1',
    AWS_MCP_WORKDIR: workdir,
    AWS_MCP_MODE: 'full',
    AWS_MCP_MAX_CONCURRENT: String(sizes.concurrency),
  };
  const servers = {
    cold: await startStdioClient({ env: { ...env, AWS_MCP_WARM_CLI: 'off' } }),
    warm: await startStdioClient({ env: { ...env, AWS_MCP_WARM_CLI: 'on' } }),
  };
  const summary = { sizes, emulator: 'moto' };
  const call = async (server, command) => {
    const started = now();
    const result = await servers[server].client.callTool(
      { name: 'aws_cli_pipeline', arguments: { command, timeout: 900 } },
      undefined,
      { timeout: 900_000 },
    );
    if (result.isError) throw new Error(`${command} (${server}) failed: ${resultText(result).slice(0, 300)}`);
    return { durationMs: now() - started, text: resultText(result) };
  };
  const raw = async (command) => {
    const run = await runShell(command, { env, keepOutput: true });
    if (run.exitCode !== 0) throw new Error(`${command} failed raw (${run.exitCode}): ${run.stderr}`);
    return run;
  };
  try {
    const warmAtStart = await readWarmStatus(servers.warm.client);
    if (warmAtStart.state !== 'on') throw new Error(`the warm CLI is off: ${warmAtStart.reason}`);
    log(
      `\n== Warm CLI (AWS_MCP_WARM_CLI=on) vs off vs raw, against moto (${sizes.reps} interleaved runs each)`,
    );

    const startup = { node: [], warm: [] };
    for (let rep = 0; rep < sizes.startupReps; rep += 1) {
      startup.node.push((await runShell(`"${process.execPath}" -e 0`, { env })).durationMs);
      const started = await startStdioClient({ env: { ...env, AWS_MCP_WARM_CLI: 'on' } });
      startup.warm.push(started.initializeMs);
      await started.close();
    }
    const startupRatio = round(median(startup.warm) / median(startup.node));
    log(
      `  start-up with the warm CLI on: initialize ${fmt(median(startup.warm))}, node -e 0 ${fmt(median(startup.node))}: ` +
        `${startupRatio}× (goal ≤ 5: ${verdict(startupRatio <= 5)}); interpreter running before the first call: ${warmAtStart.running}`,
    );
    summary.startup = {
      initializeMs: round(median(startup.warm), 0),
      nodeMs: round(median(startup.node), 0),
      ratio: startupRatio,
      interpreterRunningBeforeFirstCall: warmAtStart.running,
      target: { maxRatio: 5, met: startupRatio <= 5 },
    };

    await raw('aws s3 mb s3://warm-bench');
    const first = await call('warm', 'aws sts get-caller-identity');
    log(`  first warm call (starts the interpreter): ${fmt(first.durationMs)}`);
    summary.firstCallMs = round(first.durationMs, 0);
    summary.perCall = {};
    for (const command of ['aws sts get-caller-identity', 'aws s3 ls', 'aws ec2 describe-instances']) {
      const times = { raw: [], cold: [], warm: [] };
      const variants = {
        raw: async () => (await raw(command)).durationMs,
        cold: async () => (await call('cold', command)).durationMs,
        warm: async () => (await call('warm', command)).durationMs,
      };
      const names = Object.keys(variants);
      for (let rep = 0; rep < sizes.reps; rep += 1) {
        for (let index = 0; index < names.length; index += 1) {
          const name = names[(rep + index) % names.length];
          times[name].push(await variants[name]());
        }
      }
      const rawMs = median(times.raw);
      const ratio = (name) => round(median(times[name]) / rawMs);
      log(
        `  ${command.padEnd(28)} raw ${fmt(rawMs).padStart(8)}  off ${fmt(median(times.cold)).padStart(8)} (${ratio('cold')}×)  ` +
          `warm ${fmt(median(times.warm)).padStart(8)} (${ratio('warm')}×, goal ≤ 0.35: ${verdict(ratio('warm') <= 0.35)})`,
      );
      summary.perCall[command] = {
        rawMs: round(rawMs, 0),
        coldMs: round(median(times.cold), 0),
        warmMs: round(median(times.warm), 0),
        coldRatio: ratio('cold'),
        warmRatio: ratio('warm'),
        target: { maxRatio: 0.35, met: ratio('warm') <= 0.35 },
      };
    }

    const count = sizes.concurrency;
    const command = 'aws sts get-caller-identity';
    const together = {};
    const serverCpu = {};
    for (const name of ['raw', 'cold', 'warm']) {
      const pid = servers[name]?.pid;
      const cpuBefore = pid === undefined ? 0 : await readCpuSeconds(pid);
      const started = now();
      if (name === 'raw') {
        await raw(`for i in $(seq ${count}); do ${command} > /dev/null & done; wait`);
      } else {
        await Promise.all(Array.from({ length: count }, () => call(name, command)));
      }
      together[name] = now() - started;
      if (pid !== undefined) serverCpu[name] = round((await readCpuSeconds(pid)) - cpuBefore);
    }
    const concurrentRatio = round(together.warm / together.raw);
    log(
      `  ${count} × \`${command}\` at once: raw ${fmt(together.raw)}, off ${fmt(together.cold)} ` +
        `(${round(together.cold / together.raw)}×), warm ${fmt(together.warm)} (${concurrentRatio}×, goal ≤ 0.3: ` +
        `${verdict(concurrentRatio <= 0.3)}); server CPU off ${serverCpu.cold} s, warm ${serverCpu.warm} s`,
    );
    summary.concurrent = {
      calls: count,
      rawMs: round(together.raw, 0),
      coldMs: round(together.cold, 0),
      warmMs: round(together.warm, 0),
      coldRatio: round(together.cold / together.raw),
      warmRatio: concurrentRatio,
      serverCpuSeconds: serverCpu,
      target: { maxRatio: 0.3, met: concurrentRatio <= 0.3 },
    };

    const status = await readWarmStatus(servers.warm.client);
    const memory = {
      coldServerRssMb: round((await readMemory(servers.cold.pid))?.rssMb ?? Number.NaN, 0),
      warmServerRssMb: round((await readMemory(servers.warm.pid))?.rssMb ?? Number.NaN, 0),
      // The server's tree with the warm interpreter in it (bwrap, its init, python), shared pages split.
      warmTreePssMb: round(await readTreePssMb(servers.warm.pid), 0),
      coldTreePssMb: round(await readTreePssMb(servers.cold.pid), 0),
    };
    log(
      `  memory, idle: server RSS off ${memory.coldServerRssMb} MiB, warm ${memory.warmServerRssMb} MiB; ` +
        `server tree PSS off ${memory.coldTreePssMb} MiB, warm ${memory.warmTreePssMb} MiB (interpreter included); ` +
        `warm interpreters started ${status.starts}, warm calls ${status.calls}`,
    );
    summary.memory = memory;
    summary.warmStatus = status;

    const file = join(workdir, 'large.bin');
    const bytes = sizes.largeMb * 1024 * 1024;
    const stream = createWriteStream(file);
    const block = Buffer.alloc(1024 * 1024, 'line of text for the large-output bench 0123456789\n');
    for (let written = 0; written < sizes.largeMb; written += 1) {
      if (!stream.write(block)) await once(stream, 'drain');
    }
    stream.end();
    await once(stream, 'finish');
    await raw(`aws s3 cp '${file}' s3://warm-bench/large.bin --only-show-errors`);
    await rm(file);
    const large = 'aws s3 cp s3://warm-bench/large.bin - | wc -c';
    const streamed = { raw: [], cold: [], warm: [] };
    for (let rep = 0; rep < 3; rep += 1) {
      const run = await raw(large);
      if (Number(run.stdout.trim()) !== bytes) throw new Error(`raw wc -c printed ${run.stdout}`);
      streamed.raw.push(run.durationMs);
      for (const name of ['cold', 'warm']) {
        const result = await call(name, large);
        if (Number(result.text.trim()) !== bytes) throw new Error(`${name} wc -c gave ${result.text}`);
        streamed[name].push(result.durationMs);
      }
    }
    const rate = (name) => sizes.largeMb / (median(streamed[name]) / 1000);
    const share = (name) => round(rate(name) / rate('raw'));
    log(
      `  ${sizes.largeMb} MiB through \`${large}\` (median of 3): raw ${round(rate('raw'), 1)} MiB/s, ` +
        `off ${round(rate('cold'), 1)} MiB/s (${share('cold')}×), warm ${round(rate('warm'), 1)} MiB/s ` +
        `(${share('warm')}×, goal ≥ 0.95: ${verdict(share('warm') >= 0.95)})`,
    );
    summary.largeOutput = {
      megabytes: sizes.largeMb,
      rawMiBps: round(rate('raw'), 1),
      coldMiBps: round(rate('cold'), 1),
      warmMiBps: round(rate('warm'), 1),
      coldShare: share('cold'),
      warmShare: share('warm'),
      target: { minShare: 0.95, met: share('warm') >= 0.95 },
    };
  } finally {
    await Promise.all(Object.values(servers).map((server) => server.close()));
    await moto.stop();
    await home.remove();
  }
  return summary;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const quick = process.argv.includes('--quick');
  console.log(`warm CLI bench, ${new Date().toISOString()}, server ${serverEntry}`);
  const summary = await benchWarm({ quick });
  await writeFile(
    join(fileURLToPath(new URL('.', import.meta.url)), 'results', 'warm-latest.json'),
    `${JSON.stringify(summary, null, 2)}\n`,
  );
}
