import { CommandError } from './command-error.js';

const operatorAdvice: Record<string, string> = {
  '&&': 'run one command per call, and use --query or a `| jq` stage to shape its output',
  '||': 'run one command per call; a failure comes back as an error result you can react to',
  ';': 'run one command per call',
  '&': 'commands run in the foreground only; run one command per call',
  '|&': 'stderr is returned separately; use a plain `|`',
  '>': 'output is returned to you, not written to files; to save an object use `aws s3 cp SRC FILE` in the working directory',
  '>>': 'output is returned to you, not written to files',
  '>&': 'stderr is returned separately; drop the redirection',
  '<': 'stages read only the previous stage; pass data with the AWS CLI option itself (e.g. file:// in the working directory)',
  '<(': 'process substitution is not supported; run one command per call',
  '(': 'subshells are not supported; run one command per call',
  ')': 'subshells are not supported; run one command per call',
  ';;': 'run one command per call',
};

function isControlCharacter(code: number): boolean {
  return code < 0x20 || code === 0x7f;
}

/** Shell operators as shell-quote and bash read them, longest first; any of them refuses the line. */
const operators = [
  '||',
  '&&',
  '&>>',
  '&>',
  ';;&',
  ';;',
  ';&',
  '|&',
  '<(',
  '<<<',
  '<<-',
  '<<',
  '>>',
  '>&',
  '>|',
  '>(',
];
const operatorStarts = new Set(['&', ';', '<', '>', '(', ')', '|']);
/** What may follow `$` inside double quotes for a shell to expand it. */
const expandable = /[A-Za-z0-9_{(@*#?!$-]/;
const newlineCode = 0x0a;
const tabCode = 0x09;
const carriageReturnCode = 0x0d;

function readOperator(text: string, index: number): string {
  for (const operator of operators) {
    if (text.startsWith(operator, index) && !(operator === '<<' && text[index + 2] === '(')) return operator;
  }
  return text[index] as string;
}

function forbiddenOperator(op: string): CommandError {
  return new CommandError({
    code: 'FORBIDDEN_OPERATOR',
    token: op,
    message: `The shell operator \`${op}\` is not supported; the only operator is \`|\` between stages. Instead: ${operatorAdvice[op] ?? 'run one command per call'}.`,
  });
}

function controlCharacterError(code: number): CommandError {
  const shown = `\\x${code.toString(16).padStart(2, '0')}`;
  return new CommandError({
    code: 'CONTROL_CHARACTER',
    token: shown,
    message:
      code === 0x0a || code === 0x0d
        ? 'A newline outside quotes would start a second command; send one command per call, on one line.'
        : `The command contains the control character ${shown}; remove it.`,
  });
}

function expansionError(fragment: string): CommandError {
  const token = fragment.match(/^\$(\{[^}]*\}?|[A-Za-z0-9_@*#?!$-]*)/)?.[0] ?? '$';
  return new CommandError({
    code: 'UNQUOTED_EXPANSION',
    token,
    message: `\`${token}\` would be expanded by a shell, but commands run without a shell and variables are never expanded: write the value itself, or put a literal \`$\` inside single quotes.`,
  });
}

/**
 * Splits a command line into stages of words at unquoted `|`, reading quotes as a POSIX shell does (single quotes
 * literal, double quotes with `\\` before `$` `` ` `` `"` `\\` and newline, a backslash outside quotes escaping the
 * next character). Refuses every other shell construct (expansions, substitutions, operators, comments, a newline
 * outside quotes, control characters, an unclosed quote) with a CommandError that names it; never alters a word
 * silently and never expands anything. One pass over the text.
 */
export function splitCommandLine(text: string): string[][] {
  const stages: string[][] = [[]];
  let stage = stages[0] as string[];
  let word = '';
  let inWord = false;
  const length = text.length;
  let index = 0;
  const endWord = () => {
    if (inWord) stage.push(word);
    word = '';
    inWord = false;
  };
  while (index < length) {
    const code = text.charCodeAt(index);
    if (code === 0) throw nulError();
    const char = text[index] as string;
    if (char === "'") {
      const close = text.indexOf("'", index + 1);
      if (close === -1) throw unclosedQuote('single');
      for (let inner = index + 1; inner < close; inner++) {
        const innerCode = text.charCodeAt(inner);
        if (innerCode === 0) throw nulError();
        if (
          isControlCharacter(innerCode) &&
          innerCode !== newlineCode &&
          innerCode !== tabCode &&
          innerCode !== carriageReturnCode
        ) {
          throw controlCharacterError(innerCode);
        }
      }
      word += text.slice(index + 1, close);
      inWord = true;
      index = close + 1;
      continue;
    }
    if (char === '"') {
      index = readDoubleQuoted(index + 1);
      inWord = true;
      continue;
    }
    if (isControlCharacter(code) && code !== tabCode) throw controlCharacterError(code);
    if (char === ' ' || char === '\t') {
      endWord();
      index++;
      continue;
    }
    if (char === '\\') {
      const next = text.charCodeAt(index + 1);
      if (Number.isNaN(next)) {
        throw new CommandError({
          code: 'UNBALANCED_QUOTE',
          message: 'The command ends with a lone backslash; remove it or quote the argument.',
        });
      }
      if (next === 0) throw nulError();
      if (isControlCharacter(next)) throw controlCharacterError(next);
      word += text[index + 1];
      inWord = true;
      index += 2;
      continue;
    }
    if (char === '$') {
      throw text[index + 1] === '('
        ? new CommandError({
            code: 'COMMAND_SUBSTITUTION',
            token: '$(',
            message:
              'Command substitution `$(…)` is not supported: run the inner command as its own call and put its result in the next one.',
          })
        : expansionError(text.slice(index, index + 12));
    }
    if (char === '`') {
      throw new CommandError({
        code: 'COMMAND_SUBSTITUTION',
        token: '`',
        message:
          'An unquoted backtick is command substitution in a shell and is refused. JMESPath literals belong inside a quoted --query, e.g. --query "Contents[?Size > `1000`]".',
      });
    }
    if (char === '#' && !inWord) {
      throw new CommandError({
        code: 'COMMENT',
        token: '#',
        message:
          'A word starting with `#` would be a comment in a shell. Quote it (e.g. "#tag") if it is a value.',
      });
    }
    if (operatorStarts.has(char)) {
      const op = readOperator(text, index);
      if (op !== '|') throw forbiddenOperator(op);
      endWord();
      stage = [];
      stages.push(stage);
      index++;
      continue;
    }
    // A run of ordinary characters is copied at once.
    let end = index + 1;
    while (end < length && isOrdinary(text.charCodeAt(end))) end++;
    word += text.slice(index, end);
    inWord = true;
    index = end;
  }
  endWord();
  return stages;

  /** Reads a double-quoted part from `start` (after the quote); returns the index after the closing quote. */
  function readDoubleQuoted(start: number): number {
    let position = start;
    while (position < length) {
      const code = text.charCodeAt(position);
      if (code === 0x22) return position + 1;
      if (code === 0x5c) {
        const next = text.charCodeAt(position + 1);
        if (Number.isNaN(next)) break;
        if (next === 0) throw nulError();
        if (
          isControlCharacter(next) &&
          next !== newlineCode &&
          next !== tabCode &&
          next !== carriageReturnCode
        ) {
          throw controlCharacterError(next);
        }
        // POSIX: inside double quotes a backslash escapes only these; a backslash-newline disappears.
        if (next === 0x24 || next === 0x60 || next === 0x22 || next === 0x5c) word += text[position + 1];
        else if (next !== newlineCode) word += `\\${text[position + 1]}`;
        position += 2;
        continue;
      }
      if (code === 0) throw nulError();
      if (code === 0x24 && expandable.test(text[position + 1] ?? '')) {
        throw expansionError(text.slice(position, position + 12));
      }
      if (
        isControlCharacter(code) &&
        code !== newlineCode &&
        code !== tabCode &&
        code !== carriageReturnCode
      ) {
        throw controlCharacterError(code);
      }
      word += text[position];
      position++;
    }
    throw unclosedQuote('double');
  }
}

/** Characters with no meaning to a shell outside quotes, which a word may hold as they are. */
function isOrdinary(code: number): boolean {
  if (code <= 0x20 || code === 0x7f) return false;
  switch (code) {
    case 0x22: // "
    case 0x23: // #, literal inside a word but kept on the careful path
    case 0x24: // $
    case 0x26: // &
    case 0x27: // '
    case 0x28: // (
    case 0x29: // )
    case 0x3b: // ;
    case 0x3c: // <
    case 0x3e: // >
    case 0x5c: // backslash
    case 0x60: // `
    case 0x7c: // |
      return false;
    default:
      return true;
  }
}

function nulError(): CommandError {
  return new CommandError({ code: 'CONTROL_CHARACTER', message: 'The command contains a NUL character.' });
}

function unclosedQuote(state: 'single' | 'double'): CommandError {
  return new CommandError({
    code: 'UNBALANCED_QUOTE',
    token: state === 'single' ? "'" : '"',
    message: `The command has an unclosed ${state} quote; close it or remove it.`,
  });
}
