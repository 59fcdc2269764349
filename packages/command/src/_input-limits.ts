import { CommandError } from './command-error.js';

/** What a size limit applies to. */
export type InputKind = 'command line' | 'argument' | 'filter program';

/**
 * The size limits on a call, in UTF-8 bytes, each with why it is that size and what to do instead. Linux refuses to
 * start a program with a single argument over 128 KiB (MAX_ARG_STRLEN) and the sandbox adds its own argv, so the
 * limits stay well below that and a refusal comes before anything is spawned.
 */
export const inputLimits: Record<InputKind, { bytes: number; reason: string; advice: string }> = {
  'command line': {
    bytes: 128 * 1024,
    reason: 'a command line of every stage together must fit in what the system passes to a new process',
    advice: 'put large values in a file in the working directory and pass `file://NAME`',
  },
  argument: {
    bytes: 64 * 1024,
    reason: 'the system refuses to start a program with an argument over 128 KiB',
    advice: 'put the value in a file in the working directory and pass `file://NAME`',
  },
  'filter program': {
    bytes: 16 * 1024,
    reason: 'filter programs are checked before they run, and shaping output needs no more',
    advice: 'shape the output with --query first, or split the work into several calls',
  },
};

/** The UTF-8 size of `text`, counting only when it could exceed `limit` (a UTF-16 unit is at most 3 bytes). */
function exceeds(text: string, limit: number): number | undefined {
  if (text.length * 3 <= limit) return undefined;
  const bytes = Buffer.byteLength(text, 'utf8');
  return bytes > limit ? bytes : undefined;
}

/**
 * Refuses `text` when it is larger than the limit for `kind`: CommandError `INPUT_TOO_LARGE` saying its size, the
 * limit and what to do. `label` names it in the message (e.g. "the jq program"); the token shows its first words.
 */
export function checkInputSize(kind: InputKind, text: string, label: string = `The ${kind}`): void {
  const limit = inputLimits[kind];
  const bytes = exceeds(text, limit.bytes);
  if (bytes === undefined) return;
  throw new CommandError({
    code: 'INPUT_TOO_LARGE',
    token: text.length > 40 ? `${text.slice(0, 40)}…` : text,
    message: `${label} is ${bytes.toLocaleString('en-US')} bytes; the limit is ${limit.bytes.toLocaleString('en-US')} (${limit.reason}). Instead, ${limit.advice}.`,
  });
}

/** Refuses stages of argv words when one word, or all of them together, are over their limits (see checkInputSize). */
export function checkStageSizes(stages: readonly (readonly string[])[]): void {
  // Lengths first: a word of N UTF-16 units is at most 3N bytes, so most words need no byte count at all.
  const argumentLimit = inputLimits.argument.bytes / 3;
  let total = 0;
  for (const stage of stages) {
    for (const word of stage) {
      if (word.length > argumentLimit) checkInputSize('argument', word, 'An argument');
      total += word.length + 1;
    }
  }
  if (total * 3 > inputLimits['command line'].bytes) {
    checkInputSize('command line', stages.map((stage) => stage.join(' ')).join(' | '));
  }
}
