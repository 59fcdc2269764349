/**
 * A lexer for gawk programs that follows gawk's own `yylex` (awkgram.y): `"…"` strings, `/…/` regex constants
 * (with gawk's bracket rules, so `/[/"]/` is one regex), `@/…/` typed regexes, `#` comments, backslash-newline
 * continuations and `name::name` qualified names. Whether a `/` starts a regex or divides is decided by gawk's parser;
 * here it is decided the same way from the token before it (after an operand it divides, anywhere else it starts a
 * regex, and after the `)` of `if (…)`, `while (…)`, `for (…)` a statement, so a regex, begins). One pass, linear in
 * the program's length.
 */

import { ProgramLexError } from './_program-lex-error.js';

/** One token of an awk program; `start`/`end` are offsets into the program text. */
export interface AwkToken {
  /**
   * `name`: an identifier or keyword (`print`, `awk::x`); `number`; `string`: a `"…"` literal's body; `regex`: the
   * body of `/…/`; `typed-regex`: the body of `@/…/`; `comment`: `# …`; `newline`; `punct`: an operator or other
   * character (`>`, `>>`, `|`, `|&`, `@`, `(`, …).
   */
  kind: 'name' | 'number' | 'string' | 'regex' | 'typed-regex' | 'comment' | 'newline' | 'punct';
  text: string;
  start: number;
  end: number;
}

/** Keywords after which gawk's grammar expects an expression or a statement, so a `/` there starts a regex. */
const expressionKeywords = new Set(['print', 'printf', 'return', 'case', 'do', 'else', 'exit', 'in']);
/** Keywords whose `(…)` is followed by a statement. */
const controlKeywords = new Set(['if', 'while', 'for', 'switch']);
/** Operators of two or three characters, longest first, as gawk's lexer reads them. */
const longOperators = [
  '**=',
  '++',
  '--',
  '+=',
  '-=',
  '*=',
  '/=',
  '%=',
  '^=',
  '**',
  '==',
  '!=',
  '<=',
  '>=',
  '&&',
  '||',
  '|&',
  '>>',
  '!~',
];

/** The long operators by their first character, so most characters are looked up once. */
const longOperatorsByFirst = new Map<string, string[]>();
for (const operator of longOperators) {
  const first = operator[0] as string;
  longOperatorsByFirst.set(first, [...(longOperatorsByFirst.get(first) ?? []), operator]);
}

const newline = 10;
const carriageReturn = 13;
const quote = 34;
const slash = 47;
const backslash = 92;
const openBracket = 91;
const closeBracket = 93;

function isLetter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/**
 * Splits an awk program into tokens the way gawk's lexer does. Throws ProgramLexError for an unterminated string or
 * regex, or a backslash that is not the last character of a line; gawk refuses those programs too.
 */
