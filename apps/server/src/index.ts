#!/usr/bin/env node
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { ConfigError, readServerConfig } from './config.js';
import { createServer } from './server.js';

async function main(): Promise<void> {
  const config = readServerConfig(process.env);
  const { server, context, cleanup } = await createServer({ config, env: process.env });
  context.awsCli.then((status) => {
    if (!status.available) console.error(`aws-mcp: ${status.message}`);
  });
  const transport = new StdioServerTransport();
  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    await cleanup();
    process.exit(0);
  };
  transport.onclose = () => void shutdown();
  process.stdin.on('end', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
  await server.connect(transport);
  console.error(`aws-mcp: serving over stdio (mode ${config.mode}, working directory ${config.workdir})`);
}

main().catch((error: unknown) => {
  console.error(
    `aws-mcp: ${error instanceof ConfigError ? error.message : `could not start: ${String(error)}`}`,
  );
  process.exit(1);
});
