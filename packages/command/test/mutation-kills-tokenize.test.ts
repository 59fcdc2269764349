// Cases that Stryker's mutants of `_tokenize.ts` survived (docs/testing.md, "Mutation testing"): the other tests
// check which code a refusal has and that words split as bash splits them (parse-command-line.test.ts asks bash);
// these rows add what a person reads: each refusal's token and message, and the words of the quoting rules.
import { describe, expect, it } from 'vitest';
import { CommandError, parseCommandLine } from '../src/index.js';

/** The refusal `parseCommandLine(line)` throws, as the fields a caller reads. */
function refusal(line: string): { code: string; token?: string; message: string } {
  try {
    parseCommandLine(line);
  } catch (error) {
    if (!CommandError.isInstance(error)) throw error;
    return { code: error.code, token: error.token, message: error.message };
  }
  throw new Error(`expected ${JSON.stringify(line)} to be refused`);
}

const operator = (token: string, advice = 'run one command per call') => ({
  code: 'FORBIDDEN_OPERATOR',
  token,
  message: `The shell operator \`${token}\` is not supported; the only operator is \`|\` between stages. Instead: ${advice}.`,
});
const control = (shown: string) => ({
  code: 'CONTROL_CHARACTER',
  token: shown,
  message: `The command contains the control character ${shown}; remove it.`,
});
const newline = (shown: string) => ({
  code: 'CONTROL_CHARACTER',
  token: shown,
  message: 'A newline outside quotes would start a second command; send one command per call, on one line.',
});
const nul = { code: 'CONTROL_CHARACTER', token: undefined, message: 'The command contains a NUL character.' };
const expansion = (token: string) => ({
  code: 'UNQUOTED_EXPANSION',
  token,
  message: `\`${token}\` would be expanded by a shell, but commands run without a shell and variables are never expanded: write the value itself, or put a literal \`$\` inside single quotes.`,
});
const unclosed = (state: 'single' | 'double') => ({
  code: 'UNBALANCED_QUOTE',
  token: state === 'single' ? "'" : '"',
  message: `The command has an unclosed ${state} quote; close it or remove it.`,
});

