import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { AwsConfigError } from './aws-config-error.js';
import { type AwsSetup, readAwsSetup, resolveAwsFilePaths } from './read-aws-setup.js';

const fixtures = join(import.meta.dirname, '__fixtures__');
const fixtureEnv = (folder: string) => ({
  AWS_CONFIG_FILE: join(fixtures, folder, 'config'),
  AWS_SHARED_CREDENTIALS_FILE: join(fixtures, folder, 'credentials'),
});

describe('readAwsSetup', () => {
  let setup: AwsSetup;
  beforeAll(async () => {
    setup = await readAwsSetup({ env: fixtureEnv('full'), homeDir: '/home/nobody' });
  });

  it('lists profiles from both files, and no sso-session, services or other section as a profile', () => {
    expect(setup.profiles.map((profile) => profile.name)).toEqual([
      'assume',
      'assume-ec2',
      'config-keys',
      'default',
      'dev.admin',
      'local',
      'process',
      'profile oops',
      'sso-legacy',
      'sso-new',
      'web',
      'with space',
    ]);
  });

  it.each([
    ['default', { kind: 'static', hasSessionToken: false }],
    ['dev.admin', { kind: 'static', hasSessionToken: true }],
    ['config-keys', { kind: 'static', hasSessionToken: false }],
    [
      'assume',
      {
        kind: 'assume-role',
        roleArn: 'arn:aws:iam::123456789012:role/Deploy',
        sourceProfile: 'default',
        mfaSerial: 'arn:aws:iam::123456789012:mfa/me',
      },
    ],
    [
      'assume-ec2',
      {
        kind: 'assume-role',
        roleArn: 'arn:aws:iam::123456789012:role/FromInstance',
        credentialSource: 'Ec2InstanceMetadata',
      },
    ],
    [
      'web',
      {
        kind: 'web-identity',
        roleArn: 'arn:aws:iam::123456789012:role/Web',
        webIdentityTokenFile: '/var/run/secrets/eks/token',
      },
    ],
    [
      'sso-legacy',
      {
        kind: 'sso',
        ssoStartUrl: 'https://legacy.awsapps.com/start#/',
        ssoRegion: 'us-east-1',
        ssoAccountId: '111122223333',
        ssoRoleName: 'ReadOnly',
      },
    ],
    ['sso-new', { kind: 'sso', ssoSession: 'corp', ssoAccountId: '444455556666', ssoRoleName: 'Admin' }],
    ['process', { kind: 'credential-process', program: '/opt/my tools/cred-helper' }],
    ['local', { kind: 'none' }],
  ])('describes how profile %s gets credentials', (name, credentials) => {
    expect(setup.profiles.find((profile) => profile.name === name)?.credentials).toEqual(credentials);
  });

  it('merges a profile from both files, the credentials file winning', () => {
    expect(setup.profiles.find((profile) => profile.name === 'process')).toMatchObject({
      definedIn: ['config', 'credentials'],
      region: 'sa-east-1',
    });
  });

  it('keeps a dotted profile whole, with its indented s3 settings', () => {
    expect(setup.profiles.find((profile) => profile.name === 'dev.admin')).toMatchObject({
      region: 'eu-central-1',
      output: 'table',
      hasStaticKeys: true,
      serviceSettings: { s3: { addressing_style: 'path', max_concurrent_requests: '20' } },
    });
  });

  it('lists the paths a sandbox must bind: the credential_process program only, token file, CA bundle', () => {
    expect(setup.profiles.find((profile) => profile.name === 'process')?.paths).toEqual({
      credentialProcess: '/opt/my tools/cred-helper',
    });
    expect(setup.profiles.find((profile) => profile.name === 'web')?.paths).toEqual({
      webIdentityTokenFile: '/var/run/secrets/eks/token',
      caBundle: '/etc/ssl/corp-ca.pem',
    });
  });

  it('exposes sso-sessions and services sections separately', () => {
    expect(setup.ssoSessions).toEqual([
      {
        name: 'corp',
        ssoStartUrl: 'https://corp.awsapps.com/start',
        ssoRegion: 'eu-west-1',
        ssoRegistrationScopes: 'sso:account:access',
      },
    ]);
    expect(setup.services).toEqual([
      {
        name: 'local-endpoints',
        services: {
          s3: { endpoint_url: 'http://127.0.0.1:4566' },
          dynamodb: { endpoint_url: 'http://127.0.0.1:8000' },
        },
      },
    ]);
  });

  it('warns about sections that look like profiles but are not', () => {
    expect(setup.warnings).toEqual([
      expect.objectContaining({ code: 'NOT_A_PROFILE', path: fixtureEnv('full').AWS_CONFIG_FILE, line: 68 }),
      expect.objectContaining({
        code: 'NOT_A_PROFILE',
        path: fixtureEnv('full').AWS_SHARED_CREDENTIALS_FILE,
        line: 13,
      }),
    ]);
  });

  it('never returns a key, secret, token or credential_process argument from the fixtures', () => {
    const text = JSON.stringify(setup);
    for (const secret of ['AKIA', 'MustNotLeak', 'PR0CESS-ARG-VALUE', '--secret-arg', 'ext-5ecret']) {
      expect(text).not.toContain(secret);
    }
  });

  it('returns an empty setup with a warning for each missing file', async () => {
    const missing = await readAwsSetup({ env: fixtureEnv('does-not-exist'), homeDir: '/home/nobody' });
    expect(missing.profiles).toEqual([]);
    expect(missing.files.config).toMatchObject({ exists: false, readable: false });
    expect(missing.warnings.map((warning) => [warning.code, warning.path])).toEqual([
      ['FILE_MISSING', fixtureEnv('does-not-exist').AWS_CONFIG_FILE],
      ['FILE_MISSING', fixtureEnv('does-not-exist').AWS_SHARED_CREDENTIALS_FILE],
    ]);
  });

  it('returns an empty part with a warning for a file that cannot be read', async () => {
    const unreadable = await readAwsSetup({
      env: {
        AWS_CONFIG_FILE: fixtures,
        AWS_SHARED_CREDENTIALS_FILE: fixtureEnv('full').AWS_SHARED_CREDENTIALS_FILE,
      },
    });
    expect(unreadable.files.config).toMatchObject({ exists: true, readable: false });
    expect(unreadable.warnings[0]).toMatchObject({ code: 'FILE_UNREADABLE', path: fixtures });
    expect(unreadable.profiles.map((profile) => profile.name)).toContain('dev.admin');
  });

  it('reports malformed lines with path and line, and keeps what it could read', async () => {
    const malformed = await readAwsSetup({ env: fixtureEnv('malformed'), homeDir: '/home/nobody' });
    const config = fixtureEnv('malformed').AWS_CONFIG_FILE;
    const credentials = fixtureEnv('malformed').AWS_SHARED_CREDENTIALS_FILE;
    expect(malformed.warnings.map(({ code, path, line }) => ({ code, path, line }))).toEqual([
      { code: 'MALFORMED_LINE', path: config, line: 3 },
      { code: 'MALFORMED_SECTION', path: config, line: 5 },
      { code: 'MALFORMED_LINE', path: config, line: 9 },
      { code: 'DUPLICATE_KEY', path: config, line: 11 },
      { code: 'MALFORMED_LINE', path: credentials, line: 1 },
    ]);
    expect(malformed.profiles.map((profile) => [profile.name, profile.region])).toEqual([
      ['default', 'us-east-1'],
      ['ok', 'us-west-1'],
    ]);
    expect(JSON.stringify(malformed)).not.toMatch(/MALFORMEDSECRETVALUE|orphanSecretValue|AKIAMALFORMED/);
  });

  it('throws AwsConfigError with path and line in strict mode', async () => {
    const error = await readAwsSetup({ env: fixtureEnv('malformed'), strict: true }).catch(
      (caught) => caught,
    );
    expect(AwsConfigError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'MALFORMED_LINE',
      path: fixtureEnv('malformed').AWS_CONFIG_FILE,
      line: 3,
    });
  });

  it.each([
    ['[profile]', 'MALFORMED_SECTION'],
    ['[profile a b]', 'MALFORMED_SECTION'],
    ['[profiledev]', 'MALFORMED_SECTION'],
    ['[sso-session]', 'MALFORMED_SECTION'],
    ['[dev]', 'NOT_A_PROFILE'],
  ])('ignores config section %s with a %s warning', async (header, code) => {
    const home = await mkdtemp(join(tmpdir(), 'aws-config-'));
    try {
      await mkdir(join(home, '.aws'));
      await writeFile(join(home, '.aws', 'config'), `${header}\nregion = eu-west-1\n`);
      const result = await readAwsSetup({ env: {}, homeDir: home });
      expect(result.profiles).toEqual([]);
      expect(result.warnings.map((warning) => [warning.code, warning.line])).toContainEqual([code, 1]);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it('warns about references to undefined profiles, sso-sessions and services sections', async () => {
    const home = await mkdtemp(join(tmpdir(), 'aws-config-'));
    try {
      await mkdir(join(home, '.aws'));
      await writeFile(
        join(home, '.aws', 'config'),
        '[profile a]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = ghost\n' +
          '[profile b]\nsso_session = nowhere\n[profile c]\nservices = none\n',
      );
      const result = await readAwsSetup({ env: {}, homeDir: home });
      expect(result.warnings.filter((warning) => warning.code === 'UNKNOWN_REFERENCE')).toHaveLength(3);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});

describe('resolveAwsFilePaths', () => {
  it.each([
    [{}, '/h/.aws/config', 'default', '/h/.aws/credentials', 'default'],
    [
      { AWS_CONFIG_FILE: '~/cfg', AWS_SHARED_CREDENTIALS_FILE: '/etc/creds' },
      '/h/cfg',
      'AWS_CONFIG_FILE',
      '/etc/creds',
      'AWS_SHARED_CREDENTIALS_FILE',
    ],
  ])('resolves %o', (env, configPath, configSource, credentialsPath, credentialsSource) => {
    const paths = resolveAwsFilePaths({ env: { HOME: '/h', ...env } });
    expect(paths.config).toEqual({ path: configPath, source: configSource });
    expect(paths.credentials).toEqual({ path: credentialsPath, source: credentialsSource });
    expect(paths.ssoCacheDir).toBe('/h/.aws/sso/cache');
  });
});

describe('readAwsSetup: paths a sandbox binds and assume-role sources', () => {
  let home: string;
  let setup: AwsSetup;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'aws-config-paths-'));
    await mkdir(join(home, '.aws'));
    await mkdir(join(home, 'first'));
    await mkdir(join(home, 'second'));
    // The first PATH entry holds a same-named file that is not executable, which execvp skips.
    await writeFile(join(home, 'first', 'cred-helper'), '');
    await writeFile(join(home, 'second', 'cred-helper'), '#!/bin/sh\n', { mode: 0o755 });
    await writeFile(
      join(home, '.aws', 'config'),
      [
        '[profile tilde]',
        'credential_process = ~/bin/helper --token S3CRET-ARG',
        'role_arn = arn:aws:iam::1:role/Web',
        'web_identity_token_file = ~/token',
        'ca_bundle = ~/ca.pem',
        '[profile bare]',
        'credential_process = cred-helper --profile x',
        '[profile missing]',
        'credential_process = no-such-helper-program',
        '[profile sourceless]',
        'role_arn = arn:aws:iam::1:role/Lost',
        '[profile both]',
        'role_arn = arn:aws:iam::1:role/Both',
        'source_profile = bare',
        'credential_source = Environment',
        '[profile web-first]',
        'role_arn = arn:aws:iam::1:role/Web',
        'source_profile = bare',
        'web_identity_token_file = /token',
        '',
      ].join('\n'),
    );
    setup = await readAwsSetup({
      env: { PATH: ['relative/bin', join(home, 'first'), join(home, 'second')].join(':') },
      homeDir: home,
    });
    await rm(home, { recursive: true });
  });
  const profile = (name: string) => setup.profiles.find((item) => item.name === name);
  const messages = (code: string) =>
    setup.warnings.filter((warning) => warning.code === code).map((warning) => warning.message);

  it('expands a leading ~ in credential_process, web_identity_token_file and ca_bundle, and warns the CLI does not', () => {
    expect(profile('tilde')?.paths).toEqual({
      credentialProcess: join(home, 'bin', 'helper'),
      webIdentityTokenFile: join(home, 'token'),
      caBundle: join(home, 'ca.pem'),
    });
    expect(messages('HOME_NOT_EXPANDED')).toEqual([
      `Profile tilde: credential_process starts with \`~\`, which the AWS CLI does not expand, so it will not find ${join(home, 'bin', 'helper')}. Write the full path.`,
      `Profile tilde: web_identity_token_file starts with \`~\`, which the AWS CLI does not expand, so it will not find ${join(home, 'token')}. Write the full path.`,
      `Profile tilde: ca_bundle starts with \`~\`, which the AWS CLI does not expand, so it will not find ${join(home, 'ca.pem')}. Write the full path.`,
    ]);
    expect(JSON.stringify(setup)).not.toContain('S3CRET-ARG');
  });

  it('resolves a bare credential_process program on PATH, skipping non-executable files', () => {
    expect(profile('bare')?.credentials).toEqual({ kind: 'credential-process', program: 'cred-helper' });
    expect(profile('bare')?.paths).toEqual({ credentialProcess: join(home, 'second', 'cred-helper') });
  });

  it('leaves out a bare program that is not on PATH and warns', () => {
    expect(profile('missing')?.paths).toEqual({});
    expect(messages('PROGRAM_NOT_FOUND')).toEqual([
      'Profile missing: the credential_process program no-such-helper-program is not on PATH; the AWS CLI will fail to run it.',
    ]);
  });

  it('warns about role_arn with neither source_profile nor credential_source, and with both', () => {
    expect(profile('sourceless')?.credentials).toEqual({
      kind: 'assume-role',
      roleArn: 'arn:aws:iam::1:role/Lost',
    });
    expect(messages('INVALID_ROLE_SOURCE')).toEqual([
      'Profile both has both source_profile and credential_source; the AWS CLI refuses that. Keep one.',
      'Profile sourceless has role_arn but neither source_profile nor credential_source; the AWS CLI fails with "Partial credentials found in assume-role". Add source_profile = PROFILE or credential_source = Environment | Ec2InstanceMetadata | EcsContainer.',
    ]);
  });

  it('reads role_arn with web_identity_token_file as web identity even with a source_profile, as botocore does', () => {
    expect(profile('web-first')?.credentials).toEqual({
      kind: 'web-identity',
      roleArn: 'arn:aws:iam::1:role/Web',
      webIdentityTokenFile: '/token',
    });
  });
});
