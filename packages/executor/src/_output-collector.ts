import { StringDecoder } from 'node:string_decoder';
import { maxLineChars, type SecretMasker } from './mask-secrets.js';

/**
 * Keeps the first and last characters of a stream up to a cap, counting everything, so a huge output costs
 * bounded memory and the reader still sees how it starts and ends. With a masker, every complete line is masked
 * before it is kept or cut, so the cut can never show half a secret that masking would have caught whole.
 *
 * Masking happens in `write`, one chunk at a time, so a large output is masked between turns of the event loop
 * rather than in one go: each call does work linear in its chunk and at most one carried line (`maxLineChars`).
 */
export class OutputCollector {
  private readonly decoder = new StringDecoder('utf8');
  private readonly headLimit: number;
  private readonly tailLimit: number;
  private head = '';
  private tail = '';
  private total = 0;
  private carry = '';
  /** The whole text as kept (masked), while it fits in `keepChars`; undefined once it did not. */
  private whole: string[] | undefined;
  /** Bytes received so far, before decoding and masking. */
  bytes = 0;

  /** With `keepChars`, the whole text (masked as what is kept) is also kept while it is at most that long. */
  constructor(
    maxChars: number,
    private readonly masker?: SecretMasker,
    private readonly keepChars?: number,
  ) {
    this.headLimit = Math.ceil(maxChars * 0.75);
    this.tailLimit = maxChars - this.headLimit;
    if (keepChars !== undefined && keepChars > 0) this.whole = [];
  }

  write(chunk: Buffer | string): void {
    this.bytes += chunk.length;
    this.accept(typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
  }

  private accept(text: string): void {
    if (this.masker === undefined) {
      this.add(text);
      return;
    }
    // Only the new text is searched, so a long line arriving in small chunks is not searched again each time.
    const end = text.lastIndexOf('\n');
    if (end === -1) this.carry += text;
    else {
      const block = this.carry + text.slice(0, end + 1);
      this.carry = text.slice(end + 1);
      this.addMasked(block);
    }
    // A line too long to scan goes to the masker in pieces; it masks the rest of it whole if need be.
    if (this.carry.length > maxLineChars) {
      this.addMasked(this.carry);
      this.carry = '';
    }
  }

  private addMasked(block: string): void {
    if (this.masker === undefined) return;
    if (this.headLimit + this.tailLimit > 0) this.add(this.masker.maskBlock(block));
    else {
      // Nothing is kept (a stream read only to learn its secrets), so the learned values need not be looked for.
      this.masker.scanBlock(block);
      this.total += block.length;
    }
  }

  private add(text: string): void {
    if (text.length === 0) return;
    this.total += text.length;
    if (this.whole !== undefined) {
      if (this.total <= (this.keepChars as number)) this.whole.push(text);
      else this.whole = undefined;
    }
    const room = this.headLimit - this.head.length;
    if (room > 0) {
      this.head += text.slice(0, room);
      text = text.slice(room);
    }
    if (text.length === 0 || this.tailLimit === 0) return;
    this.tail =
      text.length >= this.tailLimit ? text.slice(-this.tailLimit) : (this.tail + text).slice(-this.tailLimit);
  }

  /**
   * The kept text, with a marker where characters were left out; with `keepChars`, `whole` is the complete text
   * when it fitted (undefined when it did not).
   */
  finish(): { text: string; truncated: boolean; totalChars: number; whole?: string } {
    const rest = this.decoder.end();
    if (this.masker === undefined) this.add(rest);
    else this.addMasked(this.carry + rest);
    this.carry = '';
    const omitted = this.total - this.head.length - this.tail.length;
    if (this.masker !== undefined) {
      // Values learned late (from the aws stage's own output) are masked once more in what is kept.
      this.head = this.masker.maskLearned(this.head);
      this.tail = this.masker.maskLearned(this.tail);
    }
    const kept = this.whole?.join('');
    const whole =
      kept === undefined ? {} : { whole: this.masker === undefined ? kept : this.masker.maskLearned(kept) };
    if (omitted <= 0)
      return { text: this.head + this.tail, truncated: false, totalChars: this.total, ...whole };
    const marker = `\n… ${omitted.toLocaleString('en-US')} characters omitted (output capped at ${(this.headLimit + this.tailLimit).toLocaleString('en-US')}) …\n`;
    return { text: this.head + marker + this.tail, truncated: true, totalChars: this.total, ...whole };
  }
}
