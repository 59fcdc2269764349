import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, open, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline as pipeStreams } from 'node:stream/promises';
import type { Pipeline } from '@aws-mcp/command';
import type { CredentialsMode } from './_environment.js';
import { OutputCollector } from './_output-collector.js';
import { learnConfiguredSecrets } from './_secret-sources.js';
import { ExecutionError } from './execution-error.js';
import { LearnedSecrets, SecretMasker } from './mask-secrets.js';
import type { ReturnedOutfile } from './run-pipeline.js';

/**
 * OUTFILE values that mean "give it to me" rather than a file: the CLI itself would write a file named `-`, and
 * `/dev/stdout` fails when stdout is a socket (ENXIO), so the executor hands the CLI a private file instead.
 */
const stdoutOutfileNames: Readonly<Record<string, string>> = {
  '-': 'the usual name for stdout; the CLI would write a file named `-`',
  '/dev/stdout': 'the device; the CLI cannot open it when its stdout is a socket',
};

/** An OUTFILE the CLI is to write into a private file whose content is appended to the aws stage's stdout. */
export interface StdoutOutfile {
  /** The private folder (mode 700) that holds the file; bound writable into the aws stage's sandbox. */
  folder: string;
  /** The file the CLI writes, in place of the OUTFILE as written. */
  file: string;
}

/** Where the OUTFILE positional sits in the aws arguments (argv without `aws`), and its value as written. */
export interface OutfileArgument {
  index: number;
  written: string;
}

/**
 * Finds the OUTFILE positional (the argument the CLI model marks as a file the CLI writes) in the aws arguments
 * that run: global options come first, each one word (`--region=x`), then the command path, then the
 * positionals in the CLI's order. Returns undefined when the command has none; throws ExecutionError
 * `INVALID_OPTIONS` for an argv not laid out so (a pipeline not from parseCommandLine).
 */
export function findOutfileArgument(
  pipeline: Pipeline,
  awsArguments: readonly string[],
): OutfileArgument | undefined {
  const { aws } = pipeline;
  if (aws.isHelp || aws.service === undefined) return undefined;
  const positionals = aws.arguments.filter((argument) => argument.option === undefined);
  const position = positionals.findIndex((argument) => argument.action.localPath === 'write');
  if (position === -1) return undefined;
  const start = awsArguments.findIndex((word) => !word.startsWith('-'));
  const commandPath = [aws.service, ...aws.path];
  const valuesBefore = positionals
    .slice(0, position)
    .reduce((sum, argument) => sum + argument.values.length, 0);
  const index = start + commandPath.length + valuesBefore;
  const written = (positionals[position] as (typeof positionals)[number]).values[0];
  // The rebuilt argv is laid out as above; anything else is a bug, and the call must not run on a guess.
  const laidOut = commandPath.every((word, offset) => awsArguments[start + offset] === word);
  if (start === -1 || !laidOut || written === undefined || awsArguments[index] !== written) {
    throw new ExecutionError({
      code: 'INVALID_OPTIONS',
      message: `The OUTFILE \`${written}\` is not where the CLI takes it in the pipeline's argv; pass a pipeline from parseCommandLine.`,
    });
  }
  return { index, written };
}

/** Whether an OUTFILE as written asks for the content back (`-`, `/dev/stdout`) rather than naming a file. */
export function isStdoutOutfile(written: string): boolean {
  return Object.hasOwn(stdoutOutfileNames, written);
}

/** Picks the private file for a `-`/`/dev/stdout` OUTFILE; nothing is created until createOutfileFolder. */
export function planStdoutOutfile(): StdoutOutfile {
  const folder = join(tmpdir(), `aws-mcp-outfile-${randomBytes(8).toString('hex')}`);
  return { folder, file: join(folder, 'outfile') };
}

/** Creates the private folder (mode 700); fails if it exists, so nothing planted there is trusted. */
export async function createOutfileFolder(outfile: StdoutOutfile): Promise<void> {
  await mkdir(outfile.folder, { mode: 0o700 });
}

/** Removes the private folder and what the CLI wrote in it; never throws. */
export async function removeOutfileFolder(outfile: StdoutOutfile): Promise<void> {
  await rm(outfile.folder, { recursive: true, force: true }).catch(() => {});
}

/** Bytes read to decide whether content is text. */
const sniffBytes = 8192;

