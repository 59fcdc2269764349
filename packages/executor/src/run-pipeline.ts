import type { Pipeline } from '@aws-mcp/command';
import { type AssumeRoleOptions, removeRoleProfile, writeRoleProfile } from './_assume-role.js';
import type { CredentialsMode } from './_environment.js';
import {
  buildSpawnError,
  buildUnstartedResult,
  decideStatus,
  finalizeResult,
  findExceededLimit,
  isSpawnFailure,
  judgeStages,
  readStageResult,
} from './_judge-pipeline.js';
import { createOutfileFolder, readReturnedOutfile, removeOutfileFolder } from './_outfiles.js';
import { type PipelineClock, startPipelineClock } from './_pipeline-clock.js';
import { createPipelineOutputs, type PipelineOutputs, type WholeOutput } from './_pipeline-outputs.js';
import { type PreparedStage, prepareStages, type SecretsPlan } from './_prepare-stages.js';
import { checkSaveTarget, openSaveFile, type SaveFile } from './_save-output.js';
import { type SpawnedStages, spawnStages } from './_spawn-stages.js';
import type { WarmCli } from './_warm-cli.js';
import { ExecutionError } from './execution-error.js';
import { defaultPipelineLimiter, type PipelineLimiter } from './pipeline-limiter.js';
import {
  type CliCacheNames,
  noSandbox,
  type Sandbox,
  type SandboxedCommand,
  type StageLimitReport,
} from './sandbox.js';
import { type PipelineSecrets, type SecretsHandling, secretOutputOf } from './secret-output.js';

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
  /**
   * Also keep the whole final output, masked, while it is at most this many characters: `wholeOutput` in the
   * result (never with secrets shown or saved). Default: not kept.
   */
  keepOutputChars?: number;
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
  /** Paths the aws stage must be able to write besides `cwd` (used by the sandbox). */
  writablePaths?: string[];
  /**
   * The files the chosen profile's credential chain needs (credential_process programs, web identity tokens, CA
   * bundles), e.g. aws-config's `resolveAwsContext(…).profileFiles`. The sandbox shows them with the AWS files,
   * so never with `credentialsMode: 'env'`.
   */
  profileFiles?: readonly string[];
  /**
   * The CLI cache entries that may come back from the call's private copy of the caches, e.g. aws-config's
   * `setup.cliCacheFiles` (the roles and SSO sessions of the user's config). Default: none, so nothing the call
   * writes there is kept.
   */
  cliCacheFiles?: CliCacheNames;
  /**
   * What to do with the secrets the output carries: `mask` them at the source (default), `show` them, or save the
   * unmasked output to a new private file and return a masked view (`{ saveTo }`, see SecretsHandling).
   */
  secrets?: SecretsHandling;
  /** @deprecated Use `secrets`. `false` is `secrets: 'show'`; ignored when `secrets` is given. */
  maskSecrets?: boolean;
  /**
   * Mask inside the CLI (its Python imported by a launcher) when it can be. Default: true. `false` runs the CLI as
   * a frozen binary would be run: secret-output calls then go with `--output json`, masked by member in the
   * executor, and refuse `--query` or another output format (`SECRET_OUTPUT_UNMASKABLE`).
   */
  maskInCli?: boolean;
  /** Caps how many pipelines run at once; waiting counts toward `timeoutMs`. Default: one shared limiter of 8. */
  limiter?: PipelineLimiter;
  /** Called every `progressIntervalMs` while the pipeline waits or runs. Exceptions it throws are ignored. */
  onProgress?: (progress: PipelineProgress) => void;
  /** Default: 1000. */
  progressIntervalMs?: number;
  /**
   * A warm CLI (planWarmCli) that runs the aws stage in a forked child of one long-lived interpreter, in the
   * same sandbox; a stage it refuses (another CLI, a bind it lacks) runs cold. Default: none, every call cold.
   */
  warmCli?: WarmCli;
  /**
   * Run the aws stage as this role, through the CLI's own assume-role support: a throwaway profile (`role_arn`,
   * and `source_profile` = the call's profile, or `credential_source = Environment` when the environment's keys
   * are what the call would use) in a private copy of the user's config outside the working directory, written
   * once the call may start, shown read-only to the sandbox and removed after the call however it ends. The role's
   * credentials stay inside the CLI (and its private cache copy, never merged back). Invalid values throw
   * ExecutionError `INVALID_OPTIONS`. Ignored for help.
   */
  assumeRole?: AssumeRoleOptions;
  /**
   * The version the calls are marked with: the CLI sends `AWS_EXECUTION_ENV=aws-mcp-<version>` as
   * `exec-env/aws-mcp-<version>` in its user agent, after a value the environment set. Default: this package's.
   */
  agentVersion?: string;
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

