import type { FilterStage } from '@aws-mcp/command';
import { buildUnstartedResult, finalizeResult } from './_judge-pipeline.js';
import { startPipelineClock } from './_pipeline-clock.js';
import { createPipelineOutputs, type PipelineOutputs } from './_pipeline-outputs.js';
import { checkWorkdir, prepareFilterStages } from './_prepare-stages.js';
import { defaultPipelineLimiter } from './pipeline-limiter.js';
import {
  defaultMaxOutputChars,
  defaultMaxStderrChars,
  defaultTimeoutMs,
  type PipelineResult,
  type RunPipelineOptions,
  runStages,
} from './run-pipeline.js';
import { noSandbox } from './sandbox.js';
import type { SecretOutput } from './secret-output.js';

/** How to run filters over a given text: the filters' part of RunPipelineOptions, and the text. */
export interface RunFiltersOptions
  extends Pick<
    RunPipelineOptions,
    | 'cwd'
    | 'env'
    | 'timeoutMs'
    | 'signal'
    | 'maxOutputChars'
    | 'keepOutputChars'
    | 'maxStderrChars'
    | 'sandbox'
    | 'credentialsMode'
    | 'limiter'
    | 'reject'
  > {
  /** The first filter's stdin, e.g. a kept (already masked) result. */
  input: string;
}

const noSecrets: SecretOutput = { hasSecretOutput: false, wholeOutput: false, members: [] };

/**
 * Runs filter stages (already checked by the command package's parseFilterStages) over a given text instead of an
 * aws stage's output: the same preparation, sandbox, limits, limiter slot, clock and judging as the filters of
 * runPipeline, and the output masked as a pipeline's is. No aws stage runs: `awsArgv` is empty and `stages` lists
 * the filters. Resolves with a PipelineResult even when a filter fails, times out or is canceled (unless
 * `reject: true`); throws ExecutionError `UNSAFE_WORKDIR`, `GAWK_MISSING`, `GNU_SED_MISSING`,
 * `FILTER_UNAVAILABLE`, `SPAWN_FAILED`.
 */
export async function runFilters(
  filters: readonly FilterStage[],
  options: RunFiltersOptions,
): Promise<PipelineResult> {
  const started = performance.now();
  const sandbox = options.sandbox ?? noSandbox;
  checkWorkdir(options.cwd, options.env ?? process.env);
  const stages = await prepareFilterStages(filters, options);
  let outputs: PipelineOutputs | undefined;
  const clock = startPipelineClock({
    started,
    timeoutMs: options.timeoutMs ?? defaultTimeoutMs,
    signal: options.signal,
    progressIntervalMs: 1000,
    readProgress: () => ({ outputBytes: outputs?.output.bytes ?? 0 }),
  });
  const release = await clock.waitForSlot(options.limiter ?? defaultPipelineLimiter);
  const base = { awsArgv: [], sandbox: sandbox.name };
  if (release === undefined) {
    clock.stop();
    const stageNames = stages.map(({ name }) => name);
    const unstarted = { ...base, timedOut: clock.timedOut, stageNames, durationMs: clock.elapsedMs() };
    return finalizeResult(buildUnstartedResult(unstarted), options.reject);
  }
  const queuedMs = clock.elapsedMs();
  try {
    outputs = createPipelineOutputs({
      pipeline: undefined,
      stageCount: stages.length,
      mode: 'mask',
      secretOutput: noSecrets,
      launcher: false,
      maxOutputChars: options.maxOutputChars ?? defaultMaxOutputChars,
      ...(options.keepOutputChars === undefined ? {} : { keepOutputChars: options.keepOutputChars }),
      maxStderrChars: options.maxStderrChars ?? defaultMaxStderrChars,
      env: options.env ?? process.env,
      credentialsMode: options.credentialsMode ?? 'both',
      readsProgress: false,
    });
    const result = await runStages({ stages, sandbox, outputs, clock, awsArgv: [], input: options.input });
    return finalizeResult({ ...result, queuedMs }, options.reject);
  } finally {
    release();
    clock.stop();
  }
}
