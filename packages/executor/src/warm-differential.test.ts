import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadSnapshotCatalog, parseCommandLine } from '@aws-mcp/command';
import { createRandom, describeWithBubblewrap } from '@aws-mcp/test-support';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readSeen, startWarmHarness, type WarmHarness } from './__fixtures__/warm-harness.js';
import { findExecutable } from './_find-executable.js';
import { createBubblewrapSandbox } from './bubblewrap-sandbox.js';
import type { RunPipelineOptions } from './run-pipeline.js';

// CI runs a subset; AWS_MCP_WARM_DIFFERENTIAL=full runs the few hundred (docs/testing.md has both times).
const full = process.env.AWS_MCP_WARM_DIFFERENTIAL === 'full';
const caseCount = full ? 300 : 24;
const seed = Number(process.env.AWS_MCP_WARM_DIFFERENTIAL_SEED ?? 16);
const services = ['s3api', 'ec2', 'iam', 'sts', 'dynamodb', 'sqs', 'sns', 'lambda', 'cloudformation', 'logs'];
const moreServices = ['ssm', 'kms', 'secretsmanager', 'route53', 'rds', 'ecs', 'ecr', 'events', 'kinesis'];

/** Where a case reads its AWS setup from: the home's files, another profile, or files of its own. */
type Setup = 'home' | 'profile' | 'config-file' | 'credentials-file' | 'edited-config';

interface Case {
  command: string;
  setup: Setup;
}

/** The cases for `seed`: reads of the catalog's services (list-, describe-, get-), with global options mixed in. */
function generateCases(count: number): Case[] {
  const catalog = loadSnapshotCatalog();
  const random = createRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const cases: Case[] = [];
  const setups: Setup[] = ['home', 'home', 'profile', 'config-file', 'credentials-file', 'edited-config'];
  while (cases.length < count) {
    const service = pick(full ? [...services, ...moreServices] : services);
    const reads = [...(catalog.getService(service)?.values() ?? [])].filter(
      (operation) =>
        operation.accessClass !== 'write' &&
        !operation.customization &&
        !operation.outfile &&
        /^(list|describe|get)-/.test(operation.name) &&
        // Thousands of rows from moto's built-in data: slow both ways, and no different a test.
        !/^describe-(instance-types|images|spot-price-history|instance-type-offerings)$/.test(
          operation.name,
        ) &&
        // A new random value each call, cold or warm (seen in the full run).
        operation.name !== 'get-random-password',
    );
    const operation = pick(reads);
    const extra = pick([
      '',
      '',
      '',
      ' --output text',
      ' --output table',
      ' --region eu-west-1',
      ' --max-items 2',
    ]);
    const command = `aws ${service} ${operation.name}${extra}`;
    // A command the command layer refuses (a required option missing) never reaches either CLI.
    try {
      parseCommandLine(command);
    } catch {
      continue;
    }
    cases.push({ command, setup: pick(setups) });
  }
  return cases;
}

// Always run: help pages (aws_cli_help's `full` section). `aws … help` returns None from the CLI's main, which the
// aws script exits 0 with; the warm child once exited 1 for it, and every full help page failed warm.
const fixedCases: Case[] = [
  { command: 'aws s3 ls help', setup: 'home' },
  { command: 'aws sts get-caller-identity help', setup: 'profile' },
];
const cases = [...fixedCases, ...generateCases(caseCount)];

/**
 * Debian's CLI v2 (a Python install at /usr/bin/aws), found by a PATH without pyenv's shims. Its botocore differs
 * from v1's (no JSONFileLoader._load_file, no EventAliaser) and its awscrt keeps /dev/urandom open from import: the
 * warm CLI once died at start for the one and hung every call for the other.
 */
const pathWithoutPyenv = (process.env.PATH ?? '')
  .split(':')
  .filter((folder) => !folder.includes('pyenv'))
  .join(':');
