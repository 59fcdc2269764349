import { pipeline as pipeStreams, type Readable } from 'node:stream';
import type { Pipeline } from '@aws-mcp/command';
import type { ResultPromise } from 'execa';
import { type LauncherReport, launcherReportFd, parseLauncherReport } from './_aws-launcher.js';
import type { CredentialsMode } from './_environment.js';
import { prependOutfile } from './_outfiles.js';
import { OutputCollector } from './_output-collector.js';
import { S3ProgressReader } from './_s3-progress.js';
import type { SaveFile } from './_save-output.js';
import { learnConfiguredSecrets } from './_secret-sources.js';
import {
  createBackstopMasking,
  createMaskingTransform,
  createStructuralMasking,
  createWholeOutputMasking,
  type SourceMasking,
} from './_source-masking.js';
import { isSecretOnlyOutput, LearnedSecrets, maskedValue, SecretMasker } from './mask-secrets.js';
import type { AwsRequestId } from './run-pipeline.js';
import type { PipelineSecrets, SecretOutput } from './secret-output.js';

/** The launcher's report is read up to this many bytes (its masked views of a saved output included). */
const maxReportBytes = 8 * 1_048_576;

/** Where one pipeline's streams go: capped, masked, and read for progress. */
export interface PipelineOutputs {
  /** The last stage's stdout. */
  output: OutputCollector;
  awsStderr: OutputCollector;
  /** Every filter's stderr, each line prefixed with the filter's name. */
  filterStderr: OutputCollector;
  /** The latest `aws s3` progress line, when the heartbeat wants it. */
  progress: S3ProgressReader;
  /**
   * Connects a started stage's streams: the taps on the aws stage, the last stage's stdout, every stderr.
   * Resolves once they have all ended.
   */
  attach(
    subprocess: ResultPromise,
    stage: { index: number; name: string; isLast: boolean; kind: 'aws' | 'filter' },
  ): Promise<void>;
  /**
   * The aws stage's own stdout when nothing here reads or masks it (secrets shown, no progress, view or OUTFILE
   * read beside it): the first filter can take it as its stdin, an OS descriptor passed on. Undefined otherwise, or
   * before the aws stage is attached; then `feed` relays it.
   */
  directStdout(): Readable | undefined;
  /** Feeds the aws stage's stdout, masked at its source, into the first filter's stdin. */
  feed(filter: ResultPromise): void;
  /** Ends the collectors: what the result reports. Call it once every stream has ended. */
  finish(): CapturedOutputs;
}

/** What a finished pipeline printed, capped and masked. */
export interface CapturedOutputs {
  output: string;
  truncated: boolean;
  totalChars: number;
  /** With `keepOutputChars`: the whole masked output when it fitted, else why it was not kept. */
  wholeOutput?: WholeOutput;
  stderr: string;
  filterStderr: string;
  /** Values masked in output, stderr and filter stderr together. */
  maskedSecrets: number;
  secrets: PipelineSecrets;
  /** What the launcher reported of the CLI's requests; undefined without its report. */
  requestIds?: AwsRequestId[];
  nextToken?: string;
}

/**
 * The complete final output, masked, kept beside the capped `output` (see RunPipelineOptions.keepOutputChars):
 * `kept` with its text, or why not: `too large` (over the limit) or `not masked` (secrets shown or saved: only a
 * masked output is ever kept).
 */
export type WholeOutput = { kept: true; text: string } | { kept: false; reason: 'too large' | 'not masked' };

/**
 * How the aws stage's secrets are handled: `mask` at the source; `show` as they are; `save` the unmasked final
 * stdout to a file and return a masked view.
 */
export type SecretsMode = 'mask' | 'show' | 'save';

