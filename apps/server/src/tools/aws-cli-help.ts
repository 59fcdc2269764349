import { type Catalog, CommandError, searchCatalog, suggestCommands } from '@aws-mcp/command';
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
  query: z
    .string()
    .optional()
    .describe(
      'Instead of a name: what you want to do, e.g. "list lambda functions"; returns matching commands.',
    ),
};

const maxCachedPages = 200;

function didYouMean(catalog: Catalog, service: string, command: string | undefined): string {
  if (catalog.getService(service) === undefined) {
    const services = suggestCommands(catalog, { service }).map((hit) => `\`${hit.service}\``);
    return services.length > 0 ? ` Did you mean ${services.join(', ')}?` : '';
  }
  if (command === undefined) return '';
  const operations = suggestCommands(catalog, { service, operation: command }).map(
    (hit) => `\`${hit.service} ${hit.operation}\``,
  );
  return operations.length > 0 ? ` Did you mean ${operations.join(', ')}?` : '';
}

function searchText(catalog: Catalog, query: string): string | undefined {
  const matches = searchCatalog(catalog, query, { limit: 10 });
  if (matches.length === 0) return undefined;
  const lines = matches.map((match) =>
    `aws ${match.service} ${match.operation}  [${match.accessClass}]  ${match.description}`.trimEnd(),
  );
  return [
    `Commands matching ${JSON.stringify(query)} (best first; [class] is what the server's policy sees):`,
    ...lines,
    '',
    'Read one with aws_cli_help { service, command } before running it.',
  ].join('\n');
}

/** Registers `aws_cli_help`: the AWS CLI's own help for a service or command, or a catalog search. Read-only. */
export function registerAwsCliHelpTool(server: McpServer, context: ServerContext): void {
  server.registerTool(
    'aws_cli_help',
    {
      title: 'AWS CLI help',
      description:
        'Read the AWS CLI help for a service or one of its commands (the text of `aws SERVICE COMMAND help`), ' +
        'or search every service and command by what you want to do (`query`). ' +
        'Use it to learn a command and its options before running it with aws_cli_pipeline.',
      inputSchema: z.object(inputSchema).strict(),
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ service: rawService, command: rawCommand, query }, extra) => {
      const service = rawService?.trim() || undefined;
      const command = rawCommand?.trim() || undefined;
      const catalog = context.catalog();
      if (query !== undefined && query.trim() !== '' && service === undefined) {
        const found = searchText(catalog, query);
        return found === undefined
          ? errorResult(
              `Nothing in the catalog matches ${JSON.stringify(query)}. Try other words, or a service name.`,
            )
          : textResult(found);
      }
      const cli = await context.awsCli;
      if (!cli.available) return errorResult(`AWS_CLI_MISSING: ${cli.message}`);
      const key = `${cli.version}\u0000${service ?? ''}\u0000${command ?? ''}`;
      const cached = context.helpCache.get(key);
      if (cached !== undefined) return textResult(cached);
      try {
        const result = await runAwsHelp(
          { service, command },
          { ...context.runOptions(), signal: extra.signal, timeoutMs: 60_000 },
        );
        if (result.status !== 'success') {
          const topic = ['aws', service, command].filter(Boolean).join(' ');
          const reason = result.stderr.trim().split('\n').slice(-2).join(' ');
          const suggestion = service === undefined ? '' : didYouMean(catalog, service, command);
          return errorResult(
            `No help for \`${topic}\`: ${reason || `the CLI ${result.status === 'timeout' ? 'timed out' : 'failed'}`}.${suggestion}\n` +
              'Call aws_cli_help with only a service to list its commands, with `query` to search, or with nothing for all services.',
          );
        }
        if (context.helpCache.size >= maxCachedPages) {
          const oldest = context.helpCache.keys().next().value;
          if (oldest !== undefined) context.helpCache.delete(oldest);
        }
        context.helpCache.set(key, result.text);
        return textResult(result.text);
      } catch (error) {
        if (ExecutionError.isInstance(error)) return errorResult(`${error.code}: ${error.message}`);
        if (CommandError.isInstance(error)) {
          const topic = ['aws', service, command].filter(Boolean).join(' ');
          const suggestion = service === undefined ? '' : didYouMean(catalog, service, command);
          return errorResult(
            `No help for \`${topic}\`: it is not a command of the installed AWS CLI (${error.code}).${suggestion}\n` +
              'Call aws_cli_help with only a service to list its commands, with `query` to search, or with nothing for all services.',
          );
        }
        throw error;
      }
    },
  );
}
