import { randomBytes } from 'node:crypto';
import { CommandError, type CommandErrorCode, parseFilterStages, redactArgv } from '@aws-mcp/command';
import { ExecutionError, type ExecutionErrorCode } from './execution-error.js';
import { type RunFiltersOptions, runFilters } from './run-filters.js';
import type { PipelineResult } from './run-pipeline.js';

/** One kept output: the masked text a call returned only the head and tail of. */
export interface KeptResult {
  /** 128 random bits, base64url: the `{id}` of `aws://results/{id}`. */
  id: string;
  /** The masked output, whole. */
  text: string;
  /** Its UTF-8 size, what the budgets count. */
  bytes: number;
  /** What produced it, for the person and the resource listing of its own session (the command as displayed). */
  label: string;
  /** Milliseconds since the epoch, on the store's clock. */
  createdAt: number;
  expiresAt: number;
}

/** How much the store keeps, and for how long. */
export interface ResultsStoreOptions {
  /** Most bytes one session keeps; its oldest results go first. 0 keeps nothing. */
  sessionBytes: number;
  /** Most bytes all sessions keep together; the oldest results go first, whichever session made them. */
  totalBytes: number;
  /** How long a result stays readable after it was kept. */
  ttlMs: number;
  /** The clock, in milliseconds since the epoch (for tests). Default: Date.now. */
  now?: () => number;
}

/** Why an output was not kept. */
export type NotKeptReason = 'over the session budget' | 'keeping is off';

/**
 * Cut outputs kept for the session that made them. A session is the object that stands for it (its McpServer):
 * only the same object reads its results back, so an id alone, even one guessed or leaked, opens nothing in
 * another session, and what a session cannot read it cannot tell from what does not exist.
 */
export interface ResultsStore {
  /**
   * Keeps `text` for `session` and returns the kept result, dropping expired results and then the oldest ones
   * (the session's, then anyone's) until the budgets hold it. Returns the reason instead when it cannot fit.
   */
  keep(session: object, { text, label }: { text: string; label: string }): KeptResult | NotKeptReason;
  /** The session's result with this id; undefined when it is unknown, expired, dropped or another session's. */
  get(session: object, id: string): KeptResult | undefined;
  /** The session's live results, oldest first. */
  list(session: object): KeptResult[];
  /** Drops every result of a session that ended. */
  endSession(session: object): void;
  /** Bytes kept now, all sessions together. */
  readonly totalBytes: number;
  /** How long a result stays readable after it was kept (`ttlMs` of its options). */
  readonly ttlMs: number;
}

interface Entry extends KeptResult {
  session: object;
}

/** Creates an empty store. Nothing runs in the background: expiry is checked whenever the store is used. */
export function createResultsStore(options: ResultsStoreOptions): ResultsStore {
  const now = options.now ?? Date.now;
  // Insertion order is age order: the first entries are the oldest.
  const entries = new Map<string, Entry>();
  let total = 0;
  const drop = (entry: Entry) => {
    entries.delete(entry.id);
    total -= entry.bytes;
  };
  const dropExpired = () => {
    const time = now();
    for (const entry of entries.values()) if (entry.expiresAt <= time) drop(entry);
  };
  const bytesOf = (session: object) => {
    let sum = 0;
    for (const entry of entries.values()) if (entry.session === session) sum += entry.bytes;
    return sum;
  };
  const dropOldest = (fits: () => boolean, session?: object) => {
    for (const entry of entries.values()) {
      if (fits()) return;
      if (session === undefined || entry.session === session) drop(entry);
    }
  };
  return {
    keep(session, { text, label }) {
      if (options.sessionBytes === 0 || options.totalBytes === 0) return 'keeping is off';
      const bytes = Buffer.byteLength(text, 'utf8');
      if (bytes > options.sessionBytes || bytes > options.totalBytes) return 'over the session budget';
      dropExpired();
      dropOldest(() => bytesOf(session) + bytes <= options.sessionBytes, session);
      dropOldest(() => total + bytes <= options.totalBytes);
      const createdAt = now();
      const entry: Entry = {
        id: randomBytes(16).toString('base64url'),
        text,
        bytes,
        label,
        createdAt,
        expiresAt: createdAt + options.ttlMs,
        session,
      };
      entries.set(entry.id, entry);
      total += bytes;
      return publicView(entry);
    },
    get(session, id) {
      dropExpired();
      const entry = entries.get(id);
      return entry === undefined || entry.session !== session ? undefined : publicView(entry);
    },
    list(session) {
      dropExpired();
      return [...entries.values()].filter((entry) => entry.session === session).map(publicView);
    },
    endSession(session) {
      for (const entry of entries.values()) if (entry.session === session) drop(entry);
    },
    get totalBytes() {
      return total;
    },
    ttlMs: options.ttlMs,
  };
}

function publicView({ session: _, ...result }: Entry): KeptResult {
  return result;
}