/** A file the CLI wrote in the working directory, as the result returns it. */
export interface ReturnedOutfile {
  /** The OUTFILE as written, relative to the working directory. */
  name: string;
  bytes: number;
  /** Its text, capped as the output is and masked; absent for binary content (see `note`). */
  content?: string;
  truncated?: boolean;
  /** Why there is no content, e.g. `binary`, or `not returned: …`. */
  note?: string;
}

/** One AWS request the CLI made: what CloudTrail's `requestID` (and S3's extended request id) match. */
export interface AwsRequestId {
  /** The API operation, as CloudTrail's `eventName` gives it (`ListQueues`). */
  operation: string;
  requestId: string;
  /** S3's extended request id (`x-amz-id-2`), when the response carried one. */
  hostId?: string;
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
  /** With `keepOutputChars`: the whole masked output (`kept: true`), or why it was not kept. */
  wholeOutput?: WholeOutput;
  /**
   * The file a named OUTFILE left in the working directory (`lambda invoke … response.json`), capped as the
   * output is and masked; absent without one (an OUTFILE of `-`/`/dev/stdout` comes back in `output` instead).
   */
  outfiles?: ReturnedOutfile[];
  /** The aws stage's stderr, capped. */
  stderr: string;
  /** The filters' stderr, capped, each line prefixed with the filter's name. */
  filterStderr: string;
  stages: StageResult[];
  /** True when a filter such as grep matched nothing: an empty result, not a failure. */
  noMatch: boolean;
  /** The stage whose failure decided the status (`aws`, or a filter such as `jq`); undefined on success. */
  failedStage?: string;
  /** True when a `--dry-run` got "the request would have succeeded" (a success, though the CLI exits non-zero). */
  dryRunSucceeded?: boolean;
  /** The sandbox limit a failed stage reached (memory, CPU time, open files, processes, temporary space). */
  exceededLimit?: StageLimitReport;
  durationMs: number;
  /** The argv the aws stage ran with (after adding `--endpoint-url`); arguments only, no environment. */
  awsArgv: string[];
  sandbox: Sandbox['name'];
  /** How many secret values were masked in output, stderr and filterStderr (0 with `secrets: 'show'`). */
  maskedSecrets: number;
  /** What happened to the output's secrets: how many were masked, which members it carried, where they were saved. */
  secrets: PipelineSecrets;
  /** Time spent waiting for the limiter before starting (part of `durationMs`). */
  queuedMs: number;
  /**
   * The request ids of the CLI's own calls (the first 100; not the credential chain's), for CloudTrail and AWS
   * support. Undefined when the CLI ran without the launcher (a frozen binary, `maskInCli: false`, help).
   */
  requestIds?: AwsRequestId[];
  /**
   * The `--starting-token` that continues a `--max-items` listing, taken before `--query` (CLI v1 drops it there).
   * Undefined when the listing is complete or the CLI ran without the launcher.
   */
  nextToken?: string;
}

export const defaultTimeoutMs = 300_000;
export const defaultMaxOutputChars = 100_000;
export const defaultMaxStderrChars = 20_000;
const defaultProgressIntervalMs = 1000;

