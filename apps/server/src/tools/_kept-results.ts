import type { FilterStage } from '@aws-mcp/command';
import {
  type FilteredKeptResult,
  type KeptResult,
  type PipelineResult,
  runFilters,
  filterKeptResult as runKeptFilters,
} from '@aws-mcp/executor';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, ResourceLink } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { formatStagesForPerson } from '../_escape-text.js';
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

/** The URI of a kept result; `?offset=N&length=M` reads a page of it. */
export function keptResultUri(id: string): string {
  return `aws://results/${id}`;
}

/** What the structured result says about a cut output: kept (its id and where to read it), or why not. */
export type KeptField =
  | { kept: true; resultId: string; uri: string; chars: number; bytes: number; expiresAt: string }
  | { kept: false; reason: string };

/** The tool arguments that go with `fromResult` (besides it): the filters, and the limits of their run. */
const fromResultArguments = new Set(['fromResult', 'command', 'pipe', 'timeout', 'maxOutput']);

/** Whether kept results can be read back here: a stateless HTTP server has no session to keep them for. */
function keepingIsPossible(context: ServerContext): boolean {
  return !(context.config.transport !== 'stdio' && context.config.http.stateless);
}

/** The most characters a call asks the executor to keep whole (a character takes a byte at least). */
export function keepOutputCharsOf(context: ServerContext): number | undefined {
  const { sessionBytes, totalBytes } = context.config.results;
  const most = Math.min(sessionBytes, totalBytes);
  return most > 0 && keepingIsPossible(context) ? most : undefined;
}

/**
 * Keeps a cut output for this session (the whole masked text the executor kept beside the capped one) and says
 * so, or says why it was not kept. Undefined for an output that was not cut.
 */
export function keepCutOutput(
  server: McpServer,
  context: ServerContext,
  { result, label }: { result: PipelineResult; label: string },
): KeptField | undefined {
  if (!result.truncated || result.status !== 'success') return undefined;
  const whole = result.wholeOutput;
  if (!keepingIsPossible(context)) return { kept: false, reason: 'stateless HTTP keeps nothing' };
  if (whole === undefined) return { kept: false, reason: 'keeping is off (AWS_MCP_RESULTS_SESSION_BYTES=0)' };
  if (!whole.kept) {
    return {
      kept: false,
      reason: whole.reason === 'too large' ? 'larger than the session budget' : 'secrets were not masked',
    };
  }
  const kept = context.results.keep(server, { text: whole.text, label });
  if (typeof kept === 'string') return { kept: false, reason: kept };
  return {
    kept: true,
    resultId: kept.id,
    uri: keptResultUri(kept.id),
    chars: whole.text.length,
    bytes: kept.bytes,
    expiresAt: new Date(kept.expiresAt).toISOString(),
  };
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
export function linkKeptResult(
  kept: Extract<KeptField, { kept: true }>,
  title = 'The whole output (masked)',
): ResourceLink {
  return {
    type: 'resource_link',
    uri: kept.uri,
    name: `result-${kept.resultId}`,
    title,
    description: `${kept.chars} characters, kept for this session until ${kept.expiresAt}. Read pages with ${kept.uri}?offset=N&length=M.`,
    mimeType: 'text/plain',
  };
}

/**
 * A tool result with the kept output added: `structuredContent.kept` (and `resultId`), a `resource_link` to it,
 * and a line saying how to read or filter it.
 */
export function withKeptResult(tool: CallToolResult, kept: KeptField | undefined): CallToolResult {
  if (kept === undefined) return tool;
  const structured = { ...tool.structuredContent, kept, ...(kept.kept ? { resultId: kept.resultId } : {}) };
  const note = { type: 'text' as const, text: describeKeptNote(kept) };
  return {
    ...tool,
    content: [...tool.content, note, ...(kept.kept ? [linkKeptResult(kept)] : [])],
    structuredContent: structured,
  };
}

/** A refusal of a `fromResult` call, as the pipeline tool's refusals look. */
export interface KeptRefusal {
  code: RefusalCode;
  text: string;
  reason: string;
}

/** The kept result a call names, or the refusal; the same refusal for another session's id as for none. */
export function findKeptResult(
  server: McpServer,
  context: ServerContext,
  input: Record<string, unknown>,
): KeptResult | KeptRefusal {
  const extra = Object.keys(input).filter((key) => input[key] !== undefined && !fromResultArguments.has(key));
  if (extra.length > 0) {
    const reason =
      `\`fromResult\` runs filters over a kept output, so ${extra.map((key) => `\`${key}\``).join(', ')} ` +
      'cannot go with it: give only `command` (filters, e.g. "jq -r .Items[].id | sort") or `pipe`, `timeout` and `maxOutput`.';
    return { code: 'RESULT_ARGUMENT_INVALID', text: `Refused (RESULT_ARGUMENT_INVALID): ${reason}`, reason };
  }
  if (input.command === undefined && input.pipe === undefined) {
    const uri = keptResultUri(String(input.fromResult));
    const reason = `\`fromResult\` needs filter stages in \`command\` or \`pipe\`; to read the output itself, read ${uri}?offset=0&length=20000.`;
    return { code: 'RESULT_ARGUMENT_INVALID', text: `Refused (RESULT_ARGUMENT_INVALID): ${reason}`, reason };
  }
  const kept = context.results.get(server, String(input.fromResult));
  if (kept !== undefined) return kept;
  // Unknown, expired, dropped or another session's: one answer, so an id tells nobody whether it exists.
  const reason = `No kept result \`${String(input.fromResult)}\` in this session: kept results last ${Math.round(context.config.results.ttlSeconds / 60)} minutes, end with their session, and the oldest go first when the budget is full.`;
  return { code: 'RESULT_NOT_FOUND', text: `Refused (RESULT_NOT_FOUND): ${reason}`, reason };
}

