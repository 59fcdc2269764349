import { readFile, writeFile } from 'node:fs/promises';
import type { ReadResourceResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, textOf } from '../../test/test-server.js';

function jsonOf(result: ReadResourceResult): Record<string, unknown> {
  const content = result.contents[0];
  if (content === undefined || !('text' in content)) throw new Error('no text content');
  return JSON.parse(content.text) as Record<string, unknown>;
}

/** The warm CLI needs bubblewrap and a CLI whose Python it can import: where the server says it is off, skip. */
const probe = await startTestServer({ AWS_MCP_WARM_CLI: 'on' });
const warmReason = probe.context.warmCli.state === 'on' ? undefined : probe.context.warmCli.reason;
await probe.close();

describe.skipIf(warmReason !== undefined)('aws://config/environment with AWS_MCP_WARM_CLI=on', () => {
  let test: TestServer;
  const readWarm = async () =>
    jsonOf(await test.client.readResource({ uri: 'aws://config/environment' })) as {
      awsCli: { version: string };
      warmCli: Record<string, unknown>;
    };
  const callerIdentity = async () => {
    const result = await test.call('aws_cli_pipeline', {
      command: 'aws sts get-caller-identity --query Account --output text',
    });
    expect(result.isError, textOf(result)).toBeFalsy();
    return textOf(result).trim();
  };

  beforeAll(async () => {
    test = await startTestServer({ AWS_MCP_WARM_CLI: 'on', AWS_MCP_MODE: 'read-only' }, { emulator: 'moto' });
  }, 60_000);
  afterAll(async () => {
    await test?.close();
  });

  it('shows no interpreter before the first call: it starts with it, not with the server', async () => {
    expect((await readWarm()).warmCli).toEqual({
      state: 'on',
      running: false,
      version: null,
      starts: 0,
      calls: 0,
      lastRestart: null,
    });
  });

  it('shows the version the interpreter imported (the CLI its --version names) once calls ran, one start for calls that came together', async () => {
    const accounts = await Promise.all([callerIdentity(), callerIdentity(), callerIdentity()]);
    expect(new Set(accounts)).toEqual(new Set([expect.stringMatching(/^\d{12}$/)]));
    const environment = await readWarm();
    expect(environment.warmCli).toEqual({
      state: 'on',
      running: true,
      version: environment.awsCli.version,
      starts: 1,
      calls: 3,
      lastRestart: null,
    });
  }, 120_000);

  it('shows the last restart, why and when, after an edit of the config file', async () => {
    const configFile = test.awsEnv.AWS_CONFIG_FILE as string;
    const before = Date.now();
    await writeFile(
      configFile,
      `${await readFile(configFile, 'utf8')}\n[profile edited]\nregion = eu-west-1\n`,
    );
    await callerIdentity();
    const { warmCli } = await readWarm();
    expect(warmCli).toMatchObject({ running: true, starts: 2, calls: 4 });
    const restart = warmCli.lastRestart as { reason: string; at: string };
    expect(restart.reason).toBe(`${configFile} changed`);
    expect(Date.parse(restart.at)).toBeGreaterThanOrEqual(before - 1000);
  }, 120_000);
});