export function tokenizeAwk(program: string): AwkToken[] {
  const tokens: AwkToken[] = [];
  const length = program.length;
  // For each open `(`: whether it belongs to if/while/for/switch, so its `)` is followed by a statement.
  const parens: boolean[] = [];
  let afterControlParen = false;
  let index = 0;
  const push = (kind: AwkToken['kind'], start: number, end: number, text = program.slice(start, end)) => {
    tokens.push({ kind, text, start, end });
  };
  const endsOperand = (): boolean => {
    const last = tokens[tokens.length - 1];
    if (last === undefined || afterControlParen) return false;
    switch (last.kind) {
      case 'number':
      case 'string':
      case 'regex':
      case 'typed-regex':
        return true;
      case 'name':
        return !expressionKeywords.has(last.text);
      case 'punct':
        return last.text === ')' || last.text === ']' || last.text === '++' || last.text === '--';
      default:
        return false;
    }
  };
  /** Reads a regex body from `index` (just after its opening slash); returns the body's end, at the closing slash. */
  const readRegex = (opening: number): number => {
    // gawk counts brackets so `/[/]/` is one regex, and a `]` right after `[` or `[^` is a member, not a close.
    let brackets = 0;
    let bracketStart = -1;
    let bodyLength = 0;
    let lastAdded = -1;
    while (index < length) {
      const code = program.charCodeAt(index);
      if (code === openBracket) {
        if (program.charCodeAt(index + 1) === 58 || brackets === 0) {
          brackets++;
          if (brackets === 1) bracketStart = bodyLength;
        }
      } else if (code === closeBracket) {
        if (
          !(
            brackets > 0 &&
            (bodyLength === bracketStart + 1 || (bodyLength === bracketStart + 2 && lastAdded === 94))
          )
        ) {
          brackets--;
          if (brackets === 0) bracketStart = -1;
        }
      } else if (code === backslash) {
        let next = program.charCodeAt(index + 1);
        if (Number.isNaN(next)) break;
        let skip = 2;
        if (next === carriageReturn) {
          next = program.charCodeAt(index + 2);
          skip = 3;
        }
        index += skip;
        // A backslash-newline continues the regex and adds nothing to it; any other escape adds two characters.
        if (next !== newline) {
          bodyLength += 2;
          lastAdded = next;
        }
        continue;
      } else if (code === slash) {
        if (brackets <= 0) return index;
      } else if (code === newline) {
        break;
      }
      bodyLength++;
      lastAdded = code;
      index++;
    }
    throw new ProgramLexError(
      'the program has an unterminated regular expression; close it with `/`',
      opening,
    );
  };
  while (index < length) {
    const code = program.charCodeAt(index);
    const start = index;
    if (code === 32 || code === 9 || code === carriageReturn) {
      index++;
      continue;
    }
    if (code === backslash) {
      let next = index + 1;
      if (program.charCodeAt(next) === carriageReturn) next++;
      if (program.charCodeAt(next) !== newline) {
        throw new ProgramLexError(
          'a backslash outside a string or regex must be the last character of its line',
          index,
        );
      }
      index = next + 1;
      continue;
    }
    if (code === newline) {
      index++;
      push('newline', start, index);
      afterControlParen = false;
      continue;
    }
    if (code === 35) {
      while (index < length && program.charCodeAt(index) !== newline) index++;
      push('comment', start, index);
      continue;
    }
    if (code === quote) {
      index++;
      while (index < length) {
        const inner = program.charCodeAt(index);
        if (inner === quote) break;
        if (inner === newline) index = length;
        else if (inner === backslash) index += program.charCodeAt(index + 1) === carriageReturn ? 3 : 2;
        else index++;
      }
      if (index >= length)
        throw new ProgramLexError('the program has an unterminated string; close it with `"`', start);
      push('string', start + 1, index);
      index++;
      afterControlParen = false;
      continue;
    }
    if (code === 64 && program.charCodeAt(index + 1) === slash) {
      index += 2;
      const end = readRegex(start);
      push('typed-regex', start + 2, end);
      index = end + 1;
      afterControlParen = false;
      continue;
    }
    if (code === slash && !endsOperand()) {
      // Where an operand is expected a slash starts a regex, even before `=` (gawk's SLASH_BEFORE_EQUAL).
      index++;
      const end = readRegex(start);
      push('regex', start + 1, end);
      index = end + 1;
      afterControlParen = false;
      continue;
    }
    if (isLetter(code)) {
      index++;
      for (;;) {
        while (index < length && (isLetter(program.charCodeAt(index)) || isDigit(program.charCodeAt(index))))
          index++;
        if (program.charCodeAt(index) === 58 && program.charCodeAt(index + 1) === 58) {
          index += 2;
          continue;
        }
        break;
      }
      push('name', start, index);
      afterControlParen = false;
      continue;
    }
    if (isDigit(code) || (code === 46 && isDigit(program.charCodeAt(index + 1)))) {
      index++;
      while (index < length) {
        const inner = program.charCodeAt(index);
        if (isDigit(inner) || isLetter(inner) || inner === 46) index++;
        else if ((inner === 43 || inner === 45) && /[eE]/.test(program[index - 1] as string)) index++;
        else break;
      }
      push('number', start, index);
      afterControlParen = false;
      continue;
    }
    const char = program[index] as string;
    const operator =
      longOperatorsByFirst.get(char)?.find((candidate) => program.startsWith(candidate, index)) ?? char;
    index += operator.length;
    push('punct', start, index, operator);
    if (operator === '(') {
      const before = tokens[tokens.length - 2];
      parens.push(before?.kind === 'name' && controlKeywords.has(before.text));
      afterControlParen = false;
    } else if (operator === ')') {
      afterControlParen = parens.pop() === true;
    } else {
      afterControlParen = false;
    }
  }
  return tokens;
}