const debianV2 = (() => {
  const found = findExecutable('aws', pathWithoutPyenv);
  if (found === undefined) return undefined;
  const version = spawnSync(found, ['--version'], { encoding: 'utf8', env: { PATH: pathWithoutPyenv } });
  return /^aws-cli\/2\./.test(`${version.stdout}${version.stderr}`) &&
    readFileSync(found, 'utf8').startsWith('#!')
    ? found
    : undefined;
})();
const v2Cases = [...fixedCases, ...generateCases(8)];

describeWithBubblewrap(`the warm CLI against the cold one: ${caseCount} cases, seed ${seed}`, () => {
  let harness: WarmHarness;

  beforeAll(async () => {
    harness = await startWarmHarness({
      sandbox: createBubblewrapSandbox({ bwrapPath: findExecutable('bwrap', process.env.PATH) as string }),
      name: 'warm-differential',
      profiles: [
        { name: 'default', region: 'us-east-1' },
        { name: 'other', region: 'eu-west-3' },
      ],
    });
  }, 120_000);

  afterAll(async () => {
    await harness?.stop();
  });

  /** The environment of one case, written to its own files so cases never see each other's. */
  async function prepareSetup(index: number, setup: Setup): Promise<Partial<RunPipelineOptions>> {
    const base = harness.options.env as Record<string, string>;
    if (setup === 'home') return {};
    if (setup === 'profile') return { env: { ...base, AWS_PROFILE: 'other' } };
    if (setup === 'credentials-file') {
      const file = join(harness.workdir, `credentials-${index}`);
      await writeFile(file, '[default]\naws_access_key_id = AKIAOTHERFILE\naws_secret_access_key = other\n');
      return { env: { ...base, AWS_SHARED_CREDENTIALS_FILE: file } };
    }
    const file = join(harness.workdir, `config-${index}`);
    await writeFile(file, '[default]\nregion = ap-south-1\noutput = text\n');
    return { env: { ...base, AWS_CONFIG_FILE: file } };
  }

  it.each(cases.map((each, index) => [index, each.command, each.setup] as const))(
    '%i: %s (%s) gives the same stdout, stderr and exit code warm as cold',
    async (index, command, setup) => {
      const { cold, warm, warmCli, workdir } = harness;
      const extra = await prepareSetup(index, setup);
      const callsBefore = warmCli.calls;
      const coldResult = await cold(command, extra);
      const warmResult = await warm(command, extra);
      expect(warmCli.calls, warmCli.lastRefusal).toBe(callsBefore + 1);
      expect(readSeen(warmResult)).toEqual(readSeen(coldResult));
      if (setup !== 'edited-config') return;
      // The same case after an edit of its config: both read the new one.
      await writeFile(join(workdir, `config-${index}`), '[default]\nregion = sa-east-1\noutput = yaml\n');
      expect(readSeen(await warm(command, extra))).toEqual(readSeen(await cold(command, extra)));
    },
  );
});

// CI installs Debian's awscli (v2, a Python install), so this runs there; elsewhere it says why it skipped.
describeWithBubblewrap(
  `the warm CLI against the cold one on CLI v2: ${v2Cases.length} cases, seed ${seed}${debianV2 === undefined ? ' (skipped: no Python-installed CLI v2 on a PATH without pyenv)' : ''}`,
  () => {
    let harness: WarmHarness;

    beforeAll(async () => {
      if (debianV2 === undefined) return;
      harness = await startWarmHarness({
        sandbox: createBubblewrapSandbox({ bwrapPath: findExecutable('bwrap', process.env.PATH) as string }),
        name: 'warm-differential-v2',
        path: pathWithoutPyenv,
      });
    }, 120_000);

    afterAll(async () => {
      await harness?.stop();
    });

    it.skipIf(debianV2 === undefined).each(v2Cases.map((each, index) => [index, each.command] as const))(
      '%i: %s gives the same stdout, stderr and exit code warm as cold',
      async (_index, command) => {
        const { cold, warm, warmCli } = harness;
        const callsBefore = warmCli.calls;
        const coldResult = await cold(command);
        const warmResult = await warm(command);
        expect(warmCli.calls, warmCli.lastRefusal).toBe(callsBefore + 1);
        expect(warmCli.version).toMatch(/^2\./);
        expect(readSeen(warmResult)).toEqual(readSeen(coldResult));
      },
    );
  },
);