describe('splitCommandLine refusals, through parseCommandLine', () => {
  it.each<[string, string, { code: string; token?: string; message: string }]>([
    [
      '&&',
      'aws s3 ls && id',
      operator('&&', 'run one command per call, and use --query or a `| jq` stage to shape its output'),
    ],
    [
      '||',
      'aws s3 ls || id',
      operator('||', 'run one command per call; a failure comes back as an error result you can react to'),
    ],
    [';', 'aws s3 ls ; id', operator(';')],
    ['&', 'aws s3 ls & id', operator('&', 'commands run in the foreground only; run one command per call')],
    ['|&', 'aws s3 ls |& id', operator('|&', 'stderr is returned separately; use a plain `|`')],
    [
      '>',
      'aws s3 ls > f',
      operator(
        '>',
        'output is returned to you, not written to files; to save an object use `aws s3 cp SRC FILE` in the working directory',
      ),
    ],
    ['>>', 'aws s3 ls >> f', operator('>>', 'output is returned to you, not written to files')],
    ['>&', 'aws s3 ls >& f', operator('>&', 'stderr is returned separately; drop the redirection')],
    [
      '<',
      'aws s3 ls < f',
      operator(
        '<',
        'stages read only the previous stage; pass data with the AWS CLI option itself (e.g. file:// in the working directory)',
      ),
    ],
    [
      '<(',
      'aws s3 ls <(id)',
      operator('<(', 'process substitution is not supported; run one command per call'),
    ],
    ['(', 'aws s3 ls (id)', operator('(', 'subshells are not supported; run one command per call')],
    [')', 'aws s3 ls )', operator(')', 'subshells are not supported; run one command per call')],
    [';;', 'aws s3 ls ;; id', operator(';;')],
    ['&>', 'aws s3 ls &> f', operator('&>')],
    ['&>>', 'aws s3 ls &>> f', operator('&>>')],
    ['>|', 'aws s3 ls >| f', operator('>|')],
    ['>(', 'aws s3 ls >(id)', operator('>(')],
    ['<<<', 'aws s3 ls <<< x', operator('<<<')],
    ['<<-', 'aws s3 ls <<- x', operator('<<-')],
    ['<<', 'aws s3 ls << x', operator('<<')],
    // bash reads `<<(` as `<` then `<(`.
    [
      '<<( as <',
      'aws s3 ls <<(id)',
      operator(
        '<',
        'stages read only the previous stage; pass data with the AWS CLI option itself (e.g. file:// in the working directory)',
      ),
    ],
    [';&', 'aws s3 ls ;& x', operator(';&')],
    // Only `<<` is read apart from a `(` after it: `&&(` is still `&&`.
    [
      '&&(',
      'aws s3 ls &&(id)',
      operator('&&', 'run one command per call, and use --query or a `| jq` stage to shape its output'),
    ],
    [';;&', 'aws s3 ls ;;& x', operator(';;&')],
    ['a control character', 'aws s3 ls\u0001', control('\\x01')],
    ['DEL', 'aws s3 ls\u007f', control('\\x7f')],
    ['a newline', 'aws s3 ls\nid', newline('\\x0a')],
    ['a carriage return', 'aws s3 ls\rid', newline('\\x0d')],
    ['a control character in single quotes', "aws s3 ls 'a\u0001b'", control('\\x01')],
    ['a control character in double quotes', 'aws s3 ls "a\u0001b"', control('\\x01')],
    ['an escaped control character in double quotes', 'aws s3 ls "a\\\u0001b"', control('\\x01')],
    ['an escaped control character', 'aws s3 ls \\\u0001', control('\\x01')],
    ['an escaped tab outside quotes', 'aws s3 ls a\\\tb', control('\\x09')],
    ['a NUL', 'aws s3 ls a\u0000', nul],
    ['an escaped NUL', 'aws s3 ls \\\u0000', nul],
    ['a NUL in single quotes', "aws s3 ls 'a\u0000'", nul],
    ['a NUL in double quotes', 'aws s3 ls "a\u0000"', nul],
    ['an escaped NUL in double quotes', 'aws s3 ls "a\\\u0000"', nul],
    [
      'a lone backslash at the end',
      'aws s3 ls a\\',
      {
        code: 'UNBALANCED_QUOTE',
        token: undefined,
        message: 'The command ends with a lone backslash; remove it or quote the argument.',
      },
    ],
    ['$NAME', 'aws s3 ls $HOME', expansion('$HOME')],
    ['${NAME}', 'aws s3 ls ${HOME}x', expansion('${HOME}')],
    ['an unclosed ${', 'aws s3 ls ${HOME', expansion('${HOME')],
    ['a lone $', 'aws s3 ls $', expansion('$')],
    ['a long name, shown cut', 'aws s3 ls $abcdefghijklmnopq', expansion('$abcdefghijk')],
    // Further into the line, where a slice backwards from the `$` would be empty.
    ['$NAME in double quotes far into the line', 'aws s3 ls s3://bucket/"$HOME"', expansion('$HOME')],
    ['a $ ending the line inside double quotes', 'aws s3 ls "$', unclosed('double')],
    ['$NAME in double quotes', 'aws s3 ls "$HOME"', expansion('$HOME')],
    ['${NAME} in double quotes', 'aws s3 ls "${X}"', expansion('${X}')],
    ['$( in double quotes', 'aws s3 ls "$(id)"', expansion('$')],
    [
      '$(',
      'aws s3 ls $(id)',
      {
        code: 'COMMAND_SUBSTITUTION',
        token: '$(',
        message:
          'Command substitution `$(…)` is not supported: run the inner command as its own call and put its result in the next one.',
      },
    ],
    [
      'a backtick',
      'aws s3 ls `id`',
      {
        code: 'COMMAND_SUBSTITUTION',
        token: '`',
        message:
          'An unquoted backtick is command substitution in a shell and is refused. JMESPath literals belong inside a quoted --query, e.g. --query "Contents[?Size > `1000`]".',
      },
    ],
    [
      'a comment',
      'aws s3 ls #c',
      {
        code: 'COMMENT',
        token: '#',
        message:
          'A word starting with `#` would be a comment in a shell. Quote it (e.g. "#tag") if it is a value.',
      },
    ],
    ['an unclosed single quote', "aws s3 ls 'unclosed", unclosed('single')],
    ['an unclosed double quote', 'aws s3 ls "unclosed', unclosed('double')],
    ['a double quote ending in a backslash', 'aws s3 ls "a\\', unclosed('double')],
  ])('%s: %j is refused with %j', (_, line, expected) => {
    expect(refusal(line)).toEqual(expected);
  });
});

