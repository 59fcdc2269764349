// Parse + validate of two builds of this package in one process, alternating rounds between them, so both see the
// same moments of load: the ratio is the change itself. Build the old version into another folder first, e.g.
//   cp -r dist dist-before && (make the change) && pnpm build && node scripts/compare-builds-bench.mjs dist-before dist
// (both folders inside packages/command: the snapshots are found relative to them). Prints p50 and p75 per line.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const folders = process.argv.slice(2, 4);
if (folders.length !== 2) {
  console.error('usage: node scripts/compare-builds-bench.mjs BEFORE-DIST AFTER-DIST');
  process.exit(2);
}
const builds = await Promise.all(
  folders.map((folder) => import(pathToFileURL(resolve(folder, 'index.js')).href)),
);
const lines = [
  [
    'typical pipeline',
    "aws ec2 describe-instances --region eu-west-1 --query 'Reservations[].Instances[]' | jq -r '.[].InstanceId' | sort",
    'read-only',
  ],
  ['s3 upload', "aws s3 cp report.txt s3://bucket/reports/ --sse AES256 --exclude '.*'", 'confirm-writes'],
];
const calls = builds.map((build) => {
  build.loadSnapshotCatalog();
  const model = build.loadSnapshotCliModel(1);
  return lines.map(
    ([, line, mode]) =>
      () =>
        build.validatePipeline(build.parseCommandLine(line, { model }), { mode }, { workdir: '/w' }),
  );
});
for (const set of calls) for (const call of set) for (let index = 0; index < 5000; index++) call();
const rounds = 20;
const perRound = 2000;
const samples = lines.map(() => [[], []]);
for (let round = 0; round < rounds; round++) {
  for (let build = 0; build < 2; build++) {
    lines.forEach((_, line) => {
      const call = calls[build][line];
      for (let index = 0; index < perRound; index++) {
        const start = process.hrtime.bigint();
        call();
        samples[line][build].push(Number(process.hrtime.bigint() - start) / 1000);
      }
    });
  }
}
const at = (values, quantile) => {
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.floor(quantile * sorted.length)].toFixed(1);
};
lines.forEach(([name], line) => {
  const [before, after] = samples[line];
  console.log(
    `${name}: before p50 ${at(before, 0.5)} p75 ${at(before, 0.75)} | after p50 ${at(after, 0.5)} p75 ${at(after, 0.75)} µs`,
  );
});
