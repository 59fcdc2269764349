import { appendFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, textOf } from './_test-harness.js';

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
