import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCommandLine } from '@aws-mcp/command';
import { createAwsSandboxHome, type MotoEmulator, startMoto } from '@aws-mcp/emulators';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findExecutable } from './_find-executable.js';
import { createBubblewrapSandbox } from './bubblewrap-sandbox.js';
import {
  type AwsCommandAuditEntry,
  type JudgedAwsCommand,
  type RunAwsCommandOptions,
  runAwsCommand,
} from './run-aws-command.js';
import { noSandbox } from './sandbox.js';

// runAwsCommand is the one flow (parse → judge → preflight → confirm → run → audit): the real CLI against moto,
// in the real bubblewrap sandbox where there is one; the raw CLI is the oracle for where a call runs.
const bwrapPath = findExecutable('bwrap', process.env.PATH);
const sandbox = bwrapPath === undefined ? noSandbox : createBubblewrapSandbox({ bwrapPath });

let moto: MotoEmulator;
let home: Awaited<ReturnType<typeof createAwsSandboxHome>>;
let workdir: string;
let env: Record<string, string>;
let options: RunAwsCommandOptions;

async function rawAws(args: string[]): Promise<string> {
  const result = await execa('aws', [...args, '--endpoint-url', moto.endpoint], {
    cwd: workdir,
    env,
    extendEnv: false,
  });
  return result.stdout.trim();
}

async function bucketNames(): Promise<string[]> {
  return (await rawAws(['s3api', 'list-buckets', '--query', 'Buckets[].Name', '--output', 'text']))
    .split(/\s+/)
    .filter((name) => name !== '' && name !== 'None');
}

beforeAll(async () => {
  moto = await startMoto();
  home = await createAwsSandboxHome({
    credentials: moto.credentials,
    profiles: [
      { name: 'default', region: 'us-east-1' },
      { name: 'dev', region: 'eu-west-2' },
    ],
  });
  workdir = await mkdtemp(join(tmpdir(), 'run-aws-command-'));
  env = { PATH: process.env.PATH ?? '', LANG: 'C.UTF-8', ...home.env, AWS_MAX_ATTEMPTS: '1' };
  options = { cwd: workdir, env, endpointUrl: moto.endpoint, timeoutMs: 60_000, sandbox };
}, 120_000);

afterAll(async () => {
  await moto?.stop();
  await home?.remove();
  if (workdir !== undefined) await rm(workdir, { recursive: true, force: true });
});

