import type { ParseCommandLineOptions, Pipeline } from '@aws-mcp/command';
import {
  addPagingArguments,
  type PagingRequest,
  type PipelineResult,
  reportsNextToken,
  resolveDefaultOutput,
  runPagedPipeline,
  runsPageApart,
} from '@aws-mcp/executor';
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

/** The tool's paging arguments (the executor's paging request). */
export type PagingInput = PagingRequest;

// The paging rules are the executor's (packages/executor/src/paging.ts); these names stay for the server's callers.
export {
  isNextTokenLost,
  isWrappedQuery,
  readNextToken,
  unwrapQueriedPage,
  wrapQueryForToken,
} from '@aws-mcp/executor';

/** A refused paging request, as the pipeline tool's steps stop. */
export interface PagingRefusal {
  refusal: { code: RefusalCode; text: string; reason: string };
}

/**
 * The pipeline with the tool's `maxItems`/`nextToken` added (the executor's addPagingArguments: the output the CLI
 * would print named on the line, from the call's profile and the environment, and a `--query` wrapped so the token
 * survives it), or the refusal. `maxItems` and `nextToken` page one listing, so they do not go with a fan-out.
 */
export function applyPaging(
  pipeline: Pipeline,
  input: PagingInput,
  options: Required<Pick<ParseCommandLineOptions, 'model'>> &
    ParseCommandLineOptions & {
      fanOut?: boolean;
      /** The server's run options: the environment, CLI and AWS setup the call runs with. */
      run?: { env?: NodeJS.ProcessEnv; awsCli?: string; maskInCli?: boolean };
      setup?: Parameters<typeof resolveDefaultOutput>[0]['setup'];
      /** The profile the call names (the tool's `profile`); `--profile` on the line wins, as in the CLI. */
      profile?: string;
    },
): Pipeline | PagingRefusal {
  if (input.maxItems === undefined && input.nextToken === undefined) return pipeline;
  if (options.fanOut === true) {
    const reason =
      '`maxItems` and `nextToken` page one listing: they do not go with `profiles` or `regions`.';
    return {
      refusal: {
        code: 'PAGINATION_ARGUMENT_INVALID',
        text: `Refused (PAGINATION_ARGUMENT_INVALID): ${reason}`,
        reason,
      },
    };
  }
  const profile = pipeline.aws.globals.profile ?? options.profile;
  const paged = addPagingArguments(pipeline, input, {
    model: options.model,
    ...(options.workdir === undefined ? {} : { workdir: options.workdir }),
    defaultOutput: resolveDefaultOutput({
      env: options.run?.env ?? process.env,
      ...(options.setup === undefined ? {} : { setup: options.setup }),
      ...(profile === undefined ? {} : { profile }),
    }),
    reportsToken: reportsNextToken(options.run ?? {}),
  });
  if (!('refusal' in paged)) return paged;
  const { code, reason } = paged.refusal;
  return { refusal: { code, text: `Refused (${code}): ${reason}`, reason } };
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
      'Whether more items remain is unknown: this AWS CLI ran without the launcher, and this `--query` (one that ' +
      'cannot be wrapped) or a table or yaml output drops the next token. Page again with `--output json` or ' +
      '`--output text` and a plain `--query`, or select with `| jq`.';
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
 * Runs a paged call with filters or a wrapped `--query` as the executor's runPagedPipeline does (the aws stage
 * alone, the token read, the page taken out of the wrap, then the filters).
 */
export const runPagedWithFilters = runPagedPipeline;

/** Whether a call pages with filters or a wrapped `--query`, run as runPagedWithFilters does. */
export const pagesWithFilters = runsPageApart;

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
