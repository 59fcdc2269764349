import type { Result } from 'execa';
import { formatStageLimit, identifyExceededLimit, signalOfExitStatus } from './_stage-limits.js';
import { ExecutionError } from './execution-error.js';
import type { PipelineResult, PipelineStatus, StageResult } from './run-pipeline.js';
import type { Sandbox, SandboxedCommand, StageLimitReport, StageLimits } from './sandbox.js';

/** Filters whose exit code 1 means "nothing matched" rather than failure. */
const matchFilters = new Set(['grep', 'egrep', 'fgrep']);

/** What the stages' exits say about the pipeline, before the clock has its say. */
export interface Judgement {
  failed: boolean;
  /** The deciding exit code: the aws stage's, else the first failing filter's; 0 when none failed. */
  exitCode: number;
  /** True when a grep matched nothing and nothing else failed. */
  noMatch: boolean;
  /** The stage whose failure decided (`aws`, `jq`); undefined when none failed. */
  failedStage?: string;
  /** True when the CLI answered a `--dry-run` with "the request would have succeeded" (its exit is not 0). */
  dryRunSucceeded?: boolean;
}

/**
 * Whether a stage was cut off by a reader that had read enough: SIGPIPE, or a program saying so — "broken pipe",
 * or "connection reset by peer" (Node connects stages with socket pairs, so a write after the reader left can
 * fail with ECONNRESET: gawk then exits 2).
 */
export function isBrokenPipe(stage: StageResult, stderr: string): boolean {
  return stage.signal === 'SIGPIPE' || /broken pipe|EPIPE|connection reset by peer|ECONNRESET/i.test(stderr);
}

/** Whether an execa result is a failure to spawn (no exit code, no signal) rather than a program that ran. */
export function isSpawnFailure(result: Result): boolean {
  return result.failed && result.exitCode === undefined && result.signal === undefined && !result.isCanceled;
}

/**
 * How one stage ended, from its execa result and the command the sandbox wrapped it into: a signal that bubblewrap
 * reported as exit status 128 + N is the signal again, so a filter cut off by `head` (141) reads as SIGPIPE.
 */
export function readStageResult(name: string, result: Result, command: SandboxedCommand): StageResult {
  const signal =
    result.signal ?? (command.signalsAsExitStatus === true ? signalOfExitStatus(result.exitCode) : undefined);
  return { name, exitCode: result.exitCode, signal };
}

/** What a person can do about each limit, for the message. */
const limitAdvice: Record<keyof StageLimits, string> = {
  addressSpaceBytes: 'work on less data at once (a --query, --max-items, a narrower filter)',
  cpuSeconds: 'give it less to compute',
  openFiles: 'transfer fewer files at once',
  processes: 'run fewer threads or processes at once',
  temporaryBytes: 'sort or package less at once',
};

/** The lines of one filter in the filters' stderr, where each line starts with the filter's name. */
function linesOf(name: string, filterStderr: string): string {
  const prefix = `${name}: `;
  return filterStderr
    .split('\n')
    .filter((line) => line.startsWith(prefix))
    .map((line) => line.slice(prefix.length))
    .join('\n');
}

/**
 * The limit a failed pipeline's stage reached, if one did: the deciding stage first, then the others in order
 * (the aws stage's stderr is `stderr`, the filters' is `filterStderr`). Undefined when the pipeline did not fail or
 * nothing points to a limit. The message names the stage, the limit with its value, and the option that raises it.
 */
export function findExceededLimit({
  stages,
  commands,
  judgement,
  stderr,
  filterStderr,
}: {
  stages: readonly StageResult[];
  commands: readonly SandboxedCommand[];
  judgement: Judgement;
  stderr: string;
  filterStderr: string;
}): StageLimitReport | undefined {
  if (!judgement.failed) return undefined;
  const order = stages.map((_, index) => index);
  const deciding = stages.findIndex((stage) => stage.name === judgement.failedStage);
  if (deciding > 0) order.unshift(...order.splice(deciding, 1));
  for (const index of order) {
    const stage = stages[index] as StageResult;
    const limits = commands[index]?.limits;
    const exceeded = identifyExceededLimit(
      {
        exitCode: stage.exitCode,
        signal: stage.signal,
        stderr: index === 0 ? stderr : linesOf(stage.name, filterStderr),
      },
      limits,
    );
    if (exceeded === undefined || limits === undefined) continue;
    const value = formatStageLimit(exceeded.option, exceeded.value);
    return {
      ...exceeded,
      stage: stage.name,
      kind: limits.kind,
      message:
        `${stage.name} was stopped by the sandbox's ${exceeded.limit} limit (${value}): ` +
        `${limitAdvice[exceeded.option]}, or raise limits.${limits.kind}.${exceeded.option}.`,
    };
  }
  return undefined;
}

/** EC2-style APIs answer a permitted `--dry-run` with this error code; the CLI exits 255 (v1) or 254 (v2). */
const dryRunSuccess = /\(DryRunOperation\)/;

/** The first filter that failed on its own (not cut off by a later stage, not a grep that matched nothing). */
function firstFailingFilter(filters: readonly StageResult[], filterStderr: string): StageResult | undefined {
  return filters.find((stage, index) => {
    if (stage.exitCode === 0) return false;
    const downstream = filters.slice(index + 1);
    if (
      downstream.length > 0 &&
      downstream.every((next) => next.exitCode === 0) &&
      isBrokenPipe(stage, linesOf(stage.name, filterStderr))
    ) {
      return false;
    }
    return !(stage.exitCode === 1 && matchFilters.has(stage.name));
  });
}

