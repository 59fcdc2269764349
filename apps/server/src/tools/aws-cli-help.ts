import { type Catalog, CommandError, searchCatalog, suggestCommands } from '@aws-mcp/command';
import { ExecutionError, type HelpPageResult, readHelpPage } from '@aws-mcp/executor';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { ServerContext } from '../server-context.js';
import { errorResult, textResult } from './_results.js';

const inputSchema = {
  service: z.string().optional().describe('A CLI service, e.g. `s3`, `ec2`. Leave out for the overview.'),
  command: z.string().optional().describe('A command of that service, e.g. `cp`, `describe-instances`.'),
  section: z
    .enum(['parameters', 'examples', 'output', 'commands', 'full'])
    .optional()
    .describe(
      "Instead of the summary: every parameter, the examples, the output, a service's every command name, or the CLI's full page.",
    ),
  parameter: z.string().optional().describe('One parameter of the command in full, e.g. `--filters`.'),
  query: z
    .string()
    .optional()
    .describe(
      'What you want to do, e.g. "list lambda functions": the matching commands (within `service` if given).',
    ),
};

function searchText(catalog: Catalog, query: string, service: string | undefined): CallToolResult {
  if (service !== undefined && catalog.getService(service) === undefined) {
    const near = suggestCommands(catalog, { service }).map((hit) => `\`${hit.service}\``);
    return errorResult(
      `UNKNOWN_COMMAND: \`aws ${service}\` does not exist in the installed AWS CLI.${near.length > 0 ? ` Did you mean ${near.join(', ')}?` : ''} Search every service by leaving out \`service\`.`,
    );
  }
  const matches = searchCatalog(catalog, query, { limit: 10, ...(service === undefined ? {} : { service }) });
  if (matches.length === 0) {
    return errorResult(
      `Nothing in the catalog matches ${JSON.stringify(query)}. Try other words (a resource such as "bucket" or "instance", and a verb), or a service name.`,
    );
  }
  return textResult(
    [
      `Commands matching ${JSON.stringify(query)} (best first; [class] is what the server's policy sees):`,
      ...matches.map((match) =>
        `aws ${match.service} ${match.operation}  [${match.accessClass}]  ${match.description}`.trimEnd(),
      ),
      '',
      'Read one with aws_cli_help {"service", "command"} before running it.',
    ].join('\n'),
  );
}

/** A page as the tool's result: the text, or why the CLI's own page could not be read and what to ask instead. */
function pageResult(page: HelpPageResult): CallToolResult {
  if (page.status === 'success') return textResult(page.text);
  return errorResult(
    `No help for \`${page.topic}\`: ${page.reason}. Call aws_cli_help with only a service to list its commands, or with \`query\` to search.`,
  );
}

const trimmed = (value: string | undefined) => value?.trim() || undefined;

/**
 * Registers `aws_cli_help`: compact help for a model, built from the installed CLI's argument model and its
 * documentation (a summary by default; a section or one parameter on request; the CLI's own page, compacted, with
 * `section: "full"`), or a search by intent (`query`). Read-only; unknown names are refused with the nearest ones
 * before anything runs.
 */
export function registerAwsCliHelpTool(server: McpServer, context: ServerContext): void {
  const describe = (major: string | number | undefined) =>
    `Learn an AWS CLI v${major} command before running it with aws_cli_pipeline: a compact page for a service ` +
    'or command (purpose, required parameters first, types, values, examples, output), more through ' +
    '`section` or `parameter`, or a search by intent with `query`.';
  // The committed catalog's version until the installed CLI answers; then the installed CLI's, if it differs.
  const major = context.catalog().version.split('.')[0];
  const tool = server.registerTool(
    'aws_cli_help',
    {
      title: 'AWS CLI help',
      description: describe(major),
      inputSchema: z.object(inputSchema).strict(),
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async (args, extra) => {
      const service = trimmed(args.service);
      const command = trimmed(args.command);
      const query = trimmed(args.query);
      if (command !== undefined && service === undefined) {
        return errorResult(
          'INVALID_OPTIONS: A command needs its service, e.g. service `s3` with command `cp`.',
        );
      }
      const parameter = trimmed(args.parameter);
      if (parameter !== undefined && command === undefined) {
        return errorResult(
          'INVALID_OPTIONS: A parameter needs its command, e.g. service `ec2`, command `describe-instances`, parameter `--filters`.',
        );
      }
      if (query !== undefined && command === undefined) return searchText(context.catalog(), query, service);
      try {
        const request = {
          ...(service === undefined ? {} : { service }),
          ...(command === undefined ? {} : { command }),
          ...(args.section === undefined ? {} : { section: args.section }),
          ...(parameter === undefined ? {} : { parameter }),
        };
        const page = await readHelpPage(request, {
          cli: await context.awsCli(),
          cliModel: () => context.cliModel(),
          catalog: context.catalog(),
          runOptions: context.runOptions(),
          cache: context.helpCache,
          signal: extra.signal,
        });
        return pageResult(page);
      } catch (error) {
        if (CommandError.isInstance(error) || ExecutionError.isInstance(error)) {
          return errorResult(`${error.code}: ${error.message}`);
        }
        throw error;
      }
    },
  );
  // The first CLI found, at start-up or by a later check, says which major version the description names.
  void context.awsCliFound.then((cli) => {
    if (String(cli.majorVersion) !== major) tool.update({ description: describe(cli.majorVersion) });
  });
}
