import { describe, expect, it } from 'vitest';
import { type AwkToken, tokenizeAwk } from './_awk-lexer.js';
import { ProgramLexError } from './_program-lex-error.js';

const shape = (program: string) =>
  tokenizeAwk(program)
    .filter((token: AwkToken) => token.kind !== 'newline')
    .map((token: AwkToken) => `${token.kind}:${token.text}`);

describe('tokenizeAwk', () => {
  it.each<[string, string[]]>([
    [
      '{ print $1/2 "/" $3 }',
      [
        'punct:{',
        'name:print',
        'punct:$',
        'number:1',
        'punct:/',
        'number:2',
        'string:/',
        'punct:$',
        'number:3',
        'punct:}',
      ],
    ],
    ['$1 ~ /[/"]#/', ['punct:$', 'number:1', 'punct:~', 'regex:[/"]#']],
    ['/[]/"]/ && /[^]/]/', ['regex:[]/"]', 'punct:&&', 'regex:[^]/]']],
    ['/a\\/b"/', ['regex:a\\/b"']],
    ['x = a /2/ 1', ['name:x', 'punct:=', 'name:a', 'punct:/', 'number:2', 'punct:/', 'number:1']],
    [
      'x = (a) /2/ 1',
      ['name:x', 'punct:=', 'punct:(', 'name:a', 'punct:)', 'punct:/', 'number:2', 'punct:/', 'number:1'],
    ],
    ['if (x) /a"/', ['name:if', 'punct:(', 'name:x', 'punct:)', 'regex:a"']],
    ['print /a/', ['name:print', 'regex:a']],
    ['x++ / 2', ['name:x', 'punct:++', 'punct:/', 'number:2']],
    ['$0 ~ /=/', ['punct:$', 'number:0', 'punct:~', 'regex:=']],
    ['x /= 2', ['name:x', 'punct:/=', 'number:2']],
    ['r = @/x"#/', ['name:r', 'punct:=', 'typed-regex:x"#']],
    ['"a\\"b" # c "d', ['string:a\\"b', 'comment:# c "d']],
    ['awk::system("x")', ['name:awk::system', 'punct:(', 'string:x', 'punct:)']],
    ['a |& b >> c | d', ['name:a', 'punct:|&', 'name:b', 'punct:>>', 'name:c', 'punct:|', 'name:d']],
    ['x = 1 \\\n + 2', ['name:x', 'punct:=', 'number:1', 'punct:+', 'number:2']],
  ])('%j', (program, tokens) => {
    expect(shape(program)).toEqual(tokens);
  });

  it.each([
    ['"open', 'unterminated string'],
    ['"a\nb"', 'unterminated string'],
    ['$0 ~ /open', 'unterminated regular expression'],
    ['$0 ~ /a\nb/', 'unterminated regular expression'],
    ['x = 1 \\ + 2', 'backslash outside a string'],
  ])('refuses %j: %s', (program, reason) => {
    expect(() => tokenizeAwk(program)).toThrow(ProgramLexError);
    expect(() => tokenizeAwk(program)).toThrow(reason);
  });
});