/**
 * Runs a parsed (and already validated) pipeline: every stage spawned from its argv with execa, connected by
 * pipes, never through a shell. The aws stage reads nothing (its stdin is /dev/null) and never pages or
 * prompts. Waits for a slot in `limiter` first (the wait counts toward the timeout and the signal cancels it;
 * a call that times out or is canceled while it waits starts nothing). Secrets are masked at the source (inside
 * the CLI, before `--query` and formatting, then by the backstop before any filter) unless `secrets` says `show`
 * or `{ saveTo }`. Resolves with a PipelineResult even when the command fails, times out or is canceled (unless
 * `reject: true`); throws an ExecutionError when the pipeline cannot start (`AWS_CLI_MISSING`, `GAWK_MISSING`,
 * `GNU_SED_MISSING`, `FILTER_UNAVAILABLE`, `UNSAFE_WORKDIR`, `SPAWN_FAILED`, `SAVE_TO_INVALID`, `SAVE_TO_EXISTS`,
 * `SECRET_OUTPUT_UNMASKABLE`).
 */
export async function runPipeline(pipeline: Pipeline, options: RunPipelineOptions): Promise<PipelineResult> {
  const started = performance.now();
  const sandbox = options.sandbox ?? noSandbox;
  const handling = options.secrets ?? (options.maskSecrets === false ? 'show' : 'mask');
  const saveTo = typeof handling === 'object' ? handling.saveTo : undefined;
  if (saveTo !== undefined) checkSaveTarget(saveTo);
  const plan: SecretsPlan = {
    mode: saveTo !== undefined ? 'save' : handling === 'show' ? 'show' : 'mask',
    secretOutput: secretOutputOf(pipeline),
  };
  const stages = await prepareStages(pipeline, options, plan);
  const awsStage = stages[0] as PreparedStage;
  const awsArgv = ['aws', ...(awsStage.awsArguments ?? awsStage.sandboxStage.args)];
  let outputs: PipelineOutputs | undefined;
  const clock = startPipelineClock({
    started,
    timeoutMs: options.timeoutMs ?? defaultTimeoutMs,
    signal: options.signal,
    onProgress: options.onProgress,
    progressIntervalMs: options.progressIntervalMs ?? defaultProgressIntervalMs,
    readProgress: () => ({ outputBytes: outputs?.output.bytes ?? 0, message: outputs?.progress.latest }),
  });
  const release = await clock.waitForSlot(options.limiter ?? defaultPipelineLimiter);
  if (release === undefined) {
    clock.stop();
    const stageNames = stages.map((stage) => stage.name);
    const unstarted = { timedOut: clock.timedOut, stageNames, awsArgv, sandbox: sandbox.name };
    return finalizeResult(
      buildUnstartedResult({ ...unstarted, durationMs: clock.elapsedMs() }),
      options.reject,
    );
  }
  const queuedMs = clock.elapsedMs();
  let saveFile: SaveFile | undefined;
  let ran = false;
  try {
    // Created only once the call may start: a call refused, queued out or canceled leaves no file.
    saveFile = saveTo === undefined ? undefined : openSaveFile(saveTo);
    if (awsStage.stdoutOutfile !== undefined) await createOutfileFolder(awsStage.stdoutOutfile);
    if (awsStage.roleProfile !== undefined) await writeRoleProfile(awsStage.roleProfile);
    outputs = createPipelineOutputs({
      pipeline,
      stageCount: stages.length,
      mode: plan.mode,
      ...(saveFile === undefined ? {} : { saveFile }),
      secretOutput: plan.secretOutput,
      // The launcher masks inside the CLI only for a response with secret members; it reports on every call.
      launcher:
        awsStage.reportsOnFd3 === true && plan.secretOutput.hasSecretOutput && !plan.secretOutput.wholeOutput,
      readsReport: awsStage.reportsOnFd3 === true,
      maxOutputChars: options.maxOutputChars ?? defaultMaxOutputChars,
      ...(options.keepOutputChars === undefined ? {} : { keepOutputChars: options.keepOutputChars }),
      maxStderrChars: options.maxStderrChars ?? defaultMaxStderrChars,
      env: options.env ?? process.env,
      credentialsMode: options.credentialsMode ?? 'both',
      readsProgress: options.onProgress !== undefined && pipeline.aws.service === 's3',
      ...(awsStage.stdoutOutfile === undefined ? {} : { stdoutOutfile: awsStage.stdoutOutfile.file }),
    });
    const result = await runStages({ stages, sandbox, outputs, clock, awsArgv, warmCli: options.warmCli });
    ran = true;
    saveFile?.close();
    const outfile =
      awsStage.outfile === undefined || awsStage.stdoutOutfile !== undefined
        ? undefined
        : await readReturnedOutfile({
            cwd: options.cwd,
            written: awsStage.outfile,
            maxChars: options.maxOutputChars ?? defaultMaxOutputChars,
            mask: plan.mode !== 'show',
            env: options.env ?? process.env,
            credentialsMode: options.credentialsMode ?? 'both',
          });
    const outfiles = outfile === undefined ? {} : { outfiles: [outfile] };
    return finalizeResult({ ...result, ...outfiles, queuedMs }, options.reject);
  } finally {
    // A pipeline that could not start leaves no empty file behind.
    saveFile?.close({ discard: !ran });
    if (awsStage.stdoutOutfile !== undefined) await removeOutfileFolder(awsStage.stdoutOutfile);
    if (awsStage.roleProfile !== undefined) {
      // Without a private copy of the CLI's cache, the role's credentials were cached in the user's own.
      await removeRoleProfile(awsStage.roleProfile, { cache: sandbox.bindsPrivateCopies !== true });
    }
    release();
    clock.stop();
  }
}

