import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readAwsSetup } from '@aws-mcp/aws-config';
import { loadSnapshotCliModel, parseCommandLine } from '@aws-mcp/command';
import { createAwsSandboxHome, type MotoEmulator, startMoto } from '@aws-mcp/emulators';
import { motoMissing, startRecordingProxy, useTempDir } from '@aws-mcp/test-support';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findExecutable } from './_find-executable.js';
import { createBubblewrapSandbox } from './bubblewrap-sandbox.js';
import { checkAwsCli } from './check-aws-cli.js';
import {
  type FanOutRun,
  judgeFanOutTargets,
  mergeFanOutJson,
  readFanOutAccounts,
  readJsonOutput,
  runFanOutTargets,
} from './fan-out.js';
import {
  createFanOutContexts,
  type FanOutTarget,
  resolveFanOutTargets,
  targetOptionsOf,
} from './fan-out-targets.js';
import { judgeAwsCommand } from './run-aws-command.js';
import { type FanOutAuditEntry, runFanOutCommand } from './run-fan-out-command.js';
import { type RunPipelineOptions, runPipeline } from './run-pipeline.js';
import { noSandbox } from './sandbox.js';
import { createApprovalStore } from './standing-approvals.js';

// The fan-out steps against moto with the real CLI, in the real bubblewrap sandbox where there is one: three
// profiles in three accounts (two through roles moto's STS hands out), three regions; the raw CLI is the oracle.
const bwrapPath = findExecutable('bwrap', process.env.PATH);
const sandbox = bwrapPath === undefined ? noSandbox : createBubblewrapSandbox({ bwrapPath });

const accounts = { alpha: '123456789012', beta: '222222222222', gamma: '333333333333' } as const;
type Profile = keyof typeof accounts;
const profiles = Object.keys(accounts) as Profile[];
const regions = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
const homeRegions: Record<Profile, string> = {
  alpha: 'us-east-1',
  beta: 'eu-west-1',
  gamma: 'ap-southeast-2',
};

describe('createFanOutContexts with judgeAwsCommand', () => {
  const folder = useTempDir('fan-out-contexts-');

  it('hands judging the call’s one context of a profile, and never another profile’s', async () => {
    const config = join(folder.path, 'config');
    await writeFile(config, '[profile dev]\nregion = eu-west-1\n\n[profile ops]\nregion = sa-east-1\n');
    const env = {
      AWS_CONFIG_FILE: config,
      AWS_SHARED_CREDENTIALS_FILE: join(folder.path, 'none'),
      HOME: folder.path,
    };
    const resolutions: Array<string | undefined> = [];
    const contexts = createFanOutContexts({
      setup: await readAwsSetup({ env }),
      env,
      onResolve: (profile) => resolutions.push(profile),
    });
    const pipeline = parseCommandLine('aws sqs list-queues');
    const judge = (profile: string, aws = contexts.of(profile)) =>
      judgeAwsCommand(pipeline, {
        policy: { mode: 'read-only' },
        workdir: folder.path,
        setup: contexts.setup,
        env,
        choices: { profile },
        aws,
      });
    expect(judge('dev').aws).toBe(contexts.of('dev'));
    expect(judge('dev').region).toBe('eu-west-1');
    // A context of another profile is not taken: ops is judged with its own region.
    const mismatched = judge('ops', contexts.of('dev'));
    expect(mismatched.aws).not.toBe(contexts.of('dev'));
    expect(mismatched.region).toBe('sa-east-1');
    expect(resolutions).toEqual(['dev']);
  });
});

