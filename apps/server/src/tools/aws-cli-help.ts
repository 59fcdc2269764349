import { ExecutionError, runAwsHelp } from '@aws-mcp/executor';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { ServerContext } from '../server-context.js';
import { errorResult, textResult } from './_results.js';

const inputSchema = {
  service: z
    .string()
    .optional()
    .describe('The CLI service name, e.g. `s3`, `ec2`, `dynamodb`. Leave out for the list of services.'),
  command: z
    .string()
    .optional()
    .describe('A command of that service, e.g. `cp` for s3 or `describe-instances` for ec2.'),
};

/** Registers `aws_cli_help`: the AWS CLI's own help text for a service or command, read-only. */
export function registerAwsCliHelpTool(server: McpServer, context: ServerContext): void {
  server.registerTool(
    'aws_cli_help',
    {
      title: 'AWS CLI help',
      description:
        'Read the AWS CLI help for a service or one of its commands (the text of `aws SERVICE COMMAND help`). ' +
        'Use it to learn a command and its options before running it with aws_cli_pipeline.',
      inputSchema,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ service, command }, extra) => {
      const cli = await context.awsCli;
      if (!cli.available) return errorResult(`AWS_CLI_MISSING: ${cli.message}`);
      try {
        const result = await runAwsHelp(
          { service: service?.trim() || undefined, command: command?.trim() || undefined },
          { ...context.runOptions(), signal: extra.signal, timeoutMs: 60_000 },
        );
        if (result.status !== 'success') {
          const topic = ['aws', service, command].filter(Boolean).join(' ');
          const reason = result.stderr.trim().split('\n').slice(-3).join('\n');
          return errorResult(
            `No help for \`${topic}\`: ${reason || `the CLI ${result.status === 'timeout' ? 'timed out' : 'failed'}`}\n` +
              'Call aws_cli_help without a command to list the service’s commands, or without a service to list services.',
          );
        }
        return textResult(result.text);
      } catch (error) {
        if (ExecutionError.isInstance(error)) return errorResult(`${error.code}: ${error.message}`);
        throw error;
      }
    },
  );
}
