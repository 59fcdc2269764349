import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Decision } from '@aws-mcp/command';
import { findMotoServer, MOTO_CREDENTIALS, type MotoEmulator, startMoto } from '@aws-mcp/emulators';
import {
  checkFanOutDecisions as checkDecisions,
  createEnabledRegionsLookup,
  type EnabledRegions,
  type FanOutTarget,
  isFanOutRefusal,
  type ResolveFanOutOptions,
  resolveFanOutTargets as resolveTargets,
  saveNameForTarget,
  splitOutputCap,
} from '@aws-mcp/executor';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, textOf } from '../../test/test-server.js';
import { asToolRefusal, type FanOutTargetResult, leftOutNotes, serverFanOutNames } from './_fan-out.js';

const run = promisify(execFile);
const motoMissing = findMotoServer() === undefined;

/** A resolver's options over profiles alpha, beta, prod-a, prod-b; `enabled` counts its lookups. */
function resolveOptions(overrides: Partial<ResolveFanOutOptions> = {}) {
  const lookups: string[] = [];
  const options: ResolveFanOutOptions = {
    request: {},
    line: {},
    configuredProfiles: ['alpha', 'beta', 'prod-a', 'prod-b'],
    allowedProfiles: undefined,
    defaultProfile: 'alpha',
    regionOf: (profile) => (profile === 'beta' ? 'eu-west-1' : 'us-east-1'),
    knownRegions: ['us-east-1', 'eu-west-1', 'ap-southeast-2', 'sa-east-1'],
    enabledRegions: async (target) => {
      lookups.push(target.profile);
      return { regions: ['us-east-1', 'eu-west-1'], source: 'test' };
    },
    max: 50,
    ...overrides,
  };
  return { options, lookups };
}

/** The per-target results of a fan-out's result; throws with the result's text when it has none. */
function targetsOf(result: CallToolResult): FanOutTargetResult[] {
  const fanOut = result.structuredContent?.fanOut as { targets: FanOutTargetResult[] } | undefined;
  if (fanOut === undefined) throw new Error(`not a fan-out result: ${textOf(result)}`);
  return fanOut.targets;
}

/** The executor's target resolution in the server's words, as runFanOut reads it: its names, refusals and notes. */
async function resolveFanOutTargets(options: ResolveFanOutOptions) {
  const resolved = await resolveTargets({ ...options, names: serverFanOutNames });
  return isFanOutRefusal(resolved)
    ? asToolRefusal(resolved)
    : { targets: resolved.targets, notes: leftOutNotes(resolved.leftOut) };
}

/** The executor's fan-out rules in the server's words. */
function checkFanOutDecisions(options: Omit<Parameters<typeof checkDecisions>[0], 'names'>) {
  const verdict = checkDecisions({ ...options, names: serverFanOutNames });
  return isFanOutRefusal(verdict) ? asToolRefusal(verdict) : verdict;
}

const pairs = (targets: readonly FanOutTarget[]) =>
  targets.map((target) => `${target.profile}@${target.region}`);

