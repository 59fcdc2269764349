import { describe, expect, it } from 'vitest';
import { type JqToken, tokenizeJq } from './_jq-lexer.js';
import { ProgramLexError } from './_program-lex-error.js';

const shape = (program: string) => tokenizeJq(program).map((token: JqToken) => `${token.kind}:${token.text}`);

describe('tokenizeJq', () => {
  it.each<[string, string[]]>([
    ['.a | .b', ['field:a', 'punct:|', 'field:b']],
    ['"import"', ['string:import']],
    ['import#c\n"x" as $p;', ['ident:import', 'comment:#c', 'string:x', 'ident:as', 'binding:p', 'punct:;']],
    [
      '"a\\(.b + "\\("c")")d"',
      [
        'string:a',
        'punct:\\(',
        'field:b',
        'punct:+',
        'string:',
        'punct:\\(',
        'string:c',
        'punct:)',
        'string:',
        'punct:)',
        'string:d',
      ],
    ],
    ['"\\"# not a comment"', ['string:\\"# not a comment']],
    ['"\\\\" # comment "x"', ['string:\\\\', 'comment:# comment "x"']],
    [
      '$__loc__ | m::f | @base64 | .e5 | 1.5',
      [
        'binding:__loc__',
        'punct:|',
        'ident:m::f',
        'punct:|',
        'format:@base64',
        'punct:|',
        'field:e5',
        'punct:|',
        'number:1.5',
      ],
    ],
    ['{a: [1]}', ['punct:{', 'ident:a', 'punct::', 'punct:[', 'number:1', 'punct:]', 'punct:}']],
  ])('%j', (program, tokens) => {
    expect(shape(program)).toEqual(tokens);
  });

  it('gives each token its depth, string parts of a top-level literal at 0', () => {
    expect(tokenizeJq('"a\\((.b))c"').map((token) => [token.text, token.depth])).toEqual([
      ['a', 0],
      ['\\(', 0],
      ['(', 1],
      ['b', 2],
      [')', 1],
      [')', 0],
      ['c', 0],
    ]);
  });

  it.each([
    ['"open', 'unterminated string'],
    ['"a\\(.b"', 'unterminated string'],
    ['"a\\(.b', 'unterminated `\\(` interpolation'],
    ['(.a]', 'unbalanced `]`'],
    [')', 'unbalanced `)`'],
    ['[.a', 'unclosed bracket'],
    // jq 1.7 continues a comment after a backslash at the line end; jq 1.6 does not.
    ['# c \\\nimport "x" as $p; .', 'ends in different places'],
    ['# c \\\r\nimport "x" as $p; .', 'ends in different places'],
    ['# c \r import "x" as $p; .', 'ends in different places'],
  ])('refuses %j: %s', (program, reason) => {
    expect(() => tokenizeJq(program)).toThrow(ProgramLexError);
    expect(() => tokenizeJq(program)).toThrow(reason);
  });

  it('reads a comment ending in an even run of backslashes the same in both versions', () => {
    expect(shape('# c \\\\\n.')).toEqual(['comment:# c \\\\', 'punct:.']);
  });
});
