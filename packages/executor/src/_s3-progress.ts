const progressLine = /Completed [^\r\n]*(?=[\r\n])/g;

/**
 * Reads the `aws s3 cp/sync/mv` progress lines ("Completed 1.0 MiB/10.0 MiB (5.1 MiB/s) with 1 file(s)
 * remaining"), which the CLI rewrites in place with carriage returns, and remembers the latest one.
 */
export class S3ProgressReader {
  latest: string | undefined;
  private carry = '';

  write(chunk: Buffer | string): void {
    const text = typeof chunk === 'string' ? chunk : chunk.toString('latin1');
    if (!text.includes('Completed') && !this.carry.includes('Complet')) {
      this.carry = text.slice(-32);
      return;
    }
    const combined = this.carry + text;
    let last: string | undefined;
    for (const match of combined.matchAll(progressLine)) last = match[0];
    if (last !== undefined) this.latest = last.trim();
    const cut = Math.max(combined.lastIndexOf('\r'), combined.lastIndexOf('\n'));
    this.carry = combined.slice(cut + 1).slice(-300);
  }
}
