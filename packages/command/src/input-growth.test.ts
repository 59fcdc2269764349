import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { tokenizeAwk } from './_awk-lexer.js';
import { tokenizeJq } from './_jq-lexer.js';
import { splitCommandLine } from './_tokenize.js';
import { loadSnapshotCatalog, loadSnapshotCliModel, parseCommandLine, validatePipeline } from './index.js';

/**
 * Validation must cost time in proportion to its input: each case times the work on an input and on one ten times
 * larger, in the same run, and compares. Linear work grows about 10×, quadratic about 100×; no wall-clock limit.
 */
function fastest(work: () => void, repeat: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (let trial = 0; trial < 7; trial++) {
    const start = performance.now();
    for (let round = 0; round < repeat; round++) work();
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

/**
 * How much longer one call takes on an input ten times larger (about 10 when linear, 100 when quadratic); the best
 * of three tries, as the machine is shared.
 */
function growth(
  make: (size: number) => string,
  work: (input: string) => void,
  size: number,
  repeat = 1,
): number {
  let best = Number.POSITIVE_INFINITY;
  const small = make(size);
  const large = make(size * 10);
  for (let attempt = 0; attempt < 3 && best >= 30; attempt++) {
    work(small);
    work(large);
    const perLarge = fastest(() => work(large), repeat) / repeat;
    const perSmall = fastest(() => work(small), repeat * 10) / (repeat * 10);
    best = Math.min(best, perLarge / perSmall);
  }
  if (process.env.GROWTH_REPORT) console.log(`growth ${best.toFixed(1)}× for ${small.slice(0, 40)}`);
  return best;
}

const catalog = loadSnapshotCatalog();
const model = loadSnapshotCliModel(1);

describe('validation time grows linearly with the input', () => {
  it.each<[string, (size: number) => string, (input: string) => void, number]>([
    [
      'the command-line tokenizer, many quoted words',
      (n) => `aws s3 ls ${"'a b' ".repeat(n)}`,
      (input) => void splitCommandLine(input),
      2_000,
    ],
    [
      'the command-line tokenizer, one long quoted word',
      (n) => `aws s3 ls '${'x|'.repeat(n)}'`,
      (input) => void splitCommandLine(input),
      5_000,
    ],
    [
      'the jq lexer, nested parentheses',
      (n) => `${'('.repeat(n)}.${')'.repeat(n)}`,
      (input) => void tokenizeJq(input),
      2_000,
    ],
    [
      'the jq lexer, nested interpolations',
      (n) => `${'"\\('.repeat(n)}.${')"'.repeat(n)}`,
      (input) => void tokenizeJq(input),
      2_000,
    ],
    [
      'the jq lexer, comments and strings',
      (n) => '"s" # c\n'.repeat(n),
      (input) => void tokenizeJq(input),
      2_000,
    ],
    [
      'the awk lexer, nested parentheses (16,000 cost 0.9 s before)',
      (n) => `BEGIN { print ${'('.repeat(n)}1${')'.repeat(n)} }`,
      (input) => void tokenizeAwk(input),
      1_600,
    ],
    [
      'the awk lexer, regexes and print statements',
      (n) => '$0 ~ /a[/]b/ { print $1 > 2 ? "x" : "y" }\n'.repeat(n),
      (input) => void tokenizeAwk(input),
      500,
    ],
  ])('%s', (_name, make, work, size) => {
    expect(growth(make, work, size)).toBeLessThan(30);
  });

  it.each<[string, (size: number) => string]>([
    [
      'nested parentheses in an awk stage',
      (n) => `aws s3 ls | awk 'BEGIN { print ${'('.repeat(n)}1${')'.repeat(n)} }'`,
    ],
    ['nested brackets in a jq stage', (n) => `aws s3 ls | jq '${'['.repeat(n)}.${']'.repeat(n)}'`],
    [
      'many arguments to the aws stage',
      (n) => `aws ec2 describe-instances --instance-ids ${'i-0123456789abcdef0 '.repeat(n)}`,
    ],
    ['a long --query', (n) => `aws ec2 describe-instances --query '${'Reservations[].'.repeat(n)}Instances'`],
  ])('parseCommandLine + validatePipeline: %s', (_name, make) => {
    const work = (input: string) =>
      void validatePipeline(
        parseCommandLine(input, { model }),
        { mode: 'read-only' },
        { workdir: '/w', catalog },
      );
    expect(growth(make, work, 400, 3)).toBeLessThan(30);
  });
});