/** The URI of a kept result; `?offset=N&length=M` reads a page of it (see {@link readKeptResult}). */
export function keptResultUri(id: string): string {
  return `aws://results/${id}`;
}

/** How a kept result is listed to its own session: its URI, name, title and description. */
export function describeKeptResult(kept: KeptResult): {
  uri: string;
  name: string;
  title: string;
  description: string;
  mimeType: 'text/plain';
} {
  return {
    uri: keptResultUri(kept.id),
    name: `result-${kept.id}`,
    title: kept.label,
    description: `The whole output (masked) of ${kept.label}; kept until ${new Date(kept.expiresAt).toISOString()}.`,
    mimeType: 'text/plain',
  };
}

/**
 * How a kept output is linked from the result that cut it: its URI, name, title (`title`, else "The whole output
 * (masked)"), a description saying how long it is kept and how to read pages, and its type.
 */
export function describeKeptOutput(
  kept: Extract<KeptOutput, { kept: true }>,
  title = 'The whole output (masked)',
): { uri: string; name: string; title: string; description: string; mimeType: 'text/plain' } {
  return {
    uri: kept.uri,
    name: `result-${kept.resultId}`,
    title,
    description: `${kept.chars} characters, kept for this session until ${kept.expiresAt}. Read pages with ${kept.uri}?offset=N&length=M.`,
    mimeType: 'text/plain',
  };
}

/** Whether a cut output was kept for its session, and where; or why it was not. */
export type KeptOutput =
  | { kept: true; resultId: string; uri: string; chars: number; bytes: number; expiresAt: string }
  | { kept: false; reason: KeptOutputReason };

/**
 * Why a cut output was not kept: the store's reasons (`keeping is off` also when the run kept nothing whole, as
 * without `keepOutputChars`), or the run's (`larger than the session budget`: over `keepOutputChars`;
 * `secrets were not masked`: shown or saved output is never kept).
 */
export type KeptOutputReason = NotKeptReason | 'larger than the session budget' | 'secrets were not masked';

/**
 * Keeps a cut output for `session` (the whole masked text the run kept beside the capped one, see
 * `keepOutputChars`) and says where, or says why it was not kept. Undefined for an output that was not cut or a
 * run that failed.
 */
