import { quoteWord } from './render-argv.js';

/**
 * Characters a person cannot see, or that change how what follows is shown, and why each is escaped. One table:
 * the consent text and the audit log both escape exactly these.
 */
const hiddenCharacterRows: ReadonlyArray<readonly [pattern: RegExp, reason: string]> = [
  [/\p{Cc}/u, 'controls (C0, DEL, C1): a terminal or a client may act on them or drop them'],
  [/\p{Cf}/u, 'format characters: bidi overrides and isolates, zero-width marks, soft hyphen, tags, BOM'],
  [
    /\p{Bidi_Control}/u,
    'bidirectional controls reorder what follows (U+061C, U+200E, U+202A–U+202E, U+2066–U+2069)',
  ],
  [
    /\p{Default_Ignorable_Code_Point}/u,
    'shown as nothing: Hangul fillers, combining grapheme joiner, U+115F…',
  ],
  [/\p{Variation_Selector}/u, 'variation selectors change the glyph before them and show nothing themselves'],
  [/[\p{Zl}\p{Zp}]/u, 'line and paragraph separators break the line where none is written'],
  [/(?!\x20)\p{Zs}/u, 'spaces other than U+0020 (no-break, en, em, ideographic) look like an ordinary space'],
  [/\u2800/u, 'the braille pattern blank looks like a space but is a letter to every parser'],
  [/[\p{Co}\p{Cn}\p{Cs}]/u, 'private-use, unassigned and lone surrogate code points have no agreed look'],
];

const hiddenCharacter = new RegExp(hiddenCharacterRows.map(([pattern]) => pattern.source).join('|'), 'u');
const combiningMark = /\p{M}/u;

/** Whether a person could not see `char` (one code point) as written; see the table above. */
export function isHiddenCharacter(char: string): boolean {
  return hiddenCharacter.test(char);
}

function codePointEscape(char: string): string {
  return `\\u{${(char.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')}}`;
}

/**
 * Text shown so a person reads exactly what it holds: every hidden character (see `hiddenCharacterRows`) and every
 * combining mark without a base (at the start, or after a space, a quote or an escaped character) becomes
 * `\u{XXXX}`, newlines and tabs too; a backslash written before `u{` is doubled, so `\u{…}` is the one escape
 * and it cannot be faked.
 */
export function escapeHiddenText(text: string): string {
  const chars = [...text];
  let shown = '';
  let hasBase = false;
  for (const [index, char] of chars.entries()) {
    if (isHiddenCharacter(char) || (combiningMark.test(char) && !hasBase)) {
      shown += codePointEscape(char);
      hasBase = false;
    } else if (char === '\\' && chars[index + 1] === 'u' && chars[index + 2] === '{') {
      shown += '\\\\';
      hasBase = false;
    } else {
      shown += char;
      // A mark after a mark keeps the first one's base; a space or a quote is no base.
      if (!combiningMark.test(char)) hasBase = char !== ' ' && char !== "'" && char !== '"';
    }
  }
  return shown;
}

/**
 * Stages as a person should read them (consent text, logs): each word quoted as the command parser would read it
 * back, with hidden characters escaped, stages joined by ` | `. Not meant to be parsed back.
 */
export function formatStagesForPerson(stages: readonly (readonly string[])[]): string {
  return stages.map((argv) => argv.map((word) => escapeHiddenText(quoteWord(word))).join(' ')).join(' | ');
}

/**
 * A JSON text with every hidden character and base-less combining mark inside it written as a `\uXXXX` escape:
 * the same JSON value, but a person reading the file with any viewer sees what it holds.
 */
export function escapeHiddenJson(json: string): string {
  let shown = '';
  let hasBase = false;
  for (const char of json) {
    if (isHiddenCharacter(char) || (combiningMark.test(char) && !hasBase)) {
      for (let index = 0; index < char.length; index++) {
        shown += `\\u${char.charCodeAt(index).toString(16).padStart(4, '0')}`;
      }
      hasBase = false;
    } else {
      shown += char;
      if (!combiningMark.test(char)) hasBase = char !== ' ' && char !== '"';
    }
  }
  return shown;
}
