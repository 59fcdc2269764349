#!/usr/bin/env node
// `pnpm bench`: the built server against the same AWS CLI commands run raw, side by side in one run, against s3rver
// on loopback. Prints the machine, medians, ratios and each target next to its number, and writes a JSON summary.
// Last, the warm CLI (AWS_MCP_WARM_CLI) on and off beside raw, against moto (bench/warm.mjs).
// Numbers only: it exits 0 whatever they are (it fails only when a command itself fails).
//
//   node apps/server/bench/run.mjs [--quick] [--json FILE]
//   BENCH_REPS, BENCH_LARGE_MB, BENCH_LARGE_REPS, BENCH_STARTUP_REPS, BENCH_CONCURRENCY override the sizes.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import {
  connectHttpClient,
  describeMachine,
  median,
  now,
  readCpuSeconds,
  readMemory,
  resetPeakMemory,
  resultText,
  runShell,
  serverDirectory,
  serverEntry,
  startHttpServer,
  startS3Environment,
  startStdioClient,
} from './_lib.mjs';
import { benchWarm } from './warm.mjs';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const jsonIndex = argv.indexOf('--json');
const jsonFile =
  jsonIndex === -1 ? join(serverDirectory, 'bench', 'results', 'latest.json') : argv[jsonIndex + 1];
const setting = (name, fallback) => Number(process.env[name] ?? fallback);
const sizes = {
  reps: setting('BENCH_REPS', quick ? 3 : 15),
  startupReps: setting('BENCH_STARTUP_REPS', quick ? 3 : 15),
  helpReps: setting('BENCH_HELP_REPS', quick ? 3 : 10),
  largeMb: setting('BENCH_LARGE_MB', quick ? 20 : 500),
  largeReps: setting('BENCH_LARGE_REPS', quick ? 1 : 3),
  concurrency: setting('BENCH_CONCURRENCY', 32),
  concurrencyReps: setting('BENCH_CONCURRENCY_REPS', quick ? 1 : 3),
};
const longCall = { timeout: 900_000 };
const bucket = 'bench';

const summary = {
  machine: describeMachine(),
  command: `node ${relative(process.cwd(), process.argv[1] ?? '')} ${argv.join(' ')}`.trim(),
  sizes,
  results: {},
};

