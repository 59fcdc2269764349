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
  };
}

function publicView({ session: _, ...result }: Entry): KeptResult {
  return result;
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
  const kept = store.get(session, id);
  if (kept === undefined) {
    return {
      refusal: {
        code: 'RESULT_NOT_FOUND',
        reason: `No kept result \`${id}\` in this session.`,
        kind: 'not-found',
      },
    };
  }
  try {
    const result = await runFilters(stages, { ...options, input: kept.text });
    return { kept, argv: stages.map((stage) => redactArgv(stage.argv)), result };
  } catch (error) {
    if (!ExecutionError.isInstance(error)) throw error;
    return { refusal: { code: error.code, reason: error.message, kind: 'not-started' } };
  }
}
