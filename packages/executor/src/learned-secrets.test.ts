import { createRandom } from '@aws-mcp/test-support';
import { describe, expect, it } from 'vitest';
import { LearnedSecrets, maskedValue } from './mask-secrets.js';

// The learned values are found by an Aho–Corasick automaton with a skip table and a hash of transitions. Each row
// here compares it with the plainest reading of the rule: every place a value's first 64 characters occur is
// masked for the value's whole length, and each stretch so covered becomes one [MASKED].

const anchorChars = 64;

/** The rule, read directly: indexOf for every value at every place. */
function maskPlainly(values: Iterable<string>, text: string): { text: string; count: number } {
  const covered = new Uint8Array(text.length);
  for (const value of values) {
    const anchor = value.slice(0, anchorChars);
    for (let at = text.indexOf(anchor); at !== -1; at = text.indexOf(anchor, at + 1)) {
      covered.fill(1, at, Math.min(text.length, at + value.length));
    }
  }
  let masked = '';
  let count = 0;
  for (let index = 0; index < text.length; index += 1) {
    if (covered[index] === 0) masked += text.charAt(index);
    else if (index === 0 || covered[index - 1] === 0) {
      masked += maskedValue;
      count += 1;
    }
  }
  return { text: masked, count };
}

/** Seeded (test-support's mulberry32), so a failing row names its seed and runs again the same. */
function randomFrom(seed: number) {
  const next = createRandom(seed);
  const below = (limit: number) => Math.floor(next() * limit);
  const pick = <T>(items: readonly T[]) => items[below(items.length)] as T;
  return { below, pick };
}

// Few letters, so values share prefixes and suffixes and overlap in the text; code units past ASCII and a
// surrogate pair, so the root table and the pair hash meet more than one byte. No digit, no `-`, no blank: such
// values are never learned (numbers, resource ids) or are trimmed.
const letters = ['a', 'b', 'c', 'a', 'b', 'é', '一', '😀', 'Z'];
const noise = [' ', '\n', '"', ':', ',', 'x', 'a', 'b'];

function makeCase(seed: number) {
  const random = randomFrom(seed);
  const word = (length: number) => {
    let text = '';
    while (text.length < length) text += random.pick(letters);
    return text;
  };
  const values: string[] = [];
  const count = 1 + random.below(12);
  for (let index = 0; index < count; index += 1) {
    const shape = random.below(4);
    if (shape === 0 && values.length > 0) {
      // A value that begins or ends another, or lies inside it.
      const other = random.pick(values);
      const from = random.below(Math.max(1, other.length - 6));
      values.push(other.slice(from, from + 6 + random.below(other.length)));
    } else if (shape === 1) {
      values.push(word(anchorChars + 1 + random.below(40)));
    } else {
      values.push(word(6 + random.below(20)));
    }
  }
  const learned = new LearnedSecrets();
  for (const value of values) learned.add(value);
  let text = '';
  const pieces = random.below(30);
  for (let index = 0; index < pieces; index += 1) {
    const kind = random.below(5);
    if (kind === 0 && values.length > 0) text += random.pick(values);
    else if (kind === 1 && values.length > 0) {
      // A value cut short, or its anchor followed by other text: a long value's anchor masks what follows.
      const value = random.pick(values);
      text += value.slice(0, random.below(value.length + 1)) + word(random.below(8));
    } else if (kind === 2) text += word(random.below(10));
    else text += random.pick(noise);
  }
  return { learned, text };
}

