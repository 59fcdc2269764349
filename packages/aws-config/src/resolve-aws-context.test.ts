import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type AwsSetup, readAwsSetup } from './read-aws-setup.js';
import { resolveAwsContext } from './resolve-aws-context.js';

const fixtures = join(import.meta.dirname, '__fixtures__', 'full');

describe('resolveAwsContext', () => {
  let setup: AwsSetup;
  beforeAll(async () => {
    setup = await readAwsSetup({
      env: {
        AWS_CONFIG_FILE: join(fixtures, 'config'),
        AWS_SHARED_CREDENTIALS_FILE: join(fixtures, 'credentials'),
      },
      homeDir: '/home/me',
    });
  });

  it.each([
    [{}, 'default', 'default'],
    [{ AWS_PROFILE: 'web' }, 'web', 'AWS_PROFILE'],
    [{ AWS_DEFAULT_PROFILE: 'web' }, 'web', 'AWS_DEFAULT_PROFILE'],
    [{ AWS_DEFAULT_PROFILE: 'assume', AWS_PROFILE: 'web' }, 'assume', 'AWS_DEFAULT_PROFILE'],
  ])('takes the profile from %o', (env, name, source) => {
    expect(resolveAwsContext({ env, setup }).profile).toEqual({ name, source, exists: true });
  });

  it.each([
    [{ AWS_DEFAULT_PROFILE: '', AWS_PROFILE: 'web' }, 'AWS_DEFAULT_PROFILE'],
    [{ AWS_PROFILE: '' }, 'AWS_PROFILE'],
  ])('takes a variable set to an empty string, as the CLI does, and says it fails: %o', (env, source) => {
    const context = resolveAwsContext({ env, setup });
    expect(context.profile).toEqual({ name: '', source, exists: false });
    expect(context.warnings.at(-1)).toEqual({
      code: 'PROFILE_NOT_FOUND',
      message: `${source} is set but empty; the AWS CLI then looks for a profile named "" and fails with ProfileNotFound. Unset it or name a profile.`,
    });
  });

  it('warns when AWS_DEFAULT_PROFILE and AWS_PROFILE disagree', () => {
    const context = resolveAwsContext({ env: { AWS_DEFAULT_PROFILE: 'assume', AWS_PROFILE: 'web' }, setup });
    expect(context.warnings.map((warning) => warning.code)).toEqual(['CONFLICTING_ENVIRONMENT']);
  });

  it('says when the chosen profile does not exist', () => {
    const context = resolveAwsContext({ env: { AWS_PROFILE: 'ghost' }, setup });
    expect(context.profile).toEqual({ name: 'ghost', source: 'AWS_PROFILE', exists: false });
    expect(context.warnings.map((warning) => warning.code)).toEqual(['PROFILE_NOT_FOUND']);
  });

  it.each([
    [{ AWS_REGION: 'ap-south-1', AWS_DEFAULT_REGION: 'eu-north-1' }, 'ap-south-1', 'AWS_REGION'],
    [{ AWS_DEFAULT_REGION: 'eu-north-1' }, 'eu-north-1', 'AWS_DEFAULT_REGION'],
    [{}, 'eu-west-1', 'profile'],
    [{ AWS_PROFILE: 'web' }, 'us-east-1', 'default'],
  ])('takes the region from %o', (env, name, source) => {
    expect(resolveAwsContext({ env, setup }).region).toEqual({ name, source });
  });

  it.each([
    [
      'environment variables, reported as such and not as a profile',
      { AWS_ACCESS_KEY_ID: 'AKIAENV', AWS_SECRET_ACCESS_KEY: 'envSecret', AWS_SESSION_TOKEN: 'envToken' },
      { source: 'environment', hasSessionToken: true },
    ],
    [
      'the profile',
      { AWS_PROFILE: 'assume-ec2' },
      {
        source: 'profile',
        profile: 'assume-ec2',
        credentials: {
          kind: 'assume-role',
          roleArn: 'arn:aws:iam::123456789012:role/FromInstance',
          credentialSource: 'Ec2InstanceMetadata',
        },
      },
    ],
    [
      'web identity variables',
      { AWS_PROFILE: 'local', AWS_WEB_IDENTITY_TOKEN_FILE: '/token', AWS_ROLE_ARN: 'arn:aws:iam::1:role/r' },
      {
        source: 'web-identity-environment',
        webIdentityTokenFile: '/token',
        roleArn: 'arn:aws:iam::1:role/r',
      },
    ],
    [
      'the container',
      { AWS_PROFILE: 'local', AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/x' },
      { source: 'container', via: 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI' },
    ],
    [
      'the container (full URI)',
      { AWS_PROFILE: 'local', AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://169.254.170.23/v1/credentials' },
      { source: 'container', via: 'AWS_CONTAINER_CREDENTIALS_FULL_URI' },
    ],
    ['the instance role', { AWS_PROFILE: 'local' }, { source: 'instance-role', disabled: false }],
    [
      'nowhere, when instance metadata is disabled',
      { AWS_PROFILE: 'local', AWS_EC2_METADATA_DISABLED: 'true' },
      { source: 'instance-role', disabled: true },
    ],
  ])('finds credentials in %s', (_title, env, credentials) => {
    const context = resolveAwsContext({ env, setup });
    expect(context.credentials).toEqual(credentials);
    expect(JSON.stringify(context)).not.toMatch(/envSecret|envToken|AKIAENV/);
  });

  it.each([
    [{}, 'web', 'us-east-1', 'default'],
    [{ AWS_PROFILE: 'web', AWS_DEFAULT_PROFILE: 'web' }, 'default', 'eu-west-1', 'profile'],
    [{ AWS_DEFAULT_REGION: 'eu-north-1' }, 'default', 'eu-north-1', 'AWS_DEFAULT_REGION'],
  ])(
    "with a chosen profile, ignores the profile variables and takes that profile's region (%o, %s)",
    (env, chosen, region, source) => {
      const context = resolveAwsContext({ env, setup, profile: chosen });
      expect(context.profile).toEqual({ name: chosen, source: 'chosen', exists: true });
      expect(context.region).toEqual({ name: region, source });
      expect(context.warnings).toEqual([]);
    },
  );

  it('says when a chosen profile does not exist', () => {
    const context = resolveAwsContext({ env: {}, setup, profile: 'ghost' });
    expect(context.warnings).toEqual([
      {
        code: 'PROFILE_NOT_FOUND',
        message:
          'The call names profile ghost, which is in neither AWS file; the AWS CLI will fail with ProfileNotFound.',
      },
    ]);
  });

  it("lists the profile chain's files along source_profile, and nothing the executor finds itself", () => {
    const withChain: AwsSetup = {
      ...setup,
      profiles: setup.profiles.map((profile) =>
        profile.name === 'assume'
          ? { ...profile, credentials: { kind: 'assume-role', roleArn: 'arn:x', sourceProfile: 'web' } }
          : profile,
      ),
    };
    const context = resolveAwsContext({
      env: { AWS_PROFILE: 'assume', AWS_CA_BUNDLE: '/etc/ca.pem' },
      setup: withChain,
    });
    // The AWS files, the caches and the files variables name are the executor's to find, by credentials mode.
    expect(context.profileFiles).toEqual(['/var/run/secrets/eks/token', '/etc/ssl/corp-ca.pem']);
  });
});
