import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readAwsSetup } from '@aws-mcp/aws-config';
import { useTempDir } from '@aws-mcp/test-support';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { checkAwsChoices, checkAwsRegion } from './check-aws-choices.js';

const home = useTempDir('check-choices-');
const regions = [
  'eu-west-1',
  'eu-west-2',
  'eu-central-1',
  'us-east-1',
  'us-west-2',
  'eu-north-1',
  'eu-south-1',
  'eu-west-3',
];

describe('checkAwsChoices', () => {
  it.each([
    {
      what: 'a profile outside the allowlist',
      choices: { profile: 'prod', allowedProfiles: ['dev-*', 'default'] },
      code: 'PROFILE_NOT_ALLOWED',
      reason: 'profile `prod` is not in the profile allowlist (`allowedProfiles`) (dev-*, default).',
      message: 'profile `prod` is not in the profile allowlist (`allowedProfiles`) (dev-*, default).',
    },
    {
      what: 'a profile the AWS files do not configure',
      choices: { profile: 'nobody' },
      code: 'UNKNOWN_PROFILE',
      reason: 'there is no profile `nobody` in the AWS files (configured: default, dev-a).',
      message:
        'there is no profile `nobody` in the AWS files (configured: default, dev-a). Read `readAwsSetup().profiles`, or leave `profile` out.',
    },
    {
      what: 'an allowed profile that is not configured (the allowlist is asked first)',
      choices: { profile: 'dev-b', allowedProfiles: ['dev-*'] },
      code: 'UNKNOWN_PROFILE',
      reason: 'there is no profile `dev-b` in the AWS files (configured: default, dev-a).',
      message:
        'there is no profile `dev-b` in the AWS files (configured: default, dev-a). Read `readAwsSetup().profiles`, or leave `profile` out.',
    },
    {
      what: 'an unknown region, with codes of its prefix as examples',
      choices: { region: 'eu-mars-1' },
      code: 'UNKNOWN_REGION',
      reason: '`eu-mars-1` is not a known region code.',
      message:
        '`eu-mars-1` is not a known region code (e.g. eu-west-1, eu-west-2, eu-central-1, eu-north-1, eu-south-1); read `listRegions()` for the list.',
    },
    {
      what: 'an unknown region with no close code',
      choices: { region: 'mars-north-1' },
      code: 'UNKNOWN_REGION',
      reason: '`mars-north-1` is not a known region code.',
      message: '`mars-north-1` is not a known region code; read `listRegions()` for the list.',
    },
    {
      what: 'a good profile with a bad region (both are checked)',
      choices: { profile: 'dev-a', region: 'us-mars-1', allowedProfiles: ['dev-*'] },
      code: 'UNKNOWN_REGION',
      reason: '`us-mars-1` is not a known region code.',
      message:
        '`us-mars-1` is not a known region code (e.g. us-east-1, us-west-2); read `listRegions()` for the list.',
    },
  ])('refuses $what ($code)', async ({ choices, code, reason, message }) => {
    const refusal = await checkAwsChoices({
      allowedProfiles: undefined,
      profiles: ['default', 'dev-a'],
      regions: () => regions,
      ...choices,
    });
    expect(refusal).toEqual({ code, reason, message });
  });

  it.each([
    { what: 'no choices', choices: {} },
    { what: 'a configured profile a glob allows', choices: { profile: 'dev-a', allowedProfiles: ['dev-*'] } },
    { what: 'a known region', choices: { region: 'eu-west-2' } },
  ])('lets $what through', async ({ choices }) => {
    expect(
      await checkAwsChoices({
        allowedProfiles: undefined,
        profiles: ['dev-a'],
        regions: () => regions,
        ...choices,
      }),
    ).toBeUndefined();
  });

  it('reads the regions only when a region was chosen', async () => {
    let reads = 0;
    const read = () => {
      reads++;
      return regions;
    };
    await checkAwsChoices({
      profile: 'dev-a',
      allowedProfiles: undefined,
      profiles: ['dev-a'],
      regions: read,
    });
    expect(reads).toBe(0);
    await checkAwsChoices({ region: 'eu-west-1', allowedProfiles: undefined, profiles: [], regions: read });
    expect(reads).toBe(1);
  });

  it('says the caller’s own names for the allowlist and the lists', async () => {
    const names = {
      allowlist: 'the app’s list',
      profilesList: 'res://profiles',
      regionsList: 'res://regions',
    };
    const check = (choices: { profile?: string; region?: string }) =>
      checkAwsChoices({ allowedProfiles: ['a'], profiles: ['a'], regions: () => regions, names, ...choices });
    expect((await check({ profile: 'b' }))?.message).toBe('profile `b` is not in the app’s list (a).');
    expect(
      (
        await checkAwsChoices({
          profile: 'b',
          allowedProfiles: undefined,
          profiles: ['a'],
          regions: () => [],
          names,
        })
      )?.message,
    ).toBe(
      'there is no profile `b` in the AWS files (configured: a). Read res://profiles, or leave `profile` out.',
    );
    expect((await check({ region: 'x' }))?.message).toBe(
      '`x` is not a known region code; read res://regions for the list.',
    );
  });

  it('refuses as unknown exactly the profile the real CLI cannot find in the same AWS files', async () => {
    const config = join(home.path, 'config');
    await writeFile(config, '[default]\nregion = eu-west-1\n[profile dev-a]\nregion = eu-west-2\n');
    const credentials = join(home.path, 'credentials');
    await writeFile(credentials, '');
    const env = {
      PATH: process.env.PATH,
      HOME: home.path,
      AWS_CONFIG_FILE: config,
      AWS_SHARED_CREDENTIALS_FILE: credentials,
    };
    const setup = await readAwsSetup({ env });
    const profiles = setup.profiles.map((profile) => profile.name);
    for (const [profile, known] of [
      ['dev-a', true],
      ['nobody', false],
    ] as const) {
      const cli = await execa('aws', ['configure', 'get', 'region', '--profile', profile], {
        env,
        extendEnv: false,
        reject: false,
        cwd: home.path,
      });
      expect(cli.exitCode === 0, `the CLI on ${profile}: ${cli.stderr}`).toBe(known);
      const refusal = await checkAwsChoices({
        profile,
        allowedProfiles: undefined,
        profiles,
        regions: () => [],
      });
      expect(refusal?.code).toBe(known ? undefined : 'UNKNOWN_PROFILE');
    }
  });
});

describe('checkAwsRegion', () => {
  it('names where the region was given', async () => {
    expect(
      await checkAwsRegion({
        region: 'mars-north-1',
        where: '`--region` on the command line',
        regions: () => regions,
      }),
    ).toEqual({
      code: 'UNKNOWN_REGION',
      reason: '`mars-north-1` (`--region` on the command line) is not a known region code.',
      message:
        '`mars-north-1` (`--region` on the command line) is not a known region code; read `listRegions()` for the list.',
    });
  });

  it('lets an absent or known region through', async () => {
    expect(await checkAwsRegion({ region: undefined, regions: () => [] })).toBeUndefined();
    expect(await checkAwsRegion({ region: 'us-east-1', regions: () => regions })).toBeUndefined();
  });
});