const givenInputStage: StageResult = { name: 'input', exitCode: 0, signal: undefined };

/**
 * Spawns the stages, waits for them and judges them: everything of the result but the queue wait. With `input`,
 * the stages are filters only and the first one reads `input`.
 */
export async function runStages({
  stages,
  sandbox,
  outputs,
  clock,
  awsArgv,
  warmCli,
  input,
}: {
  warmCli?: WarmCli;
  input?: string;
  stages: PreparedStage[];
  sandbox: Sandbox;
  outputs: PipelineOutputs;
  clock: PipelineClock;
  awsArgv: string[];
}): Promise<Omit<PipelineResult, 'queuedMs'>> {
  let spawned: SpawnedStages;
  try {
    spawned = await spawnStages({ stages, sandbox, signal: clock.signal, outputs, warmCli, input });
  } catch (error) {
    if (ExecutionError.isInstance(error)) throw error;
    throw buildSpawnError({ error, durationMs: clock.elapsedMs(), awsArgv });
  }
  const { results, commands } = spawned;
  const spawnFailure = results.find(isSpawnFailure);
  if (spawnFailure !== undefined) {
    throw buildSpawnError({ error: spawnFailure, durationMs: clock.elapsedMs(), awsArgv });
  }
  const stageResults: StageResult[] = results.map((result, index) =>
    readStageResult((stages[index] as PreparedStage).name, result, commands[index] as SandboxedCommand),
  );
  const captured = outputs.finish();
  // A given input stands where the aws stage would: it always succeeds, so the filters decide.
  const judged = input === undefined ? stageResults : [givenInputStage, ...stageResults];
  const judgement = judgeStages(judged, captured.stderr, captured.filterStderr);
  const exceededLimit = findExceededLimit({
    stages: judged,
    commands: input === undefined ? commands : [{ file: '', args: [], cwd: '' }, ...commands],
    judgement,
    ...captured,
  });
  return {
    status: decideStatus(judgement, { timedOut: clock.timedOut, aborted: clock.signal.aborted }),
    exitCode: judgement.exitCode,
    output: captured.output,
    truncated: captured.truncated,
    totalChars: captured.totalChars,
    ...(captured.wholeOutput === undefined ? {} : { wholeOutput: captured.wholeOutput }),
    stderr: captured.stderr,
    filterStderr: captured.filterStderr,
    stages: stageResults,
    noMatch: judgement.noMatch,
    ...(judgement.failedStage === undefined ? {} : { failedStage: judgement.failedStage }),
    ...(judgement.dryRunSucceeded === true ? { dryRunSucceeded: true } : {}),
    ...(exceededLimit === undefined ? {} : { exceededLimit }),
    durationMs: clock.elapsedMs(),
    awsArgv,
    sandbox: sandbox.name,
    maskedSecrets: captured.maskedSecrets,
    secrets: captured.secrets,
    ...(captured.requestIds === undefined ? {} : { requestIds: captured.requestIds }),
    ...(captured.nextToken === undefined ? {} : { nextToken: captured.nextToken }),
  };
}