describe('splitCommandLine words, through parseCommandLine', () => {
  it.each<[string, string, string[][]]>([
    [
      'a newline, tab and carriage return inside single quotes',
      "aws s3 ls 'a\nb\tc\rd'",
      [['aws', 's3', 'ls', 'a\nb\tc\rd']],
    ],
    [
      'a newline, tab and carriage return inside double quotes',
      'aws s3 ls "a\nb\tc\rd"',
      [['aws', 's3', 'ls', 'a\nb\tc\rd']],
    ],
    [
      'a backslash-newline inside double quotes disappears',
      'aws s3 ls "a\\\nb"',
      [['aws', 's3', 'ls', 'ab']],
    ],
    ['a backslash-tab inside double quotes stays', 'aws s3 ls "a\\\tb"', [['aws', 's3', 'ls', 'a\\\tb']]],
    ['a $ before what cannot be a name stays', 'aws s3 ls "a$ b"', [['aws', 's3', 'ls', 'a$ b']]],
    ['a $ closing double quotes stays', 'aws s3 ls "$"', [['aws', 's3', 'ls', '$']]],
    ['a # inside a word stays', 'aws s3 ls a#b', [['aws', 's3', 'ls', 'a#b']]],
    ['an escaped | is a word', 'aws s3 ls \\|', [['aws', 's3', 'ls', '|']]],
    ['an escaped $ is a word', 'aws s3 ls \\$x', [['aws', 's3', 'ls', '$x']]],
    ['empty quotes are an empty word', `aws s3 ls ''`, [['aws', 's3', 'ls', '']]],
    ['empty double quotes are an empty word', 'aws s3 ls ""', [['aws', 's3', 'ls', '']]],
    ['spaces and tabs between words', 'aws  s3\tls ', [['aws', 's3', 'ls']]],
    ['spaces before the first word', ' \taws s3 ls', [['aws', 's3', 'ls']]],
    [
      'a backslash-carriage return inside double quotes stays',
      'aws s3 ls | grep -e "a\\\rb"',
      [
        ['aws', 's3', 'ls'],
        ['grep', '-e', 'a\\\rb'],
      ],
    ],
    [
      '| without spaces',
      'aws s3 ls|jq .',
      [
        ['aws', 's3', 'ls'],
        ['jq', '.'],
      ],
    ],
    [
      'three stages',
      'aws s3 ls | jq . | head -n 1',
      [
        ['aws', 's3', 'ls'],
        ['jq', '.'],
        ['head', '-n', '1'],
      ],
    ],
    [
      'backslashes inside double quotes escape only $ ` " and \\',
      'aws s3 ls | grep -e "a\\$b" -e "a\\`b" -e "a\\"b" -e "a\\\\b" -e "a\\xb"',
      [
        ['aws', 's3', 'ls'],
        ['grep', '-e', 'a$b', '-e', 'a`b', '-e', 'a"b', '-e', 'a\\b', '-e', 'a\\xb'],
      ],
    ],
    [
      'quoted and escaped parts join into one word',
      `aws s3 ls | grep -e a\\ b -e 'c d'e"f g" -e x`,
      [
        ['aws', 's3', 'ls'],
        ['grep', '-e', 'a b', '-e', 'c def g', '-e', 'x'],
      ],
    ],
  ])('%s: %j', (_, line, stages) => {
    const pipeline = parseCommandLine(line);
    expect([pipeline.aws.argv, ...pipeline.filters.map((filter) => filter.argv)]).toEqual(stages);
  });
});
