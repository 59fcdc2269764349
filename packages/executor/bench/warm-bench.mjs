// Benchmark, not a test: prints numbers, asserts nothing. Run with `pnpm bench` (builds first).
// The warm CLI beside the cold path and the CLI run by hand, against moto: per-call medians of BENCH_RUNS
// interleaved runs (default 10) and the time of BENCH_CONCURRENT calls at once (default 8).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCommandLine } from '@aws-mcp/command';
import { createAwsSandboxHome, startMoto } from '@aws-mcp/emulators';
import { planWarmCli, runPipeline, selectSandbox } from '../dist/index.js';

const runs = Number(process.env.BENCH_RUNS ?? 10);
const concurrent = Number(process.env.BENCH_CONCURRENT ?? 8);
const moto = await startMoto();
const home = await createAwsSandboxHome({ credentials: moto.credentials, region: 'us-east-1' });
const workdir = await mkdtemp(join(tmpdir(), 'warm-bench-'));
const env = { PATH: process.env.PATH, LANG: 'C.UTF-8', ...home.env, AWS_MAX_ATTEMPTS: '1' };
const { sandbox, description } = await selectSandbox({ mode: 'auto' });
const planned = planWarmCli({ sandbox, env, workdirs: [workdir] });
if (!('warmCli' in planned)) throw new Error(`no warm CLI: ${planned.reason}`);
const { warmCli } = planned;
const options = { cwd: workdir, env, endpointUrl: moto.endpoint, timeoutMs: 120_000, sandbox };

function median(values) {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

// The CLI's own script, as a person with a pyenv install runs it once the shim is out of the way (the shim alone
// costs more than the CLI's start).
const rawAws = await new Promise((resolve) => {
  const which = spawn('pyenv', ['which', 'aws'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let text = '';
  which.stdout.on('data', (chunk) => {
    text += chunk;
  });
  which.on('error', () => resolve('aws'));
  which.on('exit', (code) => resolve(code === 0 ? text.trim() : 'aws'));
});

async function runRaw(command) {
  const args = [...command.split(' ').slice(1), '--endpoint-url', moto.endpoint];
  const child = spawn(rawAws, args, { cwd: workdir, env, stdio: ['ignore', 'ignore', 'ignore'] });
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`${command} exited ${code}`);
}

async function runVia(command, extra) {
  const result = await runPipeline(parseCommandLine(command), { ...options, ...extra });
  if (result.status !== 'success') throw new Error(`${command}: ${result.status} ${result.stderr}`);
}

const variants = {
  raw: (command) => runRaw(command),
  cold: (command) => runVia(command, {}),
  warm: (command) => runVia(command, { warmCli }),
};

async function time(action) {
  const started = performance.now();
  await action();
  return performance.now() - started;
}

try {
  await runVia('aws s3 mb s3://warm-bench', {});
  await variants.warm('aws sts get-caller-identity');
  console.log(
    `warm CLI against moto (sandbox: ${description}; raw: ${rawAws}), ${runs} interleaved runs per variant`,
  );
  for (const command of ['aws sts get-caller-identity', 'aws s3 ls', 'aws ec2 describe-instances']) {
    const times = { raw: [], cold: [], warm: [] };
    for (let run = 0; run < runs; run += 1) {
      for (const [name, variant] of Object.entries(variants))
        times[name].push(await time(() => variant(command)));
    }
    const raw = median(times.raw);
    console.log(
      `${command}: median raw ${raw.toFixed(0)} ms, cold ${median(times.cold).toFixed(0)} ms ` +
        `(${(median(times.cold) / raw).toFixed(2)}× raw), warm ${median(times.warm).toFixed(0)} ms ` +
        `(${(median(times.warm) / raw).toFixed(2)}× raw, goal ≤ 0.35)`,
    );
  }
  const command = 'aws sts get-caller-identity';
  const together = {};
  for (const [name, variant] of Object.entries(variants)) {
    together[name] = await time(() =>
      Promise.all(Array.from({ length: concurrent }, () => variant(command))),
    );
  }
  console.log(
    `${concurrent} × \`${command}\` at once: raw ${together.raw.toFixed(0)} ms, cold ${together.cold.toFixed(0)} ms ` +
      `(${(together.cold / together.raw).toFixed(2)}×), warm ${together.warm.toFixed(0)} ms ` +
      `(${(together.warm / together.raw).toFixed(2)}× raw, goal ≤ 0.3); warm interpreters started: ${warmCli.starts}`,
  );
} finally {
  await warmCli.stop();
  await moto.stop();
  await home.remove();
  await rm(workdir, { recursive: true, force: true });
}