const round = (value, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;
const fmt = (ms) => `${round(ms, 0)} ms`;
function verdict(met) {
  return met ? 'met' : 'NOT met';
}
function heading(text) {
  console.log(`\n== ${text}`);
}

async function callPipeline(client, command, extra = {}) {
  const started = now();
  const result = await client.callTool(
    { name: 'aws_cli_pipeline', arguments: { command, timeout: 900, ...extra } },
    undefined,
    longCall,
  );
  const durationMs = now() - started;
  if (result.isError) throw new Error(`${command} failed through the tool: ${resultText(result)}`);
  return { result, durationMs };
}

async function runRaw(command, env) {
  const run = await runShell(command, { env });
  if (run.exitCode !== 0) throw new Error(`${command} failed raw (${run.exitCode}): ${run.stderr}`);
  return run;
}

/** Runs `sh -c command`, reading and dropping stdout the way the server reads a pipe. */
function runRawDiscarding(command, env) {
  return new Promise((resolve, reject) => {
    const started = now();
    const child = spawn('sh', ['-c', command], { env, stdio: ['ignore', 'pipe', 'ignore'] });
    let bytes = 0;
    child.stdout.on('data', (chunk) => {
      bytes += chunk.length;
    });
    child.on('error', reject);
    child.on('close', (exitCode) =>
      exitCode === 0
        ? resolve({ bytes, durationMs: now() - started })
        : reject(new Error(`${command} exited ${exitCode}`)),
    );
  });
}

/** Runs the variants `reps` times, rotating which goes first, and returns each one's durations. */
async function interleave(variants, reps) {
  const durations = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
  const names = Object.keys(variants);
  for (let rep = 0; rep < reps; rep += 1) {
    for (let index = 0; index < names.length; index += 1) {
      const name = names[(rep + index) % names.length];
      durations[name].push(await variants[name]());
    }
  }
  return durations;
}

/** Median durations and each variant's ratio to `baseline`, plus the median of the per-rep ratios. */
function compare(durations, baseline) {
  const result = {};
  for (const [name, values] of Object.entries(durations)) {
    const paired = values.map((value, index) => value / durations[baseline][index]);
    result[name] = {
      medianMs: round(median(values), 1),
      minMs: round(Math.min(...values), 1),
      ratio: round(median(values) / median(durations[baseline]), 3),
      pairedRatio: round(median(paired), 3),
      runs: values.map((value) => round(value, 1)),
    };
  }
  return result;
}

function printComparison(rows, baseline) {
  for (const [name, row] of Object.entries(rows)) {
    const ratio =
      name === baseline ? '' : `  ratio ${row.ratio.toFixed(3)} (paired ${row.pairedRatio.toFixed(3)})`;
    console.log(
      `  ${name.padEnd(34)} median ${fmt(row.medianMs).padStart(9)}  min ${fmt(row.minMs).padStart(9)}${ratio}`,
    );
  }
}

/** Finds a server setting that raises the concurrency limit, from `--help`; undefined when there is none. */
function findConcurrencySetting() {
  const help = spawnSync(process.execPath, [serverEntry, '--help'], { encoding: 'utf8' }).stdout;
  const variable = /\b(AWS_MCP_[A-Z_]*CONCURREN[A-Z_]*)\b/.exec(help)?.[1];
  return variable;
}

async function writeLargeObject(directory, megabytes) {
  const file = join(directory, 'big.txt');
  const line = (index) =>
    `line ${String(index).padStart(9, '0')} the quick brown fox jumps over the lazy dog 0123456789\n`;
  let block = '';
  for (let index = 0; block.length < 1024 * 1024; index += 1) block += line(index);
  const chunk = Buffer.from(block.slice(0, 1024 * 1024 - 1).concat('\n'));
  const stream = createWriteStream(file);
  for (let written = 0; written < megabytes; written += 1) {
    if (!stream.write(chunk)) await once(stream, 'drain');
  }
  stream.end();
  await once(stream, 'finish');
  return { file, bytes: megabytes * chunk.length };
}

async function benchStartup(env) {
  heading(`Start-up: process start to a completed initialize over stdio (${sizes.startupReps} runs)`);
  const durations = await interleave(
    {
      'node -e 0 (floor)': async () => (await runShell(`"${process.execPath}" -e 0`, { env })).durationMs,
      // Loads every module the server imports, then prints and exits: the share of start-up spent loading code.
      'server --version (imports only)': async () =>
        (await runShell(`"${process.execPath}" "${serverEntry}" --version`, { env })).durationMs,
      'server initialize': async () => {
        const server = await startStdioClient({ env });
        await server.close();
        return server.initializeMs;
      },
    },
    sizes.startupReps,
  );
  const rows = compare(durations, 'node -e 0 (floor)');
  printComparison(rows, 'node -e 0 (floor)');
  const value = rows['server initialize'].medianMs;
  console.log(`  target: median at most 500 ms → ${fmt(value)}: ${verdict(value <= 500)}`);
  summary.results.startup = { ...rows, target: { maxMedianMs: 500, met: value <= 500 } };
}

async function benchOverhead(env) {
  heading(`Overhead: \`aws s3 ls s3://${bucket}\` raw vs tools/call (${sizes.reps} runs each, interleaved)`);
  const command = `aws s3 ls s3://${bucket}`;
  const stdio = await startStdioClient({ env });
  const stdioUnsandboxed = await startStdioClient({ env: { ...env, AWS_MCP_SANDBOX: 'disabled' } });
  const httpServer = await startHttpServer({ env });
  const http = await connectHttpClient(httpServer.url);
  try {
    const clients = {
      'MCP stdio (bubblewrap sandbox)': stdio.client,
      'MCP stdio (sandbox disabled)': stdioUnsandboxed.client,
      'MCP streamable HTTP (sandbox)': http.client,
    };
    for (const client of Object.values(clients)) await callPipeline(client, command);
    await runRaw(command, env);
    const variants = { "raw sh -c 'aws s3 ls …'": async () => (await runRaw(command, env)).durationMs };
    for (const [name, client] of Object.entries(clients)) {
      variants[name] = async () => (await callPipeline(client, command)).durationMs;
    }
    const baseline = "raw sh -c 'aws s3 ls …'";
    const rows = compare(await interleave(variants, sizes.reps), baseline);
    printComparison(rows, baseline);
    for (const name of Object.keys(clients)) {
      const { ratio } = rows[name];
      console.log(`  target: ratio at most 1.10 → ${name}: ${ratio.toFixed(3)}: ${verdict(ratio <= 1.1)}`);
    }
    summary.results.overhead = { command, ...rows, target: { maxRatio: 1.1 } };
  } finally {
    await Promise.all([stdio.close(), stdioUnsandboxed.close(), http.close()]);
    await httpServer.stop();
  }
}

async function benchHelp(env) {
  heading(`Help: aws_cli_help {s3, cp} warm vs raw \`aws s3 cp help\` (${sizes.helpReps} runs each)`);
  const stdio = await startStdioClient({ env });
  try {
    const callHelp = async () => {
      const started = now();
      const result = await stdio.client.callTool({
        name: 'aws_cli_help',
        arguments: { service: 's3', command: 'cp' },
      });
      if (result.isError || !resultText(result).includes('--recursive')) {
        throw new Error(`aws_cli_help failed: ${resultText(result).slice(0, 300)}`);
      }
      return now() - started;
    };
    const coldMs = await callHelp();
    const baseline = "raw sh -c 'aws s3 cp help'";
    const rows = compare(
      await interleave(
        {
          [baseline]: async () => (await runRaw('aws s3 cp help', env)).durationMs,
          'aws_cli_help warm (stdio)': callHelp,
        },
        sizes.helpReps,
      ),
      baseline,
    );
    printComparison(rows, baseline);
    const speedup = round(rows[baseline].medianMs / rows['aws_cli_help warm (stdio)'].medianMs, 0);
    console.log(`  cold (first) call: ${fmt(coldMs)}`);
    console.log(`  target: warm at least 50x faster → ${speedup}x: ${verdict(speedup >= 50)}`);
    summary.results.help = {
      ...rows,
      coldMs: round(coldMs),
      speedup,
      target: { minSpeedup: 50, met: speedup >= 50 },
    };
  } finally {
    await stdio.close();
  }
}

async function benchLargeOutput(env) {
  heading(
    `Large output: a ${sizes.largeMb} MiB object through \`aws s3 cp s3://${bucket}/big -\` (${sizes.largeReps} runs each)`,
  );
  const scratch = await mkdtemp(join(tmpdir(), 'aws-mcp-bench-large-'));
  const { file, bytes } = await writeLargeObject(scratch, sizes.largeMb);
  const uploaded = await runRaw(`aws s3 cp ${file} s3://${bucket}/big --only-show-errors`, env);
  await rm(scratch, { recursive: true, force: true });
  console.log(`  uploaded ${bytes} bytes in ${fmt(uploaded.durationMs)}`);
  const stdio = await startStdioClient({ env });
  const unsandboxed = await startStdioClient({ env: { ...env, AWS_MCP_SANDBOX: 'disabled' } });
  const peaks = { filtered: [], truncated: [] };
  const serverCpu = { filtered: [], truncated: [] };
  const measured = async (kind, command, check) => {
    await resetPeakMemory(stdio.pid);
    const cpuBefore = await readCpuSeconds(stdio.pid);
    const { result, durationMs } = await callPipeline(stdio.client, command);
    check(result);
    serverCpu[kind].push((await readCpuSeconds(stdio.pid)) - cpuBefore);
    peaks[kind].push((await readMemory(stdio.pid))?.peakMb ?? Number.NaN);
    return durationMs;
  };
  const filteredCommand = `aws s3 cp s3://${bucket}/big - | wc -c`;
  const truncatedCommand = `aws s3 cp s3://${bucket}/big -`;
  try {
    const idle = await readMemory(stdio.pid);
    const durations = await interleave(
      {
        'raw: … | wc -c': async () => {
          const run = await runRaw(filteredCommand, env);
          if (Number(run.stdout.trim()) !== bytes) throw new Error(`raw wc -c printed ${run.stdout}`);
          return run.durationMs;
        },
        'tool: … | wc -c': () =>
          measured('filtered', filteredCommand, (result) => {
            if (Number(resultText(result).trim()) !== bytes)
              throw new Error(`tool wc -c gave ${resultText(result)}`);
          }),
        'tool, sandbox disabled: … | wc -c': async () => {
          const { result, durationMs } = await callPipeline(unsandboxed.client, filteredCommand);
          if (Number(resultText(result).trim()) !== bytes)
            throw new Error(`tool wc -c gave ${resultText(result)}`);
          return durationMs;
        },
        'raw: … (stdout read and dropped)': async () => {
          const run = await runRawDiscarding(truncatedCommand, env);
          if (run.bytes !== bytes) throw new Error(`raw read ${run.bytes} bytes`);
          return run.durationMs;
        },
        'tool: … (truncated)': () =>
          measured('truncated', truncatedCommand, (result) => {
            if (!result.structuredContent?.truncated) throw new Error('tool output was not truncated');
          }),
      },
      sizes.largeReps,
    );
    const mbPerSecond = (ms) => round(bytes / 1024 / 1024 / (ms / 1000), 1);
    const rows = {
      filtered: compare(
        {
          raw: durations['raw: … | wc -c'],
          tool: durations['tool: … | wc -c'],
          toolSandboxDisabled: durations['tool, sandbox disabled: … | wc -c'],
        },
        'raw',
      ),
      truncated: compare(
        { raw: durations['raw: … (stdout read and dropped)'], tool: durations['tool: … (truncated)'] },
        'raw',
      ),
    };
    const report = {};
    for (const kind of ['filtered', 'truncated']) {
      const raw = mbPerSecond(rows[kind].raw.medianMs);
      const tool = mbPerSecond(rows[kind].tool.medianMs);
      const share = round(tool / raw, 3);
      const peakMb = round(Math.max(...peaks[kind]), 1);
      const cpuSeconds = round(median(serverCpu[kind]), 2);
      console.log(
        `  ${kind.padEnd(9)} raw ${String(raw).padStart(6)} MiB/s (${fmt(rows[kind].raw.medianMs)})  tool ${String(tool).padStart(6)} MiB/s (${fmt(rows[kind].tool.medianMs)})  tool/raw ${share.toFixed(3)}  server peak RSS ${peakMb} MB, server CPU ${cpuSeconds} s`,
      );
      report[kind] = {
        serverCpuSeconds: cpuSeconds,
        ...rows[kind],
        rawMiBps: raw,
        toolMiBps: tool,
        throughputShare: share,
        serverPeakRssMb: peakMb,
        peaksMb: peaks[kind].map((value) => round(value)),
      };
    }
    const unconfined = mbPerSecond(rows.filtered.toolSandboxDisabled.medianMs);
    console.log(
      `  filtered, sandbox disabled: tool ${unconfined} MiB/s, tool/raw ${round(unconfined / report.filtered.rawMiBps, 3).toFixed(3)}`,
    );
    report.filtered.toolSandboxDisabledMiBps = unconfined;
    const worstShare = Math.min(report.filtered.throughputShare, report.truncated.throughputShare);
    const worstPeak = Math.max(report.filtered.serverPeakRssMb, report.truncated.serverPeakRssMb);
    console.log(`  server RSS when idle before: ${round(idle?.rssMb ?? Number.NaN)} MB`);
    console.log(
      `  target: throughput at least 80% of raw → worst ${round(worstShare * 100)}%: ${verdict(worstShare >= 0.8)}`,
    );
    console.log(
      `  target: server peak memory under 200 MB → worst ${worstPeak} MB: ${verdict(worstPeak < 200)}`,
    );
    summary.results.largeOutput = {
      bytes,
      idleRssMb: round(idle?.rssMb ?? Number.NaN),
      ...report,
      target: { minThroughputShare: 0.8, maxPeakRssMb: 200, met: worstShare >= 0.8 && worstPeak < 200 },
    };
  } finally {
    await Promise.all([stdio.close(), unsandboxed.close()]);
    await runRaw(`aws s3 rm s3://${bucket}/big --only-show-errors`, env).catch(() => {});
  }
}

async function benchConcurrency(env) {
  const count = sizes.concurrency;
  const variable = findConcurrencySetting();
  heading(
    `Concurrency: ${count} calls at once over streamable HTTP vs ${count} raw at once (${sizes.concurrencyReps} runs each)`,
  );
  console.log(
    variable === undefined
      ? `  the server has no setting for its concurrency limit (none in --help), so this runs with its built-in limit`
      : `  concurrency limit raised with ${variable}=${count}`,
  );
  const httpServer = await startHttpServer({
    env: { ...env, ...(variable === undefined ? {} : { [variable]: String(count) }) },
  });
  const http = await connectHttpClient(httpServer.url);
  const command = `aws s3 ls s3://${bucket}`;
  try {
    await callPipeline(http.client, command);
    const baseline = `raw: ${count} x aws & in one sh`;
    const rows = compare(
      await interleave(
        {
          // One shell starting every command in the background, so the raw side does not share this process
          // (which also runs s3rver) with its children's output.
          [baseline]: async () =>
            (await runRaw(`for i in $(seq ${count}); do ${command} > /dev/null & done; wait`, env))
              .durationMs,
          [`tool: ${count} x tools/call at once`]: async () => {
            const started = now();
            await Promise.all(Array.from({ length: count }, () => callPipeline(http.client, command)));
            return now() - started;
          },
        },
        sizes.concurrencyReps,
      ),
      baseline,
    );
    printComparison(rows, baseline);
    const { ratio } = rows[`tool: ${count} x tools/call at once`];
    console.log(`  target: total within 1.5x of raw → ${ratio.toFixed(3)}: ${verdict(ratio <= 1.5)}`);
    summary.results.concurrency = {
      calls: count,
      limitSetting: variable ?? null,
      ...rows,
      target: { maxRatio: 1.5, met: ratio <= 1.5 },
    };
  } finally {
    await http.close();
    await httpServer.stop();
  }
}

async function main() {
  const { machine } = summary;
  console.log(`aws-mcp benchmarks, ${machine.date}`);
  console.log(
    `machine: ${machine.cpus} x ${machine.cpuModel}, ${machine.kernel}, load average ${machine.loadAverage}`,
  );
  console.log(`node ${machine.node}, ${machine.aws}`);
  console.log(`command: ${summary.command}; sizes ${JSON.stringify(sizes)}`);
  const environment = await startS3Environment();
  const env = { ...environment.env, AWS_MCP_MODE: 'full', AWS_MAX_ATTEMPTS: '1' };
  try {
    await runRaw(`aws s3 mb s3://${bucket}`, env);
    for (let index = 0; index < 5; index += 1) {
      await writeFile(join(environment.workdir, `object-${index}.txt`), `object ${index}\n`);
    }
    await runRaw(
      `aws s3 cp ${environment.workdir} s3://${bucket}/small/ --recursive --only-show-errors`,
      env,
    );
    await benchStartup(env);
    await benchOverhead(env);
    await benchHelp(env);
    await benchConcurrency(env);
    await benchLargeOutput(env);
    // The warm CLI beside the cold path and raw, against moto (its own emulator: STS and EC2 too).
    summary.results.warm = await benchWarm({ quick });
  } finally {
    await environment.stop();
  }
  summary.finishedAt = new Date().toISOString();
  await mkdir(dirname(jsonFile), { recursive: true });
  await writeFile(jsonFile, `${JSON.stringify(summary, null, 2)}\n`);
  console.log(`\nsummary written to ${relative(process.cwd(), jsonFile)}`);
}

await main();