describe.skipIf(motoMissing !== undefined)(
  `the fan-out steps against moto${motoMissing === undefined ? '' : ` (skipped: ${motoMissing})`}`,
  { timeout: 300_000 },
  () => {
    const work = useTempDir('fan-out-');
    let moto: MotoEmulator;
    let home: Awaited<ReturnType<typeof createAwsSandboxHome>>;
    let env: Record<string, string>;
    let options: RunPipelineOptions;

    async function rawAws(profile: Profile, region: string, args: string[]): Promise<string> {
      const result = await execa(
        'aws',
        [
          '--profile',
          profile,
          '--region',
          region,
          '--endpoint-url',
          moto.endpoint,
          '--output',
          'json',
          ...args,
        ],
        { env, extendEnv: false },
      );
      return result.stdout;
    }

    beforeAll(async () => {
      moto = await startMoto();
      home = await createAwsSandboxHome({
        credentials: moto.credentials,
        profiles: profiles.map((name) => ({ name, region: homeRegions[name] })),
      });
      env = { PATH: process.env.PATH ?? '', LANG: 'C.UTF-8', ...home.env, AWS_MAX_ATTEMPTS: '1' };
      // beta and gamma act in their own accounts: credentials of a role there, from moto's STS.
      const keys = [
        `[alpha]\naws_access_key_id = ${moto.credentials.accessKeyId}\naws_secret_access_key = ${moto.credentials.secretAccessKey}\n`,
      ];
      for (const profile of ['beta', 'gamma'] as const) {
        const assumed = await rawAws('alpha', 'us-east-1', [
          'sts',
          'assume-role',
          '--role-arn',
          `arn:aws:iam::${accounts[profile]}:role/fan-out`,
          '--role-session-name',
          'fan-out-test',
        ]);
        const role = (JSON.parse(assumed) as { Credentials: Record<string, string> }).Credentials;
        keys.push(
          `[${profile}]\naws_access_key_id = ${role.AccessKeyId}\naws_secret_access_key = ${role.SecretAccessKey}\naws_session_token = ${role.SessionToken}\n`,
        );
      }
      await writeFile(env.AWS_SHARED_CREDENTIALS_FILE as string, keys.join('\n'), { mode: 0o600 });
      await Promise.all(
        profiles.flatMap((profile) =>
          regions.map((region) =>
            rawAws(profile, region, ['sqs', 'create-queue', '--queue-name', `q-${profile}-${region}`]),
          ),
        ),
      );
      options = { cwd: work.path, env, endpointUrl: moto.endpoint, timeoutMs: 120_000, sandbox };
    }, 180_000);

    afterAll(async () => {
      await moto?.stop();
      await home?.remove();
    });

    /** The call's contexts over the AWS files as they are, counting each real resolution. */
    async function contextsCounting() {
      const resolutions: Array<string | undefined> = [];
      const contexts = createFanOutContexts({
        setup: await readAwsSetup({ env }),
        env,
        onResolve: (profile) => resolutions.push(profile),
      });
      return { contexts, resolutions };
    }

    async function judgeAll(line: string, request: { profiles: string[]; regions: string[] }) {
      const { contexts, resolutions } = await contextsCounting();
      const resolved = await resolveFanOutTargets({
        request,
        line: {},
        ...targetOptionsOf(contexts),
        allowedProfiles: undefined,
        knownRegions: regions,
        enabledRegions: async () => ({ error: 'not asked' }),
        max: 50,
      });
      if (!('targets' in resolved)) throw new Error(resolved.reason);
      const found = await judgeFanOutTargets(parseCommandLine(line), resolved.targets, {
        policy: { mode: 'read-only' },
        workdir: work.path,
        contexts,
        awsCli: checkAwsCli({ env }),
      });
      return { ...found, contexts, resolutions, targets: resolved.targets };
    }

    const pairOf = (target: FanOutTarget) => `${target.profile}@${target.region}`;

    it('reads each of 9 targets where it says, merged as {profile, region, account, output}', async () => {
      const { judged, stops, targets } = await judgeAll(
        'aws sqs list-queues --queue-name-prefix q- --output json',
        { profiles, regions },
      );
      expect(stops).toEqual([]);
      expect(targets.map(pairOf)).toEqual(
        profiles.flatMap((profile) => regions.map((region) => `${profile}@${region}`)),
      );
      const ran = await runFanOutTargets(judged, { options: { ...options, maxOutputChars: 90_000 } });
      const found = await readFanOutAccounts(judged, { options });
      expect(Object.fromEntries(found)).toEqual(accounts);
      const merged = mergeFanOutJson(
        ran.map((one) => ({
          target: one.target,
          account: found.get(one.target.profile),
          ...(one.error === undefined ? readJsonOutput(one.result) : {}),
        })),
      );
      expect(merged.jsonOutput).toBe('parsed');
      // The oracle: the raw CLI with each target's own profile and region.
      const expected = await Promise.all(
        targets.map(async (target) => ({
          profile: target.profile,
          region: target.region,
          account: accounts[target.profile as Profile],
          output: JSON.parse(
            await rawAws(target.profile as Profile, target.region, [
              'sqs',
              'list-queues',
              '--queue-name-prefix',
              'q-',
            ]),
          ),
        })),
      );
      expect(merged.json).toEqual(expected);
      for (const entry of merged.json ?? []) {
        expect((entry.output as { QueueUrls: string[] }).QueueUrls).toEqual([
          expect.stringMatching(new RegExp(`/${entry.account}/q-${entry.profile}-${entry.region}$`)),
        ]);
      }
    });

    it('resolves each profile’s context once for the whole call, and every step uses that one', async () => {
      const { judged, contexts, resolutions } = await judgeAll('aws sqs list-queues --output json', {
        profiles,
        regions,
      });
      // The default profile once (to know it), then each listed profile once: judging and preflight of 9 targets,
      // then their runs, resolve nothing again and get the very context that one resolution made.
      expect(resolutions).toEqual([undefined, ...profiles]);
      expect(judged).toHaveLength(9);
      for (const { target, judged: one } of judged) {
        expect(one.aws).toBe(contexts.ofTarget(target));
      }
      const seen: Array<readonly string[] | undefined> = [];
      await runFanOutTargets(judged, {
        options,
        run: async (one, settings) => {
          seen.push(settings.profileFiles);
          return runPipeline(one.judged.pipeline, settings);
        },
      });
      expect(seen).toHaveLength(9);
      for (const [index, files] of seen.entries()) {
        expect(files).toBe(contexts.ofTarget((judged[index] as (typeof judged)[number]).target).profileFiles);
      }
      expect(resolutions).toEqual([undefined, ...profiles]);
    });

    it('binds each target a standing approval covers to its account: every request carries the expected bucket owner', async () => {
      await rawAws('alpha', 'us-east-1', ['s3api', 'create-bucket', '--bucket', 'fan-out-bind']);
      // In front of moto, so what the CLI sent is seen as it went over the wire.
      const proxy = await startRecordingProxy(moto.endpoint);
      const store = createApprovalStore();
      const session = {};
      // A write fans out only where a rule allows it (no consent); a read a rule asks about is what gets a scope.
      const policy = {
        mode: 'read-only' as const,
        rules: [{ effect: 'confirm' as const, actions: ['s3api:list-objects-v2'] }],
      };
      let asked = 0;
      const fanOut = async () =>
        runFanOutCommand(parseCommandLine('aws s3api list-objects-v2 --bucket fan-out-bind'), {
          request: { profiles: ['alpha'], regions: ['us-east-1', 'eu-west-1'] },
          contexts: (await contextsCounting()).contexts,
          judge: { policy, workdir: work.path, awsCli: checkAwsCli({ env }) },
          knownRegions: regions,
          maxTargets: 50,
          confirm: async () => {
            asked += 1;
            return { granted: true, answer: 'accepted', scope: { kind: 'session' } };
          },
          standing: () => ({
            store,
            session,
            policy,
            secretsQuestion: false,
            model: () => loadSnapshotCliModel(1),
            workdir: work.path,
          }),
          options: { ...options, endpointUrl: proxy.endpoint },
        });
      const first = await fanOut();
      const second = await fanOut();
      expect([first.status, second.status, asked]).toEqual(['ran', 'ran', 1]);
      expect(store.list(session)).toHaveLength(2);
      const lists = proxy.requests.filter((request) => request.path.startsWith('/fan-out-bind'));
      // Two targets, twice: the granting call and the covered one both carry the account the consent showed.
      expect(lists).toHaveLength(4);
      for (const list of lists) expect(list.headers['x-amz-expected-bucket-owner']).toBe(accounts.alpha);
      await proxy.close();
    });

    it('runs every target after one confirm, auditing and reporting each as it finishes (runFanOutCommand)', async () => {
      const { contexts, resolutions } = await contextsCounting();
      const asked: Array<{ targets: string[]; accounts: Record<string, string> }> = [];
      const audits: FanOutAuditEntry[] = [];
      const progress: string[] = [];
      const outcome = await runFanOutCommand(
        parseCommandLine('aws sqs list-queues --queue-name-prefix q- --output json'),
        {
          request: { profiles, regions },
          contexts,
          judge: {
            policy: { mode: 'read-only', rules: [{ effect: 'confirm', actions: ['sqs:list-queues'] }] },
            workdir: work.path,
            awsCli: checkAwsCli({ env }),
          },
          knownRegions: regions,
          maxTargets: 50,
          confirm: async ({ judged, accounts: found }) => {
            asked.push({
              targets: judged.map(({ target }) => pairOf(target)),
              accounts: Object.fromEntries(found),
            });
            return { granted: true, answer: 'accepted' };
          },
          options: { ...options, maxOutputChars: 90_000 },
          audit: (entry) => audits.push(entry),
          onTargetDone: (_, { finished, total }) => progress.push(`${finished}/${total}`),
        },
      );
      if (outcome.status !== 'ran') throw new Error(`not run: ${JSON.stringify(outcome)}`);
      const all = profiles.flatMap((profile) => regions.map((region) => `${profile}@${region}`));
      // One confirm for all nine targets, with each profile's account as moto's STS answers it.
      expect(asked).toEqual([{ targets: all, accounts }]);
      expect(outcome.perTargetCap).toBe(10_000);
      expect(outcome.outcomes.map((ran) => pairOf(ran.target))).toEqual(all);
      for (const ran of outcome.outcomes) {
        if (ran.error !== undefined) throw ran.error;
        const urls = (JSON.parse(ran.result.output) as { QueueUrls: string[] }).QueueUrls;
        expect(urls).toEqual([
          expect.stringMatching(
            new RegExp(
              `/${accounts[ran.target.profile as Profile]}/q-${ran.target.profile}-${ran.target.region}$`,
            ),
          ),
        ]);
      }
      expect(
        audits.map((entry) => `${entry.profile}@${entry.region} ${entry.status} ${entry.consent}`).sort(),
      ).toEqual(all.map((pair) => `${pair} success accepted`).sort());
      expect(progress).toEqual(all.map((_, index) => `${index + 1}/9`));
      expect(resolutions).toEqual([undefined, ...profiles]);
    });

    it('reports a failing target as that target’s result and runs the rest', async () => {
      // q-beta-eu-west-1 exists only in beta's account in eu-west-1: the other regions answer NonExistentQueue;
      // gamma's one target cannot start (its save file exists), which fails that target alone.
      const taken = join(work.path, 'taken.json');
      await writeFile(taken, '{}');
      const { judged, stops } = await judgeAll(
        'aws sqs get-queue-url --queue-name q-beta-eu-west-1 --output json',
        {
          profiles: ['beta', 'gamma'],
          regions: ['us-east-1', 'eu-west-1'],
        },
      );
      expect(stops).toEqual([]);
      const ran = await runFanOutTargets<string, (typeof judged)[number]>(judged, {
        options,
        optionsOf: (one) =>
          one.target.profile === 'gamma' && one.target.region === 'eu-west-1'
            ? { secrets: { saveTo: taken } }
            : {},
        settle: (one: FanOutRun) =>
          `${pairOf(one.target)}: ${one.error === undefined ? `${one.result.status} ${one.result.exitCode}` : one.error.code}`,
      });
      expect(ran).toEqual([
        'beta@us-east-1: error 255',
        'beta@eu-west-1: success 0',
        'gamma@us-east-1: error 255',
        'gamma@eu-west-1: SAVE_TO_EXISTS',
      ]);
    });

    it('stops only the targets the policy denies, each with its own decision', async () => {
      const { judged, stops } = await judgeAll('aws sqs create-queue --queue-name w-refused', {
        profiles: ['alpha', 'beta'],
        regions: ['us-east-1'],
      });
      expect(judged).toEqual([]);
      expect(stops.map((stop) => [pairOf(stop.target), (stop.error as { code?: string }).code])).toEqual([
        ['alpha@us-east-1', 'DENIED'],
        ['beta@us-east-1', 'DENIED'],
      ]);
      expect(await rawAws('alpha', 'us-east-1', ['sqs', 'list-queues', '--queue-name-prefix', 'w-'])).toBe(
        '',
      );
    });
  },
);
