import { isDeepStrictEqual } from 'node:util';
import { type ParseCommandLineOptions, type Pipeline, parseCommandLine } from '@aws-mcp/command';
import { capOutput, type PipelineResult, secretOutputOf } from '@aws-mcp/executor';
import { compile } from '@jmespath-community/jmespath';
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

/** The keys a wrapped `--query` prints the resume token and the person's own query under. */
const tokenKey = 'NextToken';
const pageKey = 'aws_mcp_page';
const wrapStart = `{${tokenKey}: ${tokenKey}, ${pageKey}: (`;
const wrapEnd = ')}';

/**
 * The person's `--query` wrapped so the resume token survives it: `{NextToken: NextToken, aws_mcp_page: (QUERY)}`,
 * evaluated by the CLI itself (the CLI puts `NextToken` at the top of a paged result before `--query` applies).
 * Undefined unless the query parses as one expression and the wrap means exactly that hash of it (checked on the
 * JMESPath syntax tree, so a query such as `a), NextToken: (b` cannot change what the wrap means).
 */
export function wrapQueryForToken(query: string): string | undefined {
  const wrapped = `${wrapStart}${query}${wrapEnd}`;
  try {
    const expected = {
      type: 'MultiSelectHash',
      children: [
        { type: 'KeyValuePair', name: tokenKey, value: { type: 'Field', name: tokenKey } },
        { type: 'KeyValuePair', name: pageKey, value: compile(query) },
      ],
    };
    return isDeepStrictEqual(compile(wrapped), expected) ? wrapped : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a `--query` is one {@link wrapQueryForToken} made. */
export function isWrappedQuery(query: string | undefined): boolean {
  return query?.startsWith(wrapStart) === true && query.endsWith(wrapEnd);
}

const wrappedHead = new RegExp(
  `^\\{\\n {4}"${tokenKey}": (null|"(?:[^"\\\\]|\\\\.)*"),\\n {4}"${pageKey}": `,
);

/**
 * What the person's own `--query` prints, read back from the CLI's JSON print of the wrapped query, and the token:
 * the page's text with the wrap's indent taken off each line (a JSON string never holds a raw newline, so every line
 * break is the printer's), as the CLI prints a query's result (nothing for `{}`). Exact to the byte: numbers and
 * strings are never parsed and printed again. Undefined for a text that is not that print.
 */
export function unwrapQueriedPage(text: string): { page: string; nextToken: string | undefined } | undefined {
  const head = wrappedHead.exec(text);
  if (head === null || !text.endsWith('\n}\n')) return undefined;
  const [first = '', ...rest] = text.slice(head[0].length, -'\n}\n'.length).split('\n');
  if (rest.some((line) => !line.startsWith('    '))) return undefined;
  const value = [first, ...rest.map((line) => line.slice(4))].join('\n');
  const token = JSON.parse(head[1] ?? 'null') as string | null;
  return {
    // The CLI's JSON printer prints nothing for an empty object (awscli/formatter.py).
    page: value === '{}' ? '' : `${value}\n`,
    nextToken: token === null || token === '' ? undefined : token,
  };
}

/**
 * The pipeline with `maxItems`/`nextToken` added as `--max-items`/`--starting-token`, read again by the CLI's own
 * parser so the policy judges what runs. Refused when the installed CLI's argument table of the operation has no
 * `--starting-token` (it does not paginate), or when the line already pages itself. A paged call prints JSON unless
 * the line names another `--output`. A JSON `--query` is wrapped (see wrapQueryForToken) so the token survives it
 * even without the launcher, unless the output carries secrets (the launcher, or a refusal, handles those); another
 * output and filters stay: the launcher reports the token before they apply (see readNextToken,
 * runPagedWithFilters). Returns the pipeline unchanged without paging arguments.
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
  const { query, output } = aws.globals;
  const wrapped =
    query === undefined ||
    (output !== undefined && output !== 'json') ||
    secretOutputOf(pipeline).members.length > 0
      ? undefined
      : wrapQueryForToken(query);
  const added = [
    // One word each, so a token that looks like an option stays the option's value.
    ...(input.maxItems === undefined ? [] : [`--max-items=${input.maxItems}`]),
    ...(input.nextToken === undefined ? [] : [`--starting-token=${input.nextToken}`]),
    // Without the launcher the token is read from the JSON; a profile's `output = text` would print it otherwise.
    ...(output === undefined && (query === undefined || wrapped !== undefined) ? ['--output', 'json'] : []),
  ];
  const argv =
    wrapped === undefined
      ? aws.argv
      : aws.argv.map((word) => (word.startsWith('--query=') ? `--query=${wrapped}` : word));
  return parseCommandLine(
    { args: [...argv, ...added], pipe: pipeline.filters.map((stage) => stage.argv) },
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
  const hidden =
    (query !== undefined && !isWrappedQuery(query)) || (output !== undefined && output !== 'json');
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
 * Runs a paged call that has filters, or a wrapped `--query` (see wrapQueryForToken), so its token survives them:
 * the aws stage alone first (its whole masked output kept beside the capped one), the token read from that output
 * (and the person's own query's output taken out of the wrap), then the filters over it, or, without filters, that
 * output capped as the aws stage's was (`cap`), as one result (the aws stage's argv, stderr and secrets; the
 * filters' output). A failed aws stage, or a page too large to keep whole, comes back as the aws stage's result.
 */
export async function runPagedWithFilters({
  pipeline,
  runAws,
  filterOutput,
  cap,
}: {
  pipeline: Pipeline;
  runAws: (awsOnly: Pipeline) => Promise<PipelineResult>;
  filterOutput: (text: string, elapsedMs: number) => Promise<PipelineResult>;
  /** The aws stage's output cap and how much it keeps whole, for a wrapped query's page without filters. */
  cap?: { maxOutputChars?: number; keepOutputChars?: number };
}): Promise<PipelineResult> {
  const awsOnly: Pipeline = { ...pipeline, filters: [] };
  const first = await runAws(awsOnly);
  const whole = first.truncated
    ? first.wholeOutput?.kept === true
      ? first.wholeOutput.text
      : undefined
    : first.output;
  if (first.status !== 'success' || whole === undefined) return first;
  const unwrapped = isWrappedQuery(pipeline.aws.globals.query) ? unwrapQueriedPage(whole) : undefined;
  if (unwrapped === undefined && pipeline.filters.length === 0) return first;
  const page = unwrapped?.page ?? whole;
  const nextToken = first.nextToken ?? unwrapped?.nextToken ?? readNextToken(awsOnly, first);
  if (pipeline.filters.length === 0) {
    const capped = capOutput(page, {
      maxChars: cap?.maxOutputChars ?? Math.max(first.output.length, page.length),
      ...(cap?.keepOutputChars === undefined ? {} : { keepChars: cap.keepOutputChars }),
    });
    const { wholeOutput: _, nextToken: __, ...aws } = first;
    return {
      ...aws,
      output: capped.text,
      truncated: capped.truncated,
      totalChars: capped.totalChars,
      ...(capped.whole === undefined
        ? cap?.keepOutputChars === undefined
          ? {}
          : { wholeOutput: { kept: false, reason: 'too large' } }
        : { wholeOutput: { kept: true, text: capped.whole } }),
      ...(nextToken === undefined ? {} : { nextToken }),
    };
  }
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

/**
 * Whether a call pages with filters (only a masked output feeds them) or with a wrapped `--query` (not saved: a
 * saved file holds what the CLI printed), run as runPagedWithFilters does.
 */
export function pagesWithFilters(input: PagingInput, pipeline: Pipeline, secrets: unknown): boolean {
  const paged = input.maxItems !== undefined || input.nextToken !== undefined;
  if (!paged) return false;
  if (pipeline.filters.length > 0) return secrets === 'mask';
  return isWrappedQuery(pipeline.aws.globals.query) && typeof secrets === 'string';
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
