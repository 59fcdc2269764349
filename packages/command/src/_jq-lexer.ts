/**
 * A lexer for jq programs that follows jq's own `src/lexer.l` (jq 1.6 and 1.7+): `"…"` strings with `\(…)`
 * interpolations lexed as code, `#` comments, identifiers with `::` namespaces, `$name` bindings, `.name` fields and
 * `@format` names. It only answers what the filter check needs (which words stand outside strings and comments), in
 * one pass over the text, so its cost grows linearly with the program.
 */

import { ProgramLexError } from './_program-lex-error.js';

/** One token of a jq program; `start`/`end` are offsets into the program text. */
export interface JqToken {
  /**
   * `ident`: a name or keyword (`import`, `map`, `foo::bar`); `binding`: `$name`; `field`: `.name`; `format`:
   * `@base64`; `number`: `1`, `1.5e3`, `.5`; `string`: the text parts of a `"…"` literal (one token per part between interpolations);
   * `comment`: `# …`; `punct`: any other character or operator.
   */
  kind: 'ident' | 'binding' | 'field' | 'format' | 'number' | 'string' | 'comment' | 'punct';
  /** The token as written; for `binding` without the `$`, for `field` without the `.`. */
  text: string;
  start: number;
  end: number;
  /** How many brackets and `\(` interpolations enclose it; the parts of a top-level string literal have depth 0. */
  depth: number;
}

enum Char {
  Tab = 9,
  Newline = 10,
  Return = 13,
  Space = 32,
  Quote = 34,
  Hash = 35,
  Dollar = 36,
  OpenParen = 40,
  CloseParen = 41,
  Dot = 46,
  Zero = 48,
  Nine = 57,
  Colon = 58,
  At = 64,
  OpenBracket = 91,
  Backslash = 92,
  CloseBracket = 93,
  Underscore = 95,
  OpenBrace = 123,
  CloseBrace = 125,
}

/** What closes a `\(` interpolation on the closer stack. */
const interpolation = -1;

function isIdentStart(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === Char.Underscore;
}

function isDigit(code: number): boolean {
  return code >= Char.Zero && code <= Char.Nine;
}

function isIdentChar(code: number): boolean {
  return isIdentStart(code) || (code >= Char.Zero && code <= Char.Nine);
}

/** The end of `name(::name)*` starting at `index` (which holds an identifier start). */
function readQualifiedName(program: string, index: number): number {
  let end = index;
  for (;;) {
    while (end < program.length && isIdentChar(program.charCodeAt(end))) end++;
    if (
      program.charCodeAt(end) === Char.Colon &&
      program.charCodeAt(end + 1) === Char.Colon &&
      isIdentStart(program.charCodeAt(end + 2))
    ) {
      end += 2;
      continue;
    }
    return end;
  }
}

/**
 * Where a comment starting at `start` ends. jq 1.6 ends it at the first CR or LF; jq 1.7 lets `\` continue it onto
 * the next line and keeps a lone CR inside it. Where the two disagree, the rest of the program would be code to one
 * jq and comment to the other, so that is refused.
 */
function readComment(program: string, start: number): number {
  let old = start;
  while (old < program.length) {
    const code = program.charCodeAt(old);
    if (code === Char.Newline || code === Char.Return) break;
    old++;
  }
  let current = start + 1;
  while (current < program.length) {
    const code = program.charCodeAt(current);
    if (code === Char.Backslash) {
      const next = program.charCodeAt(current + 1);
      if (next === Char.Backslash || next === Char.Newline) {
        current += 2;
        continue;
      }
      if (next === Char.Return && program.charCodeAt(current + 2) === Char.Newline) {
        current += 3;
        continue;
      }
    }
    if (code === Char.Newline) break;
    if (code === Char.Return && program.charCodeAt(current + 1) === Char.Newline) break;
    current++;
  }
  if (current !== old) {
    throw new ProgramLexError(
      'a comment that ends in a backslash or holds a carriage return ends in different places in jq 1.6 and 1.7; end the comment with a plain newline',
      start,
    );
  }
  return old;
}

/**
 * Splits a jq program into tokens the way jq's lexer does. Throws ProgramLexError for an unterminated string, an
 * unbalanced bracket or a comment jq versions read differently; jq itself would not run those either (or not the
 * same way).
 */
