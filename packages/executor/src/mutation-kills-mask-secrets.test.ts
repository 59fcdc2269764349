// Cases that Stryker's mutants of mask-secrets.ts survived (docs/testing.md, "Mutation testing"): each row is a
// real input through the real masking and the exact text a person then sees. Rows are numbered: Stryker matches
// tests by title.
import { describe, expect, it } from 'vitest';
import { maskSecrets } from './mask-secrets.js';

// Every character JavaScript's `\s` matches (but `\n`, which ends a line), as the masking's `isSpace` lists them.
const spaces = [
  '\t',
  '\u000b',
  '\u000c',
  '\r',
  ' ',
  '\u00a0',
  '\u1680',
  '\u2000',
  '\u2005',
  '\u200a',
  '\u2028',
  '\u2029',
  '\u202f',
  '\u205f',
  '\u3000',
  '\ufeff',
];

describe('maskSecrets: white space around a value (mutants of isSpace)', () => {
  it.each(spaces.map((space, index) => [index + 1, space]))(
    '%i: a blank before and after a bare value is kept beside the mask',
    (_, space) => {
      expect(maskSecrets(`password=${space}hunter2${space}tail\n`).text).toBe(
        `password=${space}[MASKED]${space}tail\n`,
      );
    },
  );
});

// Characters next to those ranges that `\s` does not match: a value that holds them is one value, masked whole.
const notSpaces = ['\u0001', '\u0008', '\u000e', '\u200b', '\u2030', '\u4e00'];

describe('maskSecrets: characters that are not blanks (mutants of isSpace)', () => {
  it.each(notSpaces.map((character, index) => [index + 1, character]))(
    '%i: a character that is not a blank stays inside the masked value',
    (_, character) => {
      expect(/\s/.test(character as string)).toBe(false);
      expect(maskSecrets(`password=${character}hunter2${character}tail\n`).text).toBe('password=[MASKED]\n');
    },
  );
});
