import { formatStagesForPerson } from '@aws-mcp/command';
import {
  describeFilteredResult,
  describeKeptOutput,
  findKeptResult,
  type KeptOutput,
  keepCutOutput as keepInStore,
  keptResultUri,
  type PipelineResult,
  type RunFiltersOptions,
  filterKeptResult as runKeptFilters,
} from '@aws-mcp/executor';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, ResourceLink } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { AuditEntry } from '../audit-log.js';
import type { ServerContext } from '../server-context.js';
import type { RefusalCode } from './_refusals.js';
import { errorResult, textResult } from './_results.js';

/** The `fromResult` argument of aws_cli_pipeline. */
export const keptResultInputSchema = {
  fromResult: z
    .string()
    .optional()
    .describe(
      'A `resultId` this session kept: run filters over it without calling AWS; `command` (or `pipe`) then ' +
        "holds only filters, e.g. `jq -r '.Items[].id' | sort`.",
    ),
};

/** Whether a cut output was kept for the session, and where (one call's, or one fan-out target's). */
export const keptFieldSchema = z.union([
  z.object({
    kept: z.literal(true),
    resultId: z.string(),
    uri: z.string(),
    chars: z.number().int(),
    bytes: z.number().int(),
    expiresAt: z.string(),
  }),
  z.object({ kept: z.literal(false), reason: z.string() }),
]);

/** The fields aws_cli_pipeline adds for kept results. */
export const keptResultOutputSchema = {
  kept: keptFieldSchema
    .optional()
    .describe('For a cut output: whether the whole (masked) output was kept for this session, and where.'),
  resultId: z
    .string()
    .optional()
    .describe('The kept output’s id: read aws://results/{id}?offset=N&length=M, or pass it as `fromResult`.'),
  fromResult: z.string().optional().describe('The kept result the filters ran over.'),
};

/** What the structured result says about a cut output: kept (its id and where to read it), or why not. */
export type KeptField = KeptOutput | { kept: false; reason: string };

/** The most characters a call asks the executor to keep whole; none on stateless HTTP, which has no session. */
export function keepOutputCharsOf(context: ServerContext): number | undefined {
  const most = Math.min(context.config.results.sessionBytes, context.config.results.totalBytes);
  return most > 0 && !isStateless(context) ? most : undefined;
}

function isStateless(context: ServerContext): boolean {
  return context.config.transport !== 'stdio' && context.config.http.stateless;
}

/** Keeps a cut output for this session (the executor's keepCutOutput), or says why not, in the server's words. */
export function keepCutOutput(
  server: McpServer,
  context: ServerContext,
  { result, label }: { result: PipelineResult; label: string },
): KeptField | undefined {
  if (isStateless(context) && result.truncated && result.status === 'success') {
    return { kept: false, reason: 'stateless HTTP keeps nothing' };
  }
  const kept = keepInStore({ store: context.results, session: server, result, label });
  if (kept?.kept !== false || kept.reason !== 'keeping is off') return kept;
  return { kept: false, reason: 'keeping is off (AWS_MCP_RESULTS_SESSION_BYTES=0)' };
}

/** The line a result carries after a cut output: where the whole output is kept and how to use it, or why not. */
export function describeKeptNote(kept: KeptField): string {
  if (!kept.kept) return `The whole output was not kept: ${kept.reason}.`;
  return (
    `The whole output (${kept.chars.toLocaleString('en-US')} characters, masked) is kept as ${kept.uri} until ` +
    `${kept.expiresAt}: read it in pages (${kept.uri}?offset=0&length=20000), or filter it without calling AWS ` +
    `again with \`fromResult: "${kept.resultId}"\` and \`command: "jq …"\` (filters only).`
  );
}

/** The `resource_link` content block of a kept output. */
export function linkKeptResult(kept: Extract<KeptField, { kept: true }>, title?: string): ResourceLink {
  return { type: 'resource_link', ...describeKeptOutput(kept, title) };
}

/** A tool result with the kept output added: `structuredContent.kept` (and `resultId`), a link, and the note. */
export function withKeptResult(tool: CallToolResult, kept: KeptField | undefined): CallToolResult {
  if (kept === undefined) return tool;
  const note = { type: 'text' as const, text: describeKeptNote(kept) };
  return {
    ...tool,
    content: [...tool.content, note, ...(kept.kept ? [linkKeptResult(kept)] : [])],
    structuredContent: { ...tool.structuredContent, kept, ...(kept.kept ? { resultId: kept.resultId } : {}) },
  };
}

