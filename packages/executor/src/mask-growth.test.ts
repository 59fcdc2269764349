import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { OutputCollector } from './_output-collector.js';
import { LearnedSecrets, maskSecrets, SecretMasker } from './mask-secrets.js';

// Growth ratios, not wall-clock thresholds: each case masks an input of size n and 10n in the same run, and linear
// work grows about 10 times (quadratic 100, cubic 1000). The base sizes are small enough that the regexes this
// replaced finish the 10n input in seconds (and fail), not hours. Time is the process's CPU time, so that other
// processes on the machine do not count.
const maxGrowth = 20;

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** CPU milliseconds per call, repeating the call until `minimumMs` have passed. */
function timePerCall(call: () => void, minimumMs = 20): number {
  let calls = 0;
  const started = cpuMs();
  let elapsed = 0;
  do {
    call();
    calls += 1;
    elapsed = cpuMs() - started;
  } while (elapsed < minimumMs);
  return elapsed / calls;
}

/**
 * The least of five measurements of each, taken in turns (noise from other processes only ever adds time, and
 * comes and goes); a single one when a call takes seconds.
 */
function bestOfEach(small: () => void, large: () => void): [number, number] {
  let best: [number, number] = [Infinity, Infinity];
  for (let round = 0; round < 5; round += 1) {
    best = [Math.min(best[0], timePerCall(small)), Math.min(best[1], timePerCall(large))];
    if (best[1] > 1_000) break;
  }
  return best;
}

/** A flat string, as the collector gets from its decoder. */
function flat(text: string): string {
  return Buffer.from(text).toString();
}

function letters(count: number, seed = 1, alphabet = 'abcdefghijklmnopqrstuvwxyz'): string {
  let text = '';
  let state = seed;
  for (let index = 0; index < count; index += 1) {
    state = (state * 1103515245 + 12345) % 2147483648;
    text += alphabet.charAt((state >>> 16) % alphabet.length);
  }
  return text;
}

const base64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function learnedOf(count: number): { learned: LearnedSecrets; text: string } {
  const learned = new LearnedSecrets();
  const lines: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const value = `${letters(20, index + 7, base64)}${index}`;
    learned.add(value);
    for (let line = 0; line < 20; line += 1)
      lines.push(`item ${index}.${line}: ${value} and ordinary words\n`);
  }
  return { learned, text: flat(lines.join('')) };
}

function collectInChunks(text: string, chunkSize: number): void {
  const collector = new OutputCollector(10_000, new SecretMasker());
  for (let start = 0; start < text.length; start += chunkSize)
    collector.write(text.slice(start, start + chunkSize));
  collector.finish();
}

const cases: Array<[string, number, (size: number) => () => void]> = [
  ['a table row of `|` that does not close', 150, (size) => masks(`${'|'.repeat(size)}x\n`)],
  ['`token ` and a run of letters', 3_000, (size) => masks(`token ${letters(size)}\n`)],
  [
    'a key id and a run of base64 characters',
    3_000,
    (size) => masks(`AKIAIOSFODNN7EXAMPLE ,=${'A'.repeat(size)}.\n`),
  ],
  ['blank lines before `token`', 3_000, (size) => masks(`${' \n'.repeat(size)}token`)],
  ['a YAML key, spaces and a carriage return', 3_000, (size) => masks(`a:${' '.repeat(size)}\rtoken\n`)],
  ['many `key=` pairs', 1_000, (size) => masks(`token=x ${'key= '.repeat(size)}\n`)],
  ['names without values after `password`', 1_000, (size) => masks(`password ${'key '.repeat(size)}\n`)],
  [
    'nested brackets in a learned secret',
    3_000,
    (size) => {
      const line = flat(`{"SecretString": "${'['.repeat(size)}${']'.repeat(size)}"}\n`);
      return () => new SecretMasker(new LearnedSecrets(), true).maskBlock(line);
    },
  ],
  ['1 MiB lines (0.1 MiB and 1 MiB)', 104_858, (size) => masks(`${'a='.repeat(size / 2)} token\n`)],
  // The lines below end in a trigger word and stay under maxLineChars at 10n, so that they are scanned, not
  // passed or masked whole.
  [
    'a chain of one-word values, each read again as a name',
    6_000,
    (size) => masks(`${'ab: '.repeat(size / 4)}token\n`),
  ],
  [
    'blanks on a line of a secret table cell that runs over lines',
    3_000,
    (size) => masks(`|  SecretString|  first\n${' '.repeat(size)}x\n`),
  ],
  [
    'blanks after a one-cell table row',
    3_000,
    (size) => masks(`|  Name|${' '.repeat(size)}x|\n|  SecretString|${' '.repeat(size)}\n`),
  ],
  ['one-word values joined by =', 6_000, (size) => masks(`${'a=b '.repeat(size / 4)}token\n`)],
  ['pairs inside a bare value, read again', 6_000, (size) => masks(`note: ${'a='.repeat(size / 2)}token\n`)],
  [
    'pairs inside a quoted value, read again',
    6_000,
    (size) => masks(`"note": "${'a='.repeat(size / 2)}token"\n`),
  ],
  [
    'quoted values of both kinds, one inside the other',
    6_000,
    (size) => masks(`${'a: "b: \'c: '.repeat(size / 11)}token\n`),
  ],
  [
    'unclosed secret values inside a quoted value',
    6_000,
    (size) => masks(`"note": "${"token: 'a=".repeat(size / 10)}"\n`),
  ],
  [
    'escaped quotes opened inside a quoted value',
    6_000,
    (size) => masks(`"note": "${'a=\\"b '.repeat(size / 6)}token"\n`),
  ],
  [
    'unclosed escaped secret values, each inside a quoted value',
    6_000,
    (size) => masks(`${'"n": "token: \\"a", '.repeat(size / 19)}\n`),
  ],
  [
    'quoted runs in one shell word of a bare value',
    6_000,
    (size) => masks(`args: --${"a='b'".repeat(size / 5)}token\n`),
  ],
  [
    'a long line streamed in 1 KiB chunks',
    100_000,
    (size) => {
      const text = flat(`token${'.'.repeat(size)}\n`);
      return () => collectInChunks(text, 1_024);
    },
  ],
  [
    'many learned values (25 and 250) over text that grows with them',
    25,
    (size) => {
      const { learned, text } = learnedOf(size);
      return () => new SecretMasker(learned).maskBlock(text);
    },
  ],
];

