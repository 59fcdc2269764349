import { type ParseCommandLineOptions, type Pipeline, parseCommandLine } from '@aws-mcp/command';
import type { PipelineResult } from '@aws-mcp/executor';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { ServerContext } from '../server-context.js';
import { filterText } from './_kept-results.js';
import type { RefusalCode } from './_refusals.js';

/** The paging arguments of aws_cli_pipeline. */
export const pagingInputSchema = {
  maxItems: z
    .number()
    .int()
    .positive()
    .optional()
    .describe(
      'For a paginated command: at most this many items (`--max-items`); continue with the result’s `nextToken`.',
    ),
  nextToken: z
    .string()
    .optional()
    .describe('The previous page’s `nextToken`, with the same command and `maxItems`.'),
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
 * `--starting-token` (it does not paginate), or when the line already pages itself. `--query`, another output and
 * filters stay: the launcher reports the token before they apply (see readNextToken, runPagedWithFilters). Returns the pipeline unchanged without paging arguments.
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
  const added = [
    // One word each, so a token that looks like an option stays the option's value.
    ...(input.maxItems === undefined ? [] : [`--max-items=${input.maxItems}`]),
    ...(input.nextToken === undefined ? [] : [`--starting-token=${input.nextToken}`]),
    // Without the launcher the token is read from the JSON; a profile's `output = text` would print it otherwise.
    ...(aws.globals.output === undefined && aws.globals.query === undefined ? ['--output', 'json'] : []),
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
  if (result.status !== 'success' || !printsWholeResponse(pipeline)) return undefined;
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

/** Whether the aws stage prints the response as JSON, unfiltered, so its `NextToken` can be read. */
function printsWholeResponse(pipeline: Pipeline): boolean {
  const { query, output } = pipeline.aws.globals;
  return pipeline.filters.length === 0 && query === undefined && (output === undefined || output === 'json');
}

/**
 * Whether a paged call's token may have been lost: the CLI ran without the launcher (no request ids came back),
 * and `--query` or a text or table output left the token out of what it printed.
 */
export function isNextTokenLost(input: PagingInput, pipeline: Pipeline, result: PipelineResult): boolean {
  const paged = input.maxItems !== undefined || input.nextToken !== undefined;
  const { query, output } = pipeline.aws.globals;
  const hidden = query !== undefined || (output !== undefined && output !== 'json');
  return (
    paged &&
    result.status === 'success' &&
    result.requestIds === undefined &&
    result.nextToken === undefined &&
    hidden
  );
}

/**
 * A tool result with the next page's token (`structuredContent.nextToken` and a line saying how to go on), or a
 * line saying the token could not be read.
 */
export function withNextToken(
  tool: CallToolResult,
  nextToken: string | undefined,
  lost = false,
): CallToolResult {
  if (nextToken === undefined && lost) {
    const note =
      'Whether more items remain is unknown: this AWS CLI ran without the launcher, and `--query` (or a text or ' +
      'table output) drops the next token. Page again without them and select with `| jq`.';
    return { ...tool, content: [...tool.content, { type: 'text', text: note }] };
  }
  if (nextToken === undefined) return tool;
  const note = `More items remain: call again with the same command and \`maxItems\`, and \`nextToken: ${JSON.stringify(nextToken)}\`.`;
  return {
    ...tool,
    content: [...tool.content, { type: 'text', text: note }],
    structuredContent: { ...tool.structuredContent, nextToken },
  };
}

/**
 * Runs a paged call that has filters so its token survives them: the aws stage alone first (its whole masked
 * output kept beside the capped one), the token read from that output, then the filters over it, as one result
 * (the aws stage's argv, stderr and secrets; the filters' output). A failed aws stage, or a page too large to keep
 * whole, comes back as the aws stage's result.
 */
export async function runPagedWithFilters({
  pipeline,
  runAws,
  filterOutput,
}: {
  pipeline: Pipeline;
  runAws: (awsOnly: Pipeline) => Promise<PipelineResult>;
  filterOutput: (text: string, elapsedMs: number) => Promise<PipelineResult>;
}): Promise<PipelineResult> {
  const awsOnly: Pipeline = { ...pipeline, filters: [] };
  const first = await runAws(awsOnly);
  const page = first.truncated
    ? first.wholeOutput?.kept === true
      ? first.wholeOutput.text
      : undefined
    : first.output;
  if (first.status !== 'success' || page === undefined) return first;
  const nextToken = readNextToken(awsOnly, first);
  const filtered = await filterOutput(page, first.durationMs);
  const { wholeOutput: _, ...aws } = first;
  return {
    ...aws,
    ...filtered,
    awsArgv: first.awsArgv,
    stages: [...first.stages, ...filtered.stages],
    stderr: first.stderr,
    maskedSecrets: first.maskedSecrets + filtered.maskedSecrets,
    secrets: { ...first.secrets, masked: first.secrets.masked + filtered.maskedSecrets },
    durationMs: first.durationMs + filtered.durationMs,
    queuedMs: first.queuedMs + filtered.queuedMs,
    ...(nextToken === undefined ? {} : { nextToken }),
  };
}

/** Whether a call pages with filters, run as runPagedWithFilters does (only a masked output feeds them). */
export function pagesWithFilters(input: PagingInput, pipeline: Pipeline, secrets: unknown): boolean {
  const paged = input.maxItems !== undefined || input.nextToken !== undefined;
  return paged && pipeline.filters.length > 0 && secrets === 'mask';
}

/** Runs a paged call's filters over its page, within what is left of the call's timeout. */
export function filterPage(
  context: ServerContext,
  pipeline: Pipeline,
  {
    input,
    text,
    elapsedMs,
    signal,
  }: {
    input: { timeout?: number; maxOutput?: number };
    text: string;
    elapsedMs: number;
    signal: AbortSignal;
  },
): Promise<PipelineResult> {
  const { config } = context;
  const timeoutMs = Math.min(input.timeout ?? config.timeoutSeconds, config.maxTimeoutSeconds) * 1000;
  return filterText(context, {
    filters: pipeline.filters,
    text,
    timeoutMs: Math.max(1, timeoutMs - elapsedMs),
    maxOutputChars: Math.min(input.maxOutput ?? config.maxOutputChars, config.maxOutputChars),
    signal,
  });
}
