import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSnapshotCatalog, parseCommandLine } from '@aws-mcp/command';
import { createAwsSandboxHome, type MotoEmulator, startMoto } from '@aws-mcp/emulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRandom } from '../../command/test/seeded-random.js';
import { findExecutable } from './_find-executable.js';
import type { WarmCli } from './_warm-cli.js';
import { createBubblewrapSandbox } from './bubblewrap-sandbox.js';
import { type PipelineResult, type RunPipelineOptions, runPipeline } from './run-pipeline.js';
import { planWarmCli } from './warm-cli.js';

const bwrapPath = findExecutable('bwrap', process.env.PATH);
const sandbox = bwrapPath === undefined ? undefined : createBubblewrapSandbox({ bwrapPath });

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
function generateCases(): Case[] {
  const catalog = loadSnapshotCatalog();
  const random = createRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const cases: Case[] = [];
  const setups: Setup[] = ['home', 'home', 'profile', 'config-file', 'credentials-file', 'edited-config'];
  while (cases.length < caseCount) {
    const service = pick(full ? [...services, ...moreServices] : services);
    const reads = [...(catalog.getService(service)?.values() ?? [])].filter(
      (operation) =>
        operation.accessClass !== 'write' &&
        !operation.customization &&
        !operation.outfile &&
        /^(list|describe|get)-/.test(operation.name) &&
        // Thousands of rows from moto's built-in data: slow both ways, and no different a test.
        !/^describe-(instance-types|images|spot-price-history|instance-type-offerings)$/.test(operation.name),
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

const cases = generateCases();

describe.skipIf(sandbox === undefined)(
  `the warm CLI against the cold one: ${caseCount} cases, seed ${seed}`,
  () => {
    let moto: MotoEmulator;
    let home: Awaited<ReturnType<typeof createAwsSandboxHome>>;
    let workdir: string;
    let options: RunPipelineOptions;
    let warmCli: WarmCli;

    beforeAll(async () => {
      moto = await startMoto();
      home = await createAwsSandboxHome({
        credentials: moto.credentials,
        profiles: [
          { name: 'default', region: 'us-east-1' },
          { name: 'other', region: 'eu-west-3' },
        ],
      });
      workdir = await mkdtemp(join(tmpdir(), 'warm-differential-'));
      const env = { PATH: process.env.PATH, LANG: 'C.UTF-8', ...home.env, AWS_MAX_ATTEMPTS: '1' };
      options = { cwd: workdir, env, endpointUrl: moto.endpoint, timeoutMs: 60_000, sandbox };
      const planned = planWarmCli({
        sandbox: sandbox as NonNullable<typeof sandbox>,
        env,
        workdirs: [workdir],
      });
      if (!('warmCli' in planned)) throw new Error(planned.reason);
      warmCli = planned.warmCli;
    }, 120_000);

    afterAll(async () => {
      await warmCli?.stop();
      await moto?.stop();
      await home?.remove();
      await rm(workdir, { recursive: true, force: true });
    });

    const seen = (result: PipelineResult) => ({
      status: result.status,
      exitCode: result.exitCode,
      // Times moto stamps with "now" (a session's expiry, a resource's creation) differ between two runs.
      // So do the ids moto makes up for a resource it shows without storing (the default user's UserId).
      output: result.output
        .replace(/\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)?/g, 'TIME')
        .replace(/\b[a-z0-9]{20}\b/g, 'MOTO-ID')
        .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g, 'UUID'),
      stderr: result.stderr,
      maskedSecrets: result.maskedSecrets,
    });

    /** The environment of one case, written to its own files so cases never see each other's. */
    async function prepareSetup(index: number, setup: Setup): Promise<Partial<RunPipelineOptions>> {
      const base = options.env as Record<string, string>;
      if (setup === 'home') return {};
      if (setup === 'profile') return { env: { ...base, AWS_PROFILE: 'other' } };
      if (setup === 'credentials-file') {
        const file = join(workdir, `credentials-${index}`);
        await writeFile(
          file,
          '[default]\naws_access_key_id = AKIAOTHERFILE\naws_secret_access_key = other\n',
        );
        return { env: { ...base, AWS_SHARED_CREDENTIALS_FILE: file } };
      }
      const file = join(workdir, `config-${index}`);
      await writeFile(file, '[default]\nregion = ap-south-1\noutput = text\n');
      return { env: { ...base, AWS_CONFIG_FILE: file } };
    }

    it.each(cases.map((each, index) => [index, each.command, each.setup] as const))(
      '%i: %s (%s) gives the same stdout, stderr and exit code warm as cold',
      async (index, command, setup) => {
        const extra = await prepareSetup(index, setup);
        const pipeline = parseCommandLine(command);
        const callsBefore = warmCli.calls;
        const coldResult = await runPipeline(pipeline, { ...options, ...extra });
        const warmResult = await runPipeline(pipeline, { ...options, ...extra, warmCli });
        expect(warmCli.calls, warmCli.lastRefusal).toBe(callsBefore + 1);
        expect(seen(warmResult)).toEqual(seen(coldResult));
        if (setup !== 'edited-config') return;
        // The same case after an edit of its config: both read the new one.
        await writeFile(join(workdir, `config-${index}`), '[default]\nregion = sa-east-1\noutput = yaml\n');
        const coldAfter = await runPipeline(pipeline, { ...options, ...extra });
        const warmAfter = await runPipeline(pipeline, { ...options, ...extra, warmCli });
        expect(seen(warmAfter)).toEqual(seen(coldAfter));
      },
    );
  },
);