describe('resolveFanOutTargets', () => {
  it.each<[string, Partial<ResolveFanOutOptions>, string[]]>([
    [
      'a profile list × a region list',
      { request: { profiles: ['alpha', 'beta'], regions: ['us-east-1', 'sa-east-1'] } },
      ['alpha@us-east-1', 'alpha@sa-east-1', 'beta@us-east-1', 'beta@sa-east-1'],
    ],
    [
      'a glob over configured profiles, each in its own region',
      { request: { profiles: 'prod-*' } },
      ['prod-a@us-east-1', 'prod-b@us-east-1'],
    ],
    [
      'regions with the call’s profile',
      { request: { profile: 'beta', regions: ['sa-east-1'] } },
      ['beta@sa-east-1'],
    ],
    [
      'profiles with the call’s region',
      { request: { profiles: ['beta'], region: 'sa-east-1' } },
      ['beta@sa-east-1'],
    ],
    [
      'the enabled regions of each profile',
      { request: { profiles: ['alpha', 'beta'], regions: 'enabled' } },
      ['alpha@us-east-1', 'alpha@eu-west-1', 'beta@us-east-1', 'beta@eu-west-1'],
    ],
    [
      'a glob leaves out what the allowlist does not allow',
      { request: { profiles: '*' }, allowedProfiles: ['prod-*'] },
      ['prod-a@us-east-1', 'prod-b@us-east-1'],
    ],
    [
      'repeated names once',
      { request: { profiles: ['beta', 'beta'], regions: ['sa-east-1', 'sa-east-1'] } },
      ['beta@sa-east-1'],
    ],
  ])('%s', async (_, overrides, expected) => {
    const resolved = await resolveFanOutTargets(resolveOptions(overrides).options);
    expect('targets' in resolved ? pairs(resolved.targets) : resolved).toEqual(expected);
  });

  it('says which profiles a glob matched and the allowlist left out', async () => {
    const resolved = await resolveFanOutTargets(
      resolveOptions({ request: { profiles: '*' }, allowedProfiles: ['prod-*'] }).options,
    );
    expect(resolved).toMatchObject({
      notes: ['Left out (not in the server’s profile allowlist): alpha, beta.'],
    });
  });

  it.each<[string, Partial<ResolveFanOutOptions>, string, RegExp]>([
    [
      '--profile on the line',
      { request: { regions: ['us-east-1'] }, line: { profile: 'beta' } },
      'FANOUT_CONFLICTING_SETTING',
      /`--profile beta` is on the command line of a fan-out/,
    ],
    [
      '--region on the line',
      { request: { profiles: ['beta'] }, line: { region: 'sa-east-1' } },
      'FANOUT_CONFLICTING_SETTING',
      /`--region sa-east-1` is on the command line/,
    ],
    [
      'profile and profiles',
      { request: { profile: 'alpha', profiles: ['beta'] } },
      'FANOUT_CONFLICTING_SETTING',
      /both `profile` and `profiles`/,
    ],
    [
      'region and regions',
      { request: { region: 'us-east-1', regions: ['sa-east-1'] } },
      'FANOUT_CONFLICTING_SETTING',
      /both `region` and `regions`/,
    ],
    [
      'an unknown profile',
      { request: { profiles: ['alpha', 'gamma'] } },
      'UNKNOWN_PROFILE',
      /no profile `gamma` in the AWS files \(configured: alpha, beta, prod-a, prod-b\)/,
    ],
    [
      'a profile outside the allowlist',
      { request: { profiles: ['alpha', 'beta'] }, allowedProfiles: ['alpha'] },
      'PROFILE_NOT_ALLOWED',
      /`beta` is not in the server's allowlist \(alpha\)/,
    ],
    [
      'an unknown region',
      { request: { regions: ['us-east-1', 'mars-1'] } },
      'UNKNOWN_REGION',
      /`mars-1` is not a known region code/,
    ],
    [
      'a glob matching nothing',
      { request: { profiles: 'staging-*' } },
      'FANOUT_NO_TARGETS',
      /`profiles: "staging-\*"` matches no configured profile \(configured: /,
    ],
    [
      'an empty profile list',
      { request: { profiles: [] } },
      'FANOUT_NO_TARGETS',
      /`profiles` is an empty list/,
    ],
    ['an empty region list', { request: { regions: [] } }, 'FANOUT_NO_TARGETS', /`regions` is an empty list/],
    [
      'more targets than the limit',
      { request: { profiles: ['alpha', 'beta'], regions: ['us-east-1', 'eu-west-1', 'sa-east-1'] }, max: 5 },
      'FANOUT_TOO_MANY_TARGETS',
      /has 6 targets \(2 profiles × 3 regions\); at most 5 run in one call \(AWS_MCP_FANOUT_MAX\)/,
    ],
    [
      'more enabled regions than the limit',
      { request: { profiles: ['alpha', 'beta'], regions: 'enabled' }, max: 3 },
      'FANOUT_TOO_MANY_TARGETS',
      /has 4 targets \(the enabled regions of 2 profiles\); at most 3/,
    ],
    [
      'enabled regions that cannot be read',
      {
        request: { regions: 'enabled' },
        enabledRegions: async () => ({ error: 'AccessDenied' }),
      },
      'FANOUT_REGIONS_UNAVAILABLE',
      /could not be read \(alpha: AccessDenied\)/,
    ],
  ])('refuses %s', async (_, overrides, code, message) => {
    const resolved = await resolveFanOutTargets(resolveOptions(overrides).options);
    expect(resolved).toMatchObject({ code, text: expect.stringMatching(message) });
  });

  it('refuses more profiles than the limit before reading any enabled regions', async () => {
    const { options, lookups } = resolveOptions({
      request: { profiles: ['alpha', 'beta', 'prod-a'], regions: 'enabled' },
      max: 2,
    });
    expect(await resolveFanOutTargets(options)).toMatchObject({ code: 'FANOUT_TOO_MANY_TARGETS' });
    expect(lookups).toEqual([]);
  });
});

describe('createEnabledRegionsLookup', () => {
  it('asks each profile’s account once, and asks again after a failure', async () => {
    const asked: string[] = [];
    let fail = true;
    const lookup = createEnabledRegionsLookup(async (target): Promise<EnabledRegions> => {
      asked.push(target.profile);
      if (target.profile === 'beta' && fail) {
        fail = false;
        return { error: 'throttled' };
      }
      return { regions: ['us-east-1'], source: 'test' };
    });
    for (const profile of ['alpha', 'alpha', 'beta', 'beta', 'beta']) {
      await lookup({ profile, profileChosen: true });
    }
    expect(asked).toEqual(['alpha', 'beta', 'beta']);
  });
});

function decided(action: Decision['action'], rule: string, accessClass: 'read' | 'write' = 'read'): Decision {
  return {
    action,
    rule,
    reason: `${rule} said so`,
    classification: {
      accessClass,
      action: accessClass === 'write' ? 'sqs:create-queue' : 'sqs:list-queues',
      reason: accessClass === 'write' ? 'it creates a queue' : 'it lists queues',
      known: true,
    } as Decision['classification'],
    profile: undefined,
    region: undefined,
    localPaths: [],
  };
}

const alpha: FanOutTarget = { profile: 'alpha', profileChosen: true, region: 'us-east-1' };
const beta: FanOutTarget = { profile: 'beta', profileChosen: true, region: 'eu-west-1' };

describe('checkFanOutDecisions', () => {
  it.each<[string, Decision, Decision, string[], string | undefined, object]>([
    [
      'reads the mode allows',
      decided('allow', 'mode:confirm-writes'),
      decided('allow', 'mode:confirm-writes'),
      [],
      undefined,
      { asks: false },
    ],
    [
      'reads one rule asks about',
      decided('allow', 'mode:confirm-writes'),
      decided('confirm', 'rules[0]'),
      [],
      undefined,
      { asks: true },
    ],
    [
      'writes a rule allows everywhere',
      decided('allow', 'rules[1]', 'write'),
      decided('allow', 'rules[1]', 'write'),
      [],
      undefined,
      { asks: false },
    ],
    [
      'secret output saved',
      decided('allow', 'mode:full'),
      decided('allow', 'mode:full'),
      ['Credentials.SecretAccessKey'],
      'keys.json',
      { asks: false },
    ],
    [
      'a write the mode allows',
      decided('allow', 'rules[1]', 'write'),
      decided('allow', 'mode:full', 'write'),
      [],
      undefined,
      {
        code: 'FANOUT_WRITE_REFUSED',
        text: expect.stringContaining(
          '1 of 2 targets have none: profile beta · region eu-west-1 (decided by mode:full). A rule in the policy file (AWS_MCP_POLICY_FILE) that would allow it: {"effect":"allow","actions":["sqs:create-queue"],"profiles":["alpha","beta"],"regions":["us-east-1","eu-west-1"]}',
        ),
      },
    ],
    [
      'a write that asks',
      decided('confirm', 'mode:confirm-writes', 'write'),
      decided('confirm', 'mode:confirm-writes', 'write'),
      [],
      undefined,
      { code: 'FANOUT_WRITE_REFUSED', reason: expect.stringContaining('2 of 2 targets have none') },
    ],
    [
      'a target the policy denies',
      decided('allow', 'mode:read-only'),
      decided('deny', 'rules[2]'),
      [],
      undefined,
      {
        code: 'DENIED_BY_POLICY',
        reason: expect.stringContaining(
          '1 of 2 targets: profile beta · region eu-west-1 (rules[2]: rules[2] said so)',
        ),
      },
    ],
    [
      'secret output without saveOutputTo',
      decided('allow', 'mode:full'),
      decided('allow', 'mode:full'),
      ['Credentials.SecretAccessKey'],
      undefined,
      { code: 'FANOUT_SECRET_OUTPUT', text: expect.stringContaining('Give `saveOutputTo: "NAME"`') },
    ],
  ])('%s', (_, first, second, secretMembers, saveOutputTo, expected) => {
    const verdict = checkFanOutDecisions({
      judged: [
        { target: alpha, decision: first },
        { target: beta, decision: second },
      ],
      secretMembers,
      saveOutputTo,
    });
    expect(verdict).toMatchObject(expected);
  });
});

describe('saveNameForTarget', () => {
  it.each([
    ['keys.json', alpha, 'keys-alpha-us-east-1.json'],
    ['keys', beta, 'keys-beta-eu-west-1'],
    [
      'a.b.txt',
      { profile: 'team/ops.x', profileChosen: true, region: 'sa-east-1' },
      'a.b-team_ops_x-sa-east-1.txt',
    ],
  ])('saves %s for %o as %s', (name, target, expected) => {
    expect(saveNameForTarget(name, target)).toBe(expected);
  });
});

describe('splitOutputCap', () => {
  it.each([
    [40_000, 50, 800],
    [40_000, 6, 6666],
    [10, 50, 1],
  ])('splits %i characters between %i targets as %i each', (cap, targets, share) => {
    expect(splitOutputCap(cap, targets)).toBe(share);
  });
});

/** Three regions, two profiles in two accounts (beta's keys come from a role in another account). */
const regions = ['us-east-1', 'eu-west-1', 'ap-southeast-2'] as const;
const accounts = { alpha: '123456789012', beta: '222222222222' } as const;
type Profile = keyof typeof accounts;
const profiles = Object.keys(accounts) as Profile[];

describe.skipIf(motoMissing)(
  `aws_cli_pipeline with profiles and regions against moto${motoMissing ? ' (skipped: moto_server is not installed)' : ''}`,
  () => {
    let moto: MotoEmulator;
    let folder: string;
    let files: Record<string, string>;
    let test: TestServer;

    /** The raw CLI against moto with a profile's keys: the oracle of what exists where. */
    async function rawCli(profile: Profile, region: string, args: string[]): Promise<string> {
      const { stdout } = await run(
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
        { env: { PATH: process.env.PATH ?? '', LANG: 'C.UTF-8', AWS_MAX_ATTEMPTS: '1', ...files } },
      );
      return stdout;
    }

    async function queueNames(profile: Profile, region: string, prefix: string): Promise<string[]> {
      const listed = await rawCli(profile, region, ['sqs', 'list-queues', '--queue-name-prefix', prefix]);
      const urls =
        listed.trim() === '' ? [] : ((JSON.parse(listed) as { QueueUrls?: string[] }).QueueUrls ?? []);
      return urls.map((url) => url.split('/').slice(-2).join('/'));
    }

    beforeAll(async () => {
      moto = await startMoto();
      folder = await mkdtemp(join(tmpdir(), 'fan-out-'));
      files = {
        AWS_CONFIG_FILE: join(folder, 'config'),
        AWS_SHARED_CREDENTIALS_FILE: join(folder, 'credentials'),
      };
      const assumed = await run(
        'aws',
        [
          '--endpoint-url',
          moto.endpoint,
          '--region',
          'us-east-1',
          'sts',
          'assume-role',
          '--role-arn',
          `arn:aws:iam::${accounts.beta}:role/fan-out`,
          '--role-session-name',
          'fan-out-test',
          '--output',
          'json',
        ],
        {
          env: {
            PATH: process.env.PATH ?? '',
            AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
            AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
            AWS_CONFIG_FILE: '/dev/null',
            AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
          },
        },
      );
      const role = (JSON.parse(assumed.stdout) as { Credentials: Record<string, string> }).Credentials;
      await writeFile(
        files.AWS_CONFIG_FILE as string,
        '[profile alpha]\nregion = us-east-1\n\n[profile beta]\nregion = eu-west-1\n',
      );
      await writeFile(
        files.AWS_SHARED_CREDENTIALS_FILE as string,
        `[alpha]\naws_access_key_id = ${MOTO_CREDENTIALS.accessKeyId}\naws_secret_access_key = ${MOTO_CREDENTIALS.secretAccessKey}\n\n` +
          `[beta]\naws_access_key_id = ${role.AccessKeyId}\naws_secret_access_key = ${role.SecretAccessKey}\naws_session_token = ${role.SessionToken}\n`,
        { mode: 0o600 },
      );
      const policyFile = join(folder, 'policy.json');
      await writeFile(
        policyFile,
        JSON.stringify({
          mode: 'confirm-writes',
          rules: [
            { id: 'ask-before-listing-queues', effect: 'confirm', actions: ['sqs:list-queues'] },
            {
              id: 'queues-in-two-regions',
              effect: 'allow',
              actions: ['sqs:create-queue'],
              profiles: ['alpha', 'beta'],
              regions: ['us-east-1', 'eu-west-1'],
            },
          ],
        }),
      );
      await Promise.all(
        profiles.flatMap((profile) =>
          regions.map((region) =>
            rawCli(profile, region, ['sqs', 'create-queue', '--queue-name', `q-${profile}-${region}`]),
          ),
        ),
      );
      test = await startTestServer(
        {
          ...files,
          AWS_ENDPOINT_URL: moto.endpoint,
          AWS_PROFILE: 'alpha',
          AWS_MCP_POLICY_FILE: policyFile,
          AWS_MCP_FANOUT_MAX: '30',
          AWS_MCP_AUDIT_LOG: join(folder, 'audit.jsonl'),
        },
        { emulator: 'moto' },
      );
    });
    afterAll(async () => {
      await test?.close();
      await moto?.stop();
      if (folder !== undefined) await rm(folder, { recursive: true, force: true });
    });

    const listQueues = { command: 'aws sqs list-queues --queue-name-prefix q- --output json' };

    it('reads each target’s own queues, after one consent that lists all six targets', async () => {
      test.consent.asked.length = 0;
      const result = await test.call('aws_cli_pipeline', { ...listQueues, profiles, regions });
      expect(result.isError, textOf(result)).toBeFalsy();
      expect(test.consent.asked).toHaveLength(1);
      const asked = test.consent.asked[0] ?? '';
      expect(asked).toContain('Targets (6; one answer runs it on every one):');
      for (const profile of profiles) {
        for (const region of regions) {
          expect(asked).toContain(`  profile ${profile} · region ${region} · account ${accounts[profile]}`);
        }
      }
      const merged = result.structuredContent?.json as Array<{
        profile: string;
        region: string;
        account: string;
        output: { QueueUrls: string[] };
      }>;
      expect(
        merged.map(({ profile, region, account, output }) => ({
          profile,
          region,
          account,
          queues: output.QueueUrls.map((url) => url.split('/').slice(-2).join('/')),
        })),
      ).toEqual(
        profiles.flatMap((profile) =>
          regions.map((region) => ({
            profile,
            region,
            account: accounts[profile],
            queues: [`${accounts[profile]}/q-${profile}-${region}`],
          })),
        ),
      );
      // One audit line per target, with that target's profile, region and account.
      let lines: Array<{
        argv?: string[][];
        profile?: string;
        region?: string;
        account?: string;
        status: string;
        consent?: string;
        secrets?: string;
      }> = [];
      for (let tries = 0; tries < 50 && lines.length < 6; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        lines = (await readFile(join(folder, 'audit.jsonl'), 'utf8'))
          .split('\n')
          .filter((line) => line !== '')
          .map((line) => JSON.parse(line))
          .filter((line) => line.argv?.[0]?.includes('list-queues') && line.status === 'success');
      }
      expect(lines.map((line) => `${line.profile}@${line.region}@${line.account}`).sort()).toEqual(
        profiles
          .flatMap((profile) => regions.map((region) => `${profile}@${region}@${accounts[profile]}`))
          .sort(),
      );
      // Each line also says the one consent it ran under and what became of its output's secrets.
      expect([...new Set(lines.map((line) => `${line.consent} ${line.secrets}`))]).toEqual([
        'accepted masked',
      ]);
      expect(textOf(result)).toMatch(
        /^=== #[0-9a-f]{6} 4\/6 · profile beta · region us-east-1 · account 222222222222 · success ===\n\{\n\s+"QueueUrls": \[\n\s+".*\/222222222222\/q-beta-us-east-1"/m,
      );
    });

    it('refuses the whole fan-out when its one consent is declined', async () => {
      test.consent.asked.length = 0;
      const client = await test.connectAnswering(() => ({ action: 'decline' }));
      const result = (await client.callTool({
        name: 'aws_cli_pipeline',
        arguments: { command: 'aws sqs list-queues --output json', profiles, regions },
      })) as CallToolResult;
      expect(result.isError).toBe(true);
      expect(result.structuredContent).toMatchObject({
        status: 'refused',
        code: 'CONSENT_DECLINED',
        consent: 'declined',
        output: '',
      });
      expect(result.structuredContent?.fanOut).toBeUndefined();
      expect(test.consent.asked).toHaveLength(1);
    });

    it('reports a failing target under its header and runs the rest', async () => {
      const result = await test.call('aws_cli_pipeline', {
        command: 'aws sqs get-queue-url --queue-name q-alpha-eu-west-1 --output json',
        profiles: ['alpha'],
        regions: ['us-east-1', 'eu-west-1'],
      });
      expect(result.isError, textOf(result)).toBeFalsy();
      expect(result.structuredContent).toMatchObject({
        status: 'error',
        fanOut: {
          succeeded: 1,
          failed: 1,
          targets: [
            { region: 'us-east-1', status: 'error', exitCode: 255 },
            { region: 'eu-west-1', status: 'success' },
          ],
        },
      });
      expect(textOf(result)).toMatch(
        /=== #[0-9a-f]{6} 1\/2 · profile alpha · region us-east-1 · account 123456789012 · error ===\nThe command failed \(aws exited 255\)\.\n.*NonExistentQueue/,
      );
    });

    it('splits the output cap between the targets and says so', async () => {
      const result = await test.call('aws_cli_pipeline', {
        command: 'aws sqs list-queues --output json',
        profiles: ['alpha'],
        regions: ['us-east-1', 'eu-west-1'],
        maxOutput: 120,
      });
      expect(textOf(result)).toContain(
        'Each target’s output is capped at 60 characters (the 120-character cap split between 2 targets).',
      );
      const targets = targetsOf(result);
      expect(targets.map((target) => target.truncated)).toEqual([true, true]);
      for (const target of targets) expect(target.output.length).toBeLessThanOrEqual(120);
    });

    it('keeps each cut target output whole for the session, and reports each finished target as progress', async () => {
      const updates: Array<{ progress: number; total?: number; message?: string }> = [];
      const result = (await test.client.callTool(
        {
          name: 'aws_cli_pipeline',
          arguments: {
            command: 'aws sqs list-queues --output json',
            profiles,
            regions: ['us-east-1', 'eu-west-1'],
            maxOutput: 120,
          },
        },
        undefined,
        { onprogress: (progress) => updates.push(progress) },
      )) as CallToolResult;
      expect(result.isError, textOf(result)).toBeFalsy();
      const targets = targetsOf(result);
      expect(targets.map((target) => target.truncated)).toEqual([true, true, true, true]);
      const links = result.content.filter((block) => block.type === 'resource_link');
      expect(links).toHaveLength(4);
      for (const target of targets) {
        const kept = target.kept as { kept: true; resultId: string; uri: string; chars: number };
        expect(kept).toMatchObject({ kept: true, resultId: target.resultId });
        expect(links.map((link) => link.uri)).toContain(kept.uri);
        expect(textOf(result)).toContain(`is kept as ${kept.uri} until`);
        // The kept text is the target's whole output: the raw CLI with that profile and region is the oracle.
        const read = await test.client.readResource({ uri: `${kept.uri}?offset=0&length=100000` });
        const whole = (read.contents[0] as { text: string }).text;
        expect(whole.length).toBe(kept.chars);
        const raw = await rawCli(target.profile as Profile, target.region, ['sqs', 'list-queues']);
        expect(JSON.parse(whole)).toEqual(JSON.parse(raw));
        const filtered = await test.call('aws_cli_pipeline', {
          fromResult: kept.resultId,
          command: "jq -r '.QueueUrls | length'",
        });
        expect(filtered.structuredContent?.output).toBe(
          `${(JSON.parse(raw) as { QueueUrls: string[] }).QueueUrls.length}\n`,
        );
      }
      expect(updates.map((update) => [update.progress, update.total])).toEqual([
        [1, 4],
        [2, 4],
        [3, 4],
        [4, 4],
      ]);
      expect(
        updates.map((update) => update.message?.replace(/^\d\/4 targets finished: /, '')).sort(),
      ).toEqual(
        profiles
          .flatMap((profile) =>
            ['us-east-1', 'eu-west-1'].map((region) => `profile ${profile} · region ${region} · success`),
          )
          .sort(),
      );
    });

    it('refuses a write no policy rule allows on every target, and creates nothing', async () => {
      test.consent.asked.length = 0;
      const result = await test.call('aws_cli_pipeline', {
        command: 'aws sqs create-queue --queue-name w-everywhere',
        profiles,
        regions,
      });
      expect(result.isError).toBe(true);
      expect(result.structuredContent).toMatchObject({ status: 'refused', code: 'FANOUT_WRITE_REFUSED' });
      expect(textOf(result)).toContain(
        '2 of 6 targets have none: profile alpha · region ap-southeast-2 (decided by mode:confirm-writes); profile beta · region ap-southeast-2 (decided by mode:confirm-writes)',
      );
      expect(textOf(result)).toContain(
        '{"effect":"allow","actions":["sqs:create-queue"],"profiles":["alpha","beta"],"regions":["us-east-1","eu-west-1","ap-southeast-2"]}',
      );
      expect(test.consent.asked).toEqual([]);
      const everywhere = profiles.flatMap((profile) =>
        regions.map((region) => queueNames(profile, region, 'w-')),
      );
      expect(await Promise.all(everywhere)).toEqual(everywhere.map(() => []));
      const topic = await test.call('aws_cli_pipeline', {
        command: 'aws sns create-topic --name t-everywhere',
        profiles,
      });
      expect(topic.structuredContent).toMatchObject({ code: 'FANOUT_WRITE_REFUSED' });
    });

    it('runs a write where a policy rule allows it for every target', async () => {
      test.consent.asked.length = 0;
      const result = await test.call('aws_cli_pipeline', {
        command: 'aws sqs create-queue --queue-name w-allowed',
        profiles,
        regions: ['us-east-1', 'eu-west-1'],
      });
      expect(result.isError, textOf(result)).toBeFalsy();
      expect(result.structuredContent).toMatchObject({
        status: 'success',
        fanOut: { succeeded: 4, failed: 0 },
      });
      expect(test.consent.asked).toEqual([]);
      const found = await Promise.all(
        profiles.flatMap((profile) =>
          regions.map(async (region) => [profile, region, await queueNames(profile, region, 'w-')]),
        ),
      );
      expect(found).toEqual(
        profiles.flatMap((profile) =>
          regions.map((region) => [
            profile,
            region,
            region === 'ap-southeast-2' ? [] : [`${accounts[profile]}/w-allowed`],
          ]),
        ),
      );
    });

    it('refuses more targets than AWS_MCP_FANOUT_MAX before anyone is asked or anything runs', async () => {
      test.consent.asked.length = 0;
      const many = [
        'us-east-1',
        'us-east-2',
        'us-west-1',
        'us-west-2',
        'eu-west-1',
        'eu-west-2',
        'eu-west-3',
        'eu-central-1',
        'eu-north-1',
        'ap-southeast-1',
        'ap-southeast-2',
        'ap-northeast-1',
        'ap-northeast-2',
        'ap-south-1',
        'sa-east-1',
        'ca-central-1',
      ];
      for (const command of ['aws sqs create-queue --queue-name w-over', listQueues.command]) {
        const result = await test.call('aws_cli_pipeline', { command, profiles, regions: many });
        expect(result.isError).toBe(true);
        expect(result.structuredContent).toMatchObject({
          status: 'refused',
          code: 'FANOUT_TOO_MANY_TARGETS',
        });
        expect(textOf(result)).toContain(
          'this fan-out has 32 targets (2 profiles × 16 regions); at most 30 run in one call (AWS_MCP_FANOUT_MAX)',
        );
      }
      expect(test.consent.asked).toEqual([]);
      expect(await queueNames('alpha', 'us-east-1', 'w-over')).toEqual([]);
    });

    it('refuses --profile on the line of a fan-out', async () => {
      const result = await test.call('aws_cli_pipeline', {
        command: 'aws --profile beta sqs list-queues',
        regions: ['us-east-1'],
      });
      expect(result.structuredContent).toMatchObject({ code: 'FANOUT_CONFLICTING_SETTING' });
      expect(textOf(result)).toContain('`--profile beta` is on the command line of a fan-out');
    });

    it('resolves regions: "enabled" with the profile’s account as moto answers it (checked, not run)', async () => {
      // The oracle: moto's own describe-regions (it has no account list-regions), the enabled ones of the aws partition.
      const described = JSON.parse(await rawCli('alpha', 'us-east-1', ['ec2', 'describe-regions'])) as {
        Regions: Array<{ RegionName: string; OptInStatus: string }>;
      };
      const expected = described.Regions.filter(
        (region) =>
          region.OptInStatus !== 'not-opted-in' && /^(us|eu|ap|sa|ca|me|af|il|mx)-/.test(region.RegionName),
      )
        .map((region) => region.RegionName)
        .filter((name) => !name.startsWith('us-gov-'))
        .sort();
      expect(expected.length).toBeGreaterThan(3);
      test.consent.asked.length = 0;
      const result = await test.call('aws_cli_pipeline', { ...listQueues, regions: 'enabled', check: true });
      expect(result.isError, textOf(result)).toBeFalsy();
      expect(test.consent.asked).toEqual([]);
      expect(targetsOf(result).map((target) => `${target.profile}@${target.region}`)).toEqual(
        expected.map((region) => `alpha@${region}`),
      );
      expect(result.structuredContent?.check).toMatchObject({
        asks: true,
        consentText: expect.stringContaining(
          `Targets (${expected.length}; one answer runs it on every one):`,
        ),
      });

      const both = await test.call('aws_cli_pipeline', { ...listQueues, profiles, regions: 'enabled' });
      expect(both.structuredContent).toMatchObject({ code: 'FANOUT_TOO_MANY_TARGETS' });
      expect(textOf(both)).toContain(
        `has ${expected.length * 2} targets (the enabled regions of 2 profiles); at most 30`,
      );
    });

    it('fans out a read with secret output only with saveOutputTo, one file per target', async () => {
      const unsaved = await test.call('aws_cli_pipeline', {
        command: 'aws sts get-session-token --output json',
        profiles,
      });
      expect(unsaved.structuredContent).toMatchObject({ code: 'FANOUT_SECRET_OUTPUT' });
      test.consent.asked.length = 0;
      const saved = await test.call('aws_cli_pipeline', {
        command: 'aws sts get-session-token --output json',
        profiles,
        saveOutputTo: 'session.json',
      });
      expect(saved.isError, textOf(saved)).toBeFalsy();
      expect(test.consent.asked).toHaveLength(1);
      const targets = targetsOf(saved);
      expect(
        targets.map((target) => [target.profile, target.secrets?.handling, target.secrets?.saved?.name]),
      ).toEqual([
        ['alpha', 'saved', 'session-alpha-us-east-1.json'],
        ['beta', 'saved', 'session-beta-eu-west-1.json'],
      ]);
      for (const target of targets) {
        const file = JSON.parse(
          await readFile(join(test.context.secretsFolder, target.secrets?.saved?.name ?? ''), 'utf8'),
        ) as {
          Credentials: { SecretAccessKey: string };
        };
        expect(file.Credentials.SecretAccessKey).toMatch(/^[A-Za-z0-9/+]{30,}$/);
        expect(textOf(saved)).not.toContain(file.Credentials.SecretAccessKey);
      }
      expect(textOf(saved)).toContain('[MASKED]');
    });
  },
);