function masks(text: string): () => void {
  const input = flat(text);
  return () => maskSecrets(input);
}

describe('masking work', () => {
  it.each(cases)('grows linearly with %s', (_, size, make) => {
    const [small, large] = bestOfEach(make(size), make(size * 10));
    const growth = large / small;
    console.log(`${_}: ${small.toFixed(3)} ms → ${large.toFixed(3)} ms (×${growth.toFixed(1)})`);
    expect(growth).toBeLessThan(maxGrowth);
  });
});

/** The child's output: about 1 MiB that each of the regexes this replaced took seconds to minutes over. */
const hostileOutput = `
const parts = [];
for (let i = 0; i < 4; i++) parts.push('|'.repeat(60000) + 'x\\n');
for (let i = 0; i < 4; i++) parts.push('token ' + 'a'.repeat(60000) + '\\n');
parts.push('a:' + ' '.repeat(60000) + '\\rtoken\\n');
parts.push(' \\n'.repeat(30000) + 'token\\n');
parts.push('password=' + 'A'.repeat(300000) + '\\n');
parts.push('{"SecretString": "hunter2-hostile-secret"}\\n');
process.stdout.write(parts.join(''));
`;

/** The longest a `setTimeout(0)` waited, probed over and over until `work` settles. */
async function worstTimerDelay(work: Promise<unknown>): Promise<number> {
  let settled = false;
  void work.finally(() => {
    settled = true;
  });
  let worst = 0;
  while (!settled) {
    const scheduled = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 0));
    worst = Math.max(worst, performance.now() - scheduled);
  }
  await work;
  return worst;
}

describe('OutputCollector with masking', () => {
  it('lets a timer fire while it masks a hostile 1 MiB output streamed from a process', async () => {
    // Warmed up on the same shapes, so that the JIT compiling the scanners (once per process) does not count.
    maskSecrets(`${'|'.repeat(60)}x\ntoken ${'a'.repeat(60)}\na:    \rtoken\n`.repeat(2_000));
    const idleFor = () => worstTimerDelay(new Promise((resolve) => setTimeout(resolve, 300)));
    const idleBefore = await idleFor();
    const masker = new SecretMasker(new LearnedSecrets(), true);
    const collector = new OutputCollector(100_000, masker);
    const child = spawn(process.execPath, ['-e', hostileOutput], { stdio: ['ignore', 'pipe', 'inherit'] });
    let chunks = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      chunks += 1;
      collector.write(chunk);
    });
    const hostile = await worstTimerDelay(once(child, 'close'));
    const { text, totalChars } = collector.finish();
    // Idle is measured on both sides, so that a load on the machine during the run counts for both.
    const idle = Math.max(idleBefore, await idleFor());
    console.log(
      `timer delay: idle ${idle.toFixed(1)} ms, while masking ${hostile.toFixed(1)} ms (${chunks} chunks, ${totalChars} characters out)`,
    );
    expect(text).not.toContain('hunter2-hostile-secret');
    expect(masker.overlongLines).toBe(1);
    expect(hostile).toBeLessThan(20 * Math.max(idle, 5));
  });
});
