import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../test/test-server.js';

describe('createMcpServer', () => {
  let test: TestServer;
  beforeAll(async () => {
    test = await startTestServer({ AWS_MCP_MODE: 'read-only' });
  });
  afterAll(async () => {
    await test?.close();
  });

  it('introduces itself with instructions that name the tools and the mode, and an icon', () => {
    const instructions = test.client.getInstructions() ?? '';
    expect(instructions).toMatch(/aws_cli_help/);
    expect(instructions).toMatch(/aws_cli_pipeline/);
    expect(instructions).toMatch(/The server is read-only/);
    expect(test.client.getServerVersion()).toMatchObject({
      name: 'aws-mcp',
      icons: [expect.objectContaining({ mimeType: 'image/svg+xml' })],
    });
  });

  it('sends server log lines to the client as MCP logging notifications', async () => {
    const received: Array<{ level: string; data: unknown }> = [];
    test.client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
      received.push({ level: notification.params.level, data: notification.params.data });
    });
    test.context.log('the AWS files changed', 'warning');
    for (let attempt = 0; attempt < 50 && received.length === 0; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(received).toEqual([{ level: 'warning', data: 'the AWS files changed' }]);
  });
});

describe('createServerContext: the CLI model cache stays apart from the working directory', () => {
  it.each([
    ['the cache itself', (cache: string) => cache],
    ['inside the cache', (cache: string) => `${cache}/work`],
    ['beside the cache', (cache: string) => `${cache}-work`],
    ['a parent of the cache', (cache: string) => cache.slice(0, cache.lastIndexOf('/'))],
  ])('refuses a working directory that is %s', async (_, workdirOf) => {
    const { createServerContext } = await import('./server-context.js');
    const { cliModelCacheDirectory } = await import('@aws-mcp/executor');
    const { readServerConfig } = await import('./config.js');
    const env = {
      PATH: process.env.PATH,
      HOME: '/tmp/aws-mcp-cache-check-home',
      XDG_CACHE_HOME: '/tmp/aws-mcp-cache-check',
    };
    const workdir = workdirOf(cliModelCacheDirectory(env));
    const config = readServerConfig({ ...env, AWS_MCP_WORKDIR: workdir });
    await expect(createServerContext({ config, env })).rejects.toThrow(/CLI model cache/);
  });
});
