import { describe, expect, it } from 'vitest';
import { OutputCollector } from './_output-collector.js';

describe('OutputCollector', () => {
  it('keeps short output whole', () => {
    const collector = new OutputCollector(100);
    collector.write('hello ');
    collector.write(Buffer.from('world'));
    expect(collector.finish()).toEqual({ text: 'hello world', truncated: false, totalChars: 11 });
  });

  it('keeps the start and the end of long output and says how much it left out', () => {
    const collector = new OutputCollector(40);
    for (let line = 0; line < 100; line++) collector.write(`line ${String(line).padStart(3, '0')}\n`);
    const { text, truncated, totalChars } = collector.finish();
    expect(truncated).toBe(true);
    expect(totalChars).toBe(900);
    expect(text.startsWith('line 000\nline 001\nline 002\nlin\n…')).toBe(true);
    expect(text.endsWith('line 099\n')).toBe(true);
    expect(text).toContain('… 860 characters omitted (output capped at 40) …');
  });

  it('decodes a multi-byte character split across chunks', () => {
    const collector = new OutputCollector(100);
    const bytes = Buffer.from('naïve ✓');
    collector.write(bytes.subarray(0, 3));
    collector.write(bytes.subarray(3));
    expect(collector.finish().text).toBe('naïve ✓');
  });
});
