import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCommandLine } from '@aws-mcp/command';
import type { MotoEmulator } from '@aws-mcp/emulators';
import {
  createTempDir,
  describeWithBubblewrap,
  type EmulatedAws,
  type HangingEndpoint,
  startEmulatedAws,
  startHangingEndpoint,
} from '@aws-mcp/test-support';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AssumeRoleOptions,
  checkAssumeRoleOptions,
  decideRoleSource,
  readInheritedSettings,
  removeOrphanedProfiles,
  roleCacheEntry,
  withRoleProfile,
} from './_assume-role.js';
import type { CredentialsMode } from './_environment.js';
import { ExecutionError } from './execution-error.js';
import { type RunPipelineOptions, runPipeline } from './run-pipeline.js';
import { noSandbox, type Sandbox } from './sandbox.js';
import { selectSandbox } from './select-sandbox.js';

const role = 'arn:aws:iam::123456789012:role/ReadOnly';
const valid: AssumeRoleOptions = { roleArn: role, sessionName: 'aws-mcp-1a2b3c4d' };

describe('checkAssumeRoleOptions', () => {
  it.each([
    ['a role ARN of a user', { roleArn: 'arn:aws:iam::123456789012:user/bob' }, 'assumeRole.roleArn'],
    ['a role ARN with a newline', { roleArn: `${role}\nrole_arn = x` }, 'assumeRole.roleArn'],
    ['a short account', { roleArn: 'arn:aws:iam::1234:role/R' }, 'assumeRole.roleArn'],
    ['a session name with a space', { sessionName: 'aws mcp' }, 'assumeRole.sessionName'],
    ['a session name of one character', { sessionName: 'a' }, 'assumeRole.sessionName'],
    ['a session name of 65 characters', { sessionName: 'a'.repeat(65) }, 'assumeRole.sessionName'],
    ['an external id with a newline', { externalId: 'abc\n[default]' }, 'assumeRole.externalId'],
    ['an external id with #', { externalId: 'abc#def' }, 'assumeRole.externalId'],
    ['899 seconds', { durationSeconds: 899 }, 'assumeRole.durationSeconds'],
    ['43201 seconds', { durationSeconds: 43_201 }, 'assumeRole.durationSeconds'],
    ['1.5 hours as 5400.5 seconds', { durationSeconds: 5400.5 }, 'assumeRole.durationSeconds'],
  ])('refuses %s with INVALID_OPTIONS naming the option', (_, change, field) => {
    const attempt = () => checkAssumeRoleOptions({ ...valid, ...change });
    expect(attempt).toThrow(ExecutionError);
    expect(attempt).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
    expect(attempt).toThrow(field);
  });

  it.each([
    ['the least', valid],
    ['every option', { ...valid, externalId: 'a:b/c=d', durationSeconds: 900 }],
    ['the longest duration', { ...valid, durationSeconds: 43_200 }],
    [
      'a role with a path in the GovCloud partition',
      { ...valid, roleArn: 'arn:aws-us-gov:iam::123456789012:role/a/b/C' },
    ],
  ])('accepts %s', (_, options) => {
    expect(() => checkAssumeRoleOptions(options)).not.toThrow();
  });
});

