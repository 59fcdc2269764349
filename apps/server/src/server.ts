import { mkdir } from 'node:fs/promises';
import { type AwsCliStatus, checkAwsCli, noSandbox, type Sandbox } from '@aws-mcp/executor';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ServerConfig } from './config.js';
import { createServerContext } from './server-context.js';
import { registerTools } from './tools/index.js';

const packageVersion = '0.1.0';

/** What the server is built from; tests pass their own environment and settings. */
export interface ServerDependencies {
  config: ServerConfig;
  /** The environment the AWS CLI's variables are picked from (by explicit lists). */
  env: NodeJS.ProcessEnv;
  /** The AWS CLI check; default: `checkAwsCli` started now and awaited by the first call that needs it. */
  awsCli?: Promise<AwsCliStatus>;
  sandbox?: Sandbox;
}

/**
 * Builds the MCP server with its tools, ready to connect to a transport. `cleanup` releases what it holds.
 * Creates the working directory if it does not exist.
 */
export async function createServer({
  config,
  env,
  awsCli = checkAwsCli({ env }),
  sandbox = noSandbox,
}: ServerDependencies): Promise<{
  server: McpServer;
  awsCli: Promise<AwsCliStatus>;
  cleanup: () => Promise<void>;
}> {
  await mkdir(config.workdir, { recursive: true, mode: 0o700 });
  const server = new McpServer(
    { name: 'aws-mcp', title: 'AWS CLI', version: packageVersion },
    {
      capabilities: { tools: {}, logging: {} },
      instructions:
        'Gives access to AWS through the AWS CLI. Learn a command with aws_cli_help, then run it with aws_cli_pipeline. ' +
        'Each call is one `aws …` command line, optionally piped into filters (jq, grep, head, sort, …); ' +
        'there is no shell, so use --query, --output and filters instead of `&&`, `;` or `$(…)`.',
    },
  );
  registerTools(server, createServerContext({ config, env, awsCli, sandbox }));
  return {
    server,
    awsCli,
    cleanup: async () => {
      await server.close();
    },
  };
}