/**
 * Whether the first bytes of a file read as text: no NUL byte, and valid UTF-8 (a character cut at the end of the
 * sample does not count against it).
 */
export function looksLikeText(sample: Buffer): boolean {
  if (sample.includes(0)) return false;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    decoder.decode(sample, { stream: true });
    return true;
  } catch {
    return false;
  }
}

/** The line that stands for binary content, in the output or an outfile's note. */
export function describeBinary(bytes: number): string {
  return `[${bytes} bytes of binary output; save it to a file in the workdir]`;
}

async function sniff(file: string): Promise<{ bytes: number; text: boolean } | undefined> {
  const handle = await open(file, 'r').catch(() => undefined);
  if (handle === undefined) return undefined;
  try {
    const { size } = await handle.stat();
    const sample = Buffer.alloc(Math.min(size, sniffBytes));
    await handle.read(sample, 0, sample.length, 0);
    return { bytes: size, text: looksLikeText(sample) };
  } finally {
    await handle.close();
  }
}

/**
 * The aws stage's stdout with the OUTFILE's content in front, as the CLI prints with `/dev/stdout` on a pipe:
 * the payload (or, for binary content, one line saying how many bytes), then the CLI's own output (its
 * `StatusCode` JSON, its response metadata). The CLI's output is held until the stage has exited (`exited`),
 * when the file is complete; the file is streamed with backpressure, so its size costs no memory.
 */
export function prependOutfile(
  stdout: Readable,
  { file, exited }: { file: string; exited: Promise<unknown> },
): Readable {
  const combined = new PassThrough();
  const held: Buffer[] = [];
  let ended = false;
  const finish = async () => {
    if (ended) return;
    ended = true;
    await exited.catch(() => {});
    const found = await sniff(file);
    try {
      if (found?.text === true && found.bytes > 0) {
        await pipeStreams(createReadStream(file), combined, { end: false });
      } else if (found !== undefined && found.bytes > 0) {
        combined.write(`${describeBinary(found.bytes)}\n`);
      }
    } catch {
      // The reader went away (a filter exited early): nothing more to give it.
    }
    if (!combined.destroyed) combined.end(Buffer.concat(held));
  };
  stdout.on('data', (chunk: Buffer) => held.push(chunk));
  stdout.once('end', () => void finish());
  stdout.once('close', () => void finish());
  stdout.once('error', () => void finish());
  return combined;
}

/**
 * Reads a file the CLI wrote in the working directory (a named OUTFILE) for the result: capped at `maxChars`
 * (start and end kept) and masked with the configured credentials unless `mask` is false. Returns only a note
 * for a file that is missing, not a regular file, or resolves (through links) outside the working directory;
 * binary content comes back as its size and a note.
 */
export async function readReturnedOutfile({
  cwd,
  written,
  maxChars,
  mask,
  env,
  credentialsMode,
}: {
  cwd: string;
  written: string;
  maxChars: number;
  mask: boolean;
  env: NodeJS.ProcessEnv;
  credentialsMode: CredentialsMode;
}): Promise<ReturnedOutfile | undefined> {
  const path = resolve(cwd, written);
  const info = await lstat(path).catch(() => undefined);
  if (info === undefined) return undefined;
  const name = written;
  const [real, realRoot] = await Promise.all([
    realpath(path).catch(() => path),
    realpath(cwd).catch(() => cwd),
  ]);
  const inside = relative(realRoot, real);
  if (!info.isFile() || inside === '' || inside.startsWith('..') || resolve(realRoot, inside) !== real) {
    return { name, bytes: info.size, note: 'not returned: not a regular file inside the working directory' };
  }
  const found = await sniff(real);
  if (found === undefined) return { name, bytes: info.size, note: 'not returned: it could not be read' };
  if (!found.text) return { name, bytes: found.bytes, note: describeBinary(found.bytes) };
  const learned = new LearnedSecrets();
  if (mask) learnConfiguredSecrets(learned, env, credentialsMode);
  const collector = new OutputCollector(maxChars, mask ? new SecretMasker(learned) : undefined);
  for await (const chunk of createReadStream(real)) collector.write(chunk as Buffer);
  const { text, truncated } = collector.finish();
  return { name, bytes: found.bytes, content: text, ...(truncated ? { truncated: true } : {}) };
}