describe('LearnedSecrets.mask against the rule read plainly', () => {
  it.each(Array.from({ length: 400 }, (_, index) => index + 1))('seed %i', (seed) => {
    const { learned, text } = makeCase(seed);
    const { text: masked, count } = learned.mask(text);
    expect({ text: masked, count }).toEqual(maskPlainly(learned.values, text));
  });

  it.each([
    ['a value at the very start', 'hunter2secret and more', `${maskedValue} and more`],
    ['a value at the very end', 'this was hunter2secret', `this was ${maskedValue}`],
    ['the text being the value', 'hunter2secret', maskedValue],
    ['a value in its two-character prefix only', 'hu', 'hu'],
    ['a value missing its last character', 'hunter2secre', 'hunter2secre'],
    ['two values touching', 'hunter2secretSWORDFISHKEY', maskedValue],
    ['two values apart', 'hunter2secret SWORDFISHKEY', `${maskedValue} ${maskedValue}`],
  ])('masks %s', (_, text, expected) => {
    const learned = new LearnedSecrets();
    learned.add('hunter2secret');
    learned.add('SWORDFISHKEY');
    expect(learned.mask(text).text).toBe(expected);
  });

  it('finds a value learned after the last masking', () => {
    const learned = new LearnedSecrets();
    learned.add('first-secret-value');
    expect(learned.mask('first-secret-value later-secret-value').text).toBe(
      `${maskedValue} later-secret-value`,
    );
    learned.add('later-secret-value');
    expect(learned.mask('first-secret-value later-secret-value')).toMatchObject({
      text: `${maskedValue} ${maskedValue}`,
      count: 2,
    });
  });

  it('counts the automaton once: masking again without a new value reads only the text', () => {
    const learned = new LearnedSecrets();
    learned.add('hunter2secret');
    const text = 'x hunter2secret y';
    const first = learned.mask(text).work;
    const again = learned.mask(text).work;
    expect(first - again).toBe('hunter2secret'.length);
    // The text is read twice (finding, then copying): the work grows with it.
    expect(learned.mask(text + text).work).toBe(2 * again);
  });

  it('masks nothing and reads nothing for an empty text or with nothing learned', () => {
    const learned = new LearnedSecrets();
    expect(learned.mask('hunter2secret')).toEqual({ text: 'hunter2secret', count: 0, work: 0 });
    learned.add('hunter2secret');
    expect(learned.mask('')).toEqual({ text: '', count: 0, work: 0 });
  });
});

describe('LearnedSecrets.add', () => {
  it.each([
    ['shorter than 6 characters', 'abcde'],
    ['blank around a short value', '  abcde \n'],
    ['the mask itself', maskedValue],
    ['a timestamp', '2026-12-04T21:00:00Z'],
    ['an ARN', 'arn:aws:iam::123456789012:role/ReadOnly'],
    ['a number', '123456789'],
    ['a resource id', 'vpc-0abc1234def567890'],
  ])('never learns %s', (_, value) => {
    const learned = new LearnedSecrets();
    learned.add(value);
    expect([...learned.values]).toEqual([]);
    expect(learned.missed).toBe(0);
  });

  it('learns a value trimmed, once, with its JSON-unescaped form and the leaves of a JSON value', () => {
    const learned = new LearnedSecrets();
    learned.add('  line\\none\\ttab  ');
    learned.add('line\\none\\ttab');
    learned.add('{"user":"admin-name","password":"s3cr3t-pass","n":12345678,"nested":[{"k":"deep-value"}]}');
    expect([...learned.values]).toEqual([
      'line\\none\\ttab',
      'line\none\ttab',
      '{"user":"admin-name","password":"s3cr3t-pass","n":12345678,"nested":[{"k":"deep-value"}]}',
      'admin-name',
      's3cr3t-pass',
      'deep-value',
    ]);
    expect(learned.mask('user admin-name, then deep-value').text).toBe(
      `user ${maskedValue}, then ${maskedValue}`,
    );
  });

  it('learns the leaves of a JSON array, in order', () => {
    const learned = new LearnedSecrets();
    learned.add('["first-leaf", ["second-leaf"], null, true]');
    expect([...learned.values].slice(1)).toEqual(['first-leaf', 'second-leaf']);
  });

  it('stops at 256 values and counts each value it could not learn', () => {
    const learned = new LearnedSecrets();
    for (let index = 0; index < 258; index += 1)
      learned.add(`value-${'x'.repeat(6)}-${String.fromCharCode(0x4e00 + index)}`);
    expect(learned.values.size).toBe(256);
    expect(learned.missed).toBe(2);
  });

  it('stops at 1 MiB of values and counts the value that would pass it', () => {
    const learned = new LearnedSecrets();
    learned.add('a'.repeat(1_048_570));
    learned.add('bbbbbb');
    expect(learned.values.size).toBe(2);
    learned.add('cccccc');
    expect(learned.values.size).toBe(2);
    expect(learned.missed).toBe(1);
  });
});
