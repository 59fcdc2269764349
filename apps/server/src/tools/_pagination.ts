import { type ParseCommandLineOptions, type Pipeline, parseCommandLine } from '@aws-mcp/command';
import type { PipelineResult } from '@aws-mcp/executor';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { RefusalCode } from './_refusals.js';

/** The paging arguments of aws_cli_pipeline. */
export const pagingInputSchema = {
  maxItems: z
    .number()
    .int()
    .positive()
    .optional()
    .describe(
      'For a command the CLI paginates (list-…, describe-…): return at most this many items (`--max-items`); ' +
        'the result’s `nextToken` continues the listing. Not with `--query` or filters.',
    ),
  nextToken: z
    .string()
    .optional()
    .describe(
      'The `nextToken` of the previous page (`--starting-token`), with the same command and `maxItems`.',
    ),
};

/** The paging field aws_cli_pipeline adds. */
export const pagingOutputSchema = {
  nextToken: z
    .string()
    .optional()
    .describe('More items remain: call again with the same command, `maxItems` and this `nextToken`.'),
};

/** The tool's paging arguments. */
export interface PagingInput {
  maxItems?: number;
  nextToken?: string;
}

/** The paging options on a command line, as the CLI names them. */
const pagingOptions = ['--max-items', '--starting-token'] as const;

/** A refused paging request, as the pipeline tool's steps stop. */
export interface PagingRefusal {
  refusal: { code: RefusalCode; text: string; reason: string };
}

function refusal(code: RefusalCode, reason: string): PagingRefusal {
  return { refusal: { code, text: `Refused (${code}): ${reason}`, reason } };
}

/**
 * The pipeline with `maxItems`/`nextToken` added as `--max-items`/`--starting-token`, read again by the CLI's own
 * parser so the policy judges what runs. Refused when the installed CLI's argument table of the operation has no
 * `--starting-token` (it does not paginate), when the line already pages itself, or with `--query` or an output
 * other than JSON (the next token would not come back). Returns the pipeline unchanged without paging arguments.
 */
export function applyPaging(
  pipeline: Pipeline,
  input: PagingInput,
  options: Required<Pick<ParseCommandLineOptions, 'model'>> & ParseCommandLineOptions & { fanOut?: boolean },
): Pipeline | PagingRefusal {
  if (input.maxItems === undefined && input.nextToken === undefined) return pipeline;
  if (options.fanOut === true) {
    return refusal(
      'PAGINATION_ARGUMENT_INVALID',
      '`maxItems` and `nextToken` page one listing: they do not go with `profiles` or `regions`.',
    );
  }
  const { aws } = pipeline;
  const command = `aws ${[aws.service, ...aws.path].filter((word) => word !== undefined).join(' ')}`;
  const model = aws.service === undefined ? undefined : options.model.loadService(aws.service);
  const operation = aws.operation === undefined ? undefined : model?.commands[aws.operation];
  const paginates = operation?.actions.some((action) => action.options.includes('--starting-token')) === true;
  if (aws.isHelp || !paginates) {
    return refusal(
      'PAGINATION_UNSUPPORTED',
      `\`${command}\` does not paginate (the installed AWS CLI gives it no \`--starting-token\`), so \`maxItems\` and \`nextToken\` do not apply.`,
    );
  }
  const onLine = pagingOptions.filter((option) =>
    aws.argv.some((word) => word === option || word.startsWith(`${option}=`)),
  );
  if (onLine.length > 0) {
    return refusal(
      'PAGINATION_ARGUMENT_INVALID',
      `The command line already has ${onLine.map((option) => `\`${option}\``).join(' and ')}: use either the tool's \`maxItems\`/\`nextToken\` or the options, not both.`,
    );
  }
  // TODO: run the aws stage alone, read the token, then apply --query and the filters to its output.
  if (aws.globals.query !== undefined || pipeline.filters.length > 0) {
    return refusal(
      'PAGINATION_ARGUMENT_INVALID',
      'With `maxItems`, `--query` or a filter would drop the next token from the output: page without them, then filter a page with `fromResult` when it was kept, or select with jq in a later call.',
    );
  }
  if (aws.globals.output !== undefined && aws.globals.output !== 'json') {
    return refusal(
      'PAGINATION_ARGUMENT_INVALID',
      `With \`maxItems\`, the output must be JSON to carry the next token, not \`--output ${aws.globals.output}\`: leave \`--output\` out and use \`| jq -r\` for text.`,
    );
  }
  const added = [
    ...(input.maxItems === undefined ? [] : ['--max-items', String(input.maxItems)]),
    ...(input.nextToken === undefined ? [] : ['--starting-token', input.nextToken]),
    // The token comes back in the JSON; a profile's `output = text` would print it otherwise.
    ...(aws.globals.output === undefined ? ['--output', 'json'] : []),
  ];
  return parseCommandLine(
    { args: [...aws.argv, ...added], pipe: pipeline.filters.map((stage) => stage.argv) },
    { model: options.model, ...(options.workdir === undefined ? {} : { workdir: options.workdir }) },
  );
}

/**
 * The token that continues a paged listing: the launcher's (read before `--query` and the filters) when it
 * reported one, else `NextToken` at the top of the aws stage's JSON output when nothing filtered it (the whole
 * kept output when the returned one was cut). Undefined when the listing is complete or the token cannot be read.
 */
export function readNextToken(pipeline: Pipeline, result: PipelineResult): string | undefined {
  if (result.nextToken !== undefined) return result.nextToken;
  if (result.status !== 'success' || pipeline.filters.length > 0) return undefined;
  const text =
    result.wholeOutput?.kept === true
      ? result.wholeOutput.text
      : result.truncated
        ? undefined
        : result.output;
  if (text === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    const token = (parsed as { NextToken?: unknown } | null)?.NextToken;
    return typeof token === 'string' && token !== '' ? token : undefined;
  } catch {
    return undefined;
  }
}

/** A tool result with the next page's token: `structuredContent.nextToken` and a line saying how to go on. */
export function withNextToken(tool: CallToolResult, nextToken: string | undefined): CallToolResult {
  if (nextToken === undefined) return tool;
  const note = `More items remain: call again with the same command and \`maxItems\`, and \`nextToken: ${JSON.stringify(nextToken)}\`.`;
  return {
    ...tool,
    content: [...tool.content, { type: 'text', text: note }],
    structuredContent: { ...tool.structuredContent, nextToken },
  };
}
