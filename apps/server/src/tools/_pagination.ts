import type { ParseCommandLineOptions, Pipeline } from '@aws-mcp/command';
import {
  describeNextToken,
  filterPagedOutput,
  type PageAwsCommandOptions,
  type PagingRequest,
  type PipelineResult,
  pageAwsCommand,
  runPagedPipeline,
  runsPageApart,
} from '@aws-mcp/executor';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { ServerContext } from '../server-context.js';
import { filterRunOptions } from './_kept-results.js';
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

// The paging rules are the executor's (packages/executor/src/paging.ts); these names stay for the server's callers.
export { isNextTokenLost, readNextToken } from '@aws-mcp/executor';
export const runPagedWithFilters = runPagedPipeline;
export const pagesWithFilters = runsPageApart;

/**
 * The pipeline with the tool's `maxItems`/`nextToken` added (the executor's pageAwsCommand), or the refusal as the
 * pipeline tool's steps stop.
 */
export function applyPaging(
  pipeline: Pipeline,
  input: PagingRequest,
  options: Required<Pick<ParseCommandLineOptions, 'model'>> & PageAwsCommandOptions,
): Pipeline | { refusal: { code: RefusalCode; text: string; reason: string } } {
  const paged = pageAwsCommand(pipeline, input, options);
  if (!('refusal' in paged)) return paged;
  const { code, reason } = paged.refusal;
  return { refusal: { code, text: `Refused (${code}): ${reason}`, reason } };
}

/** A tool result with the next page's token (`structuredContent.nextToken`) and the line about it. */
export function withNextToken(
  tool: CallToolResult,
  nextToken: string | undefined,
  lost = false,
): CallToolResult {
  const note = describeNextToken(nextToken, lost);
  if (note === undefined) return tool;
  const content = [...tool.content, { type: 'text' as const, text: note }];
  if (nextToken === undefined) return { ...tool, content };
  return { ...tool, content, structuredContent: { ...tool.structuredContent, nextToken } };
}

/** Runs a paged call's filters over its page in the server's filter sandbox, within what is left of its timeout. */
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
  return filterPagedOutput(pipeline.filters, {
    ...filterRunOptions(context, input, signal),
    text,
    elapsedMs,
  });
}