/** What a `fromResult` call ran, for the result and the audit log. */
export type { FilteredKeptResult } from '@aws-mcp/executor';

/**
 * Runs the call's filter stages over a kept result with the executor's filterKeptResult (checked as filters are
 * after an aws stage, run in the server's filter sandbox and limits, no AWS call). Returns the refusal for filters
 * the command package refuses or the executor cannot start.
 */
export async function filterKeptResult(
  server: McpServer,
  context: ServerContext,
  {
    kept,
    input,
    signal,
  }: {
    kept: KeptResult;
    input: { command?: string; pipe?: string[][]; timeout?: number; maxOutput?: number };
    signal: AbortSignal;
  },
): Promise<FilteredKeptResult | KeptRefusal> {
  const { config } = context;
  if (input.command !== undefined && input.pipe !== undefined) {
    const reason = 'Give the filters either as `command` (a string) or as `pipe` (argv arrays), not both.';
    return { code: 'INVALID_ARGV', text: `Refused (INVALID_ARGV): ${reason}`, reason };
  }
  const run = context.runOptions();
  const keepOutputChars = keepOutputCharsOf(context);
  const filtered = await runKeptFilters({
    store: context.results,
    session: server,
    id: kept.id,
    filters: input.pipe ?? input.command ?? '',
    cwd: run.cwd,
    env: run.env,
    sandbox: run.sandbox,
    limiter: run.limiter,
    credentialsMode: run.credentialsMode,
    timeoutMs: Math.min(input.timeout ?? config.timeoutSeconds, config.maxTimeoutSeconds) * 1000,
    maxOutputChars: Math.min(input.maxOutput ?? config.maxOutputChars, config.maxOutputChars),
    ...(keepOutputChars === undefined ? {} : { keepOutputChars }),
    signal,
  });
  if (!('refusal' in filtered)) return filtered;
  const { code, reason, kind } = filtered.refusal;
  // Filters that could not start say so as the tool's other start failures do; refused ones read as refusals.
  return {
    code,
    text: kind === 'not-started' ? `${code}: ${reason}` : `Refused (${code}): ${reason}`,
    reason,
  };
}

/**
 * Runs checked filter stages over a text (a kept result, a page the aws stage printed) with the server's filter
 * sandbox, limiter and credentials masking. Throws what runFilters throws.
 */
export function filterText(
  context: ServerContext,
  {
    filters,
    text,
    timeoutMs,
    maxOutputChars,
    signal,
  }: {
    filters: readonly FilterStage[];
    text: string;
    timeoutMs: number;
    maxOutputChars: number;
    signal: AbortSignal;
  },
): Promise<PipelineResult> {
  const run = context.runOptions();
  const keepOutputChars = keepOutputCharsOf(context);
  return runFilters(filters, {
    cwd: run.cwd,
    env: run.env,
    sandbox: run.sandbox,
    limiter: run.limiter,
    credentialsMode: run.credentialsMode,
    input: text,
    timeoutMs,
    maxOutputChars,
    ...(keepOutputChars === undefined ? {} : { keepOutputChars }),
    signal,
  });
}

/** The tool result of filters run over a kept result. */
export function formatFilteredResult(
  { result }: FilteredKeptResult,
  { fromResult }: { fromResult: string },
): CallToolResult {
  const stderr = result.filterStderr.trim();
  const text =
    result.status === 'success'
      ? result.output !== ''
        ? result.output
        : result.noMatch
          ? '(no lines matched the filter)'
          : '(the filters printed nothing)'
      : result.status === 'timeout'
        ? `The filters were stopped at the time limit after ${result.durationMs} ms.`
        : result.status === 'canceled'
          ? 'The filters were canceled.'
          : [`The filters failed (${result.failedStage ?? 'a filter'} exited ${result.exitCode}).`, stderr]
              .filter((line) => line !== '')
              .join('\n');
  const structured = {
    status: result.status,
    exitCode: result.exitCode,
    output: result.output,
    stderr,
    truncated: result.truncated,
    totalChars: result.totalChars,
    durationMs: result.durationMs,
    maskedSecrets: result.maskedSecrets,
    fromResult,
  };
  return result.status === 'success' ? textResult(text, structured) : errorResult(text, structured);
}

/**
 * A `fromResult` call: finds the session's kept result, runs the filters over it (no AWS call) and returns their
 * output, kept again when it is cut. Refusals go through `refuse`, as the tool's own do; the audit log records
 * the filters, the kept result's id and the outcome.
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
  input: { fromResult?: string; command?: string; pipe?: string[][]; timeout?: number; maxOutput?: number };
  signal: AbortSignal;
  audit: (entry: Omit<AuditEntry, 'time' | 'session' | 'tool'>) => void;
  refuse: (step: { refusal: KeptRefusal }) => CallToolResult;
}): Promise<CallToolResult> {
  const fromResult = String(input.fromResult);
  const kept = findKeptResult(server, context, input);
  if ('code' in kept) return refuse({ refusal: kept });
  const filtered = await filterKeptResult(server, context, { kept, input, signal });
  if ('code' in filtered) return refuse({ refusal: filtered });
  const { result } = filtered;
  audit({
    argv: filtered.argv,
    action: 'fromResult',
    status: result.status,
    exitCode: result.exitCode,
    durationMs: result.durationMs,
    outputChars: result.totalChars,
  });
  const again = keepCutOutput(server, context, {
    result,
    label: `${formatStagesForPerson(filtered.argv)} over ${keptResultUri(fromResult)}`,
  });
  return withKeptResult(formatFilteredResult(filtered, { fromResult }), again);
}