/**
 * Judges the pipeline by its stages' exits, as a shell user would: the aws stage decides unless a broken pipe
 * cut it off — then the filter that failed first is the cause (`jq '.['` fails, aws gets EPIPE), or nothing failed
 * if every filter succeeded; a filter cut off by a later one that succeeded (`head`) is fine; a grep that matched
 * nothing is an empty result; a dry run the API says would have succeeded is a success. `filterStderr` is the
 * filters' stderr, each line prefixed with the filter's name.
 */
export function judgeStages(stages: StageResult[], awsStderr: string, filterStderr = ''): Judgement {
  const [aws, ...filters] = stages as [StageResult, ...StageResult[]];
  const failingFilter = firstFailingFilter(filters, filterStderr);
  const brokenPipe = aws.exitCode !== 0 && filters.length > 0 && isBrokenPipe(aws, awsStderr);
  const dryRunSucceeded = aws.exitCode !== 0 && dryRunSuccess.test(awsStderr);
  const awsOk = aws.exitCode === 0 || dryRunSucceeded || (brokenPipe && failingFilter === undefined);
  if (!awsOk && !(brokenPipe && failingFilter !== undefined)) {
    return { failed: true, exitCode: aws.exitCode ?? 1, noMatch: false, failedStage: aws.name };
  }
  if (failingFilter !== undefined) {
    return {
      failed: true,
      exitCode: failingFilter.exitCode ?? 1,
      noMatch: false,
      failedStage: failingFilter.name,
    };
  }
  const noMatch = filters.some((stage) => stage.exitCode === 1 && matchFilters.has(stage.name));
  return { failed: false, exitCode: 0, noMatch, ...(dryRunSucceeded ? { dryRunSucceeded } : {}) };
}

/** The status: the clock's verdict (timeout, then cancel) over the stages'. */
export function decideStatus(
  judgement: Judgement,
  { timedOut, aborted }: { timedOut: boolean; aborted: boolean },
): PipelineStatus {
  if (timedOut) return 'timeout';
  if (aborted) return 'canceled';
  return judgement.failed ? 'error' : 'success';
}

/** The result of a call that timed out or was canceled while it waited for a slot: no stage started. */
export function buildUnstartedResult({
  timedOut,
  stageNames,
  durationMs,
  awsArgv,
  sandbox,
}: {
  timedOut: boolean;
  stageNames: string[];
  durationMs: number;
  awsArgv: string[];
  sandbox: Sandbox['name'];
}): PipelineResult {
  return {
    status: timedOut ? 'timeout' : 'canceled',
    exitCode: 1,
    output: '',
    truncated: false,
    totalChars: 0,
    stderr: '',
    filterStderr: '',
    stages: stageNames.map((name) => ({ name, exitCode: undefined, signal: undefined })),
    noMatch: false,
    durationMs,
    awsArgv,
    sandbox,
    maskedSecrets: 0,
    secrets: { masked: 0, members: [] },
    queuedMs: durationMs,
  };
}

/**
 * The ExecutionError that describes a failed result (`TIMED_OUT`, `CANCELED` or `COMMAND_FAILED`): the
 * command, what happened, the last lines of its stderr, and the deciding stage's exit.
 */
export function buildFailureError(result: PipelineResult): ExecutionError {
  const deciding = result.stages.find((stage) => stage.exitCode !== 0) ?? result.stages[0];
  const code =
    result.status === 'timeout' ? 'TIMED_OUT' : result.status === 'canceled' ? 'CANCELED' : 'COMMAND_FAILED';
  const summary =
    result.status === 'timeout'
      ? `timed out after ${result.durationMs} ms`
      : result.status === 'canceled'
        ? 'was canceled'
        : `failed with exit code ${result.exitCode}`;
  const detail =
    result.exceededLimit?.message ??
    (result.stderr || result.filterStderr).trim().split('\n').slice(-3).join('\n');
  return new ExecutionError({
    code,
    message: `\`${result.awsArgv.join(' ')}\` ${summary}${detail === '' ? '.' : `: ${detail}`}`,
    exitCode: result.exitCode,
    signal: deciding?.signal,
    timedOut: result.status === 'timeout',
    canceled: result.status === 'canceled',
    durationMs: result.durationMs,
    argv: result.awsArgv,
    cause: result,
  });
}

/** Returns the result, or with `reject: true` throws the ExecutionError of a result that is not a success. */
export function finalizeResult(result: PipelineResult, reject: boolean | undefined): PipelineResult {
  if (reject !== true || result.status === 'success') return result;
  throw buildFailureError(result);
}

/** The ExecutionError `SPAWN_FAILED` for a pipeline whose stage could not be started (execa's error as cause). */
export function buildSpawnError({
  error,
  durationMs,
  awsArgv,
}: {
  error: unknown;
  durationMs: number;
  awsArgv: string[];
}): ExecutionError {
  const failed = error as Partial<Result>;
  return new ExecutionError({
    code: 'SPAWN_FAILED',
    message: `The pipeline could not be started: ${failed.shortMessage ?? (error instanceof Error ? error.message : String(error))}`,
    program: typeof failed.command === 'string' ? failed.command.split(' ')[0] : undefined,
    exitCode: failed.exitCode,
    signal: failed.signal,
    durationMs,
    argv: awsArgv,
    cause: error,
  });
}