/** The run options of filters over a text (a kept result, a page): the server's filter sandbox and the call's limits. */
export function filterRunOptions(
  context: ServerContext,
  input: { timeout?: number; maxOutput?: number },
  signal: AbortSignal,
): Omit<RunFiltersOptions, 'input'> {
  const { config } = context;
  const { cwd, env, sandbox, limiter, credentialsMode } = context.runOptions();
  const keepOutputChars = keepOutputCharsOf(context);
  return {
    cwd,
    env,
    sandbox,
    limiter,
    credentialsMode,
    signal,
    timeoutMs: Math.min(input.timeout ?? config.timeoutSeconds, config.maxTimeoutSeconds) * 1000,
    maxOutputChars: Math.min(input.maxOutput ?? config.maxOutputChars, config.maxOutputChars),
    ...(keepOutputChars === undefined ? {} : { keepOutputChars }),
  };
}

type FromResultInput = {
  fromResult?: string;
  command?: string;
  pipe?: string[][];
  timeout?: number;
  maxOutput?: number;
};

/** Why the tool's other arguments cannot go with `fromResult`; undefined when they can. */
function checkFromResultArguments(input: FromResultInput & Record<string, unknown>): string | undefined {
  const allowed = new Set(['fromResult', 'command', 'pipe', 'timeout', 'maxOutput']);
  const extra = Object.keys(input).filter((key) => input[key] !== undefined && !allowed.has(key));
  if (extra.length > 0) {
    return (
      `\`fromResult\` runs filters over a kept output, so ${extra.map((key) => `\`${key}\``).join(', ')} ` +
      'cannot go with it: give only `command` (filters, e.g. "jq -r .Items[].id | sort") or `pipe`, `timeout` and `maxOutput`.'
    );
  }
  if (input.command !== undefined || input.pipe !== undefined) return undefined;
  return `\`fromResult\` needs filter stages in \`command\` or \`pipe\`; to read the output itself, read ${keptResultUri(String(input.fromResult))}?offset=0&length=20000.`;
}

/**
 * A `fromResult` call: finds the session's kept result, runs the filters over it with the executor's
 * filterKeptResult (no AWS call) and returns their output, kept again when it is cut. Refusals go through
 * `refuse`, as the tool's own do; the audit log records the filters, the kept result's id and the outcome.
 */
export async function runFromResult({
  server,
  context,
  input,
  signal,
  audit,
  refuse,
}: {
  server: McpServer;
  context: ServerContext;
  input: FromResultInput;
  signal: AbortSignal;
  audit: (entry: Omit<AuditEntry, 'time' | 'session' | 'tool'>) => void;
  refuse: (step: { refusal: { code: RefusalCode; text: string; reason: string } }) => CallToolResult;
}): Promise<CallToolResult> {
  const stop = (code: RefusalCode, reason: string, text = `Refused (${code}): ${reason}`) =>
    refuse({ refusal: { code, text, reason } });
  const fromResult = String(input.fromResult);
  const invalid = checkFromResultArguments(input);
  if (invalid !== undefined) return stop('RESULT_ARGUMENT_INVALID', invalid);
  const found = findKeptResult(context.results, server, fromResult);
  if ('refusal' in found) return stop(found.refusal.code, found.refusal.reason);
  if (input.command !== undefined && input.pipe !== undefined) {
    return stop(
      'INVALID_ARGV',
      'Give the filters either as `command` (a string) or as `pipe` (argv arrays), not both.',
    );
  }
  const filtered = await runKeptFilters({
    ...filterRunOptions(context, input, signal),
    store: context.results,
    session: server,
    id: found.id,
    filters: input.pipe ?? input.command ?? '',
  });
  if ('refusal' in filtered) {
    const { code, reason, kind } = filtered.refusal;
    // Filters that could not start say so as the tool's other start failures do; refused ones read as refusals.
    return stop(code, reason, kind === 'not-started' ? `${code}: ${reason}` : undefined);
  }
  const { result, argv } = filtered;
  audit({
    argv,
    action: 'fromResult',
    status: result.status,
    exitCode: result.exitCode,
    durationMs: result.durationMs,
    outputChars: result.totalChars,
  });
  const label = `${formatStagesForPerson(argv)} over ${keptResultUri(fromResult)}`;
  const structured = {
    status: result.status,
    exitCode: result.exitCode,
    output: result.output,
    stderr: result.filterStderr.trim(),
    truncated: result.truncated,
    totalChars: result.totalChars,
    durationMs: result.durationMs,
    maskedSecrets: result.maskedSecrets,
    fromResult,
  };
  const text = describeFilteredResult(result);
  const tool = result.status === 'success' ? textResult(text, structured) : errorResult(text, structured);
  return withKeptResult(tool, keepCutOutput(server, context, { result, label }));
}
