import { OutputCollector } from './_output-collector.js';

/** A text capped as a pipeline's output is, and the whole of it when it fits `keepChars`. */
export interface CappedOutput {
  text: string;
  truncated: boolean;
  totalChars: number;
  /** The whole text, when `keepChars` was given and it is at most that long. */
  whole?: string;
}

/**
 * Caps a text exactly as runPipeline caps its output: the first three quarters and the last quarter of
 * `maxChars` kept, with a marker saying how many characters were left out between them. For a text the caller
 * already has (masked) that stands for a pipeline's output, such as a page unwrapped from the CLI's JSON.
 * Masks nothing. Never throws.
 */
export function capOutput(
  text: string,
  { maxChars, keepChars }: { maxChars: number; keepChars?: number },
): CappedOutput {
  const collector = new OutputCollector(maxChars, undefined, keepChars);
  collector.write(text);
  return collector.finish();
}
