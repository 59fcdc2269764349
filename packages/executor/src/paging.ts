import { isDeepStrictEqual } from 'node:util';
import { type AwsSetup, resolveAwsContext } from '@aws-mcp/aws-config';
import {
  type FilterStage,
  type ParseCommandLineOptions,
  type Pipeline,
  parseCommandLine,
} from '@aws-mcp/command';
import { compile } from '@jmespath-community/jmespath';
import { findCliPython } from './_aws-launcher.js';
import { resolvePyenvShim } from './_aws-paths.js';
import { findExecutable } from './_find-executable.js';
import { capOutput } from './cap-output.js';
import { ExecutionError } from './execution-error.js';
import { type RunFiltersOptions, runFilters } from './run-filters.js';
import { defaultTimeoutMs, type PipelineResult, type RunPipelineOptions } from './run-pipeline.js';
import { secretOutputOf } from './secret-output.js';

/** One page of a listing the CLI paginates: at most `maxItems` items, resuming at `nextToken`. */
export interface PagingRequest {
  maxItems?: number;
  nextToken?: string;
}

/**
 * Why a paging request was refused: before anything ran (`PAGINATION_UNSUPPORTED`, `PAGINATION_ARGUMENT_INVALID`),
 * or, for `PAGE_TOO_LARGE`, after the aws stage printed a page too large to take its token out (its output withheld).
 */
export type PagingRefusalCode = 'PAGINATION_UNSUPPORTED' | 'PAGINATION_ARGUMENT_INVALID' | 'PAGE_TOO_LARGE';

/** A refused paging request: its code and what to do instead. */
export interface PagingRefusal {
  code: PagingRefusalCode;
  reason: string;
}

/** Options of {@link addPagingArguments}: the command package's parse options, and what the CLI does unasked. */
export interface AddPagingOptions extends ParseCommandLineOptions {
  model: NonNullable<ParseCommandLineOptions['model']>;
  /** The output the CLI prints when the line names none (see {@link resolveDefaultOutput}). Default: `json`. */
  defaultOutput?: string;
  /**
   * Whether the CLI reports the resume token itself, before `--query` and the output format apply (the launcher
   * does; see {@link reportsNextToken}). Default: false, so no output that would lose the token runs.
   */
  reportsToken?: boolean;
}

/** The paging options on a command line, as the CLI names them. */
const pagingOptions = ['--max-items', '--starting-token'] as const;

/** The keys a wrapped `--query` prints the resume token and the person's own query under. */
const tokenKey = 'NextToken';
const pageKey = 'aws_mcp_page';
const nextKey = 'aws_mcp_next';

/**
 * The wraps by output format. JSON prints the whole result once (botocore puts `NextToken` at its top before
 * `--query` applies): the wrap is a hash of the token and the page. Text prints each page of the listing, then the
 * token as `{"NextToken": {"NextToken": TOKEN}}`, the query applied to each (awscli/formatter.py TextFormatter): the
 * wrap is the query on a page and one `AWS_MCP_NEXT<TAB>TOKEN` line for the token.
 */
const wraps = {
  json: { start: `{${tokenKey}: ${tokenKey}, ${pageKey}: (`, end: ')}' },
  text: { start: `${tokenKey}.${tokenKey} && {${nextKey}: [${tokenKey}.${tokenKey}]} || (`, end: ')' },
  // YAML prints the whole result once, as JSON does, with its keys sorted: `NextToken` first, then the page.
  yaml: { start: `{${tokenKey}: ${tokenKey}, ${pageKey}: (`, end: ')}' },
} as const;

type WrapFormat = keyof typeof wraps;

function isWrapFormat(output: string): output is WrapFormat {
  return output === 'json' || output === 'text' || output === 'yaml';
}

/**
 * The syntax tree nodes whose value is a list or null, whatever the data (JMESPath projections, flatten and
 * multiselect lists; a pipe has its right side's). Under a mapping key, YAML prints a list as it prints it alone
 * (a block sequence in a mapping is not indented: ruamel.yaml's emitter, as PyYAML's), and null as `null`; any
 * other value (an object is indented under the key) would not print the same, so only these are wrapped for yaml.
 */
const listOrNullNodes = new Set([
  'Projection',
  'FilterProjection',
  'ValueProjection',
  'Flatten',
  'MultiSelectList',
]);

