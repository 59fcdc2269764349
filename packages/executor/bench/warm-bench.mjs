// Benchmark, not a test: prints numbers, asserts nothing. Run with `pnpm bench` (builds first).
// The warm CLI beside the cold path and the CLI run by hand, against moto: per-call medians of BENCH_RUNS
// interleaved runs (default 10), the time and CPU of BENCH_CONCURRENT calls at once (default 32), the throughput of
// a BENCH_LARGE_MB object (default 64) streamed to `wc -c`, and the memory of this process and the warm interpreter.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCommandLine } from '@aws-mcp/command';
import { createAwsSandboxHome, startMoto } from '@aws-mcp/emulators';
import { planWarmCli, runPipeline, selectSandbox } from '../dist/index.js';

const runs = Number(process.env.BENCH_RUNS ?? 10);
const concurrent = Number(process.env.BENCH_CONCURRENT ?? 32);
const largeMb = Number(process.env.BENCH_LARGE_MB ?? 64);
const clockTicks = 100;

/** Each live process's parent, from /proc. */
function readParents() {
  const parents = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(name), { parent: Number(fields[1]), fields });
    } catch {
      // Gone.
    }
  }
  return parents;
}

function listTree(root, parents) {
  const tree = [root];
  for (let index = 0; index < tree.length; index += 1) {
    for (const [pid, { parent }] of parents) if (parent === tree[index]) tree.push(pid);
  }
  return tree;
}

// bubblewrap's outer process does not wait for the sandboxed ones, so their CPU never reaches this process's
// cutime: a cpuacct cgroup of this process (its descendants join it) counts all of it, where one can be made.
const cpuGroup = `/sys/fs/cgroup/cpuacct/aws-mcp-warm-bench-${process.pid}`;
let hasCpuGroup = false;
try {
  mkdirSync(cpuGroup);
  writeFileSync(join(cpuGroup, 'cgroup.procs'), String(process.pid));
  hasCpuGroup = true;
} catch {
  // Not root, or no cgroup v1 cpuacct: the /proc sums below, which miss the sandboxed processes.
}

function leaveCpuGroup() {
  if (!hasCpuGroup) return;
  writeFileSync('/sys/fs/cgroup/cpuacct/cgroup.procs', String(process.pid));
  try {
    rmdirSync(cpuGroup);
  } catch {
    // A process left inside (none should be): the empty cgroup stays until it ends.
  }
}

/** CPU seconds of this process and everything it started since (the cgroup), else of its /proc tree. */
function readTreeCpuSeconds() {
  if (hasCpuGroup) return Number(readFileSync(join(cpuGroup, 'cpuacct.usage'), 'utf8')) / 1e9;
  const parents = readParents();
  let ticks = 0;
  for (const pid of listTree(process.pid, parents)) {
    const fields = parents.get(pid)?.fields ?? [];
    // utime, stime, cutime, cstime: fields 14-17 of /proc/PID/stat, 11-14 after the command name.
    for (const index of [11, 12, 13, 14]) ticks += Number(fields[index] ?? 0);
  }
  return ticks / clockTicks;
}

/** Proportional set size (shared pages split between sharers) of a process tree, in MiB. */
function readTreePssMb(root) {
  if (root === undefined) return 0;
  let kb = 0;
  for (const pid of listTree(root, readParents())) {
    try {
      kb += Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
    } catch {
      // Gone.
    }
  }
  return kb / 1024;
}
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
  return result;
}

/** The raw pipeline `aws s3 cp … - | wc -c`, from one shell as a person would type it. */
async function runRawPipe(command) {
  const [aws, filter] = command.split(' | ');
  const args = [...aws.split(' ').slice(1), '--endpoint-url', moto.endpoint];
  const quoted = [rawAws, ...args].map((word) => `'${word}'`).join(' ');
  const child = spawn('sh', ['-c', `${quoted} | ${filter}`], {
    cwd: workdir,
    env,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let text = '';
  child.stdout.on('data', (chunk) => {
    text += chunk;
  });
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`${command} exited ${code}`);
  return text.trim();
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
    `warm CLI against moto (sandbox: ${description}; raw: ${rawAws}), ${runs} interleaved runs per variant; ` +
      `load average ${loadavg()
        .map((value) => value.toFixed(1))
        .join(', ')}`,
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
  const cpu = {};
  for (const [name, variant] of Object.entries(variants)) {
    const before = readTreeCpuSeconds();
    together[name] = await time(() =>
      Promise.all(Array.from({ length: concurrent }, () => variant(command))),
    );
    cpu[name] = readTreeCpuSeconds() - before;
  }
  console.log(
    `${concurrent} × \`${command}\` at once: raw ${together.raw.toFixed(0)} ms, cold ${together.cold.toFixed(0)} ms ` +
      `(${(together.cold / together.raw).toFixed(2)}×), warm ${together.warm.toFixed(0)} ms ` +
      `(${(together.warm / together.raw).toFixed(2)}× raw, goal ≤ 0.3); warm interpreters started: ${warmCli.starts}`,
  );
  console.log(
    `CPU for those ${concurrent} calls (${hasCpuGroup ? 'a cpuacct cgroup of this process' : 'this process tree, sandboxes missed'}): raw ${cpu.raw.toFixed(1)} s, ` +
      `cold ${cpu.cold.toFixed(1)} s, warm ${cpu.warm.toFixed(1)} s ` +
      `(${((cpu.warm / concurrent) * 1000).toFixed(0)} ms per call warm, ${((cpu.raw / concurrent) * 1000).toFixed(0)} raw)`,
  );
  console.log(
    `memory, idle after them: this process RSS ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MiB, ` +
      `the warm interpreter's tree (bwrap, its init, python) PSS ${readTreePssMb(warmCli.pid).toFixed(0)} MiB`,
  );
  await writeFile(join(workdir, 'large.bin'), Buffer.alloc(largeMb * 1024 * 1024, 'x'));
  await runVia('aws s3 cp large.bin s3://warm-bench/large.bin', {});
  await rm(join(workdir, 'large.bin'));
  const large = 'aws s3 cp s3://warm-bench/large.bin - | wc -c';
  const streamed = { raw: [], cold: [], warm: [] };
  const streams = {
    raw: () => runRawPipe(large),
    cold: () => runVia(large, {}),
    warm: () => runVia(large, { warmCli }),
  };
  for (let run = 0; run < 3; run += 1) {
    for (const [name, variant] of Object.entries(streams)) streamed[name].push(await time(variant));
  }
  const rate = (name) => largeMb / (median(streamed[name]) / 1000);
  console.log(
    `${largeMb} MiB through \`${large}\` (median of 3): raw ${rate('raw').toFixed(0)} MiB/s, ` +
      `cold ${rate('cold').toFixed(0)} MiB/s (${(rate('cold') / rate('raw')).toFixed(2)}× raw), ` +
      `warm ${rate('warm').toFixed(0)} MiB/s (${(rate('warm') / rate('raw')).toFixed(2)}× raw, goal ≥ 0.95)`,
  );
  console.log(
    `load average at the end: ${loadavg()
      .map((value) => value.toFixed(1))
      .join(', ')}`,
  );
} finally {
  await warmCli.stop();
  await moto.stop();
  leaveCpuGroup();
  await home.remove();
  await rm(workdir, { recursive: true, force: true });
}
