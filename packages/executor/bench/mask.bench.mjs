// Benchmark, not a test: prints masking throughput in MiB/s, asserts nothing. Build first, then run:
//   pnpm --filter @aws-mcp/executor build && node packages/executor/bench/mask.bench.mjs
// MASK_BENCH_MIB sets the size of each realistic output (default 4); MASK_MODULE another build of `maskSecrets`
// to compare with (MASK_BENCH_ONLY=realistic then skips the hostile outputs, which the regexes never finish).
import { pathToFileURL } from 'node:url';

const { maskSecrets } = await import(
  process.env.MASK_MODULE === undefined
    ? new URL('../dist/index.js', import.meta.url).href
    : pathToFileURL(process.env.MASK_MODULE).href
);
const mebibyte = 1_048_576;
const realisticSize = Number(process.env.MASK_BENCH_MIB ?? 4) * mebibyte;

let seed = 1;
function random(limit) {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return (seed >>> 8) % limit;
}
function word(length, alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789') {
  let text = '';
  for (let index = 0; index < length; index += 1) text += alphabet[random(alphabet.length)];
  return text;
}
/** Repeats `make()` until the text is `size` characters, as a flat string (what the collector's decoder gives). */
function fill(size, make) {
  const parts = [];
  let length = 0;
  while (length < size) {
    const part = make();
    parts.push(part);
    length += part.length;
  }
  return Buffer.from(parts.join('').slice(0, size)).toString();
}

function instance() {
  const id = `i-0${word(16, '0123456789abcdef')}`;
  return {
    AmiLaunchIndex: 0,
    ImageId: `ami-0${word(16, '0123456789abcdef')}`,
    InstanceId: id,
    InstanceType: 't3.micro',
    KeyName: 'my-key-pair',
    LaunchTime: '2024-01-01T12:00:00+00:00',
    Monitoring: { State: 'disabled' },
    Placement: { AvailabilityZone: 'us-east-1a', GroupName: '', Tenancy: 'default' },
    PrivateDnsName: 'ip-10-0-0-1.ec2.internal',
    PrivateIpAddress: '10.0.0.1',
    PublicIpAddress: '203.0.113.10',
    State: { Code: 16, Name: 'running' },
    SubnetId: `subnet-${word(8, '0123456789abcdef')}`,
    VpcId: `vpc-${word(8, '0123456789abcdef')}`,
    SecurityGroups: [{ GroupName: 'default', GroupId: `sg-${word(8, '0123456789abcdef')}` }],
    Tags: [
      { Key: 'Name', Value: `web-${word(6)}` },
      { Key: 'team', Value: 'platform' },
    ],
  };
}

const realistic = [
  [
    'json: describe-instances',
    () =>
      fill(
        realisticSize,
        () => `${JSON.stringify({ Reservations: [{ Instances: [instance()] }] }, null, 4)}\n`,
      ),
  ],
  [
    'json: assume-role (3 secrets per 900 B)',
    () =>
      fill(
        realisticSize,
        () =>
          `${JSON.stringify(
            {
              Credentials: {
                AccessKeyId: `ASIA${word(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`,
                SecretAccessKey: word(40),
                SessionToken: word(600),
                Expiration: '2024-01-01T12:00:00+00:00',
              },
              AssumedRoleUser: { Arn: 'arn:aws:sts::123456789012:assumed-role/r/s', AssumedRoleId: 'AROA:s' },
            },
            null,
            4,
          )}\n`,
      ),
  ],
  [
    'table: describe-instances',
    () =>
      fill(realisticSize, () => {
        const row = (name, value) => `||  ${name.padEnd(20)}|  ${value.padEnd(40)}||\n`;
        const item = instance();
        return (
          `|+${'-'.repeat(22)}+${'-'.repeat(42)}+|\n` +
          row('InstanceId', item.InstanceId) +
          row('ImageId', item.ImageId) +
          row('InstanceType', item.InstanceType) +
          row('PrivateIpAddress', item.PrivateIpAddress) +
          row('State', item.State.Name)
        );
      }),
  ],
  [
    'text: describe-instances',
    () =>
      fill(realisticSize, () => {
        const item = instance();
        return `INSTANCES\t0\t${item.ImageId}\t${item.InstanceId}\tt3.micro\tmy-key-pair\t2024-01-01T12:00:00+00:00\t10.0.0.1\n`;
      }),
  ],
  [
    'text: s3 ls',
    () => fill(realisticSize, () => `2024-01-01 12:00:00     ${random(1_000_000)} logs/${word(20)}.gz\n`),
  ],
];

const hostileSize = mebibyte;
const hostile = [
  ['`|` rows that do not close (1.5 KB)', () => fill(hostileSize, () => `${'|'.repeat(1_500)}x\n`)],
  ['`token ` and 60,000 letters', () => fill(hostileSize, () => `token ${word(60_000, 'abc')}\n`)],
  ['a YAML key, 60,000 spaces, `\\r`', () => fill(hostileSize, () => `a:${' '.repeat(60_000)}\rtoken\n`)],
  ['blank lines, then `token`', () => `${' \n'.repeat(hostileSize / 2 - 3)}token`],
  [
    'a key id and base64 runs',
    () => fill(hostileSize, () => `AKIAIOSFODNN7EXAMPLE ,=${'A'.repeat(60_000)}.\n`),
  ],
  ['many `key=` pairs', () => fill(hostileSize, () => `token=x ${'key= '.repeat(10_000)}\n`)],
  ['nested brackets in a secret', () => fill(hostileSize, () => `"SecretString": "${'['.repeat(30_000)}"\n`)],
  ['one 1 MiB line with `token`', () => `token ${'a='.repeat(hostileSize / 2 - 4)}\n`],
];

/** MiB per second of CPU time (other processes on the machine do not count), over at least `minimumMs`. */
function measure(text, minimumMs = 500) {
  maskSecrets(text);
  const started = process.cpuUsage();
  const wallStarted = performance.now();
  let calls = 0;
  let cpuMs = 0;
  do {
    maskSecrets(text);
    calls += 1;
    const used = process.cpuUsage(started);
    cpuMs = (used.user + used.system) / 1000;
  } while (cpuMs < minimumMs);
  const wallMs = performance.now() - wallStarted;
  const mib = (text.length * calls) / mebibyte;
  return { cpu: mib / (cpuMs / 1000), wall: mib / (wallMs / 1000) };
}

function report(label, text) {
  const { cpu, wall } = measure(text);
  const masked = maskSecrets(text);
  console.log(
    `${label.padEnd(40)} ${(text.length / mebibyte).toFixed(1).padStart(4)} MiB  ${cpu.toFixed(1).padStart(7)} MiB/s CPU` +
      `  ${wall.toFixed(1).padStart(7)} MiB/s wall  ${String(masked.count).padStart(6)} masked`,
  );
}

console.log('realistic output');
for (const [label, make] of realistic) report(label, make());
if (process.env.MASK_BENCH_ONLY !== 'realistic') {
  console.log('hostile output');
  for (const [label, make] of hostile) report(label, make());
}
