import { homedir } from 'node:os';
import { relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import type { Pipeline } from '@aws-mcp/command';
import { execa, type Result, type ResultPromise } from 'execa';
import { listAwsStagePaths, listCliInstallPaths, listHomes } from './_aws-paths.js';
import { buildAwsEnvironment, buildFilterEnvironment, type CredentialsMode } from './_environment.js';
import { resolveFilterProgram } from './_filter-programs.js';
import { findExecutable } from './_find-executable.js';
import { OutputCollector } from './_output-collector.js';
import { killGraceMs, killProcessGroup } from './_process-group.js';
import { S3ProgressReader } from './_s3-progress.js';
import { learnConfiguredSecrets } from './_secret-sources.js';
import { awsCliInstallHint, ExecutionError } from './execution-error.js';
import { isSecretOnlyOutput, LearnedSecrets, SecretMasker } from './mask-secrets.js';
import { defaultPipelineLimiter, type PipelineLimiter } from './pipeline-limiter.js';
import { noSandbox, type Sandbox, type SandboxStage } from './sandbox.js';

/** A heartbeat while a pipeline waits or runs. */
export interface PipelineProgress {
  /** Time since runPipeline was called, queue wait included. */
  elapsedMs: number;
  /** Bytes the last stage has written so far. */
  outputBytes: number;
  /** True while waiting for a slot in the limiter. */
  queued: boolean;
  /** The latest `aws s3 cp/sync/mv/rm` progress line, e.g. "Completed 1.0 MiB/10.0 MiB (5.0 MiB/s) with 1 file(s) remaining". */
  message?: string;
}

/** How to run a pipeline. Only `cwd` is required. */
export interface RunPipelineOptions {
  /** The working directory: the aws stage runs here, and relative local paths resolve against it. */
  cwd: string;
  /** Where to pick the children's variables from (by explicit lists, never wholesale). Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** The profile to run with; overrides AWS_PROFILE. */
  profile?: string;
  /** The region to run with, passed as AWS_REGION and AWS_DEFAULT_REGION (the CLI v1 reads only the latter). */
  region?: string;
  /** Added as `--endpoint-url` unless the command gives one (for CLIs that ignore AWS_ENDPOINT_URL). */
  endpointUrl?: string;
  /** Kill the whole pipeline after this many milliseconds. Default: 300 000. */
  timeoutMs?: number;
  /** Abort to kill the whole pipeline. */
  signal?: AbortSignal;
  /** Cap on the characters of output kept (the start and the end are kept). Default: 100 000. */
  maxOutputChars?: number;
  /** Cap on the characters of stderr kept per stream. Default: 20 000. */
  maxStderrChars?: number;
  /** The sandbox every stage runs in. Default: none. */
  sandbox?: Sandbox;
  /** How credentials reach the aws stage. Default: `both`. */
  credentialsMode?: CredentialsMode;
  /** The AWS CLI to run. Default: `aws` found on PATH. */
  awsCli?: string;
  /** Paths the aws stage must be able to read, e.g. the AWS files (used by the sandbox). */
  readOnlyPaths?: string[];
  /** Paths the aws stage must be able to write besides `cwd`, e.g. the CLI's caches (used by the sandbox). */
  writablePaths?: string[];
  /**
   * Mask secrets (access key ids, secret keys, session tokens, passwords, secret values, private keys) in
   * everything returned: output, stderr and filter stderr. Default: true.
   */
  maskSecrets?: boolean;
  /** Caps how many pipelines run at once; waiting counts toward `timeoutMs`. Default: one shared limiter of 8. */
  limiter?: PipelineLimiter;
  /** Called every `progressIntervalMs` while the pipeline waits or runs. Exceptions it throws are ignored. */
  onProgress?: (progress: PipelineProgress) => void;
  /** Default: 1000. */
  progressIntervalMs?: number;
  /** Throw ExecutionError (`COMMAND_FAILED`, `TIMED_OUT`, `CANCELED`) instead of resolving a failed result. */
  reject?: boolean;
}

/** What one stage did. */
export interface StageResult {
  /** The program's name as written, e.g. `aws` or `jq`. */
  name: string;
  exitCode: number | undefined;
  signal: string | undefined;
}

/** How the pipeline ended, as a person would put it. */
export type PipelineStatus = 'success' | 'error' | 'timeout' | 'canceled';

/** The outcome of a pipeline that started. A failure of the command is a result with `status: 'error'`. */
export interface PipelineResult {
  status: PipelineStatus;
  /** The exit code that decides the status: the aws stage's, else the first failing filter's. */
  exitCode: number;
  /** The last stage's stdout, capped (start and end kept). */
  output: string;
  truncated: boolean;
  /** Characters the last stage wrote in all. */
  totalChars: number;
  /** The aws stage's stderr, capped. */
  stderr: string;
  /** The filters' stderr, capped, each line prefixed with the filter's name. */
  filterStderr: string;
  stages: StageResult[];
  /** True when a filter such as grep matched nothing: an empty result, not a failure. */
  noMatch: boolean;
  durationMs: number;
  /** The argv the aws stage ran with (after adding `--endpoint-url`); arguments only, no environment. */
  awsArgv: string[];
  sandbox: Sandbox['name'];
  /** How many secret values were masked in output, stderr and filterStderr (0 with `maskSecrets: false`). */
  maskedSecrets: number;
  /** Time spent waiting for the limiter before starting (part of `durationMs`). */
  queuedMs: number;
}

const defaultTimeoutMs = 300_000;
const defaultMaxOutputChars = 100_000;
const defaultMaxStderrChars = 20_000;
const defaultProgressIntervalMs = 1000;
/** Output that is a secret as a whole is learned up to this many bytes. */
const secretOnlyLearnLimit = 1_048_576;
/** Filters whose exit code 1 means "nothing matched" rather than failure. */
const matchFilters = new Set(['grep', 'egrep', 'fgrep']);

interface PreparedStage {
  name: string;
  sandboxStage: SandboxStage;
}

/** The aws stage's argv after the program name, with `--endpoint-url` added when configured and absent. */
export function buildAwsArguments(pipeline: Pipeline, endpointUrl: string | undefined): string[] {
  const args = pipeline.aws.argv.slice(1);
  const hasEndpoint = args.some((arg) => arg === '--endpoint-url' || arg.startsWith('--endpoint-url='));
  if (endpointUrl !== undefined && endpointUrl !== '' && !hasEndpoint && !pipeline.aws.isHelp) {
    args.push('--endpoint-url', endpointUrl);
  }
  return args;
}

/** Refuses `/`, a home folder or a parent of one as the working directory: confinement would mean nothing. */
function checkWorkdir(cwd: string, env: NodeJS.ProcessEnv): void {
  const folder = resolve(cwd);
  for (const home of new Set([homedir(), env.HOME ?? homedir()])) {
    const inside = relative(folder, resolve(home));
    if (folder === sep || inside === '' || !inside.startsWith('..')) {
      const what =
        folder === sep
          ? 'the root folder'
          : inside === ''
            ? 'a home folder'
            : `a parent of the home folder ${home}`;
      throw new ExecutionError({
        code: 'UNSAFE_WORKDIR',
        message:
          `The working directory ${folder} is ${what}; the aws stage may write there, so confinement would mean ` +
          'nothing. Use a dedicated folder, e.g. one under ~/.cache.',
      });
    }
  }
}

async function prepareStages(pipeline: Pipeline, options: RunPipelineOptions): Promise<PreparedStage[]> {
  const source = options.env ?? process.env;
  checkWorkdir(options.cwd, source);
  const awsFile = findExecutable(options.awsCli ?? 'aws', source.PATH);
  if (awsFile === undefined) {
    throw new ExecutionError({
      code: 'AWS_CLI_MISSING',
      program: options.awsCli ?? 'aws',
      message: awsCliInstallHint,
    });
  }
  const credentialsMode = options.credentialsMode ?? 'both';
  const awsPaths = listAwsStagePaths(source, credentialsMode);
  const awsStage: PreparedStage = {
    name: 'aws',
    sandboxStage: {
      kind: 'aws',
      file: awsFile,
      args: buildAwsArguments(pipeline, options.endpointUrl),
      cwd: options.cwd,
      env: buildAwsEnvironment(source, {
        region: options.region,
        profile: options.profile,
        credentialsMode,
        isHelp: pipeline.aws.isHelp,
      }),
      readOnlyPaths: [
        ...awsPaths.readOnly,
        ...listCliInstallPaths(awsFile, listHomes(source)),
        ...(options.readOnlyPaths ?? []),
      ],
      writablePaths: [options.cwd, ...awsPaths.writable, ...(options.writablePaths ?? [])],
    },
  };
  const filterEnv = buildFilterEnvironment(source);
  const filterStages: PreparedStage[] = [];
  for (const stage of pipeline.filters) {
    const { file, args } = await resolveFilterProgram(stage, source.PATH);
    filterStages.push({
      name: stage.name,
      sandboxStage: {
        kind: 'filter',
        file,
        args,
        cwd: options.cwd,
        env: filterEnv,
        readOnlyPaths: [],
        writablePaths: [],
      },
    });
  }
  return [awsStage, ...filterStages];
}

/**
 * Calls `listener` once when `signal` aborts, at once if it already has (a listener added to an aborted signal
 * never runs). Returns the function that stops listening.
 */
function listenForAbort(signal: AbortSignal, listener: () => void): () => void {
  if (signal.aborted) {
    listener();
    return () => {};
  }
  signal.addEventListener('abort', listener, { once: true });
  return () => signal.removeEventListener('abort', listener);
}

function collect(stream: Readable | null, onChunk: (chunk: Buffer) => void): Promise<void> {
  if (stream === null) return Promise.resolve();
  return new Promise((resolve) => {
    stream.on('data', onChunk);
    stream.once('end', resolve);
    stream.once('close', resolve);
    stream.once('error', () => resolve());
  });
}

function isBrokenPipe(stage: StageResult, stderr: string): boolean {
  return stage.signal === 'SIGPIPE' || /broken pipe|EPIPE/i.test(stderr);
}

/** Whether an execa result is a failure to spawn (no exit code, no signal) rather than a program that ran. */
function isSpawnFailure(result: Result): boolean {
  return result.failed && result.exitCode === undefined && result.signal === undefined && !result.isCanceled;
}

/**
 * Runs a parsed (and already validated) pipeline: every stage spawned from its argv with execa, connected by
 * pipes, never through a shell. The aws stage reads nothing (its stdin is /dev/null) and never pages or
 * prompts. Waits for a slot in `limiter` first (the wait counts toward the timeout and the signal cancels it).
 * Secrets are masked in everything returned unless `maskSecrets: false`. Resolves with a PipelineResult even
 * when the command fails, times out or is canceled (unless `reject: true`); throws an ExecutionError when the
 * pipeline cannot start (`AWS_CLI_MISSING`, `GAWK_MISSING`, `GNU_SED_MISSING`, `FILTER_UNAVAILABLE`,
 * `UNSAFE_WORKDIR`, `SPAWN_FAILED`).
 */
export async function runPipeline(pipeline: Pipeline, options: RunPipelineOptions): Promise<PipelineResult> {
  const started = performance.now();
  const sandbox = options.sandbox ?? noSandbox;
  const stages = await prepareStages(pipeline, options);
  const awsArgv = ['aws', ...(stages[0] as PreparedStage).sandboxStage.args];
  const maxStderrChars = options.maxStderrChars ?? defaultMaxStderrChars;
  const maskSecrets = options.maskSecrets ?? true;
  const learned = new LearnedSecrets();
  if (maskSecrets)
    learnConfiguredSecrets(learned, options.env ?? process.env, options.credentialsMode ?? 'both');
  const singleStage = stages.length === 1;
  const outputMasker = maskSecrets ? new SecretMasker(learned, singleStage) : undefined;
  const awsStderrMasker = maskSecrets ? new SecretMasker(learned, true) : undefined;
  const filterStderrMasker = maskSecrets ? new SecretMasker(learned) : undefined;
  const output = new OutputCollector(options.maxOutputChars ?? defaultMaxOutputChars, outputMasker);
  const awsStderr = new OutputCollector(maxStderrChars, awsStderrMasker);
  const filterStderr = new OutputCollector(maxStderrChars, filterStderrMasker);
  const progress = new S3ProgressReader();
  const readsProgress = options.onProgress !== undefined && pipeline.aws.service === 's3';

  const controller = new AbortController();
  let timedOut = false;
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  const expire = () => {
    timedOut = true;
    controller.abort(new Error('timeout'));
  };
  const timer = setTimeout(expire, Math.max(0, timeoutMs - (performance.now() - started)));
  const stopForwarding =
    options.signal === undefined
      ? () => {}
      : listenForAbort(options.signal, () => controller.abort(options.signal?.reason));
  let queued = true;
  const heartbeat =
    options.onProgress === undefined
      ? undefined
      : setInterval(() => {
          try {
            options.onProgress?.({
              elapsedMs: Math.round(performance.now() - started),
              outputBytes: output.bytes,
              queued,
              ...(progress.latest === undefined ? {} : { message: progress.latest }),
            });
          } catch {}
        }, options.progressIntervalMs ?? defaultProgressIntervalMs);
  const stopClock = () => {
    clearTimeout(timer);
    if (heartbeat !== undefined) clearInterval(heartbeat);
    stopForwarding();
  };

  const endInQueue = (): PipelineResult => {
    stopClock();
    const durationMs = Math.round(performance.now() - started);
    return finalize(
      {
        status: timedOut ? 'timeout' : 'canceled',
        exitCode: 1,
        output: '',
        truncated: false,
        totalChars: 0,
        stderr: '',
        filterStderr: '',
        stages: stages.map((stage) => ({ name: stage.name, exitCode: undefined, signal: undefined })),
        noMatch: false,
        durationMs,
        awsArgv,
        sandbox: sandbox.name,
        maskedSecrets: 0,
        queuedMs: durationMs,
      },
      options,
    );
  };
  let release: () => void;
  try {
    release = await (options.limiter ?? defaultPipelineLimiter).acquire(controller.signal);
  } catch {
    return endInQueue();
  }
  // A limiter may hand over the slot just as the deadline or the cancel arrives, or before a busy event loop
  // has run the timer: then nothing starts.
  if (!controller.signal.aborted && performance.now() - started >= timeoutMs) expire();
  if (controller.signal.aborted) {
    release();
    return endInQueue();
  }
  queued = false;
  const queuedMs = Math.round(performance.now() - started);

  const subprocesses: ResultPromise[] = [];
  const reads: Promise<void>[] = [];
  // A sandbox forks helpers of its own (bubblewrap's namespace init), which outlive the process execa started
  // and hold the stage's pipes. Each sandboxed stage therefore leads its own process group, and a timeout or
  // cancel kills the group and everything its leader forked.
  const ownGroups = sandbox.name !== 'none' && process.platform !== 'win32';
  const onCancel = () => {
    for (const subprocess of subprocesses) {
      if (subprocess.pid !== undefined) killProcessGroup(subprocess.pid);
    }
  };
  const stopKilling = ownGroups ? listenForAbort(controller.signal, onCancel) : () => {};
  try {
    stages.forEach((stage, index) => {
      const command = sandbox.wrap(stage.sandboxStage);
      const isLast = index === stages.length - 1;
      const subprocess = execa(command.file, command.args, {
        cwd: command.cwd,
        env: command.env ?? stage.sandboxStage.env,
        extendEnv: false,
        stdin: index === 0 ? 'ignore' : 'pipe',
        stdout: 'pipe',
        stderr: 'pipe',
        buffer: false,
        reject: false,
        cancelSignal: controller.signal,
        forceKillAfterDelay: killGraceMs,
        detached: ownGroups,
        windowsHide: true,
      });
      const previous = subprocesses[index - 1];
      if (previous !== undefined) previous.pipe(subprocess).catch(() => {});
      if (index === 0) {
        reads.push(
          ...tapAwsStage(subprocess, {
            pipeline,
            learned,
            maskSecrets,
            singleStage,
            progress,
            readsProgress,
          }),
        );
      }
      if (isLast) reads.push(collect(subprocess.stdout, (chunk) => output.write(chunk)));
      reads.push(
        collect(
          subprocess.stderr,
          index === 0 ? (chunk) => awsStderr.write(chunk) : prefixLines(stage.name, filterStderr),
        ),
      );
      subprocesses.push(subprocess);
    });
    const results = await Promise.all(subprocesses);
    await Promise.all(reads);
    const spawnFailure = results.find(isSpawnFailure);
    if (spawnFailure !== undefined) throw spawnFailure;
    const stageResults: StageResult[] = results.map((result, index) => ({
      name: (stages[index] as PreparedStage).name,
      exitCode: result.exitCode,
      signal: result.signal,
    }));
    const captured = output.finish();
    // The CLI's s3 progress lines end in a bare carriage return; only the text after the last one stays visible.
    if (singleStage) {
      captured.text = captured.text.replace(/[^\n]*\r(?!\n)([^\n]*)/g, (_, visible: string) =>
        visible.trimEnd(),
      );
    }
    const awsError = awsStderr.finish().text;
    const filterError = filterStderr.finish().text;
    const judged = judge(stageResults, awsError);
    let status: PipelineStatus = judged.failed ? 'error' : 'success';
    if (timedOut) status = 'timeout';
    else if (controller.signal.aborted) status = 'canceled';
    return finalize(
      {
        status,
        exitCode: judged.exitCode,
        output: captured.text,
        truncated: captured.truncated,
        totalChars: captured.totalChars,
        stderr: awsError,
        filterStderr: filterError,
        stages: stageResults,
        noMatch: judged.noMatch,
        durationMs: Math.round(performance.now() - started),
        awsArgv,
        sandbox: sandbox.name,
        maskedSecrets:
          (outputMasker?.count ?? 0) + (awsStderrMasker?.count ?? 0) + (filterStderrMasker?.count ?? 0),
        queuedMs,
      },
      options,
    );
  } catch (error) {
    if (ExecutionError.isInstance(error)) throw error;
    controller.abort();
    await Promise.allSettled(subprocesses);
    const failed = error as Partial<Result>;
    throw new ExecutionError({
      code: 'SPAWN_FAILED',
      message: `The pipeline could not be started: ${failed.shortMessage ?? (error instanceof Error ? error.message : String(error))}`,
      program: typeof failed.command === 'string' ? failed.command.split(' ')[0] : undefined,
      exitCode: failed.exitCode,
      signal: failed.signal,
      durationMs: Math.round(performance.now() - started),
      argv: awsArgv,
      cause: error,
    });
  } finally {
    stopKilling();
    release();
    stopClock();
  }
}

/**
 * Reads the aws stage's own stdout beside the pipe: to learn the secrets it prints (masked again after the
 * filters, which may drop their field names) and the s3 progress lines.
 */
function tapAwsStage(
  subprocess: ResultPromise,
  {
    pipeline,
    learned,
    maskSecrets,
    singleStage,
    progress,
    readsProgress,
  }: {
    pipeline: Pipeline;
    learned: LearnedSecrets;
    maskSecrets: boolean;
    singleStage: boolean;
    progress: S3ProgressReader;
    readsProgress: boolean;
  },
): Promise<void>[] {
  const taps: Array<(chunk: Buffer) => void> = [];
  if (maskSecrets && isSecretOnlyOutput(pipeline.aws)) {
    let seen = 0;
    let carry = '';
    taps.push((chunk) => {
      if (seen > secretOnlyLearnLimit) return;
      seen += chunk.length;
      const lines = (carry + chunk.toString('utf8')).split('\n');
      carry = lines.pop() ?? '';
      for (const line of lines) learned.add(line);
    });
    subprocess.stdout?.once('end', () => learned.add(carry));
  } else if (maskSecrets && !singleStage) {
    const learner = new OutputCollector(0, new SecretMasker(learned, true));
    taps.push((chunk) => learner.write(chunk));
    subprocess.stdout?.once('end', () => learner.finish());
  }
  if (readsProgress) {
    taps.push((chunk) => progress.write(chunk));
    subprocess.stderr?.on('data', (chunk: Buffer) => progress.write(chunk));
  }
  if (taps.length === 0) return [];
  // Registered before the pipe's and the collector's readers, so a value is learned before it can come back.
  subprocess.stdout?.on('data', (chunk: Buffer) => {
    for (const tap of taps) tap(chunk);
  });
  return [];
}

/** With `reject: true`, turns a failed result into the ExecutionError that describes it. */
function finalize(result: PipelineResult, options: RunPipelineOptions): PipelineResult {
  if (options.reject !== true || result.status === 'success') return result;
  const deciding = result.stages.find((stage) => stage.exitCode !== 0) ?? result.stages[0];
  const code =
    result.status === 'timeout' ? 'TIMED_OUT' : result.status === 'canceled' ? 'CANCELED' : 'COMMAND_FAILED';
  const summary =
    result.status === 'timeout'
      ? `timed out after ${result.durationMs} ms`
      : result.status === 'canceled'
        ? 'was canceled'
        : `failed with exit code ${result.exitCode}`;
  const detail = (result.stderr || result.filterStderr).trim().split('\n').slice(-3).join('\n');
  throw new ExecutionError({
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

function judge(
  stages: StageResult[],
  awsStderr: string,
): { failed: boolean; exitCode: number; noMatch: boolean } {
  const [aws, ...filters] = stages as [StageResult, ...StageResult[]];
  const downstreamSucceeded = filters.length > 0 && filters.every((stage) => stage.exitCode === 0);
  const awsOk = aws.exitCode === 0 || (downstreamSucceeded && isBrokenPipe(aws, awsStderr));
  if (!awsOk) return { failed: true, exitCode: aws.exitCode ?? 1, noMatch: false };
  let noMatch = false;
  for (const [index, stage] of filters.entries()) {
    if (stage.exitCode === 0) continue;
    const downstream = filters.slice(index + 1);
    // An upstream filter cut off by a downstream `head` is the normal end of a pipe, as in a shell.
    if (
      downstream.length > 0 &&
      downstream.every((next) => next.exitCode === 0) &&
      stage.signal === 'SIGPIPE'
    ) {
      continue;
    }
    if (stage.exitCode === 1 && matchFilters.has(stage.name)) {
      noMatch = true;
      continue;
    }
    return { failed: true, exitCode: stage.exitCode ?? 1, noMatch: false };
  }
  return { failed: false, exitCode: 0, noMatch };
}

/** Prefixes each line of a filter's stderr with its name, so mixed messages stay attributable. */
function prefixLines(name: string, target: OutputCollector): (chunk: Buffer) => void {
  let atLineStart = true;
  return (chunk) => {
    const lines = chunk.toString('utf8').split(/(?<=\n)/);
    for (const line of lines) {
      target.write(atLineStart ? `${name}: ${line}` : line);
      atLineStart = line.endsWith('\n');
    }
  };
}
