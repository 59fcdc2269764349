import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, textOf } from '../test/test-server.js';

// Debian's CLI starts without PATH (an absolute shebang); a pyenv shim would need PATH to find pyenv.
const debianCli = '/usr/bin/aws';
/** A PATH with no AWS CLI on it, as a desktop app that never read the login shell's profile passes on. */
const guiPath = '/nonexistent-gui-path';

describe('AWS_MCP_AWS_CLI', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it.skipIf(!existsSync(debianCli))('runs the CLI it names when PATH has none', async () => {
    server = await startTestServer({ PATH: guiPath, AWS_MCP_AWS_CLI: debianCli, AWS_MCP_MODE: 'read-only' });
    const environment = await server.client.readResource({ uri: 'aws://config/environment' });
    const first = environment.contents[0];
    expect(first !== undefined && 'text' in first && JSON.parse(first.text).awsCli).toMatchObject({
      path: debianCli,
    });
    const result = await server.call('aws_cli_pipeline', { command: 'aws s3 ls' });
    expect(result.isError, textOf(result)).not.toBe(true);
  });

  it('without it, a missing CLI is explained: GUI apps and PATH, and the setting to use', async () => {
    server = await startTestServer({ PATH: guiPath });
    const result = await server.call('aws_cli_pipeline', { command: 'aws s3 ls' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('AWS_CLI_MISSING');
    expect(textOf(result)).toContain('the app that started this server did not pass on your shell');
    expect(textOf(result)).toContain("set AWS_MCP_AWS_CLI to the CLI's full path");
  });

  it('a path that leads to no program is named, with what to point it at', async () => {
    server = await startTestServer({ AWS_MCP_AWS_CLI: '/opt/nowhere/aws' });
    const result = await server.call('aws_cli_help', { service: 's3' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain(
      'The AWS CLI was not found at /opt/nowhere/aws (AWS_MCP_AWS_CLI): there is no executable file there.',
    );
  });
});
