import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readAwsSetup } from '@aws-mcp/aws-config';
import { findRefusingEndpoint, useTempDir } from '@aws-mcp/test-support';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { awsFailureIds, explainAwsFailure } from './explain-aws-failure.js';

const home = useTempDir('explain-failure-');

/** The real CLI's stderr for `args`, with no credentials, no region and empty AWS files unless `env` sets them. */
async function cliStderr(args: string[], env: Record<string, string> = {}): Promise<string> {
  const empty = join(home.path, 'empty');
  await writeFile(empty, '');
  const result = await execa('aws', args, {
    env: {
      PATH: process.env.PATH,
      HOME: home.path,
      AWS_CONFIG_FILE: empty,
      AWS_SHARED_CREDENTIALS_FILE: empty,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_MAX_ATTEMPTS: '1',
      ...env,
    },
    extendEnv: false,
    reject: false,
    cwd: home.path,
    timeout: 60_000,
  });
  expect(result.exitCode).not.toBe(0);
  return result.stderr;
}

const keys = { AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'not-a-real-secret' };

describe('explainAwsFailure, with the real CLI’s stderr', () => {
  it.each([
    {
      cause: 'a profile that is not configured',
      run: () => cliStderr(['sts', 'get-caller-identity', '--profile', 'nope']),
      profile: 'nope',
      sentence:
        'That profile is not configured; read the output of `aws configure list-profiles` for the configured ones.',
    },
    {
      cause: 'no region',
      run: () => cliStderr(['ec2', 'describe-instances'], keys),
      sentence: 'No region is set: pass `--region` (e.g. `us-east-1`) or set AWS_REGION.',
    },
    {
      cause: 'an invalid choice',
      run: () => cliStderr(['s3', 'lss']),
      sentence:
        'The command or its options are not valid for this CLI: read the CLI help (`aws SERVICE COMMAND help`) for the service and command, then retry.',
    },
    {
      cause: 'a refused connection',
      run: async () =>
        cliStderr(
          [
            'sts',
            'get-caller-identity',
            '--region',
            'us-east-1',
            '--endpoint-url',
            await findRefusingEndpoint(),
          ],
          keys,
        ),
      sentence: 'The AWS endpoint could not be reached: check the region, the endpoint URL and the network.',
    },
    {
      cause: 'no credentials',
      run: () => cliStderr(['sts', 'get-caller-identity', '--region', 'us-east-1']),
      sentence:
        'No AWS credentials were found for the default profile: the user must configure them (`aws configure` in a terminal, or environment variables), or choose another profile.',
    },
    {
      cause: 'a credential helper that is not there',
      run: async () => {
        const config = join(home.path, 'helper-config');
        await writeFile(config, '[profile helper]\ncredential_process = /nonexistent/helper\n');
        return cliStderr(['sts', 'get-caller-identity', '--region', 'us-east-1', '--profile', 'helper'], {
          AWS_CONFIG_FILE: config,
        });
      },
      profile: 'helper',
      sentence:
        'The CLI, or a credential helper of profile `helper`, could not find /nonexistent/helper. It does not exist, or the sandbox does not show it: the aws stage sees only /usr, the CLI, the AWS files and the files a profile names itself (credential_process, web_identity_token_file, ca_bundle). Ask the user to give its folder in the `readOnlyPaths` run option.',
    },
  ])('explains $cause in the library’s own words', async ({ run, profile, sentence }) => {
    expect(explainAwsFailure(await run(), { profile })).toBe(sentence);
  });

  it('names the file the CLI cannot parse and the lines that break it', async () => {
    const config = join(home.path, 'broken-config');
    await writeFile(config, '[default]\nregion = us-east-1\n[default]\nregion = eu-west-1\n');
    const stderr = await cliStderr(['sts', 'get-caller-identity'], { AWS_CONFIG_FILE: config });
    const setup = await readAwsSetup({ env: { AWS_CONFIG_FILE: config, HOME: home.path } });
    expect(explainAwsFailure(stderr, { setup })).toBe(
      `The AWS CLI cannot read the AWS file ${config}, so no command runs. Line 3 repeats section [default] ` +
        '(first at line 1); the AWS CLI refuses the file. The user must fix the file; then run the command again.',
    );
  });
});

describe('explainAwsFailure, causes the CLI cannot produce here', () => {
  it.each([
    [
      'Error when retrieving token from sso: Token has expired and refresh failed',
      'The SSO session for profile `dev` has expired: the user must run `aws sso login --profile dev` in a terminal, then retry.',
    ],
    [
      'An error occurred (ExpiredToken) when calling the GetCallerIdentity operation: The security token included in the request is expired',
      'The credentials of profile `dev` have expired: refresh them (for SSO, `aws sso login --profile dev`), then retry.',
    ],
    [
      'An error occurred (InvalidClientTokenId) when calling the GetCallerIdentity operation: The security token included in the request is invalid.',
      'AWS rejected the credentials of profile `dev`: they are wrong or deactivated.',
    ],
    [
      'An error occurred (AccessDenied) when calling the ListBuckets operation: Access Denied',
      'The identity behind profile `dev` is not allowed to do this; IAM denied it. Try a read, another profile, or ask for the permission.',
    ],
    ['An error occurred (NoSuchBucket) when calling the GetObject operation', undefined],
    // A parameter file is the user's own, which the CLI names itself.
    [
      "Error parsing parameter '--cli-input-json': Unable to load paramfile file://x.json: [Errno 2] No such file or directory: '/w/x.json'",
      undefined,
    ],
  ])('%s → %s', (stderr, sentence) => {
    expect(explainAwsFailure(stderr, { profile: 'dev' })).toBe(sentence);
  });

  it('has a row for each cause, tried in order', () => {
    expect(awsFailureIds).toEqual([
      'unreadable-file',
      'missing-file',
      'sso-expired',
      'no-credentials',
      'unknown-profile',
      'expired-credentials',
      'rejected-credentials',
      'access-denied',
      'no-region',
      'invalid-command',
      'unreachable-endpoint',
    ]);
  });
});

describe('explainAwsFailure with the caller’s names', () => {
  const names = {
    readPathsSetting: 'SETTING_X',
    profilesResource: 'resource://profiles',
    regionChoice: 'pass `where`',
    helpTool: '`help_tool`',
    reloads: 'it is read again',
  };

  it.each([
    ["[Errno 2] No such file or directory: '/opt/token'", /Ask the user to give its folder in SETTING_X\.$/],
    [
      'The config profile (nope) could not be found',
      /^That profile is not configured; read resource:\/\/profiles /,
    ],
    ['You must specify a region.', /^No region is set: pass `where`\.$/],
    ["Invalid choice: 'lss'", /read `help_tool` for the service and command/],
  ])('puts them into the sentence for %s', (stderr, sentence) => {
    expect(explainAwsFailure(stderr, { names })).toMatch(sentence);
  });
});
