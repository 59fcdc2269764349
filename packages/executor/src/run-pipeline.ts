import type { Readable } from 'node:stream';
import { type FilterStage, type Pipeline, resolveFilterInvocation } from '@aws-mcp/command';
import { execa, type ResultPromise } from 'execa';
import { listAwsStagePaths, listCliInstallPaths, listHomes } from './_aws-paths.js';
import { buildAwsEnvironment, buildFilterEnvironment, type CredentialsMode } from './_environment.js';
import { findExecutable } from './_find-executable.js';
import { OutputCollector } from './_output-collector.js';
import { awsCliInstallHint, ExecutionError } from './execution-error.js';
import { noSandbox, type Sandbox, type SandboxStage } from './sandbox.js';

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
}

const defaultTimeoutMs = 300_000;
const defaultMaxOutputChars = 100_000;
const defaultMaxStderrChars = 20_000;
/** Filters whose exit code 1 means "nothing matched" rather than failure. */
const matchFilters = new Set(['grep', 'egrep', 'fgrep']);

interface PreparedStage {
  name: string;
  sandboxStage: SandboxStage;
}

function resolveFilter(stage: FilterStage, env: NodeJS.ProcessEnv): { file: string; args: string[] } {
  const invocation = resolveFilterInvocation(stage);
  const file = findExecutable(invocation.file, env.PATH);
  if (file === undefined) {
    const install = invocation.packageHint ?? invocation.file;
    throw new ExecutionError({
      code: 'FILTER_UNAVAILABLE',
      program: invocation.file,
      message:
        `The \`${stage.name}\` filter needs \`${invocation.file}\`, which is not installed here. ` +
        `Install the \`${install}\` package (e.g. \`sudo apt-get install ${install}\`), or use another filter such as \`jq\`.`,
    });
  }
  return { file, args: invocation.args };
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

function prepareStages(pipeline: Pipeline, options: RunPipelineOptions): PreparedStage[] {
  const source = options.env ?? process.env;
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
  const filterStages = pipeline.filters.map((stage): PreparedStage => {
    const { file, args } = resolveFilter(stage, source);
    return {
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
    };
  });
  return [awsStage, ...filterStages];
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

/**
 * Runs a parsed (and already validated) pipeline: every stage spawned from its argv with execa, connected by
 * pipes, never through a shell. The aws stage reads nothing (its stdin is /dev/null) and never pages or
 * prompts. Resolves with a PipelineResult even when the command fails, times out or is canceled; throws an
 * ExecutionError only when the pipeline cannot start (the AWS CLI or a filter program is missing, or the
 * sandbox cannot be set up).
 */
export async function runPipeline(pipeline: Pipeline, options: RunPipelineOptions): Promise<PipelineResult> {
  const sandbox = options.sandbox ?? noSandbox;
  const stages = prepareStages(pipeline, options);
  const commands = stages.map((stage) => sandbox.wrap(stage.sandboxStage));
  const maxStderrChars = options.maxStderrChars ?? defaultMaxStderrChars;

  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error('timeout'));
  }, options.timeoutMs ?? defaultTimeoutMs);
  const onAbort = () => controller.abort(options.signal?.reason);
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });

  const started = performance.now();
  const subprocesses: ResultPromise[] = [];
  const output = new OutputCollector(options.maxOutputChars ?? defaultMaxOutputChars);
  const awsStderr = new OutputCollector(maxStderrChars);
  const filterStderr = new OutputCollector(maxStderrChars);
  const reads: Promise<void>[] = [];
  try {
    commands.forEach((command, index) => {
      const stage = stages[index] as PreparedStage;
      const isLast = index === commands.length - 1;
      const subprocess = execa(command.file, command.args, {
        cwd: command.cwd,
        env: stage.sandboxStage.env,
        extendEnv: false,
        stdin: index === 0 ? 'ignore' : 'pipe',
        stdout: 'pipe',
        stderr: 'pipe',
        buffer: false,
        reject: false,
        cancelSignal: controller.signal,
        forceKillAfterDelay: 1000,
        windowsHide: true,
      });
      const previous = subprocesses[index - 1];
      if (previous !== undefined) previous.pipe(subprocess).catch(() => {});
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
    const stageResults: StageResult[] = results.map((result, index) => ({
      name: (stages[index] as PreparedStage).name,
      exitCode: result.exitCode,
      signal: result.signal,
    }));
    const captured = output.finish();
    // The CLI's s3 progress lines end in a bare carriage return; only the text after the last one stays visible.
    if (stages.length === 1) {
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
    return {
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
      awsArgv: ['aws', ...(stages[0] as PreparedStage).sandboxStage.args],
      sandbox: sandbox.name,
    };
  } catch (error) {
    controller.abort();
    await Promise.allSettled(subprocesses);
    throw new ExecutionError({
      code: 'SPAWN_FAILED',
      message: `The pipeline could not be started: ${error instanceof Error ? error.message : String(error)}`,
      cause: error,
    });
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
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