export function tokenizeJq(program: string): JqToken[] {
  const tokens: JqToken[] = [];
  // jq's start-condition stack: what each open `(`, `[`, `{` or `\(` expects to close it.
  const closers: number[] = [];
  let index = 0;
  const length = program.length;
  const push = (kind: JqToken['kind'], start: number, end: number, text = program.slice(start, end)) => {
    tokens.push({ kind, text, start, end, depth: closers.length });
  };
  // Reads string text from `index` (just after a `"` or an interpolation's `)`) to the closing quote, or to `\(`.
  const readStringText = (): void => {
    const textStart = index;
    while (index < length) {
      const code = program.charCodeAt(index);
      if (code === Char.Quote) {
        push('string', textStart, index);
        index++;
        return;
      }
      if (code === Char.Backslash) {
        const next = program.charCodeAt(index + 1);
        if (next === Char.OpenParen) {
          push('string', textStart, index);
          push('punct', index, index + 2);
          closers.push(interpolation);
          index += 2;
          return;
        }
        if (Number.isNaN(next)) break;
        // Any other escape is two characters for the string's boundaries (`\u` then plain letters).
        index += 2;
        continue;
      }
      index++;
    }
    throw new ProgramLexError('the program has an unterminated string; close it with `"`', textStart - 1);
  };
  while (index < length) {
    const code = program.charCodeAt(index);
    if (code === Char.Space || code === Char.Tab || code === Char.Newline || code === Char.Return) {
      index++;
      continue;
    }
    const start = index;
    if (code === Char.Hash) {
      index = readComment(program, index);
      push('comment', start, index);
      continue;
    }
    if (code === Char.Quote) {
      index++;
      readStringText();
      continue;
    }
    if (isIdentStart(code)) {
      index = readQualifiedName(program, index);
      push('ident', start, index);
      continue;
    }
    if (code === Char.Dollar && isIdentStart(program.charCodeAt(index + 1))) {
      index = readQualifiedName(program, index + 1);
      push('binding', start, index, program.slice(start + 1, index));
      continue;
    }
    if (code === Char.Dot && isIdentStart(program.charCodeAt(index + 1))) {
      index++;
      while (index < length && isIdentChar(program.charCodeAt(index))) index++;
      push('field', start, index, program.slice(start + 1, index));
      continue;
    }
    if (isDigit(code) || (code === Char.Dot && isDigit(program.charCodeAt(index + 1)))) {
      index++;
      while (index < length && (isDigit(program.charCodeAt(index)) || program.charCodeAt(index) === Char.Dot))
        index++;
      const exponent = program.charCodeAt(index) | 0x20;
      if (exponent === 101) {
        let digits = index + 1;
        const sign = program.charCodeAt(digits);
        if (sign === 43 || sign === 45) digits++;
        if (isDigit(program.charCodeAt(digits))) {
          index = digits;
          while (index < length && isDigit(program.charCodeAt(index))) index++;
        }
      }
      push('number', start, index);
      continue;
    }
    if (code === Char.At && isIdentChar(program.charCodeAt(index + 1))) {
      index++;
      while (index < length && isIdentChar(program.charCodeAt(index))) index++;
      push('format', start, index);
      continue;
    }
    if (code === Char.OpenParen || code === Char.OpenBracket || code === Char.OpenBrace) {
      index++;
      push('punct', start, index);
      closers.push(
        code === Char.OpenParen
          ? Char.CloseParen
          : code === Char.OpenBracket
            ? Char.CloseBracket
            : Char.CloseBrace,
      );
      continue;
    }
    if (code === Char.CloseParen || code === Char.CloseBracket || code === Char.CloseBrace) {
      const expected = closers.pop();
      if (expected === interpolation && code === Char.CloseParen) {
        index++;
        push('punct', start, index);
        readStringText();
        continue;
      }
      if (expected !== code) {
        throw new ProgramLexError(`the program has an unbalanced \`${program[index]}\``, index);
      }
      index++;
      push('punct', start, index);
      continue;
    }
    index++;
    push('punct', start, index);
  }
  if (closers.length > 0) {
    throw new ProgramLexError(
      closers[closers.length - 1] === interpolation
        ? 'the program has an unterminated `\\(` interpolation'
        : 'the program has an unclosed bracket',
      length,
    );
  }
  return tokens;
}
