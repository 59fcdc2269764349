// The per-call latency of parse + validate in a running server's steady state: each call timed on its own after
// the JIT has warmed up, so the median is a median of calls (vitest bench prints min, mean and p75 of its own
// batches, not p50). Run with `pnpm --filter @aws-mcp/command bench:steady` (builds dist first).
import {
  loadSnapshotCatalog,
  loadSnapshotCliModel,
  parseCommandLine,
  validatePipeline,
} from '../dist/index.js';

const lines = [
  [
    'typical pipeline (aws ec2 … | jq … | sort)',
    "aws ec2 describe-instances --region eu-west-1 --query 'Reservations[].Instances[]' | jq -r '.[].InstanceId' | sort",
    'read-only',
  ],
  [
    's3 upload (a customization)',
    "aws s3 cp report.txt s3://bucket/reports/ --sse AES256 --exclude '.*'",
    'confirm-writes',
  ],
];
const warmupCalls = 5000;
const measuredCalls = 20000;

loadSnapshotCatalog();
const model = loadSnapshotCliModel(1);
for (const [name, line, mode] of lines) {
  const call = () => validatePipeline(parseCommandLine(line, { model }), { mode }, { workdir: '/w' });
  for (let index = 0; index < warmupCalls; index++) call();
  const micros = new Float64Array(measuredCalls);
  for (let index = 0; index < measuredCalls; index++) {
    const start = process.hrtime.bigint();
    call();
    micros[index] = Number(process.hrtime.bigint() - start) / 1000;
  }
  micros.sort();
  const at = (quantile) => micros[Math.floor(quantile * measuredCalls)].toFixed(1);
  console.log(`${name}: p50 ${at(0.5)} µs, p75 ${at(0.75)}, p90 ${at(0.9)}, p99 ${at(0.99)}`);
}
