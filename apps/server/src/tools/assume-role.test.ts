import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseCommandLine, parsePolicy, validatePipeline } from '@aws-mcp/command';
import { type HangingEndpoint, startHangingEndpoint } from '@aws-mcp/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, textOf } from '../../test/test-server.js';
import { type CallRole, describeCallRole } from './_roles.js';

const trustAnyone = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }],
});

/** The parts of an assumed role's credentials, as moto (and STS) issue them. */
const credentialPattern = /\bASIA[A-Z0-9]{16}\b|SecretAccessKey|SessionToken/;

async function createRole(test: TestServer, name: string): Promise<string> {
  const created = await promisify(execFile)(
    'aws',
    ['iam', 'create-role', '--role-name', name, '--assume-role-policy-document', trustAnyone],
    { env: { ...test.awsEnv, PATH: process.env.PATH, AWS_ENDPOINT_URL: test.s3.endpoint } },
  );
  return (JSON.parse(created.stdout) as { Role: { Arn: string } }).Role.Arn;
}

async function listRoleFolders(): Promise<string[]> {
  return (await readdir(tmpdir())).filter((name) => name.startsWith('aws-mcp-role-')).sort();
}

/** Every file under `folder`, with its text (unreadable ones left out). */
async function readTree(folder: string): Promise<Array<{ path: string; text: string }>> {
  const files: Array<{ path: string; text: string }> = [];
  for (const entry of await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => [])) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.push({ path, text: await readFile(path, 'utf8').catch(() => '') });
  }
  return files;
}

describe('validatePipeline with policy rules scoped to roles', () => {
  const policy = parsePolicy({
    mode: 'full',
    rules: [
      {
        id: 'deny-admin-deletes',
        effect: 'deny',
        roles: ['arn:aws:iam::*:role/Admin*'],
        actions: ['*:delete-*'],
      },
      {
        id: 'confirm-auditor-reads',
        effect: 'confirm',
        roles: ['arn:aws:iam::*:role/Auditor'],
        classes: ['read'],
      },
    ],
  });
  const del = parseCommandLine('aws sqs delete-queue --queue-url http://127.0.0.1/q');
  const read = parseCommandLine('aws sqs list-queues');
  it.each([
    ['a matching role', del, 'arn:aws:iam::123456789012:role/AdminTeam', 'deny-admin-deletes'],
    ['another role', del, 'arn:aws:iam::123456789012:role/Reader', 'mode:full'],
    [
      'a role that differs only in case (ARNs are case-sensitive)',
      del,
      'arn:aws:iam::123456789012:role/admin',
      'mode:full',
    ],
    ['no role (long-term keys)', del, null, 'mode:full'],
    ['an unknown role (fail closed: deny applies)', del, undefined, 'deny-admin-deletes'],
    [
      'a matching role, for a confirm rule',
      read,
      'arn:aws:iam::123456789012:role/Auditor',
      'confirm-auditor-reads',
    ],
    ['an unknown role, for a confirm rule', read, undefined, 'confirm-auditor-reads'],
  ] as const)('decides a call under %s', (_, pipeline, role, rule) => {
    expect(validatePipeline(pipeline, policy, { role }).rule).toBe(rule);
  });

  it('applies an allow rule with roles only under a matching role, never an unknown one', () => {
    const allowing = parsePolicy({
      mode: 'read-only',
      rules: [{ effect: 'allow', roles: ['arn:aws:iam::*:role/Deployer'], actions: ['sqs:create-queue'] }],
    });
    const create = parseCommandLine('aws sqs create-queue --queue-name q');
    expect(validatePipeline(create, allowing, { role: 'arn:aws:iam::1:role/Deployer' }).action).toBe('allow');
    expect(validatePipeline(create, allowing, {}).action).toBe('deny');
    expect(validatePipeline(create, allowing, { role: null }).action).toBe('deny');
  });

  it('refuses a rule whose roles is not a list of non-empty globs', () => {
    expect(() =>
      parsePolicy({ mode: 'full', rules: [{ effect: 'deny', roles: [''], classes: ['write'] }] }),
    ).toThrow(expect.objectContaining({ code: 'INVALID_POLICY', token: 'rules[0].roles[0]' }));
  });
});