function isListOrNull(node: { type?: unknown; right?: unknown }): boolean {
  if (node.type === 'Pipe') return isListOrNull(node.right as typeof node);
  return typeof node.type === 'string' && listOrNullNodes.has(node.type);
}

/** The syntax tree the wrap of `query` must have: the wrap of `@` with the query's own tree in its place. */
function expectedTree(format: WrapFormat, query: string): unknown {
  const template = compile(`${wraps[format].start}@${wraps[format].end}`) as unknown as Record<
    string,
    unknown
  >;
  if (format !== 'text') {
    const children = (template.children as Array<Record<string, unknown>>).slice();
    children[1] = { ...children[1], value: compile(query) };
    return { ...template, children };
  }
  return { ...template, right: compile(query) };
}

/**
 * The person's `--query` wrapped so the resume token survives it, for `--output json`
 * (`{NextToken: NextToken, aws_mcp_page: (QUERY)}`) or `--output text`
 * (`NextToken.NextToken && {aws_mcp_next: [NextToken.NextToken]} || (QUERY)`), evaluated by the CLI itself.
 * Undefined for another output, or unless the query parses as one expression and the wrap means exactly the wrap
 * of it (checked on the JMESPath syntax tree, so a query such as `a), NextToken: (b` cannot change what it means).
 */