describe('decideRoleSource', () => {
  const keys = { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' };
  it.each<[string, string, NodeJS.ProcessEnv, CredentialsMode, string | undefined, object]>([
    [
      'keys in the environment, no --profile',
      'aws sts get-caller-identity',
      keys,
      'both',
      undefined,
      { credentialSource: 'Environment' },
    ],
    [
      'keys and a chosen profile (the CLI still takes the keys)',
      'aws sts get-caller-identity',
      keys,
      'both',
      'dev',
      { credentialSource: 'Environment' },
    ],
    [
      'keys and --profile on the line',
      'aws --profile dev sts get-caller-identity',
      keys,
      'both',
      undefined,
      { sourceProfile: 'dev' },
    ],
    [
      'keys that never reach the stage (aws_config)',
      'aws sts get-caller-identity',
      keys,
      'aws_config',
      'dev',
      { sourceProfile: 'dev' },
    ],
    ['variables only', 'aws sts get-caller-identity', {}, 'env', 'dev', { credentialSource: 'Environment' }],
    ['no keys, a chosen profile', 'aws sts get-caller-identity', {}, 'both', 'dev', { sourceProfile: 'dev' }],
    [
      'no keys, AWS_PROFILE',
      'aws sts get-caller-identity',
      { AWS_PROFILE: 'ops' },
      'both',
      undefined,
      { sourceProfile: 'ops' },
    ],
    ['nothing at all', 'aws sts get-caller-identity', {}, 'both', undefined, { sourceProfile: 'default' }],
  ])('with %s', (_, line, env, credentialsMode, profile, expected) => {
    const pipeline = parseCommandLine(line);
    expect(decideRoleSource({ pipeline, env, credentialsMode, profile })).toEqual(expected);
  });
});

describe('withRoleProfile', () => {
  const profile = { name: 'aws-mcp-role-x' } as Parameters<typeof withRoleProfile>[1];
  it('puts the role profile first, in place of the line’s --profile, leaving the command’s own words', () => {
    expect(
      withRoleProfile(['--profile=dev', '--region=eu-west-1', 's3', 'ls', '--profile=x'], profile),
    ).toEqual(['--profile=aws-mcp-role-x', '--region=eu-west-1', 's3', 'ls', '--profile=x']);
    expect(withRoleProfile(['sts', 'get-caller-identity'], profile)).toEqual([
      '--profile=aws-mcp-role-x',
      'sts',
      'get-caller-identity',
    ]);
  });
});

describe('readInheritedSettings', () => {
  const config = [
    '[default]',
    'region = eu-west-1',
    '[profile dev]',
    'region = us-west-2',
    '# a comment',
    'output=text',
    'role_arn = arn:aws:iam::111111111111:role/Other',
    'source_profile = default',
    'aws_secret_access_key = not-kept',
    'SSO_START_URL = https://example.awsapps.com/start',
    's3 =',
    '  addressing_style = path',
    'credential_process = /bin/creds',
    '  --with-argument',
    'endpoint_url = http://127.0.0.1:1',
    '[profile devil]',
    'region = ap-south-1',
    '[sso-session dev]',
    'sso_region = us-east-1',
  ].join('\n');

  it('keeps the profile’s own settings, drops credential ones and those the role sets', () => {
    expect(
      readInheritedSettings(config, 'dev', ['role_arn = x', 'endpoint_url = http://127.0.0.1:2']),
    ).toEqual(['region = us-west-2', 'output=text', 's3 =', '  addressing_style = path']);
  });

  it('reads [default] for the default profile and nothing for a profile not in the file', () => {
    expect(readInheritedSettings(config, 'default', [])).toEqual(['region = eu-west-1']);
    expect(readInheritedSettings(config, 'missing', [])).toEqual([]);
  });
});

describe('removeOrphanedProfiles', () => {
  it('removes the role folders of processes that are gone, and keeps those of running ones', async () => {
    const folder = await createTempDir('orphans-');
    const hex = 'a'.repeat(24);
    const names = {
      gone: `aws-mcp-role-2147483646-${hex}`,
      running: `aws-mcp-role-${process.pid}-${hex}`,
      other: 'aws-mcp-role-notours',
    };
    for (const name of Object.values(names)) await mkdir(join(folder, name));
    await writeFile(join(folder, names.gone, 'config'), '[default]\n');
    await removeOrphanedProfiles(folder);
    expect((await readdir(folder)).sort()).toEqual([names.other, names.running].sort());
  });
});

const assumedKey = /\bASIA[A-Z0-9]{16}\b/;

async function listRoleFolders(): Promise<string[]> {
  return (await readdir(tmpdir())).filter((name) => name.startsWith('aws-mcp-role-')).sort();
}

describeWithBubblewrap('runPipeline with assumeRole, against moto under bubblewrap', () => {
  let aws: EmulatedAws<MotoEmulator>;
  let moto: MotoEmulator;
  let sandbox: Sandbox;
  let workdir: string;
  let cliCache: string;
  let roleArn: string;
  let account: string;
  let silent: HangingEndpoint;
  let silentEndpoint: string;

  beforeAll(async () => {
    ({ sandbox } = await selectSandbox({ mode: 'required' }));
    aws = await startEmulatedAws();
    moto = aws.emulator;
    workdir = aws.workdir;
    cliCache = join(aws.home, '.aws', 'cli', 'cache');
    const { env } = aws;
    const trust = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }],
    });
    const created = await execa(
      'aws',
      ['iam', 'create-role', '--role-name', 'Auditor', '--assume-role-policy-document', trust],
      { env, extendEnv: false },
    );
    roleArn = (JSON.parse(created.stdout) as { Role: { Arn: string } }).Role.Arn;
    account = roleArn.split(':')[4] as string;
    // A listener that accepts and never answers: STS waits on it until the call is killed.
    silent = await startHangingEndpoint();
    silentEndpoint = silent.endpoint;
  }, 120_000);
  afterAll(async () => {
    await silent?.close();
    await aws?.stop();
  });

  function run(
    options: Partial<RunPipelineOptions> & { assumeRole: AssumeRoleOptions },
    line = 'aws sts get-caller-identity',
  ) {
    return runPipeline(parseCommandLine(line), {
      cwd: workdir,
      env: { PATH: process.env.PATH, ...aws.homeEnv, AWS_MAX_ATTEMPTS: '1' },
      endpointUrl: moto.endpoint,
      sandbox,
      timeoutMs: 60_000,
      credentialsMode: 'aws_config',
      ...options,
    });
  }

  it('runs as the role from the profile (source_profile), and leaves no file or cached credential behind', async () => {
    const before = await listRoleFolders();
    const result = await run({ assumeRole: { roleArn, sessionName: 'aws-mcp-test1234' } });
    expect(result.stderr).toBe('');
    expect(result.status).toBe('success');
    const identity = JSON.parse(result.output) as { Arn: string; Account: string };
    expect(identity.Arn).toBe(`arn:aws:sts::${account}:assumed-role/Auditor/aws-mcp-test1234`);
    expect(result.awsArgv[1]).toMatch(/^--profile=aws-mcp-role-[0-9a-f]{24}$/);
    expect(`${result.output}${result.stderr}`).not.toMatch(assumedKey);
    expect(await listRoleFolders()).toEqual(before);
    expect(await readdir(cliCache)).toEqual([]);
  }, 60_000);

  it('runs as the role from the environment’s keys (credential_source = Environment)', async () => {
    const result = await run({
      assumeRole: { roleArn, sessionName: 'aws-mcp-env', externalId: 'ext-1', durationSeconds: 900 },
      credentialsMode: 'env',
      region: 'us-east-1',
      env: {
        PATH: process.env.PATH,
        HOME: aws.home,
        AWS_MAX_ATTEMPTS: '1',
        AWS_ACCESS_KEY_ID: moto.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: moto.credentials.secretAccessKey,
      },
    });
    expect(result.stderr).toBe('');
    expect((JSON.parse(result.output) as { Arn: string }).Arn).toBe(
      `arn:aws:sts::${account}:assumed-role/Auditor/aws-mcp-env`,
    );
  }, 60_000);

  it('runs as the caller without assumeRole (the role comes from the option alone)', async () => {
    const result = await runPipeline(parseCommandLine('aws sts get-caller-identity'), {
      cwd: workdir,
      env: { PATH: process.env.PATH, ...aws.homeEnv, AWS_MAX_ATTEMPTS: '1' },
      endpointUrl: moto.endpoint,
      sandbox,
      credentialsMode: 'aws_config',
    });
    expect((JSON.parse(result.output) as { Arn: string }).Arn).not.toContain('assumed-role');
  }, 60_000);

  it.each([
    ['a timeout', { timeoutMs: 4000 }, 'timeout'],
    ['a cancel', {}, 'canceled'],
  ] as const)(
    'writes a private config while the call runs and removes it after %s',
    async (_, extra, status) => {
      const before = await listRoleFolders();
      const controller = new AbortController();
      const running = run({
        assumeRole: { roleArn, sessionName: 'aws-mcp-hang' },
        endpointUrl: silentEndpoint,
        signal: controller.signal,
        ...extra,
      });
      let created: string[] = [];
      for (let attempt = 0; attempt < 100 && created.length === 0; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        created = (await listRoleFolders()).filter((name) => !before.includes(name));
      }
      expect(created).toHaveLength(1);
      const folder = join(tmpdir(), created[0] as string);
      expect((await stat(folder)).mode & 0o777).toBe(0o700);
      expect((await stat(join(folder, 'config'))).mode & 0o777).toBe(0o600);
      const config = await readFile(join(folder, 'config'), 'utf8');
      expect(config).toContain(
        `[profile ${(created[0] as string).replace(/^aws-mcp-role-\d+-/, 'aws-mcp-role-')}]\nregion = us-east-1\noutput = json\nrole_arn = ${roleArn}\nsource_profile = default\n`,
      );
      if (status === 'canceled') setTimeout(() => controller.abort(), 500);
      const result = await running;
      expect(result.status).toBe(status);
      expect(await listRoleFolders()).toEqual(before);
    },
    60_000,
  );

  it.each([
    ['the least', { sessionName: 'aws-mcp-cache' }],
    ['every option', { sessionName: 'aws-mcp-cache2', externalId: 'ext:1/a=b', durationSeconds: 1200 }],
  ])(
    'names the cache entry the CLI itself writes, for %s',
    async (_, extra) => {
      const options: AssumeRoleOptions = { roleArn, ...extra };
      const config = join(aws.home, 'role-config');
      await writeFile(
        config,
        `[default]\nregion = us-east-1\n[profile r]\nregion = us-east-1\nrole_arn = ${roleArn}\nsource_profile = default\n` +
          `role_session_name = ${options.sessionName}\n` +
          (options.externalId === undefined ? '' : `external_id = ${options.externalId}\n`) +
          (options.durationSeconds === undefined ? '' : `duration_seconds = ${options.durationSeconds}\n`),
      );
      const env = {
        ...aws.homeEnv,
        AWS_CONFIG_FILE: config,
        PATH: process.env.PATH,
        AWS_ENDPOINT_URL: moto.endpoint,
      };
      const raw = await execa('aws', ['sts', 'get-caller-identity', '--profile', 'r'], {
        env,
        extendEnv: false,
        reject: false,
      });
      expect(raw.stderr).toBe('');
      expect(await readdir(cliCache)).toEqual([roleCacheEntry(options)]);
      await rm(join(cliCache, roleCacheEntry(options)));
    },
    60_000,
  );

  it('removes the role’s entry from the user’s cache when the sandbox gives the call no private copy', async () => {
    const result = await run({
      assumeRole: { roleArn, sessionName: 'aws-mcp-nosandbox' },
      sandbox: noSandbox,
    });
    expect((JSON.parse(result.output) as { Arn: string }).Arn).toContain(
      'assumed-role/Auditor/aws-mcp-nosandbox',
    );
    expect(await readdir(cliCache)).toEqual([]);
  }, 60_000);

  it('refuses invalid options before writing anything', async () => {
    const before = await listRoleFolders();
    await expect(run({ assumeRole: { roleArn, sessionName: 'no spaces allowed' } })).rejects.toMatchObject({
      code: 'INVALID_OPTIONS',
    });
    expect(await listRoleFolders()).toEqual(before);
  });
});