describe('describeCallRole', () => {
  const assumed = { arn: 'arn:aws:iam::1:role/Given' } as CallRole;
  const role = 'arn:aws:iam::123456789012:role/FromProfile';
  type Credentials = Parameters<typeof describeCallRole>[1];
  it.each<[string, CallRole | undefined, Credentials, string | null | undefined]>([
    [
      'the roleArn of the call, over the profile',
      assumed,
      { source: 'instance-role', disabled: false },
      assumed.arn,
    ],
    [
      'a profile that assumes a role',
      undefined,
      {
        source: 'profile',
        profile: 'p',
        credentials: { kind: 'assume-role', roleArn: role, sourceProfile: 'x' },
      },
      role,
    ],
    [
      'a web identity profile',
      undefined,
      {
        source: 'profile',
        profile: 'p',
        credentials: { kind: 'web-identity', roleArn: role, webIdentityTokenFile: '/t' },
      },
      role,
    ],
    [
      'long-term keys of a profile (no role)',
      undefined,
      { source: 'profile', profile: 'p', credentials: { kind: 'static', hasSessionToken: false } },
      null,
    ],
    [
      'session keys of a profile (maybe a role)',
      undefined,
      { source: 'profile', profile: 'p', credentials: { kind: 'static', hasSessionToken: true } },
      undefined,
    ],
    [
      'SSO (a role the server cannot name)',
      undefined,
      { source: 'profile', profile: 'p', credentials: { kind: 'sso' } },
      undefined,
    ],
    ['long-term keys in variables', undefined, { source: 'environment', hasSessionToken: false }, null],
    ['session keys in variables', undefined, { source: 'environment', hasSessionToken: true }, undefined],
    ['the instance', undefined, { source: 'instance-role', disabled: false }, undefined],
  ])('names %s', (_, assumedRole, credentials, expected) => {
    expect(describeCallRole(assumedRole, credentials)).toBe(expected);
  });
});

