import { useTempDir, writeOpaqueCli } from '@aws-mcp/test-support';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, textOf } from '../../test/test-server.js';

// A CLI whose Python the executor cannot find (its file is a shell script, as a frozen v2 binary is no Python
// script): the executor cannot mask inside the CLI, so it refuses what it could not mask in the JSON.
const debianCli = '/usr/bin/aws';

describe('a refusal of a call the CLI cannot mask at its source', () => {
  let test: TestServer;
  const folder = useTempDir('frozen-cli-');
  beforeAll(async () => {
    const cli = await writeOpaqueCli({ folder: folder.path, target: debianCli });
    test = await startTestServer(
      { AWS_MCP_AWS_CLI: cli, AWS_MCP_SANDBOX: 'disabled', AWS_MCP_MODE: 'confirm-writes' },
      { emulator: 'moto' },
    );
  });
  afterAll(async () => {
    await test?.close();
  });

  it.each([
    ['--query', 'aws sts get-session-token --query Credentials', '`--query`'],
    ['--output yaml', 'aws sts get-session-token --output yaml', '`--output yaml`'],
    ['--output yaml-stream', 'aws sts get-session-token --output yaml-stream', '`--output yaml-stream`'],
    ['--output table', 'aws sts get-session-token --output table', '`--output table`'],
  ])('shows %s refused with its code, reason and suggestion', async (_, command, option) => {
    const client = await test.connectAnswering(() => ({ action: 'accept', content: { answer: 'save' } }));
    const result = (await client.callTool({
      name: 'aws_cli_pipeline',
      arguments: { command },
    })) as CallToolResult;
    expect(result.isError, textOf(result)).toBe(true);
    expect(textOf(result)).toContain('SECRET_OUTPUT_UNMASKABLE');
    expect(result.structuredContent).toMatchObject({
      status: 'refused',
      code: 'SECRET_OUTPUT_UNMASKABLE',
      reason: expect.stringContaining(`cannot be asked to mask them before it applies ${option}`),
      suggestion: expect.stringContaining('| jq'),
    });
    expect(textOf(result)).not.toMatch(/SecretAccessKey\W+[A-Za-z0-9/+]{30,}/);
  });
});
