import { appendFile, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAwsSandboxHome } from '@aws-mcp/emulators';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, textOf } from '../test/test-server.js';
import { ConfigError, readServerConfig } from './config.js';
import { createServerContext } from './server-context.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function waitFor(check: () => boolean): Promise<void> {
  for (let tries = 0; tries < 100 && !check(); tries++)
    await new Promise((resolve) => setTimeout(resolve, 50));
}

describe('what the aws stage sees, as the server composes it', () => {
  it('assumes a role through a profile in the sandbox and keeps its cache entry', async () => {
    server = await startTestServer({ AWS_MCP_SANDBOX: 'required' }, { emulator: 'moto' });
    await appendFile(
      server.awsEnv.AWS_CONFIG_FILE as string,
      '\n[profile role]\nrole_arn = arn:aws:iam::123456789012:role/kept\nsource_profile = default\nregion = us-east-1\n',
    );
    const context = server.context;
    await waitFor(() => context.setup().profiles.some((profile) => profile.name === 'role'));
    const result = await server.call('aws_cli_pipeline', {
      command: 'aws sts get-caller-identity --output json',
      profile: 'role',
    });
    expect(textOf(result)).toContain('assumed-role/kept');
    const written = await readdir(join(server.awsEnv.HOME as string, '.aws', 'cli', 'cache'));
    expect(written).toHaveLength(1);
    expect(context.setup().cliCacheFiles.cli).toContain(written[0]);
  }, 120_000);

  it('names the limit that stopped a filter, and the server setting that raises it', async () => {
    server = await startTestServer({ AWS_MCP_SANDBOX: 'required' });
    const result = await server.call('aws_cli_pipeline', {
      command: "aws --version | jq -n '[range(40000000)] | length'",
    });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain(
      "jq was stopped by the sandbox's memory limit (512 MiB): work on less data at once (a --query, --max-items, " +
        'a narrower filter), or raise AWS_MCP_SANDBOX_LIMITS=filter.addressSpaceBytes=N for the server.',
    );
  }, 120_000);

  it.each([
    ['both', /^us-east-1$/],
    ['env', /^The command failed \(aws exited 1\)\.$/],
  ])(
    'with AWS_MCP_SANDBOX_CREDENTIALS=%s shows the stage the config file or not: %s',
    async (mode, expected) => {
      server = await startTestServer({ AWS_MCP_SANDBOX: 'required', AWS_MCP_SANDBOX_CREDENTIALS: mode });
      const result = await server.call('aws_cli_pipeline', { command: 'aws configure get region' });
      expect(textOf(result).trim()).toMatch(expected);
    },
    60_000,
  );
});

describe('the profile allowlist, one matcher for the argument and the line', () => {
  let allowlisted: TestServer;
  beforeAll(async () => {
    allowlisted = await startTestServer({ AWS_MCP_PROFILES: 'def*' });
  });
  afterAll(async () => {
    await allowlisted?.close();
  });

  it.each([
    [{ command: 'aws s3 ls', profile: 'default' }, false],
    [{ command: 'aws s3 ls --profile default' }, false],
    [{ command: 'aws s3 ls', profile: 'DEFAULT' }, true],
    [{ command: 'aws s3 ls --profile DEFAULT' }, true],
  ])('with AWS_MCP_PROFILES=def* takes %j as the glob says (refused: %s)', async (args, refused) => {
    const result = await allowlisted.call('aws_cli_pipeline', args);
    if (refused) expect(textOf(result)).toMatch(/PROFILE_NOT_ALLOWED/);
    else expect(textOf(result)).not.toMatch(/PROFILE_NOT_ALLOWED|UNKNOWN_PROFILE/);
  });
});

