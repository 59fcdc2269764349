import { parse as parseShellWords } from 'shell-quote';
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

/**
 * Scans the raw text the way a shell would read its quotes, and refuses everything shell-quote would silently
 * change (expansions, comments, newlines, unbalanced quotes). Returns the text with `#` inside words escaped, so
 * shell-quote keeps `s3://b/a#b` whole.
 */
function scanRawText(text: string): string {
  let state: 'plain' | 'single' | 'double' = 'plain';
  let output = '';
  let atWordStart = true;
  for (let index = 0; index < text.length; index++) {
    const char = text[index] as string;
    const code = char.charCodeAt(0);
    if (code === 0) {
      throw new CommandError({ code: 'CONTROL_CHARACTER', message: 'The command contains a NUL character.' });
    }
    if (state === 'single') {
      if (char === "'") state = 'plain';
      else if (isControlCharacter(code) && char !== '\n' && char !== '\t' && char !== '\r') {
        throw controlCharacterError(code);
      }
      output += char;
      continue;
    }
    if (state === 'double') {
      if (char === '\\') {
        const next = text[index + 1];
        if (next !== undefined) {
          output += char + next;
          index++;
          continue;
        }
      }
      if (char === '"') state = 'plain';
      else if (char === '$' && /[A-Za-z0-9_{(@*#?!$-]/.test(text[index + 1] ?? '')) {
        throw expansionError(text.slice(index, index + 12));
      } else if (isControlCharacter(code) && char !== '\n' && char !== '\t' && char !== '\r') {
        throw controlCharacterError(code);
      }
      output += char;
      continue;
    }
    if (isControlCharacter(code) && char !== '\t') {
      throw controlCharacterError(code);
    }
    switch (char) {
      case '\\': {
        const next = text[index + 1];
        if (next === undefined) {
          throw new CommandError({
            code: 'UNBALANCED_QUOTE',
            message: 'The command ends with a lone backslash; remove it or quote the argument.',
          });
        }
        if (isControlCharacter(next.charCodeAt(0))) throw controlCharacterError(next.charCodeAt(0));
        output += char + next;
        index++;
        atWordStart = false;
        continue;
      }
      case "'":
        state = 'single';
        break;
      case '"':
        state = 'double';
        break;
      case '$':
        throw text[index + 1] === '('
          ? new CommandError({
              code: 'COMMAND_SUBSTITUTION',
              token: '$(',
              message:
                'Command substitution `$(…)` is not supported: run the inner command as its own call and put its result in the next one.',
            })
          : expansionError(text.slice(index, index + 12));
      case '`':
        throw new CommandError({
          code: 'COMMAND_SUBSTITUTION',
          token: '`',
          message:
            'An unquoted backtick is command substitution in a shell and is refused. JMESPath literals belong inside a quoted --query, e.g. --query "Contents[?Size > `1000`]".',
        });
      case '#':
        if (atWordStart) {
          throw new CommandError({
            code: 'COMMENT',
            token: '#',
            message:
              'A word starting with `#` would be a comment in a shell. Quote it (e.g. "#tag") if it is a value.',
          });
        }
        output += '\\#';
        continue;
    }
    output += char;
    atWordStart = char === ' ' || char === '\t' || char === '|' || char === '&' || char === ';';
  }
  if (state !== 'plain') {
    throw new CommandError({
      code: 'UNBALANCED_QUOTE',
      token: state === 'single' ? "'" : '"',
      message: `The command has an unclosed ${state} quote; close it or remove it.`,
    });
  }
  return output;
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
    message: `\`${token}\` would be expanded by a shell, and this server never expands variables: write the value itself, or put a literal \`$\` inside single quotes.`,
  });
}

/**
 * Splits a command line into stages of words at unquoted `|`. Refuses every other shell construct with a
 * CommandError that names it; never alters a word silently.
 */
export function splitCommandLine(text: string): string[][] {
  const escaped = scanRawText(text);
  // The env callback keeps a surviving `$name` literal, but makes shell-quote re-split every word with a fresh
  // RegExp; most command lines have no `$` at all, and for those both calls return the same words.
  const entries = escaped.includes('$')
    ? parseShellWords(escaped, (name) => `$${name}`)
    : parseShellWords(escaped);
  const stages: string[][] = [[]];
  for (const entry of entries) {
    const current = stages[stages.length - 1] as string[];
    if (typeof entry === 'string') {
      current.push(entry);
    } else if ('op' in entry && entry.op === 'glob') {
      // Nothing is handed to a shell, so a glob is plain text.
      current.push((entry as { pattern: string }).pattern);
    } else if ('op' in entry && entry.op === '|') {
      stages.push([]);
    } else if ('op' in entry) {
      const op = String(entry.op);
      throw new CommandError({
        code: 'FORBIDDEN_OPERATOR',
        token: op,
        message: `The shell operator \`${op}\` is not supported; the only operator is \`|\` between stages. Instead: ${operatorAdvice[op] ?? 'run one command per call'}.`,
      });
    } else {
      throw new CommandError({
        code: 'COMMENT',
        token: '#',
        message: 'The command contains a comment; quote any value that contains `#`.',
      });
    }
  }
  return stages;
}
