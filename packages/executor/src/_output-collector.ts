import { StringDecoder } from 'node:string_decoder';

/**
 * Keeps the first and last characters of a stream up to a cap, counting everything, so a huge output costs
 * bounded memory and the reader still sees how it starts and ends.
 */
export class OutputCollector {
  private readonly decoder = new StringDecoder('utf8');
  private readonly headLimit: number;
  private readonly tailLimit: number;
  private head = '';
  private tail = '';
  private total = 0;

  constructor(maxChars: number) {
    this.headLimit = Math.ceil(maxChars * 0.75);
    this.tailLimit = maxChars - this.headLimit;
  }

  write(chunk: Buffer | string): void {
    this.add(typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
  }

  private add(text: string): void {
    if (text.length === 0) return;
    this.total += text.length;
    const room = this.headLimit - this.head.length;
    if (room > 0) {
      this.head += text.slice(0, room);
      text = text.slice(room);
    }
    if (text.length === 0 || this.tailLimit === 0) return;
    this.tail = (this.tail + text).slice(-this.tailLimit);
  }

  /** The kept text, with a marker where characters were left out. */
  finish(): { text: string; truncated: boolean; totalChars: number } {
    this.add(this.decoder.end());
    const omitted = this.total - this.head.length - this.tail.length;
    if (omitted <= 0) return { text: this.head + this.tail, truncated: false, totalChars: this.total };
    const marker = `\n… ${omitted} characters omitted (output capped at ${this.headLimit + this.tailLimit}) …\n`;
    return { text: this.head + marker + this.tail, truncated: true, totalChars: this.total };
  }
}
