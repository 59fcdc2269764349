import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createAwsSandboxHome } from '@aws-mcp/emulators';
import { connectInMemoryClient, createTempDir } from '@aws-mcp/test-support';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it, onTestFinished } from 'vitest';
import { readServerConfig } from '../src/config.js';
import { createMcpServer } from '../src/server.js';
import { createServerContext, type ServerContext } from '../src/server-context.js';
import { textOf } from './test-server.js';

// The pip CLI's own script (not the pyenv shim, which needs pyenv on PATH): the committed v1 snapshot is of it.
const pipCli = execFileSync('pyenv', ['which', 'aws'], { encoding: 'utf8' }).trim();

/** A server context whose AWS_MCP_AWS_CLI is `cli`, and a client on it; both closed when the test ends. */
async function startOn(
  cli: string,
  awsCliCheck: { timeoutMs?: number; retryAfterMs?: number },
): Promise<{ context: ServerContext; client: Client; call(command: string): Promise<CallToolResult> }> {
  const home = await createAwsSandboxHome({
    credentials: { accessKeyId: 'AKIARECHECK', secretAccessKey: 'recheck-secret' },
    region: 'us-east-1',
  });
  const workdir = await createTempDir('aws-cli-recheck-work-');
  const env = {
    PATH: process.env.PATH,
    LANG: 'C.UTF-8',
    ...home.env,
    AWS_MCP_WORKDIR: workdir,
    AWS_MCP_AWS_CLI: cli,
    AWS_MCP_MODE: 'read-only',
  };
  const context = await createServerContext({
    config: readServerConfig(env),
    env,
    awsCliCheck,
    log: () => {},
  });
  const server = createMcpServer(context);
  const { client } = await connectInMemoryClient({ server, consent: { answer: 'decline', asked: [] } });
  onTestFinished(async () => {
    await client.close();
    await server.close();
    await context.close();
    await home.remove();
  });
  return {
    context,
    client,
    call: async (command) =>
      (await client.callTool({
        name: 'aws_cli_pipeline',
        arguments: { command, check: true },
      })) as CallToolResult,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the AWS CLI check, after it failed', () => {
  it('finds a CLI installed after start-up at the next call past the throttle, and learns its model', async () => {
    const folder = await createTempDir('aws-cli-recheck-');
    const cli = join(folder, 'bin', 'aws');
    const retryAfterMs = 1500;
    const test = await startOn(cli, { retryAfterMs });

    const missing = await test.call('aws s3 ls');
    expect(missing.isError).toBe(true);
    expect(textOf(missing)).toContain(
      `AWS_CLI_MISSING: The AWS CLI was not found at ${cli} (AWS_MCP_AWS_CLI)`,
    );
    expect(textOf(missing)).toContain(
      'The server checks again at the next call from 1.5 s after this check, so a CLI installed or repaired ' +
        'meanwhile is found without a restart',
    );

    await mkdir(join(folder, 'bin'));
    await symlink(pipCli, cli);
    await sleep(retryAfterMs + 200);

    const found = await test.call('aws s3 ls');
    expect(found.isError, textOf(found)).not.toBe(true);
    expect(found.structuredContent).toMatchObject({
      status: 'checked',
      classification: { accessClass: 'read', action: 's3:ls' },
    });
    const environment = await test.client.readResource({ uri: 'aws://config/environment' });
    const first = environment.contents[0] as { text: string };
    expect(JSON.parse(first.text).awsCli).toEqual({ version: '1.45.11', path: cli });
  }, 120_000);

  it.skipIf(!existsSync('/usr/bin/aws'))(
    'names the major version of a CLI found later in the help tool’s description (Debian’s v2)',
    async () => {
      const folder = await createTempDir('aws-cli-recheck-v2-');
      const cli = join(folder, 'aws');
      const retryAfterMs = 1500;
      const test = await startOn(cli, { retryAfterMs });
      const describedAs = async () =>
        (await test.client.listTools()).tools.find((tool) => tool.name === 'aws_cli_help')?.description ?? '';
      expect(await describedAs()).toMatch(/^Learn an AWS CLI v1 command/);
      expect((await test.call('aws s3 ls')).isError).toBe(true);
      await symlink('/usr/bin/aws', cli);
      await sleep(retryAfterMs + 200);
      const found = await test.call('aws s3 ls');
      expect(found.isError, textOf(found)).not.toBe(true);
      expect(await describedAs()).toMatch(/^Learn an AWS CLI v2 command/);
    },
    120_000,
  );

  it('checks again after a `--version` that timed out, one check for calls at once, and recovers', async () => {
    const folder = await createTempDir('aws-cli-slow-');
    const runs = join(folder, 'runs');
    const launcher = join(folder, 'aws');
    // The first start hangs past the check's timeout (a machine too busy to answer); later ones are the real CLI.
    await writeFile(
      launcher,
      `#!/bin/sh\necho start >> '${runs}'\nif [ ! -e '${folder}/slow-once' ]; then : > '${folder}/slow-once'; exec sleep 60; fi\nexec '${pipCli}' "$@"\n`,
    );
    await chmod(launcher, 0o755);
    const retryAfterMs = 4000;
    const test = await startOn(launcher, { timeoutMs: 20_000, retryAfterMs });

    const slow = await test.call('aws s3 ls');
    expect(slow.isError).toBe(true);
    expect(textOf(slow)).toContain(
      `AWS_CLI_MISSING: The AWS CLI at ${launcher} did not answer \`aws --version\` within 20 s`,
    );
    expect(textOf(slow)).toContain('The server checks again at the next call from 4 s after this check');
    // Within the throttle, a call is answered with the last check's result: the CLI is not started again.
    expect(textOf(await test.call('aws s3 ls'))).toContain('did not answer `aws --version` within 20 s');
    expect((await readFile(runs, 'utf8')).split('\n').filter(Boolean)).toHaveLength(1);

    await sleep(retryAfterMs + 200);
    const calls = await Promise.all([test.call('aws s3 ls'), test.call('aws sqs list-queues')]);
    for (const result of calls) expect(result.isError, textOf(result)).not.toBe(true);
    expect(calls.map((result) => (result.structuredContent as { status: string }).status)).toEqual([
      'checked',
      'checked',
    ]);
    // The two calls shared one check, and the success is kept: no third start.
    await test.call('aws s3 ls');
    expect((await readFile(runs, 'utf8')).split('\n').filter(Boolean)).toHaveLength(2);
    expect((await test.context.cliModel()).index.cliVersion).toBe('1.45.11');
  }, 120_000);
});
