import { describe, expect, it } from 'vitest';
import { parseCommandLine } from './index.js';
import { escapeHiddenJson, escapeHiddenText, formatStagesForPerson } from './person-text.js';

describe('escapeHiddenText', () => {
  it.each([
    ['a C0 control', 'a\u0007b', 'a\\u{0007}b'],
    ['a newline and a tab', 'a\nb\tc', 'a\\u{000A}b\\u{0009}c'],
    ['DEL and a C1 control', 'a\u007f\u0085b', 'a\\u{007F}\\u{0085}b'],
    ['a right-to-left override', 'good\u202eexe.txt', 'good\\u{202E}exe.txt'],
    ['a right-to-left isolate and its end', 'a\u2067b\u2069', 'a\\u{2067}b\\u{2069}'],
    ['the Arabic letter mark', 'a\u061cb', 'a\\u{061C}b'],
    ['a zero-width space and joiner', 'a\u200bb\u200dc', 'a\\u{200B}b\\u{200D}c'],
    ['a soft hyphen', 'del\u00adete', 'del\\u{00AD}ete'],
    ['a byte-order mark', '\ufeffx', '\\u{FEFF}x'],
    ['tag characters', 'ok\u{E0041}\u{E007F}', 'ok\\u{E0041}\\u{E007F}'],
    ['the tag range ends', '\u{E0000}\u{E007F}', '\\u{E0000}\\u{E007F}'],
    ['variation selectors', 'a\ufe0fb\u{E0100}', 'a\\u{FE0F}b\\u{E0100}'],
    ['Hangul fillers', '\u115f\u1160\u3164\uffa0', '\\u{115F}\\u{1160}\\u{3164}\\u{FFA0}'],
    ['the braille blank', 'a\u2800b', 'a\\u{2800}b'],
    ['the combining grapheme joiner', 'a\u034fb', 'a\\u{034F}b'],
    ['a no-break and an ideographic space', 'a\u00a0b\u3000c', 'a\\u{00A0}b\\u{3000}c'],
    ['a line separator', 'a\u2028b', 'a\\u{2028}b'],
    ['a private-use character', 'a\ue000b', 'a\\u{E000}b'],
    ['a combining mark at the start', '\u0301abc', '\\u{0301}abc'],
    ['a combining mark after a space', 'a \u0301b', 'a \\u{0301}b'],
    ['a combining mark after a quote', "'\u0301x'", "'\\u{0301}x'"],
    ['a combining mark after an escaped character', 'a\u200b\u0301', 'a\\u{200B}\\u{0301}'],
    ['a backslash that could fake an escape', 'a\\u{202E}', 'a\\\\u{202E}'],
  ])('escapes %s', (_name, text, shown) => {
    expect(escapeHiddenText(text)).toBe(shown);
  });

  it.each([
    ['plain ASCII', 'aws s3 ls s3://bucket/key.txt'],
    ['a letter with its combining accent', 'caf\u0065\u0301'],
    ['two marks on one base', 'a\u0301\u0302'],
    ['letters of other scripts', 'Ünïcödé 日本語 עברית'],
    ['an emoji', 'bucket-🪣'],
    ['a jq program with its own escapes', '.[] | "\\(.Name)\\n"'],
  ])('leaves %s as it is', (_name, text) => {
    expect(escapeHiddenText(text)).toBe(text);
  });
});

describe('formatStagesForPerson', () => {
  it('shows every stage quoted, with what is hidden escaped', () => {
    const pipeline = parseCommandLine("aws s3 rm 's3://b/report\u202etxt.exe' | grep 'x\u{E0041}'");
    expect(
      formatStagesForPerson([pipeline.aws.written, ...pipeline.filters.map((stage) => stage.argv)]),
    ).toBe("aws s3 rm 's3://b/report\\u{202E}txt.exe' | grep 'x\\u{E0041}'");
  });
});

describe('escapeHiddenJson', () => {
  it('writes hidden characters as JSON escapes, so the line reads back to the same value', () => {
    const value = { argv: ['a\u202eb', '\u0301x', 'x\u{E0041}', 'caf\u0065\u0301'] };
    const line = escapeHiddenJson(JSON.stringify(value));
    expect(line).toBe('{"argv":["a\\u202eb","\\u0301x","x\\udb40\\udc41","caf\u0065\u0301"]}');
    expect(JSON.parse(line)).toEqual(value);
  });
});