describe('without a sandbox', () => {
  it('is read-only unless a mode is set, and says which protections are off', async () => {
    server = await startTestServer({ AWS_MCP_SANDBOX: 'disabled', AWS_MCP_MODE: '' });
    expect(server.context.policy.mode).toBe('read-only');
    expect(server.context.protectionsOff).toEqual([
      'sandbox (AWS_MCP_SANDBOX=disabled), and with it every stage limit',
    ]);
    const write = await server.call('aws_cli_pipeline', { command: 'aws s3 mb s3://unconfined' });
    expect(write.isError).toBe(true);
    expect(textOf(write)).toMatch(/read-only/);
    const resource = await server.client.readResource({ uri: 'aws://config/environment' });
    const environment = JSON.parse((resource.contents[0] as { text: string }).text);
    expect(environment).toMatchObject({ mode: 'read-only', protectionsOff: server.context.protectionsOff });
  });

  it('runs the mode the person set, and the consent text says there is no sandbox', async () => {
    server = await startTestServer({ AWS_MCP_SANDBOX: 'disabled', AWS_MCP_MODE: 'confirm-writes' });
    expect(server.context.policy.mode).toBe('confirm-writes');
    const write = await server.call('aws_cli_pipeline', { command: 'aws s3 mb s3://unconfined' });
    expect(write.isError).not.toBe(true);
    expect(server.consent.asked[0]).toMatch(
      /^Sandbox: no sandbox \(AWS_MCP_SANDBOX=disabled\): it runs with your own access to this machine$/m,
    );
  });

  it('takes the mode of a policy file as the person setting one', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'policy-'));
    const file = join(folder, 'policy.json');
    await writeFile(file, '{"mode": "full"}');
    server = await startTestServer({ AWS_MCP_SANDBOX: 'disabled', AWS_MCP_POLICY_FILE: file });
    expect(server.context.policy.mode).toBe('full');
    await rm(folder, { recursive: true, force: true });
  });
});

describe('the policy file at start', () => {
  it.each([
    ['{"rules": [{"effect": "deny", "actions": ["iam:*"]}]}', undefined],
    ['', /is empty/],
    ['{"mode": "yolo"}', /`mode` must be one of/],
  ])('%j starts, or is a bad setting (exit 2): %s', async (text, problem) => {
    const folder = await mkdtemp(join(tmpdir(), 'policy-'));
    const file = join(folder, 'policy.json');
    await writeFile(file, text);
    try {
      const started = startTestServer({ AWS_MCP_POLICY_FILE: file });
      if (problem === undefined) {
        server = await started;
        expect(server.context.policy.mode).toBe('confirm-writes');
      } else {
        await expect(started).rejects.toBeInstanceOf(ConfigError);
        await expect(started).rejects.toMatchObject({ variable: 'AWS_MCP_POLICY_FILE', message: problem });
      }
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});

describe('the start-up report', () => {
  it.each([
    ['audit,ops', true],
    ['def*', false],
  ])('with AWS_MCP_PROFILES=%s says the default profile is outside it: %s', async (profiles, says) => {
    const home = await createAwsSandboxHome({ credentials: { accessKeyId: 'AKIAX', secretAccessKey: 'x' } });
    const workdir = await mkdtemp(join(tmpdir(), 'start-report-'));
    const env = { PATH: process.env.PATH, ...home.env, AWS_MCP_WORKDIR: workdir, AWS_MCP_PROFILES: profiles };
    const lines: string[] = [];
    const context = await createServerContext({
      config: readServerConfig(env),
      env,
      log: (line) => lines.push(line),
    });
    try {
      const warning = lines.find((line) => line.startsWith('the default profile default'));
      if (says) {
        expect(warning).toBe(
          'the default profile default (no AWS_PROFILE) is not in the profile allowlist (audit, ops): a call that ' +
            'names no profile is refused; set AWS_PROFILE to an allowed profile',
        );
      } else expect(warning).toBeUndefined();
    } finally {
      await context.close();
      await home.remove();
      await rm(workdir, { recursive: true, force: true });
    }
  });
});