describe('aws_cli_pipeline with roleArn, against moto', () => {
  let test: TestServer;
  let folder: string;
  let auditLog: string;
  let roleArn: string;
  let account: string;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'assume-role-test-'));
    auditLog = join(folder, 'audit.jsonl');
    await writeFile(
      join(folder, 'policy.json'),
      JSON.stringify({
        rules: [
          { id: 'no-deletes-as-auditor', effect: 'deny', roles: ['*:role/Auditor'], actions: ['*:delete-*'] },
        ],
      }),
    );
    test = await startTestServer(
      {
        AWS_MCP_ROLES: 'arn:aws:iam::*:role/Auditor,arn:aws:iam::210987654321:role/Deploy*',
        AWS_MCP_AUDIT_LOG: auditLog,
        AWS_MCP_POLICY_FILE: join(folder, 'policy.json'),
        AWS_MCP_MODE: 'confirm-writes',
      },
      { emulator: 'moto' },
    );
    roleArn = await createRole(test, 'Auditor');
    account = roleArn.split(':')[4] as string;
  }, 120_000);
  afterAll(async () => {
    await test?.close();
    await rm(folder, { recursive: true, force: true });
  });

  it('lists the roles a call may assume in aws://config/environment', async () => {
    const read = await test.client.readResource({ uri: 'aws://config/environment' });
    const first = read.contents[0];
    const environment = JSON.parse(first !== undefined && 'text' in first ? first.text : '{}');
    expect(environment.allowedRoles).toEqual([
      'arn:aws:iam::*:role/Auditor',
      'arn:aws:iam::210987654321:role/Deploy*',
    ]);
  });

  it('runs as the role under the session’s name, and leaves no credential in output, audit log or files', async () => {
    const before = await listRoleFolders();
    const result = await test.call('aws_cli_pipeline', {
      command: 'aws sts get-caller-identity --output json',
      roleArn,
    });
    expect(result.isError).toBeFalsy();
    const identity = JSON.parse(textOf(result)) as { Arn: string; Account: string };
    expect(identity.Arn).toMatch(
      new RegExp(`^arn:aws:sts::${account}:assumed-role/Auditor/aws-mcp-[0-9a-f]{8}$`),
    );
    const everything = JSON.stringify(result);
    expect(everything).not.toMatch(credentialPattern);
    expect(await listRoleFolders()).toEqual(before);
    let audit = '';
    // The audit line is written once the account is looked up, shortly after the result.
    for (let attempt = 0; attempt < 500 && !audit.includes(roleArn); attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      audit = await readFile(auditLog, 'utf8').catch(() => '');
    }
    expect(audit).toContain(
      `"role":"${roleArn}","roleSession":"${identity.Arn.split('/').at(-1)}","account":"${account}"`,
    );
    expect(audit).not.toMatch(credentialPattern);
    // The user's AWS home (config, credentials, CLI cache) and the working directory hold no role credentials.
    const files = [...(await readTree(test.awsEnv.HOME as string)), ...(await readTree(test.workdir))];
    expect(files.filter(({ text }) => credentialPattern.test(text)).map(({ path }) => path)).toEqual([]);
    expect(await readdir(join(test.awsEnv.HOME as string, '.aws', 'cli', 'cache')).catch(() => [])).toEqual(
      [],
    );
  }, 60_000);

  it('names the session as asked, and runs as the caller without roleArn', async () => {
    const named = await test.call('aws_cli_pipeline', {
      command: 'aws sts get-caller-identity --query Arn --output text',
      roleArn,
      sessionName: 'ticket-42@team',
      durationSeconds: 900,
    });
    expect(textOf(named).trim()).toBe(`arn:aws:sts::${account}:assumed-role/Auditor/ticket-42@team`);
    const plain = await test.call('aws_cli_pipeline', {
      command: 'aws sts get-caller-identity --query Arn --output text',
    });
    expect(textOf(plain)).not.toContain('assumed-role');
  }, 60_000);

  it('shows the role and its account in the consent form, and the policy rule scoped to it decides', async () => {
    test.consent.asked.length = 0;
    const created = await test.call('aws_cli_pipeline', {
      command: 'aws sqs create-queue --queue-name role-queue',
      roleArn,
    });
    expect(created.isError).toBeFalsy();
    expect(test.consent.asked).toHaveLength(1);
    expect(test.consent.asked[0]).toContain(`Role: ${roleArn} in account ${account}, session aws-mcp-`);
    const checked = await test.call('aws_cli_pipeline', {
      command: 'aws sqs create-queue --queue-name other',
      roleArn: 'arn:aws:iam::210987654321:role/Deployer',
      check: true,
    });
    expect((checked.structuredContent as { check: { consentText: string } }).check.consentText).toContain(
      'Role: arn:aws:iam::210987654321:role/Deployer in account 210987654321',
    );
    const denied = await test.call('aws_cli_pipeline', {
      command: 'aws sqs delete-queue --queue-url http://127.0.0.1:1/123456789012/role-queue',
      roleArn,
    });
    expect(denied.structuredContent).toMatchObject({ code: 'DENIED_BY_POLICY' });
    expect(textOf(denied)).toContain('no-deletes-as-auditor');
  }, 60_000);
});

