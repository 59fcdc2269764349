import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, textOf } from '../../test/test-server.js';

const bwrapMissing = spawnSync('bwrap', ['--version']).status !== 0;

/**
 * A profile whose credential_process is a script that reads its keys from a folder outside /usr and the homes:
 * the sandbox binds the script (the profile names it) but not what the script reads, so the call fails with the
 * path named and the setting that adds it; with that folder in AWS_MCP_SANDBOX_READ_PATHS it works.
 */
describe.skipIf(bwrapMissing)('a credential helper that needs a path the sandbox does not show', () => {
  let helperDir: string;
  let dataDir: string;
  let configFile: string;
  const servers: TestServer[] = [];

  beforeAll(async () => {
    helperDir = await mkdtemp(join(tmpdir(), 'helper-bin-'));
    dataDir = await mkdtemp(join(tmpdir(), 'helper-data-'));
    await writeFile(
      join(dataDir, 'keys.json'),
      JSON.stringify({ Version: 1, AccessKeyId: 'S3RVER', SecretAccessKey: 'S3RVER' }),
    );
    const helper = join(helperDir, 'helper');
    await writeFile(helper, `#!/bin/sh\nexec cat ${join(dataDir, 'keys.json')}\n`);
    await chmod(helper, 0o755);
    configFile = join(helperDir, 'config');
    await writeFile(configFile, `[profile helper]\ncredential_process = ${helper}\nregion = us-east-1\n`);
  });

  afterAll(async () => {
    for (const server of servers) await server.close();
    await rm(helperDir, { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
  });

  async function start(settings: Record<string, string>): Promise<TestServer> {
    const server = await startTestServer({
      AWS_CONFIG_FILE: configFile,
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_MCP_SANDBOX: 'required',
      AWS_MCP_AUDIT_LOG: '',
      ...settings,
    });
    servers.push(server);
    return server;
  }

  it('names the missing path and the setting that shows it', async () => {
    const server = await start({});
    const result = await server.call('aws_cli_pipeline', { command: 'aws s3 ls', profile: 'helper' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain(`could not find ${join(dataDir, 'keys.json')}`);
    expect(textOf(result)).toMatch(/give its folder in AWS_MCP_SANDBOX_READ_PATHS/);
  });

  it('runs once the folder is in AWS_MCP_SANDBOX_READ_PATHS', async () => {
    const server = await start({ AWS_MCP_SANDBOX_READ_PATHS: dataDir });
    const result = await server.call('aws_cli_pipeline', { command: 'aws s3 ls', profile: 'helper' });
    expect(textOf(result)).not.toMatch(/could not find/);
    expect(result.isError).toBeFalsy();
  });

  it.each([
    ['relative/dir', /must list absolute paths/],
    ['/nonexistent/aws-mcp-helper', /which does not exist/],
  ])('refuses %s at start', async (paths, message) => {
    await expect(start({ AWS_MCP_SANDBOX_READ_PATHS: paths })).rejects.toThrow(message);
  });
});