// Each call starts the real CLI, several per test; a loaded 2-core machine needs the room.
describe('runAwsCommand, the one flow', { timeout: 240_000 }, () => {
  it('runs a read and tells audit how it ended, with the argv as judged', async () => {
    const entries: AwsCommandAuditEntry[] = [];
    const result = await runAwsCommand('aws sts get-caller-identity --output json', {
      ...options,
      policy: { mode: 'read-only' },
      audit: (entry) => entries.push(entry),
    });
    expect(result.status).toBe('success');
    expect(JSON.parse(result.output)).toMatchObject({ Account: '123456789012' });
    expect(entries).toEqual([
      expect.objectContaining({
        status: 'success',
        exitCode: 0,
        classification: 'read',
        decision: 'allow',
        profile: 'default',
        region: 'us-east-1',
        // The argv as it runs: rebuilt from the CLI's tables, globals first.
        argv: [['aws', '--output=json', 'sts', 'get-caller-identity']],
      }),
    ]);
  });

  it('runs a chosen profile in that profile’s region, as `aws --profile` does', async () => {
    const line = 'aws ec2 describe-availability-zones --query AvailabilityZones[0].RegionName --output text';
    const result = await runAwsCommand(line, { ...options, profile: 'dev', policy: { mode: 'read-only' } });
    const raw = await rawAws(['--profile', 'dev', ...line.split(' ').slice(1)]);
    expect(raw).toBe('eu-west-2');
    expect(result.output.trim()).toBe(raw);
    expect(result.judged).toMatchObject({ profile: 'dev', region: 'eu-west-2' });
  });

  it('prints a line without --output as AWS_DEFAULT_OUTPUT says, as the raw CLI does', async () => {
    const line = 'aws sts get-caller-identity';
    const textEnv = { ...env, AWS_DEFAULT_OUTPUT: 'text' };
    const result = await runAwsCommand(line, { ...options, env: textEnv, policy: { mode: 'read-only' } });
    const raw = await execa('aws', ['sts', 'get-caller-identity', '--endpoint-url', moto.endpoint], {
      cwd: workdir,
      env: textEnv,
      extendEnv: false,
    });
    expect(raw.stdout).toMatch(/^123456789012\tarn:/);
    expect(result.output.trim()).toBe(raw.stdout.trim());
  });

  it('refuses a write without a confirm callback: DENIED, audited, nothing created', async () => {
    const entries: AwsCommandAuditEntry[] = [];
    await expect(
      runAwsCommand('aws s3api create-bucket --bucket never-made', {
        ...options,
        audit: (entry) => entries.push(entry),
      }),
    ).rejects.toMatchObject({ code: 'DENIED', message: expect.stringMatching(/No `confirm` callback/) });
    expect(entries).toEqual([
      expect.objectContaining({ status: 'refused', error: 'DENIED', classification: 'write' }),
    ]);
    expect(await bucketNames()).not.toContain('never-made');
  });

  it('asks confirm with the judged call and runs the write only on yes', async () => {
    const asked: JudgedAwsCommand[] = [];
    await expect(
      runAwsCommand('aws s3api create-bucket --bucket said-no', {
        ...options,
        confirm: (_decision, _pipeline, judged) => {
          asked.push(judged);
          return false;
        },
      }),
    ).rejects.toMatchObject({ code: 'DENIED', message: expect.stringMatching(/not confirmed/) });
    expect(await bucketNames()).not.toContain('said-no');
    const result = await runAwsCommand('aws s3api create-bucket --bucket said-yes', {
      ...options,
      confirm: () => true,
    });
    expect(result.status).toBe('success');
    expect(await bucketNames()).toContain('said-yes');
    expect(asked).toEqual([
      expect.objectContaining({
        profile: 'default',
        region: 'us-east-1',
        decision: expect.objectContaining({ action: 'confirm' }),
        redactedArgv: [['aws', 's3api', 'create-bucket', '--bucket=said-no']],
      }),
    ]);
  });

  it('runs and audits the pipeline a confirm hands back, not the one it was asked about', async () => {
    const entries: AwsCommandAuditEntry[] = [];
    const bound = parseCommandLine('aws s3api create-bucket --bucket confirm-bound', { workdir });
    const result = await runAwsCommand('aws s3api create-bucket --bucket confirm-asked', {
      ...options,
      audit: (entry) => entries.push(entry),
      confirm: () => ({ granted: true, pipeline: bound }),
    });
    expect(result.status).toBe('success');
    const names = await bucketNames();
    expect(names).toContain('confirm-bound');
    expect(names).not.toContain('confirm-asked');
    expect(result.judged.pipeline).toBe(bound);
    expect(entries).toEqual([
      expect.objectContaining({
        status: 'success',
        argv: [['aws', 's3api', 'create-bucket', '--bucket=confirm-bound']],
      }),
    ]);
  });

  it('refuses on `{ granted: false }` as on `false`, whatever pipeline comes with it', async () => {
    const bound = parseCommandLine('aws s3api create-bucket --bucket confirm-refused-bound', { workdir });
    await expect(
      runAwsCommand('aws s3api create-bucket --bucket confirm-refused', {
        ...options,
        confirm: () => ({ granted: false, pipeline: bound }),
      }),
    ).rejects.toMatchObject({ code: 'DENIED', message: expect.stringMatching(/not confirmed/) });
    expect(await bucketNames()).not.toContain('confirm-refused-bound');
  });

  it('asks about a command the policy allows when `asks` says so', async () => {
    let asked = 0;
    await expect(
      runAwsCommand('aws s3api list-buckets', {
        ...options,
        policy: { mode: 'read-only' },
        asks: () => true,
        confirm: () => {
          asked += 1;
          return false;
        },
      }),
    ).rejects.toMatchObject({ code: 'DENIED' });
    expect(asked).toBe(1);
  });

  it('refuses a policy deny before anyone is asked', async () => {
    let asked = 0;
    await expect(
      runAwsCommand('aws s3api create-bucket --bucket read-only-mode', {
        ...options,
        policy: { mode: 'read-only' },
        confirm: () => {
          asked += 1;
          return true;
        },
      }),
    ).rejects.toMatchObject({
      code: 'DENIED',
      decision: expect.objectContaining({ rule: 'mode:read-only' }),
    });
    expect(asked).toBe(0);
    expect(await bucketNames()).not.toContain('read-only-mode');
  });

  it('says AWS_CLI_MISSING when the CLI is not there, before asking', async () => {
    let asked = 0;
    await expect(
      runAwsCommand('aws s3api create-bucket --bucket no-cli', {
        ...options,
        awsCli: join(workdir, 'no-such-aws'),
        confirm: () => {
          asked += 1;
          return true;
        },
      }),
    ).rejects.toMatchObject({ code: 'AWS_CLI_MISSING' });
    expect(asked).toBe(0);
  });

  it('says SSO_SESSION_EXPIRED with the login command for a profile whose SSO token expired', async () => {
    const ssoHome = await mkdtemp(join(tmpdir(), 'run-aws-command-sso-'));
    try {
      await mkdir(join(ssoHome, '.aws', 'sso', 'cache'), { recursive: true });
      await writeFile(
        join(ssoHome, '.aws', 'config'),
        '[profile sso-dev]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\nregion = us-east-1\n' +
          '\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n',
      );
      await writeFile(
        join(ssoHome, '.aws', 'sso', 'cache', `${createHash('sha1').update('corp').digest('hex')}.json`),
        JSON.stringify({
          startUrl: 'https://corp.awsapps.com/start',
          region: 'us-east-1',
          accessToken: 'x',
          expiresAt: '2020-01-01T00:00:00Z',
        }),
      );
      const ssoEnv = { PATH: env.PATH as string, HOME: ssoHome };
      await expect(
        runAwsCommand('aws s3 ls', {
          ...options,
          env: ssoEnv,
          profile: 'sso-dev',
          policy: { mode: 'read-only' },
        }),
      ).rejects.toMatchObject({
        code: 'SSO_SESSION_EXPIRED',
        reason: expect.stringMatching(/^the SSO session of profile `sso-dev` expired at 2020-01-01/),
        message: expect.stringMatching(/The user must run `aws sso login --profile sso-dev` in a terminal/),
      });
    } finally {
      await rm(ssoHome, { recursive: true, force: true });
    }
  });

  it('audits a line that does not parse as refused with the parse error’s code', async () => {
    const entries: AwsCommandAuditEntry[] = [];
    await expect(
      runAwsCommand('aws s3api list-bucketz', { ...options, audit: (entry) => entries.push(entry) }),
    ).rejects.toMatchObject({ name: 'CommandError' });
    expect(entries).toEqual([
      { status: 'refused', error: expect.any(String), durationMs: expect.any(Number) },
    ]);
    expect(entries[0]?.error).not.toBe('ERROR');
  });
});
