import type { AwsSetup } from '@aws-mcp/aws-config';
import { explainAwsFailure } from '@aws-mcp/executor';
import { describe, expect, it } from 'vitest';
import { serverFailureNames } from './_failure-names.js';

describe('serverFailureNames', () => {
  // The sentences the server gave before the explanations moved into the executor, word for word.
  it.each([
    [
      "[Errno 2] No such file or directory: '/opt/token'",
      'The CLI, or a credential helper of profile `dev`, could not find /opt/token. It does not exist, or the sandbox does not show it: the aws stage sees only /usr, the CLI, the AWS files and the files a profile names itself (credential_process, web_identity_token_file, ca_bundle). Ask the user to give its folder in AWS_MCP_SANDBOX_READ_PATHS for the server.',
    ],
    [
      'The config profile (dev) could not be found',
      'That profile is not configured; read the aws://config/profiles resource for the configured ones.',
    ],
    [
      'You must specify a region. You can also configure your region by running "aws configure".',
      'No region is set: pass the `region` argument (e.g. `us-east-1`) or set AWS_REGION for the server.',
    ],
    [
      'aws: error: argument subcommand: Invalid choice, valid choices are:',
      'The command or its options are not valid for this CLI: read `aws_cli_help` for the service and command, then retry.',
    ],
  ])('words the executor’s sentence for %s in the server’s names', (stderr, sentence) => {
    expect(explainAwsFailure(stderr, { profile: 'dev', names: serverFailureNames })).toBe(sentence);
  });

  it('says the server reads a fixed AWS file again by itself', () => {
    const file = { path: '/home/u/.aws/config', exists: true };
    const setup = {
      files: { config: file, credentials: { path: '/home/u/.aws/credentials', exists: false } },
      warnings: [],
    } as unknown as AwsSetup;
    expect(
      explainAwsFailure('Unable to parse config file: /home/u/.aws/config', {
        setup,
        names: serverFailureNames,
      }),
    ).toBe(
      'The AWS CLI cannot read the AWS file /home/u/.aws/config, so no command runs. The user must fix the file; the server reads it again by itself when it changes (no restart).',
    );
  });
});
