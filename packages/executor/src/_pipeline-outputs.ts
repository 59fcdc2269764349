import type { Readable } from 'node:stream';
import type { Pipeline } from '@aws-mcp/command';
import type { ResultPromise } from 'execa';
import type { CredentialsMode } from './_environment.js';
import { OutputCollector } from './_output-collector.js';
import { S3ProgressReader } from './_s3-progress.js';
import { learnConfiguredSecrets } from './_secret-sources.js';
import { isSecretOnlyOutput, LearnedSecrets, SecretMasker } from './mask-secrets.js';

/** Output that is a secret as a whole is learned up to this many bytes. */
const secretOnlyLearnLimit = 1_048_576;

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
  attach(subprocess: ResultPromise, stage: { index: number; name: string; isLast: boolean }): Promise<void>;
  /** Ends the collectors: what the result reports. Call it once every stream has ended. */
  finish(): CapturedOutputs;
}

/** What a finished pipeline printed, capped and masked. */
export interface CapturedOutputs {
  output: string;
  truncated: boolean;
  totalChars: number;
  stderr: string;
  filterStderr: string;
  /** Values masked in output, stderr and filter stderr together. */
  maskedSecrets: number;
}

/** How a pipeline's outputs are capped and masked. */
export interface PipelineOutputOptions {
  pipeline: Pipeline;
  stageCount: number;
  maskSecrets: boolean;
  maxOutputChars: number;
  maxStderrChars: number;
  /** Where the configured credentials are learned from, to be masked wherever they appear. */
  env: NodeJS.ProcessEnv;
  credentialsMode: CredentialsMode;
  /** Whether to read the aws stage's s3 progress lines. */
  readsProgress: boolean;
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

/**
 * Reads the aws stage's own stdout beside the pipe: to learn the secrets it prints (masked again after the
 * filters, which may drop their field names) and the s3 progress lines.
 */
function tapAwsStage(
  subprocess: ResultPromise,
  { pipeline, learned, maskSecrets, singleStage, progress, readsProgress }: TapOptions,
): void {
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
  if (taps.length === 0) return;
  // Registered before the pipe's and the collector's readers, so a value is learned before it can come back.
  subprocess.stdout?.on('data', (chunk: Buffer) => {
    for (const tap of taps) tap(chunk);
  });
}

interface TapOptions {
  pipeline: Pipeline;
  learned: LearnedSecrets;
  maskSecrets: boolean;
  singleStage: boolean;
  progress: S3ProgressReader;
  readsProgress: boolean;
}

/** Creates the collectors and maskers of one pipeline, with the configured credentials already learned. */
export function createPipelineOutputs(options: PipelineOutputOptions): PipelineOutputs {
  const { maskSecrets, maxStderrChars } = options;
  const learned = new LearnedSecrets();
  if (maskSecrets) learnConfiguredSecrets(learned, options.env, options.credentialsMode);
  const singleStage = options.stageCount === 1;
  const maskers = {
    output: maskSecrets ? new SecretMasker(learned, singleStage) : undefined,
    awsStderr: maskSecrets ? new SecretMasker(learned, true) : undefined,
    filterStderr: maskSecrets ? new SecretMasker(learned) : undefined,
  };
  const output = new OutputCollector(options.maxOutputChars, maskers.output);
  const awsStderr = new OutputCollector(maxStderrChars, maskers.awsStderr);
  const filterStderr = new OutputCollector(maxStderrChars, maskers.filterStderr);
  const progress = new S3ProgressReader();
  const tapOptions: TapOptions = { ...options, learned, singleStage, progress };
  return {
    output,
    awsStderr,
    filterStderr,
    progress,
    attach(subprocess, { index, name, isLast }) {
      if (index === 0) tapAwsStage(subprocess, tapOptions);
      const reads: Promise<void>[] = [];
      if (isLast) reads.push(collect(subprocess.stdout, (chunk) => output.write(chunk)));
      const onStderr =
        index === 0 ? (chunk: Buffer) => awsStderr.write(chunk) : prefixLines(name, filterStderr);
      reads.push(collect(subprocess.stderr, onStderr));
      return Promise.all(reads).then(() => {});
    },
    finish() {
      const captured = output.finish();
      const text = singleStage ? dropOverwrittenLines(captured.text) : captured.text;
      const stderr = awsStderr.finish().text;
      const filterText = filterStderr.finish().text;
      return {
        output: text,
        truncated: captured.truncated,
        totalChars: captured.totalChars,
        stderr,
        filterStderr: filterText,
        maskedSecrets:
          (maskers.output?.count ?? 0) + (maskers.awsStderr?.count ?? 0) + (maskers.filterStderr?.count ?? 0),
      };
    },
  };
}
