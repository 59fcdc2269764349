import { createAwsSandboxHome } from '@aws-mcp/emulators';
import { useTempDir } from '@aws-mcp/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecutionError } from './execution-error.js';
import { type AwsCommandAuditEntry, type RunAwsCommandOptions, runAwsCommand } from './run-aws-command.js';
import { noSandbox } from './sandbox.js';

// runAwsCommand's preflight of the call's own choices: refused before anything is judged, asked or run.
const regions = () => ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-west-2'];
const credentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'not-a-real-secret-key-at-all' };

describe('runAwsCommand: the call’s profile and region', () => {
  const workdir = useTempDir('run-choices-');
  let home: Awaited<ReturnType<typeof createAwsSandboxHome>>;
  beforeAll(async () => {
    home = await createAwsSandboxHome({
      credentials,
      profiles: [
        { name: 'default', region: 'us-east-1' },
        { name: 'dev', region: 'eu-west-2' },
      ],
    });
  });
  afterAll(async () => {
    await home?.remove();
  });

  /** Runs a line with the given choices, recording what was asked, run and audited. */
  async function attempt(line: string, choices: Partial<RunAwsCommandOptions>) {
    const seen = { confirms: 0, runs: 0, audits: [] as AwsCommandAuditEntry[] };
    const error = await runAwsCommand(line, {
      cwd: workdir.path,
      env: { PATH: process.env.PATH ?? '', ...home.env },
      sandbox: noSandbox,
      policy: { mode: 'confirm-writes', allowedProfiles: ['default', 'dev', 'gone'] },
      regions,
      confirm: () => {
        seen.confirms += 1;
        return true;
      },
      run: async () => {
        seen.runs += 1;
        throw new Error('nothing should run');
      },
      audit: (entry) => seen.audits.push(entry),
      ...choices,
    }).catch((caught: unknown) => caught);
    return { error, seen };
  }

  it.each<[string, string, Partial<RunAwsCommandOptions>, string, string]>([
    [
      'a profile outside the allowlist',
      'aws s3 ls',
      { profile: 'prod' },
      'PROFILE_NOT_ALLOWED',
      'profile `prod` is not in the profile allowlist (`allowedProfiles`) (default, dev, gone).',
    ],
    [
      'a profile the AWS files do not have',
      'aws s3 ls',
      { profile: 'gone' },
      'UNKNOWN_PROFILE',
      'there is no profile `gone` in the AWS files (configured: default, dev).',
    ],
    [
      'a chosen region that is no region code',
      'aws s3 ls',
      { region: 'eu-west-9' },
      'UNKNOWN_REGION',
      '`eu-west-9` is not a known region code.',
    ],
    [
      "the line's --region, named as such",
      'aws s3 ls --region us-weast-2',
      {},
      'UNKNOWN_REGION',
      '`us-weast-2` (`--region` on the command line) is not a known region code.',
    ],
  ])('refuses %s before asking or running anything', async (_, line, choices, code, reason) => {
    const { error, seen } = await attempt(line, choices);
    expect(ExecutionError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code, reason });
    expect([seen.confirms, seen.runs]).toEqual([0, 0]);
    expect(seen.audits.map((entry) => entry.error)).toEqual([code]);
  });

  it('suggests similar region codes and the list to read, in the caller’s words', async () => {
    const { error } = await attempt('aws s3 ls', {
      region: 'eu-west-9',
      choiceNames: { regionsList: 'aws://config/regions' },
    });
    expect((error as ExecutionError).message).toBe(
      '`eu-west-9` is not a known region code (e.g. eu-west-1, eu-west-2); read aws://config/regions for the list.',
    );
  });

  it('checks no region without the known codes, and lets a good choice through to the run', async () => {
    const unchecked = await attempt('aws s3 ls --region nowhere-1', { regions: undefined });
    expect(unchecked.seen.runs).toBe(1);
    for (const [line, choices] of [
      ['aws s3 ls', { profile: 'dev', region: 'us-west-2' }],
      ['aws s3 ls --region eu-west-1', { profile: 'default' }],
    ] as const) {
      const good = await attempt(line, choices);
      expect([good.seen.runs, String(good.error)]).toEqual([1, 'Error: nothing should run']);
    }
  });
});
