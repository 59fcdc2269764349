#!/usr/bin/env node
// Stands in for `aws s3 cp`: prints the CLI's carriage-return progress lines slowly, then the result line.
const steps = Number(process.env.STEPS ?? 4);
for (let step = 1; step <= steps; step += 1) {
  process.stdout.write(`Completed ${step}.0 MiB/${steps}.0 MiB (1.0 MiB/s) with 1 file(s) remaining\r`);
  await new Promise((resolve) => setTimeout(resolve, 300));
}
process.stdout.write('upload: ./big.bin to s3://bucket/big.bin\n');