describe('aws_cli_pipeline refuses a role before any process starts', () => {
  let test: TestServer;
  let folder: string;
  let countFile: string;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'assume-role-refusals-'));
    countFile = join(folder, 'runs');
    const cli = join(folder, 'aws');
    const realAws = (await promisify(execFile)('sh', ['-c', 'command -v aws'])).stdout.trim();
    await writeFile(cli, `#!/bin/sh\necho run >> ${countFile}\nexec ${realAws} "$@"\n`);
    await chmod(cli, 0o755);
    // Unsandboxed, so the counting wrapper (in /tmp) runs at all; the allowlist holds one role and no `default`.
    test = await startTestServer(
      {
        AWS_MCP_AWS_CLI: cli,
        AWS_MCP_SANDBOX: 'disabled',
        AWS_MCP_ROLES: 'arn:aws:iam::123456789012:role/Auditor',
        AWS_MCP_PROFILES: 'ops',
      },
      { emulator: 'moto' },
    );
  }, 120_000);
  afterAll(async () => {
    await test?.close();
    await rm(folder, { recursive: true, force: true });
  });

  const runs = async () => (await readFile(countFile, 'utf8').catch(() => '')).split('\n').length;

  it.each([
    [
      'an unlisted role',
      { roleArn: 'arn:aws:iam::123456789012:role/Admin' },
      'ROLE_NOT_ALLOWED',
      'AWS_MCP_ROLES',
    ],
    [
      'a role ARN of a user',
      { roleArn: 'arn:aws:iam::123456789012:user/bob' },
      'ROLE_ARGUMENT_INVALID',
      'IAM role ARN',
    ],
    [
      'a session name STS refuses',
      { roleArn: 'arn:aws:iam::123456789012:role/Auditor', sessionName: 'has spaces' },
      'ROLE_ARGUMENT_INVALID',
      '`sessionName` must be 2 to 64 characters',
    ],
    [
      'a duration under 900 seconds',
      { roleArn: 'arn:aws:iam::123456789012:role/Auditor', durationSeconds: 899 },
      'ROLE_ARGUMENT_INVALID',
      '`durationSeconds` must be a whole number from 900 to 43200; got 899.',
    ],
    [
      'an external id without a role',
      { externalId: 'abc' },
      'ROLE_ARGUMENT_INVALID',
      '`externalId` goes with `roleArn`',
    ],
    [
      'a role with a fan-out',
      { roleArn: 'arn:aws:iam::123456789012:role/Auditor', regions: ['us-east-1', 'eu-west-1'] },
      'ROLE_ARGUMENT_INVALID',
      'does not go with',
    ],
    [
      'a listed role whose source profile is not allowed',
      { roleArn: 'arn:aws:iam::123456789012:role/Auditor' },
      'PROFILE_NOT_ALLOWED',
      'default',
    ],
  ])('refuses %s', async (_, args, code, says) => {
    const before = await runs();
    const result = await test.call('aws_cli_pipeline', { command: 'aws sts get-caller-identity', ...args });
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toMatchObject({ status: 'refused', code });
    expect(textOf(result)).toContain(says);
    expect(await runs()).toBe(before);
  });
});

describe('aws_cli_pipeline with roleArn removes the role’s config however the call ends', () => {
  let test: TestServer;
  let silent: HangingEndpoint;

  beforeAll(async () => {
    // STS waits on a listener that accepts and never answers, until the call is stopped.
    silent = await startHangingEndpoint();
    const { port } = silent;
    test = await startTestServer({
      AWS_MCP_ROLES: 'arn:aws:iam::123456789012:role/*',
      AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
    });
  }, 120_000);
  afterAll(async () => {
    await test?.close();
    await silent?.close();
  });

  async function waitForNewFolder(before: string[]): Promise<string> {
    for (let attempt = 0; attempt < 200; attempt += 1) {
      const created = (await listRoleFolders()).filter((name) => !before.includes(name));
      if (created[0] !== undefined) return created[0];
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error('no role config was written');
  }

  async function waitUntilGone(name: string): Promise<boolean> {
    for (let attempt = 0; attempt < 200; attempt += 1) {
      if (!(await listRoleFolders()).includes(name)) return true;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return false;
  }

  it('after a timeout', async () => {
    const before = await listRoleFolders();
    const call = test.call('aws_cli_pipeline', {
      command: 'aws sts get-caller-identity',
      roleArn: 'arn:aws:iam::123456789012:role/Slow',
      timeout: 3,
    });
    const name = await waitForNewFolder(before);
    expect((await stat(join(tmpdir(), name, 'config'))).mode & 0o777).toBe(0o600);
    const result = await call;
    expect(result.structuredContent).toMatchObject({ status: 'timeout' });
    expect(await waitUntilGone(name)).toBe(true);
  }, 60_000);

  it('after a cancel', async () => {
    const before = await listRoleFolders();
    const controller = new AbortController();
    const call = test.client
      .callTool(
        {
          name: 'aws_cli_pipeline',
          arguments: {
            command: 'aws sts get-caller-identity',
            roleArn: 'arn:aws:iam::123456789012:role/Slow',
          },
        },
        undefined,
        { signal: controller.signal },
      )
      .catch((error: unknown) => error);
    const name = await waitForNewFolder(before);
    controller.abort('the person stopped it');
    await call;
    expect(await waitUntilGone(name)).toBe(true);
  }, 60_000);
});