/** How a pipeline's outputs are capped and masked. */
export interface PipelineOutputOptions {
  /** The pipeline that runs; undefined when filters run over a given input (no aws stage). */
  pipeline: Pipeline | undefined;
  stageCount: number;
  mode: SecretsMode;
  /** With `mode: 'save'`: where the unmasked final stdout goes. */
  saveFile?: SaveFile;
  secretOutput: SecretOutput;
  /** Whether the aws stage's launcher masks the response's secret members inside the CLI. */
  launcher: boolean;
  /** Whether the aws stage runs through the launcher, which reports on fd 3. Default: `launcher`. */
  readsReport?: boolean;
  maxOutputChars: number;
  /** Also keep the whole masked final output while it is at most this long (undefined: keep only the capped one). */
  keepOutputChars?: number;
  maxStderrChars: number;
  /** Where the configured credentials are learned from, to be masked wherever they appear. */
  env: NodeJS.ProcessEnv;
  credentialsMode: CredentialsMode;
  /** Whether to read the aws stage's s3 progress lines. */
  readsProgress: boolean;
  /** The private file the CLI writes for an OUTFILE of `-`/`/dev/stdout`: its content goes in front of stdout. */
  stdoutOutfile?: string;
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

/** The CLI's s3 progress lines end in a bare carriage return; only the text after the last one stays visible. */
function dropOverwrittenLines(text: string): string {
  return text.replace(/[^\n]*\r(?!\n)([^\n]*)/g, (_, visible: string) => visible.trimEnd());
}

/** Reads a stream into text, up to a cap. */
function readCapped(stream: Readable | null | undefined, cap: number): Promise<string> {
  if (stream === null || stream === undefined) return Promise.resolve('');
  const chunks: Buffer[] = [];
  let size = 0;
  return collect(stream, (chunk) => {
    size += chunk.length;
    if (size <= cap) chunks.push(chunk);
  }).then(() => Buffer.concat(chunks).toString('utf8'));
}

/**
 * What the aws stage's stdout goes through before any filter (or the result) sees it. Masking: the whole output
 * for a command whose output is the secret, the response's members for a CLI without the launcher, and always
 * the backstop. Showing or saving: nothing (the file gets what the CLI printed).
 */
function chooseSourceMasking(options: PipelineOutputOptions, learned: LearnedSecrets): SourceMasking[] {
  const { mode, secretOutput, pipeline } = options;
  if (mode !== 'mask' || pipeline === undefined || pipeline.aws.isHelp) return [];
  // A `--query` picking a secret field is masked whole, unless the launcher masked the members it can pick.
  if (secretOutput.wholeOutput || (!options.launcher && isSecretOnlyOutput(pipeline.aws))) {
    return [createWholeOutputMasking()];
  }
  const structural =
    !options.launcher && secretOutput.hasSecretOutput ? [createStructuralMasking(secretOutput.members)] : [];
  return [...structural, createBackstopMasking(new SecretMasker(learned, true))];
}

function chain(maskings: SourceMasking[]): SourceMasking | undefined {
  if (maskings.length <= 1) return maskings[0];
  const toBytes = (out: Buffer | string) => (typeof out === 'string' ? Buffer.from(out, 'utf8') : out);
  const run = (bytes: Buffer, from: number): Buffer => {
    let current = bytes;
    for (const masking of maskings.slice(from)) current = toBytes(masking.write(current));
    return current;
  };
  return {
    write: (chunk) => run(chunk, 0),
    end() {
      let bytes: Buffer = Buffer.alloc(0);
      for (const [index, masking] of maskings.entries()) {
        bytes = Buffer.concat([run(bytes, index), toBytes(masking.end())]);
      }
      return bytes;
    },
    get count() {
      return maskings.reduce((sum, masking) => sum + masking.count, 0);
    },
    get members() {
      return [...new Set(maskings.flatMap((masking) => masking.members))];
    },
  };
}

/** The launcher's masked responses as JSON, as the CLI prints them; undefined when it reported none. */
function renderViews(report: LauncherReport | undefined): string | undefined {
  const views = report?.views ?? [];
  if (views.length === 0) return undefined;
  return `${views.map((view) => JSON.stringify(view, null, 4)).join('\n')}\n`;
}

/**
 * The assistant's view of a saved output: the response with its secret members masked (capped as output is), or
 * `[MASKED]` when nothing says what to mask; undefined to show the output masked as usual.
 */
function buildSavedView({
  viewText,
  unknown,
  collector,
}: {
  viewText: string | undefined;
  unknown: boolean;
  collector: OutputCollector;
}): ReturnType<OutputCollector['finish']> | undefined {
  if (!unknown && (viewText === undefined || viewText.trim() === '')) return undefined;
  collector.write(unknown ? `${maskedValue}\n` : (viewText as string));
  return collector.finish();
}

/** How many values were masked in all, and which secret members the output carried. */
function summarizeSecrets({
  counted,
  report,
  saveFile,
}: {
  counted: Array<{ count: number; members?: readonly string[] } | undefined>;
  report: LauncherReport | undefined;
  saveFile: SaveFile | undefined;
}): PipelineSecrets {
  const masked = counted.reduce((sum, each) => sum + (each?.count ?? 0), report?.masked ?? 0);
  const members = new Set([...(report?.members ?? []), ...counted.flatMap((each) => each?.members ?? [])]);
  return {
    masked,
    members: [...members],
    ...(saveFile === undefined ? {} : { saved: { path: saveFile.path, bytes: saveFile.bytes } }),
  };
}

/** Creates the collectors and maskers of one pipeline, with the configured credentials already learned. */
export function createPipelineOutputs(options: PipelineOutputOptions): PipelineOutputs {
  const { mode, maxStderrChars, pipeline } = options;
  const masks = mode !== 'show';
  const learned = new LearnedSecrets();
  if (masks) learnConfiguredSecrets(learned, options.env, options.credentialsMode);
  // One aws stage alone: its stdout is the result (a lone filter over a given input is not that).
  const singleStage = options.stageCount === 1 && pipeline !== undefined;
  const source = chain(chooseSourceMasking(options, learned));
  // Help text documents example keys; it is never masked.
  const masksOutput = masks && pipeline?.aws.isHelp !== true;
  const wholeView =
    mode === 'save' &&
    pipeline !== undefined &&
    (options.secretOutput.wholeOutput || (!options.launcher && isSecretOnlyOutput(pipeline.aws)));
  const maskers = {
    // A single stage's stdout was masked at its source already, learned values included.
    output:
      masksOutput && !(singleStage && source !== undefined)
        ? new SecretMasker(learned, singleStage)
        : undefined,
    awsStderr: masks ? new SecretMasker(learned, true) : undefined,
    filterStderr: masks ? new SecretMasker(learned) : undefined,
  };
  const keepsWhole = options.keepOutputChars !== undefined && mode === 'mask';
  const output = new OutputCollector(
    options.maxOutputChars,
    maskers.output,
    keepsWhole ? options.keepOutputChars : undefined,
  );
  const awsStderr = new OutputCollector(maxStderrChars, maskers.awsStderr);
  const filterStderr = new OutputCollector(maxStderrChars, maskers.filterStderr);
  const progress = new S3ProgressReader();
  const wholeViewMasking = wholeView ? createWholeOutputMasking() : undefined;
  // Saved without the launcher: the view is the response masked by its members, read beside the pipe.
  const viewMasking =
    mode === 'save' && !options.launcher && options.secretOutput.hasSecretOutput && !wholeView
      ? createStructuralMasking(options.secretOutput.members)
      : undefined;
  let sourceStream: Readable | undefined;
  // Only shown secrets leave the aws stage unread: masking and the backstop must see every byte otherwise.
  const passesThrough =
    mode === 'show' &&
    source === undefined &&
    viewMasking === undefined &&
    wholeViewMasking === undefined &&
    !options.readsProgress &&
    options.stdoutOutfile === undefined;
  let report: Promise<LauncherReport | undefined> = Promise.resolve(undefined);
  let launcherReport: LauncherReport | undefined;
  const writeFinal = (chunk: Buffer) => {
    options.saveFile?.write(chunk);
    output.write(wholeViewMasking === undefined ? chunk : wholeViewMasking.write(chunk));
  };
  const stderrMaskers = () => [maskers.awsStderr, maskers.filterStderr];
  const endWholeView = () => {
    if (wholeViewMasking !== undefined) output.write(wholeViewMasking.end());
  };
  return {
    output,
    awsStderr,
    filterStderr,
    progress,
    attach(subprocess, { name, isLast, kind }) {
      const reads: Promise<void>[] = [];
      if (kind === 'aws') {
        if (options.readsProgress) {
          subprocess.stdout?.on('data', (chunk: Buffer) => progress.write(chunk));
          subprocess.stderr?.on('data', (chunk: Buffer) => progress.write(chunk));
        }
        if (viewMasking !== undefined)
          subprocess.stdout?.on('data', (chunk: Buffer) => viewMasking.write(chunk));
        if (options.readsReport ?? options.launcher) {
          const stream = subprocess.stdio[launcherReportFd] as Readable | null | undefined;
          report = readCapped(stream, maxReportBytes).then((text) => {
            launcherReport = parseLauncherReport(text);
            for (const value of launcherReport?.values ?? []) learned.add(value);
            return launcherReport;
          });
          reads.push(report.then(() => {}));
        }
        const stdout =
          options.stdoutOutfile === undefined || subprocess.stdout === null
            ? subprocess.stdout
            : prependOutfile(subprocess.stdout, { file: options.stdoutOutfile, exited: subprocess });
        sourceStream =
          source === undefined || stdout === null
            ? (stdout ?? undefined)
            : pipeStreams(stdout, createMaskingTransform(source), () => {});
      }
      if (isLast) {
        reads.push(collect(kind === 'aws' ? (sourceStream ?? null) : subprocess.stdout, writeFinal));
      }
      const onStderr =
        kind === 'aws' ? (chunk: Buffer) => awsStderr.write(chunk) : prefixLines(name, filterStderr);
      reads.push(collect(subprocess.stderr, onStderr));
      return Promise.all(reads).then(() => {});
    },
    directStdout() {
      return passesThrough ? sourceStream : undefined;
    },
    feed(filter) {
      if (sourceStream === undefined || filter.stdin === null) return;
      // Errors (the filter exited early: EPIPE) end both sides; the aws stage then sees a broken pipe.
      pipeStreams(sourceStream, filter.stdin, () => {});
    },
    finish() {
      endWholeView();
      let captured = output.finish();
      let text = singleStage ? dropOverwrittenLines(captured.text) : captured.text;
      const wholeOutput: WholeOutput | undefined =
        options.keepOutputChars === undefined
          ? undefined
          : !keepsWhole
            ? { kept: false, reason: 'not masked' }
            : captured.whole === undefined
              ? { kept: false, reason: 'too large' }
              : { kept: true, text: singleStage ? dropOverwrittenLines(captured.whole) : captured.whole };
      const viewMasker = new SecretMasker(learned);
      if (mode === 'save') {
        const view = buildSavedView({
          viewText: viewMasking?.end().toString() ?? renderViews(launcherReport),
          // Through the launcher without its report (killed, or over its cap), nothing says what to mask.
          unknown: options.launcher && launcherReport === undefined && text !== '',
          collector: new OutputCollector(options.maxOutputChars, viewMasker),
        });
        if (view !== undefined) {
          captured = view;
          text = view.text;
        }
      }
      const stderr = awsStderr.finish().text;
      const filterText = filterStderr.finish().text;
      const secrets = summarizeSecrets({
        counted: [source, wholeViewMasking, viewMasking, maskers.output, viewMasker, ...stderrMaskers()],
        report: launcherReport,
        saveFile: options.saveFile,
      });
      return {
        output: text,
        truncated: captured.truncated,
        totalChars: captured.totalChars,
        ...(wholeOutput === undefined ? {} : { wholeOutput }),
        stderr,
        filterStderr: filterText,
        maskedSecrets: secrets.masked,
        secrets,
        ...(launcherReport === undefined ? {} : { requestIds: launcherReport.requestIds }),
        ...(launcherReport?.nextToken === undefined ? {} : { nextToken: launcherReport.nextToken }),
      };
    },
  };
}