export function keepCutOutput({
  store,
  session,
  result,
  label,
}: {
  store: ResultsStore;
  session: object;
  result: PipelineResult;
  label: string;
}): KeptOutput | undefined {
  if (!result.truncated || result.status !== 'success') return undefined;
  const whole = result.wholeOutput;
  if (whole === undefined) return { kept: false, reason: 'keeping is off' };
  if (!whole.kept) {
    return {
      kept: false,
      reason: whole.reason === 'too large' ? 'larger than the session budget' : 'secrets were not masked',
    };
  }
  const kept = store.keep(session, { text: whole.text, label });
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

/**
 * The session's kept result with this id, or the refusal `RESULT_NOT_FOUND`: the same for an id unknown, expired,
 * dropped or another session's, so an id tells nobody whether it exists; it says how long results last.
 */
export function findKeptResult(
  store: ResultsStore,
  session: object,
  id: string,
): KeptResult | { refusal: KeptResultRefusal } {
  const kept = store.get(session, id);
  if (kept !== undefined) return kept;
  const minutes = Math.round(store.ttlMs / 60_000);
  return {
    refusal: {
      code: 'RESULT_NOT_FOUND',
      reason: `No kept result \`${id}\` in this session: kept results last ${minutes} minutes, end with their session, and the oldest go first when the budget is full.`,
      kind: 'not-found',
    },
  };
}

/** Why a page of a kept result was not read: no such id in the session, or an offset or length that is no count. */
export interface KeptPageRefusal {
  code: 'RESULT_NOT_FOUND' | 'RESULT_ARGUMENT_INVALID';
  reason: string;
}

function readCount(text: string | null, fallback: number): number | { refusal: KeptPageRefusal } {
  if (text === null || text === '') return fallback;
  const count = Number(text);
  if (Number.isInteger(count) && count >= 0) return count;
  return {
    refusal: {
      code: 'RESULT_ARGUMENT_INVALID',
      reason: `offset and length are whole numbers of characters, not ${JSON.stringify(text)}.`,
    },
  };
}

/**
 * A page of a session's kept result, as `aws://results/{id}?offset=N&length=M` asks (characters; `length` at most
 * `maxChars`, its default), with a line saying where it sits. Returns the refusal for an offset or length that is
 * not a whole number (`RESULT_ARGUMENT_INVALID`), or, checked first, an id the session cannot read
 * (`RESULT_NOT_FOUND`, the same for another session's id as for none).
 */
export function readKeptResult(
  store: ResultsStore,
  session: object,
  {
    id,
    offset,
    length,
    maxChars,
  }: { id: string; offset: string | null; length: string | null; maxChars: number },
): { page: ResultPage; summary: string } | { refusal: KeptPageRefusal } {
  const kept = store.get(session, id);
  if (kept === undefined) {
    return {
      refusal: { code: 'RESULT_NOT_FOUND', reason: `No kept result ${keptResultUri(id)} in this session.` },
    };
  }
  const start = readCount(offset, 0);
  if (typeof start !== 'number') return start;
  const most = readCount(length, maxChars);
  if (typeof most !== 'number') return most;
  const page = readResultPage(kept.text, { offset: start, length: most, maxChars });
  const next =
    page.nextOffset === undefined ? 'the last page' : `the next page starts at offset ${page.nextOffset}`;
  return {
    page,
    summary: `characters ${page.offset}–${page.offset + page.text.length} of ${page.totalChars}; ${next}`,
  };
}

/** One page of a kept result. */
export interface ResultPage {
  text: string;
  /** Where the page starts, in characters. */
  offset: number;
  /** The result's length, in characters. */
  totalChars: number;
  /** Where the next page starts; undefined on the last page. */
  nextOffset?: number;
}

/**
 * The characters of `text` from `offset`, at most `length` of them (and never more than `maxChars`), not cutting
 * a character in two. An offset past the end gives an empty last page.
 */
export function readResultPage(
  text: string,
  { offset, length, maxChars }: { offset: number; length: number; maxChars: number },
): ResultPage {
  const start = Math.min(Math.max(0, offset), text.length);
  let end = Math.min(text.length, start + Math.max(1, Math.min(length, maxChars)));
  // A UTF-16 surrogate pair stays whole: the page ends before its first half.
  if (end < text.length && end > start + 1 && /[\uD800-\uDBFF]/.test(text.charAt(end - 1))) end -= 1;
  return {
    text: text.slice(start, end),
    offset: start,
    totalChars: text.length,
    ...(end < text.length ? { nextOffset: end } : {}),
  };
}

/** Why filters did not run over a kept result: none of that id in the session, or filters refused or unstartable. */
export interface KeptResultRefusal {
  code: 'RESULT_NOT_FOUND' | CommandErrorCode | ExecutionErrorCode;
  reason: string;
  /** `not-found`: no such id in the session; `refused`: the command package refused the filters; `not-started`: runFilters could not start them. */
  kind: 'not-found' | 'refused' | 'not-started';
}

/** Options of {@link filterKeptResult}: the store, the session and id, the filters, and how to run them. */
export interface FilterKeptResultOptions extends Omit<RunFiltersOptions, 'input'> {
  store: ResultsStore;
  session: object;
  id: string;
  /** The filter stages, as a command string (`jq -r '.Items[].id' | sort`) or argv arrays. */
  filters: string | string[][];
}

/** Filters run over a kept result: what ran (argv redacted, for an audit log) and its result. */
export interface FilteredKeptResult {
  kept: KeptResult;
  argv: string[][];
  result: PipelineResult;
}

/**
 * Runs filter stages over a session's kept result without calling AWS: checked by the command package as
 * filters after an aws stage are, run by runFilters in the given sandbox and limits. Returns a refusal, never
 * running anything, for an id the session cannot read (`RESULT_NOT_FOUND`: the same for another session's id as
 * for none, so an id tells nobody whether it exists), filters the command package refuses (its code), or filters
 * runFilters cannot start (its ExecutionError code). Throws what is a defect (anything else).
 */
export async function filterKeptResult({
  store,
  session,
  id,
  filters,
  ...options
}: FilterKeptResultOptions): Promise<FilteredKeptResult | { refusal: KeptResultRefusal }> {
  let stages: ReturnType<typeof parseFilterStages>;
  try {
    stages = parseFilterStages(filters);
  } catch (error) {
    if (!CommandError.isInstance(error)) throw error;
    return { refusal: { code: error.code, reason: error.message, kind: 'refused' } };
  }
  const kept = findKeptResult(store, session, id);
  if ('refusal' in kept) return kept;
  try {
    const result = await runFilters(stages, { ...options, input: kept.text });
    return { kept, argv: stages.map((stage) => redactArgv(stage.argv)), result };
  } catch (error) {
    if (!ExecutionError.isInstance(error)) throw error;
    return { refusal: { code: error.code, reason: error.message, kind: 'not-started' } };
  }
}

/**
 * What filters run over a kept result printed, for a person: their output, or a line for an empty one (`noMatch`:
 * nothing matched), a timeout, a cancel, or the failing filter with its stderr.
 */
export function describeFilteredResult(result: PipelineResult): string {
  if (result.status === 'success') {
    if (result.output !== '') return result.output;
    return result.noMatch ? '(no lines matched the filter)' : '(the filters printed nothing)';
  }
  if (result.status === 'timeout')
    return `The filters were stopped at the time limit after ${result.durationMs} ms.`;
  if (result.status === 'canceled') return 'The filters were canceled.';
  const stderr = result.filterStderr.trim();
  return [`The filters failed (${result.failedStage ?? 'a filter'} exited ${result.exitCode}).`, stderr]
    .filter((line) => line !== '')
    .join('\n');
}
