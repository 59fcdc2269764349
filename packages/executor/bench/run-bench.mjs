// Benchmark, not a test: prints numbers, asserts nothing. Run with `pnpm bench` (builds first).
// BENCH_MB sets the streamed size (default 1024); BENCH_RUNS the `aws --version` runs per variant (default 10).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseCommandLine } from '@aws-mcp/command';
import { createAwsSandboxHome } from '@aws-mcp/emulators';
import { runPipeline, selectSandbox } from '../dist/index.js';

const megabyte = 1024 * 1024;
const runs = Number(process.env.BENCH_RUNS ?? 10);
let sizeMb = Number(process.env.BENCH_MB ?? 1024);

const free = await statfs(tmpdir());
const freeMb = Math.floor((free.bavail * free.bsize) / megabyte);
// The object exists twice (the upload source and s3rver's copy), plus headroom.
if (freeMb < sizeMb * 2 + 512) {
  const fallback = Math.max(64, Math.floor((freeMb - 512) / 2));
  console.log(`only ${freeMb} MB free in ${tmpdir()}: streaming ${fallback} MB instead of ${sizeMb} MB`);
  sizeMb = fallback;
}

const child = spawn(process.execPath, [join(import.meta.dirname, 's3rver-child.mjs')], {
  stdio: ['pipe', 'pipe', 'inherit'],
});
const [line] = await once(createInterface({ input: child.stdout }), 'line');
const { endpoint, credentials } = JSON.parse(line);
const home = await createAwsSandboxHome({ credentials, region: 'us-east-1' });
const workdir = await mkdtemp(join(tmpdir(), 'executor-bench-'));
const options = {
  cwd: workdir,
  env: { PATH: process.env.PATH, LANG: 'C.UTF-8', ...home.env },
  endpointUrl: endpoint,
  timeoutMs: 3_600_000,
};

function median(values) {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function measurePeak(label, command, extra = {}) {
  global.gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const started = performance.now();
  const result = await runPipeline(parseCommandLine(command), { ...options, ...extra });
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  console.log(
    `${label}: status ${result.status}, ${seconds.toFixed(1)} s (${(sizeMb / seconds).toFixed(0)} MB/s), ` +
      `peak RSS ${((peak - baseline) / megabyte).toFixed(1)} MB above a baseline of ${(baseline / megabyte).toFixed(1)} MB` +
      ` (target < 100 MB); output ${JSON.stringify(result.output.slice(0, 60))}…, totalChars ${result.totalChars}`,
  );
  return result;
}

try {
  const file = join(workdir, 'big.bin');
  const block = Buffer.alloc(megabyte);
  for (let index = 0; index < block.length; index += 1) block[index] = (index * 31 + (index >> 7)) & 0xff;
  const writer = createWriteStream(file);
  for (let index = 0; index < sizeMb; index += 1) {
    if (!writer.write(block)) await once(writer, 'drain');
  }
  writer.end();
  await once(writer, 'finish');
  await runPipeline(parseCommandLine('aws s3 mb s3://bench'), options);
  const uploadStarted = performance.now();
  const upload = await runPipeline(parseCommandLine('aws s3 cp big.bin s3://bench/big.bin'), options);
  console.log(
    `upload of ${sizeMb} MB to s3rver: ${upload.status} in ${((performance.now() - uploadStarted) / 1000).toFixed(1)} s`,
  );
  await rm(file);

  console.log(`\nstreaming ${sizeMb} MB (${sizeMb * megabyte} bytes) through pipelines`);
  await measurePeak(
    'aws s3 cp s3://bench/big.bin - | wc -c (masked: the backstop between the stages)',
    'aws s3 cp s3://bench/big.bin - | wc -c',
  );
  await measurePeak(
    "aws s3 cp s3://bench/big.bin - | wc -c (secrets: 'show': nothing masked between the stages)",
    'aws s3 cp s3://bench/big.bin - | wc -c',
    { secrets: 'show' },
  );
  await measurePeak('aws s3 cp s3://bench/big.bin - (collected, masked)', 'aws s3 cp s3://bench/big.bin -');
  await measurePeak(
    'aws s3 cp s3://bench/big.bin - (collected, maskSecrets: false)',
    'aws s3 cp s3://bench/big.bin -',
    {
      maskSecrets: false,
    },
  );

  const { sandbox, description } = await selectSandbox({ mode: 'auto' });
  console.log(
    `\nsandbox overhead for \`aws --version\`, ${runs} runs each, interleaved (sandbox: ${description})`,
  );
  const plain = [];
  const confined = [];
  for (let run = 0; run < runs; run += 1) {
    for (const [variant, times] of [
      [undefined, plain],
      [sandbox, confined],
    ]) {
      const started = performance.now();
      const result = await runPipeline(parseCommandLine('aws --version'), { ...options, sandbox: variant });
      times.push(performance.now() - started);
      if (result.status !== 'success') console.log(`aws --version failed: ${result.stderr}`);
    }
  }
  const ratio = median(confined) / median(plain);
  console.log(
    `median unsandboxed ${median(plain).toFixed(0)} ms, ${sandbox.name} ${median(confined).toFixed(0)} ms, ` +
      `ratio ${ratio.toFixed(3)} (target < 1.05)`,
  );
} finally {
  child.stdin.end();
  await once(child, 'exit');
  await home.remove();
  await rm(workdir, { recursive: true, force: true });
}