export function wrapQueryForToken(query: string, output = 'json'): string | undefined {
  if (!isWrapFormat(output)) return undefined;
  const wrapped = `${wraps[output].start}${query}${wraps[output].end}`;
  try {
    if (output === 'yaml' && !isListOrNull(compile(query) as { type?: unknown })) return undefined;
    return isDeepStrictEqual(compile(wrapped), expectedTree(output, query)) ? wrapped : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The output format a `--query` was wrapped for by {@link wrapQueryForToken}, with the `--output` it runs with
 * (JSON and YAML share their wrap); undefined for any other query.
 */
export function wrappedFormatOf(query: string | undefined, output?: string): WrapFormat | undefined {
  if (query === undefined) return undefined;
  for (const format of ['json', 'text'] as const) {
    if (query.startsWith(wraps[format].start) && query.endsWith(wraps[format].end)) {
      return format === 'json' && output === 'yaml' ? 'yaml' : format;
    }
  }
  return undefined;
}

/** Whether a `--query` is one {@link wrapQueryForToken} made. */
export function isWrappedQuery(query: string | undefined): boolean {
  return wrappedFormatOf(query) !== undefined;
}

const wrappedJsonHead = new RegExp(
  `^\\{\\n {4}"${tokenKey}": (null|"(?:[^"\\\\]|\\\\.)*"),\\n {4}"${pageKey}": `,
);
const wrappedTextToken = new RegExp(`(?:^|\\n)${nextKey.toUpperCase()}\\t([^\\t\\n]+)\\n$`);
// A token YAML prints plain (base64 and the like), or null; one it would quote is not read.
const wrappedYamlHead = new RegExp(`^${tokenKey}: (null|[A-Za-z0-9+/=_.-]+)\\n${pageKey}:`);

/**
 * What the person's own `--query` prints, read back from the CLI's print of the wrapped query, and the token.
 * JSON: the page's text with the wrap's indent taken off each line (a JSON string never holds a raw newline, so
 * every line break is the printer's), as the CLI prints a query's result (nothing for `{}`). Text: the print
 * without its last `AWS_MCP_NEXT` line. Exact to the byte: nothing is parsed and printed again. Undefined for a text
 * that is not that print.
 */
export function unwrapQueriedPage(
  text: string,
  output: string = 'json',
): { page: string; nextToken: string | undefined } | undefined {
  if (output === 'text') {
    const line = wrappedTextToken.exec(text);
    if (line === null) return { page: text, nextToken: undefined };
    return { page: text.slice(0, line.index + (text[line.index] === '\n' ? 1 : 0)), nextToken: line[1] };
  }
  if (output === 'yaml') return unwrapYamlPage(text);
  if (output !== 'json') return undefined;
  const head = wrappedJsonHead.exec(text);
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
 * The page of a YAML print of the wrap: a list's lines as they follow the key (the CLI prints a list alone the
 * same), `[]` for an empty one, `null` for none (alone, the CLI prints a scalar as JSON: `null`).
 */
function unwrapYamlPage(text: string): { page: string; nextToken: string | undefined } | undefined {
  const head = wrappedYamlHead.exec(text);
  if (head === null) return undefined;
  const rest = text.slice(head[0].length);
  const nextToken = head[1] === 'null' ? undefined : head[1];
  if (rest === ' null\n' || rest === ' []\n') return { page: `${rest.slice(1)}`, nextToken };
  const lines = rest.split('\n');
  // A block sequence: the key's line ends; each line of the page is an item (`-`), goes on one (` `), or is a
  // blank line inside a quoted scalar.
  if (
    lines[0] !== '' ||
    lines.at(-1) !== '' ||
    !lines.slice(1, -1).every((line) => /^(?:[- ]|$)/.test(line))
  ) {
    return undefined;
  }
  return { page: rest.slice(1), nextToken };
}

/**
 * The output the CLI prints for a line without `--output`, as it decides: `AWS_DEFAULT_OUTPUT`, else the `output`
 * of the profile the call runs with (`profile`, else AWS_DEFAULT_PROFILE, AWS_PROFILE, `default`), else `json`.
 */
export function resolveDefaultOutput({
  env = process.env,
  setup,
  profile,
}: {
  env?: NodeJS.ProcessEnv;
  setup?: AwsSetup;
  profile?: string;
}): string {
  const fromEnv = env.AWS_DEFAULT_OUTPUT;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (setup === undefined) return 'json';
  const name = resolveAwsContext({ env, setup, ...(profile === undefined ? {} : { profile }) }).profile.name;
  return setup.profiles.find((entry) => entry.name === name)?.output ?? 'json';
}

/**
 * Whether runPipeline will run this CLI through the launcher, which reports the resume token of a `--max-items`
 * listing before `--query` and the output format apply (`nextToken` in the result): a Python install, not a frozen
 * build, and `maskInCli` not off.
 */
export function reportsNextToken(options: Pick<RunPipelineOptions, 'awsCli' | 'env' | 'maskInCli'>): boolean {
  if (options.maskInCli === false) return false;
  const env = options.env ?? process.env;
  const found = findExecutable(options.awsCli ?? 'aws', env.PATH);
  return found !== undefined && findCliPython(resolvePyenvShim(found, env, process.cwd()), env) !== undefined;
}

function refusal(code: PagingRefusalCode, reason: string): { refusal: PagingRefusal } {
  return { refusal: { code, reason } };
}

/**
 * The pipeline with `maxItems`/`nextToken` added as `--max-items`/`--starting-token`, read again by the CLI's own
 * parser so a policy judges what runs. The output the CLI would print (the line's `--output`, else
 * `defaultOutput`) is named on the line, and a `--query` is wrapped for it so the token survives (JSON and text,
 * see wrapQueryForToken), unless the output carries secrets (the launcher, or a refusal, handles those).
 * Returns the pipeline unchanged without paging arguments. Refuses (`PAGINATION_UNSUPPORTED`) an operation the
 * installed CLI gives no `--starting-token`, or a `--query` with another output (table, yaml) when the CLI cannot
 * report the token (`reportsToken`); refuses (`PAGINATION_ARGUMENT_INVALID`) a line that already pages itself.
 * Throws the command package's CommandError for a line it refuses.
 */
export function addPagingArguments(
  pipeline: Pipeline,
  request: PagingRequest,
  options: AddPagingOptions,
): Pipeline | { refusal: PagingRefusal } {
  if (request.maxItems === undefined && request.nextToken === undefined) return pipeline;
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
      `The command line already has ${onLine.map((option) => `\`${option}\``).join(' and ')}: use either \`maxItems\`/\`nextToken\` or the options, not both.`,
    );
  }
  const { query } = aws.globals;
  const secret = secretOutputOf(pipeline).members.length > 0;
  const output = aws.globals.output ?? options.defaultOutput ?? 'json';
  const reportsToken = options.reportsToken === true;
  // With the launcher, a yaml page needs no wrap: it reports the token.
  const wrapped =
    query === undefined || secret || (output === 'yaml' && reportsToken)
      ? undefined
      : wrapQueryForToken(query, output);
  if (
    query !== undefined &&
    !secret &&
    !reportsToken &&
    wrapped === undefined &&
    output !== 'json' &&
    output !== 'text'
  ) {
    return refusal(
      'PAGINATION_UNSUPPORTED',
      `With \`--output ${output}\`, \`--query\` drops the next token, and this AWS CLI cannot report it (no Python ` +
        'to run the launcher with, as in a frozen build): page with `--output json` or `--output text`, or without `--query`' +
        (output === 'yaml'
          ? ' (with `--output yaml`, a `--query` whose result is a list, such as `Contents[].Key`, pages).'
          : '.'),
    );
  }
  // Secret output without the launcher prints JSON only (the executor adds `--output json` to a line without one).
  const namedOutput =
    aws.globals.output !== undefined ? [] : secret ? (query === undefined ? ['json'] : []) : [output];
  const added = [
    // One word each, so a token that looks like an option stays the option's value.
    ...(request.maxItems === undefined ? [] : [`--max-items=${request.maxItems}`]),
    ...(request.nextToken === undefined ? [] : [`--starting-token=${request.nextToken}`]),
    ...namedOutput.flatMap((name) => ['--output', name]),
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

/** Options of {@link pageAwsCommand}: the parse options, and the facts that decide what the CLI prints unasked. */
export interface PageAwsCommandOptions extends Omit<AddPagingOptions, 'defaultOutput' | 'reportsToken'> {
  /** Whether the call fans out over profiles or regions (see FanOutRequest): paging does not go with it. */
  fanOut?: boolean;
  /** The environment and CLI the call runs with (the environment also decides the output: `AWS_DEFAULT_OUTPUT`). */
  run?: Pick<RunPipelineOptions, 'env' | 'awsCli' | 'maskInCli'>;
  /** The AWS setup whose profile's `output` applies. */
  setup?: AwsSetup;
  /** The profile the call names apart from the line; `--profile` on the line wins, as in the CLI. */
  profile?: string;
}

/**
 * A call's paging request applied as {@link addPagingArguments} does, with what it needs worked out from the
 * call: the output the CLI would print (resolveDefaultOutput over `run.env`, `setup` and the profile) and whether
 * this CLI reports the token itself (reportsNextToken). Returns the pipeline unchanged without paging arguments;
 * refuses (`PAGINATION_ARGUMENT_INVALID`) paging a fan-out, which pages no single listing. Throws what
 * addPagingArguments throws.
 */
export function pageAwsCommand(
  pipeline: Pipeline,
  request: PagingRequest,
  { fanOut = false, run = {}, setup, profile: named, ...parse }: PageAwsCommandOptions,
): Pipeline | { refusal: PagingRefusal } {
  if (request.maxItems === undefined && request.nextToken === undefined) return pipeline;
  if (fanOut) {
    return refusal(
      'PAGINATION_ARGUMENT_INVALID',
      '`maxItems` and `nextToken` page one listing: they do not go with `profiles` or `regions`.',
    );
  }
  const profile = pipeline.aws.globals.profile ?? named;
  return addPagingArguments(pipeline, request, {
    ...parse,
    defaultOutput: resolveDefaultOutput({
      env: run.env ?? process.env,
      ...(setup === undefined ? {} : { setup }),
      ...(profile === undefined ? {} : { profile }),
    }),
    reportsToken: reportsNextToken(run),
  });
}

/**
 * The line a paged call's result carries about the next page: how to go on with `nextToken`, or, when the token
 * may have been lost (isNextTokenLost), that whether more items remain is unknown and how to page so it is not.
 * Undefined when the listing is complete.
 */
export function describeNextToken(nextToken: string | undefined, lost = false): string | undefined {
  if (nextToken !== undefined) {
    return `More items remain: call again with the same command and \`maxItems\`, and \`nextToken: ${JSON.stringify(nextToken)}\`.`;
  }
  if (!lost) return undefined;
  return (
    'Whether more items remain is unknown: this AWS CLI ran without the launcher, and this `--query` (one that ' +
    'cannot be wrapped) or a table or yaml output drops the next token. Page again with `--output json` or ' +
    '`--output text` and a plain `--query`, or select with `| jq`.'
  );
}

/** Options of {@link filterPagedOutput}: the filters' run options, the page, and the aws stage's share of the time. */
export interface FilterPagedOutputOptions extends Omit<RunFiltersOptions, 'input'> {
  text: string;
  /** What the aws stage took of the call's `timeoutMs`. */
  elapsedMs: number;
}

/**
 * Runs a paged call's filters over its page (the `filterOutput` of runPagedPipeline) with runFilters, within what
 * is left of `timeoutMs` after the aws stage's `elapsedMs` (at least 1 ms). Throws what runFilters throws.
 */
export function filterPagedOutput(
  filters: readonly FilterStage[],
  { text, elapsedMs, timeoutMs = defaultTimeoutMs, ...options }: FilterPagedOutputOptions,
): Promise<PipelineResult> {
  return runFilters(filters, { ...options, input: text, timeoutMs: Math.max(1, timeoutMs - elapsedMs) });
}

const textTokenLine = /(?:^|\n)NEXTTOKEN\t([^\t\n]+)\n$/;

/**
 * The token that continues a paged listing: the launcher's (read before `--query` and the filters) when it
 * reported one, else the one the aws stage printed when nothing filtered or queried it: `NextToken` at the top of
 * its JSON (the whole kept output when the returned one was cut), or its text's last `NEXTTOKEN<TAB>TOKEN` line.
 * Undefined when the listing is complete or the token cannot be read.
 */
export function readNextToken(pipeline: Pipeline, result: PipelineResult): string | undefined {
  if (result.nextToken !== undefined) return result.nextToken;
  const { query, output = 'json' } = pipeline.aws.globals;
  if (result.status !== 'success' || pipeline.filters.length > 0 || query !== undefined) return undefined;
  const whole = result.wholeOutput?.kept === true ? result.wholeOutput.text : undefined;
  if (output === 'text') {
    // The token is the print's last line, which a cut output keeps.
    return textTokenLine.exec(whole ?? result.output ?? '')?.[1];
  }
  if (output !== 'json') return undefined;
  const text = whole ?? (result.truncated ? undefined : result.output);
  if (text === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    const token = (parsed as { NextToken?: unknown } | null)?.NextToken;
    return typeof token === 'string' && token !== '' ? token : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether a paged call's token may have been lost: the CLI ran without the launcher (no request ids came back),
 * and `--query` (unwrapped), or an output other than JSON and text whose end was seen, left it out of the print.
 */
export function isNextTokenLost(request: PagingRequest, pipeline: Pipeline, result: PipelineResult): boolean {
  const paged = request.maxItems !== undefined || request.nextToken !== undefined;
  const { query, output } = pipeline.aws.globals;
  // A text print ends with its NEXTTOKEN line when there is a token: seen whole, its end says whether there is one.
  const textSeen = output === 'text' && query === undefined && result.output?.endsWith('\n') === true;
  const hidden =
    (query !== undefined && !isWrappedQuery(query)) ||
    (output !== undefined && output !== 'json' && !textSeen && !isWrappedQuery(query));
  return (
    paged &&
    result.status === 'success' &&
    result.requestIds === undefined &&
    result.nextToken === undefined &&
    hidden
  );
}

/**
 * Whether a paged call runs as runPagedPipeline runs it: with filters (only a masked output feeds them), or with a
 * wrapped `--query` (not saved: a saved file holds what the CLI printed).
 */
export function runsPageApart(request: PagingRequest, pipeline: Pipeline, secrets: unknown): boolean {
  const paged = request.maxItems !== undefined || request.nextToken !== undefined;
  if (!paged) return false;
  if (pipeline.filters.length > 0) return secrets === 'mask';
  return isWrappedQuery(pipeline.aws.globals.query) && typeof secrets === 'string';
}

/** The most characters of one page runPagedPipeline holds to take the token and the wrap out. */
export const defaultMaxPageChars = 64 * 1024 * 1024;

/** Options of {@link runPagedPipeline}. */
export interface RunPagedPipelineOptions {
  pipeline: Pipeline;
  /** Runs the aws stage alone, keeping its whole masked output up to `keepOutputChars` (RunPipelineOptions). */
  runAws: (awsOnly: Pipeline, keepOutputChars: number) => Promise<PipelineResult>;
  /** Runs the pipeline's filters over the page; `elapsedMs` is what the aws stage took of the call's time. */
  filterOutput: (text: string, elapsedMs: number) => Promise<PipelineResult>;
  /** The aws stage's output cap and how much it keeps whole, for a wrapped query's page without filters. */
  cap?: { maxOutputChars?: number; keepOutputChars?: number };
  /** The most characters of a page held whole to unwrap or filter it. Default: {@link defaultMaxPageChars}. */
  maxPageChars?: number;
}

/**
 * Runs a paged call that has filters, or a wrapped `--query` (see wrapQueryForToken), so its token survives them:
 * the aws stage alone first (its whole masked output held, up to `maxPageChars`), the token read from that output
 * (and the person's own query's output taken out of the wrap), then the filters over it, or, without filters, that
 * output capped as the aws stage's was (`cap`), as one result (the aws stage's argv, stderr and secrets; the
 * filters' output). A failed aws stage comes back as it is. Throws an ExecutionError `PAGE_TOO_LARGE` (its output
 * withheld, `argv` the aws stage's) for a page larger than `maxPageChars` that it cannot take the token out of.
 */
export async function runPagedPipeline({
  pipeline,
  runAws,
  filterOutput,
  cap,
  maxPageChars = defaultMaxPageChars,
}: RunPagedPipelineOptions): Promise<PipelineResult> {
  const awsOnly: Pipeline = { ...pipeline, filters: [] };
  const ran = await runAws(awsOnly, Math.max(maxPageChars, cap?.keepOutputChars ?? 0));
  const first = withKeptUpTo(ran, cap?.keepOutputChars);
  if (first.status !== 'success') return first;
  const whole =
    ran.wholeOutput?.kept === true ? ran.wholeOutput.text : ran.truncated ? undefined : ran.output;
  const format = wrappedFormatOf(pipeline.aws.globals.query, pipeline.aws.globals.output);
  if (whole === undefined) {
    // A text page's token is its last line, which the cut output keeps.
    if (format === 'text') return withoutTextTokenLine(first);
    throw pageTooLarge(first, maxPageChars);
  }
  const unwrapped = format === undefined ? undefined : unwrapQueriedPage(whole, format);
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
 * The result as the caller's own keep would have left it: a whole output held only for the page (longer than
 * `keepOutputChars`, or any without it) is not returned as kept.
 */
function withKeptUpTo(result: PipelineResult, keepOutputChars: number | undefined): PipelineResult {
  const whole = result.wholeOutput;
  if (whole?.kept !== true || (keepOutputChars !== undefined && whole.text.length <= keepOutputChars)) {
    return result;
  }
  const { wholeOutput: _, ...rest } = result;
  return keepOutputChars === undefined
    ? rest
    : { ...rest, wholeOutput: { kept: false, reason: 'too large' } };
}

/** A cut text page without its last `AWS_MCP_NEXT` line, the token taken from it. */
function withoutTextTokenLine(result: PipelineResult): PipelineResult {
  const line = wrappedTextToken.exec(result.output);
  if (line === null) return result;
  const cut = result.output.length - line.index - (result.output[line.index] === '\n' ? 1 : 0);
  return {
    ...result,
    output: result.output.slice(0, result.output.length - cut),
    totalChars: result.totalChars - cut,
    ...(result.nextToken === undefined && line[1] !== undefined ? { nextToken: line[1] } : {}),
  };
}

/** The refusal of a page too large to hold whole: what was too big, and the three ways to a smaller one. */
function pageTooLarge(result: PipelineResult, maxPageChars: number): ExecutionError {
  const reason =
    `The page printed ${result.totalChars.toLocaleString('en-US')} characters, more than the ` +
    `${maxPageChars.toLocaleString('en-US')} held whole to take its next token out, so it is withheld.`;
  return new ExecutionError({
    code: 'PAGE_TOO_LARGE',
    reason,
    message:
      `${reason} Ask for fewer items (a smaller \`maxItems\`, the CLI's \`--max-items\`), select less with ` +
      '`--query`, or save the whole output to a file (`secrets: { saveTo }`), which is not paged apart.',
    argv: result.awsArgv,
    durationMs: result.durationMs,
    exitCode: result.exitCode,
  });
}
