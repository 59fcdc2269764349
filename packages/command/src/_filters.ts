import { tokenizeAwk } from './_awk-lexer.js';
import { checkInputSize } from './_input-limits.js';
import { tokenizeJq } from './_jq-lexer.js';
import { ProgramLexError } from './_program-lex-error.js';
import { CommandError } from './command-error.js';

/** How an option is spelled and what follows it. */
type OptionKind = 'flag' | 'value' | 'two-values';

interface FilterSpec {
  /** Short options such as `-n`, without the dash. */
  short: Record<string, OptionKind>;
  /** Long options such as `--lines`, without the dashes, spelled out in full. */
  long: Record<string, OptionKind>;
  /** `program`: exactly one program text (jq, awk, sed unless -e); `pattern`: grep's; `sets`: tr's; `none`. */
  operands: 'program' | 'pattern' | 'sets' | 'none';
  /** `head -5` and `tail -5` / `tail +5` */
  numericShorthand?: boolean;
  /** Options spelled here are refused with this reason, so a refusal says why and not just "unknown". */
  refusals?: Record<string, string>;
  /** Extra checks on the program text, after options are read. */
  checkProgram?: (program: string) => void;
  /** Options after which the remaining operands are values, never files (jq's `--args`, `--jsonargs`). */
  valueOperandOptions?: string[];
  /** What actually runs: the binary and fixed leading arguments (e.g. `--sandbox`). */
  executable?: { file: string; leadingArgs: string[]; packageHint: string };
}

const fileRefusal = 'filters read only the output of the previous stage, never files';

/** The default filter programs a pipeline may use after the `aws` stage. */
const filterSpecs: Record<string, FilterSpec> = {
  jq: {
    short: {
      r: 'flag',
      c: 'flag',
      s: 'flag',
      e: 'flag',
      j: 'flag',
      S: 'flag',
      n: 'flag',
      a: 'flag',
      M: 'flag',
    },
    long: {
      'raw-output': 'flag',
      'compact-output': 'flag',
      slurp: 'flag',
      'exit-status': 'flag',
      'join-output': 'flag',
      'sort-keys': 'flag',
      'null-input': 'flag',
      'ascii-output': 'flag',
      'monochrome-output': 'flag',
      tab: 'flag',
      indent: 'value',
      arg: 'two-values',
      argjson: 'two-values',
      args: 'flag',
      jsonargs: 'flag',
    },
    operands: 'program',
    valueOperandOptions: ['--args', '--jsonargs'],
    refusals: {
      '-f': fileRefusal,
      '--from-file': fileRefusal,
      '--rawfile': fileRefusal,
      '--slurpfile': fileRefusal,
      '-L': 'jq modules are not loaded',
      '--library-path': 'jq modules are not loaded',
    },
    checkProgram: checkJqProgram,
  },
  grep: grepSpec(),
  egrep: grepSpec(),
  fgrep: grepSpec(),
  head: {
    short: { n: 'value', c: 'value', q: 'flag', z: 'flag' },
    long: { lines: 'value', bytes: 'value', quiet: 'flag', silent: 'flag', 'zero-terminated': 'flag' },
    operands: 'none',
    numericShorthand: true,
  },
  tail: {
    short: { n: 'value', c: 'value', q: 'flag', z: 'flag' },
    long: { lines: 'value', bytes: 'value', quiet: 'flag', silent: 'flag', 'zero-terminated': 'flag' },
    operands: 'none',
    numericShorthand: true,
    refusals: {
      '-f': 'following never ends; the command must finish',
      '-F': 'following never ends; the command must finish',
      '--follow': 'following never ends; the command must finish',
      '--retry': 'tail reads only the previous stage',
      '--pid': 'tail reads only the previous stage',
    },
  },
  sort: {
    short: {
      b: 'flag',
      d: 'flag',
      f: 'flag',
      g: 'flag',
      i: 'flag',
      M: 'flag',
      h: 'flag',
      n: 'flag',
      R: 'flag',
      r: 'flag',
      V: 'flag',
      c: 'flag',
      C: 'flag',
      s: 'flag',
      u: 'flag',
      z: 'flag',
      k: 'value',
      t: 'value',
      S: 'value',
    },
    long: {
      'ignore-leading-blanks': 'flag',
      'dictionary-order': 'flag',
      'ignore-case': 'flag',
      'general-numeric-sort': 'flag',
      'ignore-nonprinting': 'flag',
      'month-sort': 'flag',
      'human-numeric-sort': 'flag',
      'numeric-sort': 'flag',
      'random-sort': 'flag',
      reverse: 'flag',
      'version-sort': 'flag',
      stable: 'flag',
      unique: 'flag',
      'zero-terminated': 'flag',
      key: 'value',
      'field-separator': 'value',
      sort: 'value',
      'buffer-size': 'value',
    },
    operands: 'none',
    refusals: {
      '-o': 'output is returned to you, not written to files',
      '--output': 'output is returned to you, not written to files',
      '--compress-program': 'sort may not start other programs',
      '-T': 'sort may not write temporary files elsewhere',
      '--temporary-directory': 'sort may not write temporary files elsewhere',
      '--files0-from': fileRefusal,
      '--random-source': fileRefusal,
      '-m': fileRefusal,
      '--merge': fileRefusal,
    },
  },
  uniq: {
    short: {
      c: 'flag',
      d: 'flag',
      D: 'flag',
      u: 'flag',
      i: 'flag',
      z: 'flag',
      f: 'value',
      s: 'value',
      w: 'value',
    },
    long: {
      count: 'flag',
      repeated: 'flag',
      unique: 'flag',
      'ignore-case': 'flag',
      'zero-terminated': 'flag',
      'skip-fields': 'value',
      'skip-chars': 'value',
      'check-chars': 'value',
    },
    operands: 'none',
  },
  wc: {
    short: { l: 'flag', w: 'flag', c: 'flag', m: 'flag', L: 'flag' },
    long: { lines: 'flag', words: 'flag', bytes: 'flag', chars: 'flag', 'max-line-length': 'flag' },
    operands: 'none',
    refusals: { '--files0-from': fileRefusal },
  },
  cut: {
    short: { d: 'value', f: 'value', c: 'value', b: 'value', s: 'flag', z: 'flag', n: 'flag' },
    long: {
      delimiter: 'value',
      fields: 'value',
      characters: 'value',
      bytes: 'value',
      'output-delimiter': 'value',
      'only-delimited': 'flag',
      complement: 'flag',
      'zero-terminated': 'flag',
    },
    operands: 'none',
  },
  tr: {
    short: { d: 'flag', s: 'flag', c: 'flag', C: 'flag', t: 'flag' },
    long: { delete: 'flag', 'squeeze-repeats': 'flag', complement: 'flag', 'truncate-set1': 'flag' },
    operands: 'sets',
  },
  column: {
    short: { t: 'flag', x: 'flag', n: 'flag', e: 'flag', s: 'value', o: 'value', c: 'value' },
    long: {
      table: 'flag',
      fillrows: 'flag',
      separator: 'value',
      'output-separator': 'value',
      'output-width': 'value',
    },
    operands: 'none',
  },
  nl: {
    short: {
      b: 'value',
      d: 'value',
      f: 'value',
      h: 'value',
      i: 'value',
      l: 'value',
      n: 'value',
      s: 'value',
      v: 'value',
      w: 'value',
      p: 'flag',
    },
    long: {
      'body-numbering': 'value',
      'section-delimiter': 'value',
      'footer-numbering': 'value',
      'header-numbering': 'value',
      'line-increment': 'value',
      'join-blank-lines': 'value',
      'number-format': 'value',
      'number-separator': 'value',
      'starting-line-number': 'value',
      'number-width': 'value',
      'no-renumber': 'flag',
    },
    operands: 'none',
  },
  fold: {
    short: { w: 'value', b: 'flag', s: 'flag' },
    long: { width: 'value', bytes: 'flag', spaces: 'flag' },
    operands: 'none',
  },
  rev: { short: {}, long: {}, operands: 'none' },
  tac: {
    short: { b: 'flag', r: 'flag', s: 'value' },
    long: { before: 'flag', regex: 'flag', separator: 'value' },
    operands: 'none',
  },
  base64: {
    short: { d: 'flag', i: 'flag', w: 'value' },
    long: { decode: 'flag', 'ignore-garbage': 'flag', wrap: 'value' },
    operands: 'none',
  },
  paste: {
    short: { s: 'flag', z: 'flag', d: 'value' },
    long: { serial: 'flag', 'zero-terminated': 'flag', delimiters: 'value' },
    operands: 'none',
  },
  awk: {
    short: { F: 'value', v: 'value' },
    long: {},
    operands: 'program',
    refusals: {
      '-f': fileRefusal,
      '-E': fileRefusal,
      '-i': 'awk may not load source files',
      '-l': 'awk may not load extensions',
      '-e': 'give the program as the one operand',
    },
    checkProgram: checkAwkProgram,
    executable: {
      file: 'gawk',
      leadingArgs: ['--sandbox'],
      packageHint: 'gawk (Debian/Ubuntu: apt-get install gawk; macOS: brew install gawk)',
    },
  },
  sed: {
    short: { n: 'flag', E: 'flag', r: 'flag', s: 'flag', e: 'value' },
    long: { quiet: 'flag', silent: 'flag', 'regexp-extended': 'flag', separate: 'flag', expression: 'value' },
    operands: 'program',
    refusals: {
      '-i': 'sed may not edit files; its output is returned to you',
      '--in-place': 'sed may not edit files; its output is returned to you',
      '-f': fileRefusal,
      '--file': fileRefusal,
    },
    checkProgram: checkSedScript,
    executable: {
      file: 'sed',
      leadingArgs: ['--sandbox'],
      packageHint: 'GNU sed 4.3 or later (Debian/Ubuntu: apt-get install sed; macOS: brew install gnu-sed)',
    },
  },
};
filterSpecs.gawk = { ...(filterSpecs.awk as FilterSpec) };

function grepSpec(): FilterSpec {
  return {
    short: {
      i: 'flag',
      y: 'flag',
      v: 'flag',
      c: 'flag',
      n: 'flag',
      o: 'flag',
      w: 'flag',
      x: 'flag',
      E: 'flag',
      F: 'flag',
      G: 'flag',
      P: 'flag',
      h: 'flag',
      H: 'flag',
      q: 'flag',
      s: 'flag',
      b: 'flag',
      a: 'flag',
      z: 'flag',
      e: 'value',
      m: 'value',
      A: 'value',
      B: 'value',
      C: 'value',
    },
    long: {
      'ignore-case': 'flag',
      'no-ignore-case': 'flag',
      'invert-match': 'flag',
      count: 'flag',
      'line-number': 'flag',
      'only-matching': 'flag',
      'word-regexp': 'flag',
      'line-regexp': 'flag',
      'extended-regexp': 'flag',
      'fixed-strings': 'flag',
      'basic-regexp': 'flag',
      'perl-regexp': 'flag',
      'no-filename': 'flag',
      'with-filename': 'flag',
      quiet: 'flag',
      silent: 'flag',
      'no-messages': 'flag',
      'byte-offset': 'flag',
      text: 'flag',
      'null-data': 'flag',
      regexp: 'value',
      'max-count': 'value',
      'after-context': 'value',
      'before-context': 'value',
      context: 'value',
    },
    operands: 'pattern',
    refusals: {
      '-f': fileRefusal,
      '--file': fileRefusal,
      '-r': fileRefusal,
      '-R': fileRefusal,
      '--recursive': fileRefusal,
      '--dereference-recursive': fileRefusal,
      '-d': fileRefusal,
      '--directories': fileRefusal,
      '-D': fileRefusal,
      '--devices': fileRefusal,
      '--include': fileRefusal,
      '--exclude': fileRefusal,
      '--exclude-dir': fileRefusal,
      '--exclude-from': fileRefusal,
    },
  };
}

function unsafeProgram(filter: string, token: string, reason: string): CommandError {
  return new CommandError({
    code: 'UNSAFE_FILTER_PROGRAM',
    token,
    message: `The ${filter} program uses \`${token}\`: ${reason}.`,
  });
}

/**
 * Words a jq program may not use outside strings and comments, each with the reason its refusal gives. A namespaced
 * name (`m::f`) is refused too: it calls into a module, and modules are not loaded.
 */
const jqForbiddenNames: Record<string, string> = {
  import: 'jq modules are not loaded; write the filter inline',
  include: 'jq modules are not loaded; write the filter inline',
  modulemeta: 'it reads module files from disk',
  get_search_list: 'it shows where jq looks for modules on this machine',
  get_prog_origin: 'it shows where the program was loaded from on this machine',
  get_jq_origin: 'it shows where jq is installed on this machine',
  input_filename: 'filters read only the previous stage, which has no file name',
  __loc__: 'it shows where the program was loaded from; drop `$__loc__`',
};

/** The program's tokens by its interpreter's own lexer; a program it cannot read is refused as INVALID_FILTER_PROGRAM. */
function readProgram<Token>(
  filter: string,
  program: string,
  tokenize: (program: string) => Token[],
): Token[] {
  try {
    return tokenize(program);
  } catch (error) {
    if (!(error instanceof ProgramLexError)) throw error;
    throw new CommandError({
      code: 'INVALID_FILTER_PROGRAM',
      token: filter,
      message: `The ${filter} program cannot be checked: ${error.message} (at character ${error.offset + 1}).`,
    });
  }
}

/** Judges a jq program by jq's own tokens, so a word inside a string or a comment never counts. */
function checkJqProgram(program: string): void {
  const tokens = readProgram('jq', program, tokenizeJq);
  for (const token of tokens) {
    if (token.kind !== 'ident' && token.kind !== 'binding') continue;
    const shown = token.kind === 'binding' ? `$${token.text}` : token.text;
    if (token.text.includes('::')) {
      throw unsafeProgram('jq', shown, 'module functions are not available because modules are not loaded');
    }
    const reason = jqForbiddenNames[token.text];
    if (reason === undefined || (token.kind === 'binding' && token.text !== '__loc__')) continue;
    throw unsafeProgram(
      'jq',
      shown,
      token.kind === 'binding' ? reason : `${reason} (as text or an object key, quote it: "${token.text}")`,
    );
  }
}

/** Names an awk program may not use outside strings, regexes and comments, with the reason a refusal gives. */
const awkForbiddenNames: Record<string, string> = {
  system: 'awk may not run commands; put the command in its own call',
  getline: 'awk reads only its input stream',
};

/** gawk directives after `@`; any other `@name` is an indirect call, which could reach `system` by a string. */
const awkDirectives: Record<string, string> = {
  include: 'awk may not load source files',
  load: 'awk may not load extensions',
  namespace: 'awk programs stay in the default namespace',
};

/** Operators that redirect or pipe, wherever they stand, with the reason a refusal gives. */
const awkForbiddenOperators: Record<string, [string, string]> = {
  '|&': ['|&', 'awk may not start coprocesses'],
  '>>': ['print >>', 'output redirection is not allowed; print to stdout'],
};

/** Tokens after which a newline does not end a statement (gawk's grammar allows a newline there). */
const awkContinuations = new Set([',', '&&', '||', '?', ':', '{', 'do', 'else']);

/**
 * Judges an awk program by gawk's own tokens: no `system`, `getline`, pipes, coprocesses, `@` directives or
 * indirect calls, and no `>` redirection in a print statement (a `>` inside parentheses there is a comparison).
 */
function checkAwkProgram(program: string): void {
  const tokens = readProgram('awk', program, tokenizeAwk);
  // gawk's own rule: in a print statement, a `>` outside parentheses is a redirection.
  let inPrint = false;
  let printParens = 0;
  let previous = '';
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index] as (typeof tokens)[number];
    if (token.kind === 'name') {
      const name = token.text.slice(token.text.lastIndexOf(':') + 1);
      const reason = awkForbiddenNames[name];
      if (reason !== undefined) throw unsafeProgram('awk', name, reason);
      if (name === 'print' || name === 'printf') {
        inPrint = true;
        printParens = 0;
      }
    } else if (token.kind === 'punct') {
      const operator = awkForbiddenOperators[token.text];
      if (operator !== undefined) throw unsafeProgram('awk', operator[0], operator[1]);
      if (token.text === '@') {
        const next = tokens[index + 1];
        const directive = next?.kind === 'name' ? next.text : '';
        throw unsafeProgram(
          'awk',
          `@${directive}`,
          awkDirectives[directive] ??
            'indirect function calls are not allowed; call the function by its name',
        );
      }
      if (token.text === '|') {
        throw inPrint && printParens <= 0
          ? unsafeProgram(
              'awk',
              'print |',
              'awk may not pipe its output to commands; the output is returned to you',
            )
          : unsafeProgram('awk', '|', 'awk may not read from commands; it reads only its input stream');
      }
      if (token.text === '(') printParens++;
      else if (token.text === ')') printParens--;
      else if (token.text === '>' && inPrint && printParens <= 0) {
        throw unsafeProgram(
          'awk',
          'print >',
          'output redirection is not allowed; print to stdout (wrap a comparison in parentheses: print (a > b))',
        );
      } else if (token.text === ';' || token.text === '}') inPrint = false;
    } else if (token.kind === 'newline' && !awkContinuations.has(previous)) {
      inPrint = false;
    }
    if (token.kind !== 'comment' && token.kind !== 'newline') {
      previous = token.kind === 'punct' || token.kind === 'name' ? token.text : '';
    }
  }
}

/**
 * Finds sed commands that run programs or touch files (e, r, R, w, W, and the s flags e and w), reading the script
 * the way GNU sed's compile.c does: addresses, `[…]` bracket expressions inside regexes (where the delimiter is
 * literal), `\cX`, labels that end at a blank, `;`, `}` or `#`, `#` comments, and a/i/c text to the first
 * unescaped newline.
 */
function checkSedScript(script: string): void {
  const length = script.length;
  let index = 0;
  const at = (offset = 0) => script[index + offset];
  const skipBlanks = () => {
    while (at() === ' ' || at() === '\t') index++;
  };
  /** Skips a `[…]` bracket expression from just after its `[` (GNU sed's snarf_char_class). */
  const skipBracket = () => {
    if (at() === '^') index++;
    if (at() === ']') index++;
    let state = 0;
    let delimiter = '';
    for (; index < length; index++) {
      const char = script[index] as string;
      if (char === '\n') return;
      if (char === '.' || char === ':' || char === '=') {
        if (state === 1) {
          delimiter = char;
          state = 2;
          continue;
        }
        if (state === 2 && char === delimiter) {
          state = 3;
          continue;
        }
      } else if (char === '[') {
        if (state === 0) state = 1;
        continue;
      } else if (char === ']') {
        if (state === 0 || state === 1) {
          index++;
          return;
        }
        if (state === 3) state = 0;
      }
      state &= ~1;
    }
  };
  /** Skips to just after the closing `delimiter` (GNU sed's match_slash); stops at a newline, as sed does. */
  const skipDelimited = (delimiter: string, regex: boolean) => {
    while (index < length) {
      const char = script[index] as string;
      if (char === delimiter) {
        index++;
        return;
      }
      if (char === '\n') return;
      if (char === '\\') {
        index += regex && at(1) === 'c' ? 3 : 2;
        continue;
      }
      index++;
      if (char === '[' && regex) skipBracket();
    }
  };
  const skipAddress = (): boolean => {
    const char = at();
    if (char === undefined) return false;
    if (/[0-9]/.test(char)) {
      while (/[0-9~]/.test(at() ?? '')) index++;
      return true;
    }
    if (char === '$') {
      index++;
      return true;
    }
    if (char === '+' || char === '~') {
      index++;
      while (/[0-9]/.test(at() ?? '')) index++;
      return true;
    }
    if (char === '/' || char === '\\') {
      index++;
      const delimiter = char === '/' ? '/' : (script[index++] ?? '');
      skipDelimited(delimiter, true);
      while (at() === 'I' || at() === 'M') index++;
      return true;
    }
    return false;
  };
  const skipLabel = () => {
    skipBlanks();
    while (index < length && !/[\n;}# \t]/.test(script[index] as string)) index++;
  };
  while (index < length) {
    while (index < length && /[\s;]/.test(script[index] as string)) index++;
    if (index >= length) break;
    if (skipAddress()) {
      skipBlanks();
      if (at() === ',') {
        index++;
        skipBlanks();
        skipAddress();
        skipBlanks();
      }
    }
    while (at() === '!' || at() === ' ' || at() === '\t') index++;
    const command = script[index++];
    if (command === undefined) break;
    if ('erRwW'.includes(command)) {
      throw unsafeProgram('sed', command, 'sed may not run commands or read and write files');
    }
    switch (command) {
      case '#':
        while (index < length && at() !== '\n') index++;
        break;
      case ':':
      case 'b':
      case 't':
      case 'T':
      case 'v':
        skipLabel();
        break;
      case 'a':
      case 'i':
      case 'c':
        skipBlanks();
        if (at() === '\\') {
          index++;
          // `a\` then a newline starts the text on the next line; any other character is its first.
          index++;
        }
        while (index < length && at() !== '\n') index += at() === '\\' ? 2 : 1;
        break;
      case 's':
      case 'y': {
        const delimiter = script[index++];
        if (delimiter === undefined) break;
        skipDelimited(delimiter, command === 's');
        skipDelimited(delimiter, false);
        if (command === 'y') break;
        // Flags may stand apart from each other and from the command (sed's in_nonblank).
        for (;;) {
          skipBlanks();
          const flag = at();
          if (flag === 'e' || flag === 'w') {
            throw unsafeProgram('sed', `s///${flag}`, 'sed may not run commands or write files');
          }
          if (flag === undefined || !/[0-9gpiImM]/.test(flag)) break;
          index++;
        }
        break;
      }
    }
  }
}

const neverAllowed: Record<string, string> = {
  sh: 'shells are never run',
  bash: 'shells are never run',
  zsh: 'shells are never run',
  dash: 'shells are never run',
  ksh: 'shells are never run',
  fish: 'shells are never run',
  xargs: 'no stage may start other programs; run each command as its own call',
  tee: 'output is returned to you, not written to files',
  find: 'filters read only the previous stage, never the file system',
  cat: 'filters read only the previous stage; drop `cat`',
  curl: 'no stage may reach the network except the AWS CLI',
  wget: 'no stage may reach the network except the AWS CLI',
  nc: 'no stage may reach the network except the AWS CLI',
  ssh: 'no stage may reach the network except the AWS CLI',
  scp: 'no stage may reach the network except the AWS CLI',
  python: 'interpreters are never run as filters; use jq or awk',
  python3: 'interpreters are never run as filters; use jq or awk',
  node: 'interpreters are never run as filters; use jq or awk',
  perl: 'interpreters are never run as filters; use jq or awk',
  ruby: 'interpreters are never run as filters; use jq or awk',
  env: 'no stage may change its environment',
  aws: 'only the first stage runs the AWS CLI; run another AWS command as its own call',
  rm: 'filters may not touch files',
  dd: 'filters may not touch files',
};

const wrappers = new Set([
  'sudo',
  'doas',
  'env',
  'exec',
  'time',
  'nohup',
  'command',
  'nice',
  'timeout',
  'builtin',
  'eval',
  'xargs',
]);

/** A filter stage as validated: its name and its argv (argv[0] is the name). */
export interface FilterStage {
  /** The filter's name as written, e.g. `jq`. */
  name: string;
  /** The argv as written, `argv[0]` being the name. */
  argv: string[];
}

/** What runs for a filter stage: the file and the full argument list, sandbox flags included. */
export interface FilterInvocation {
  file: string;
  args: string[];
  /** The package to install when `file` is missing. */
  packageHint?: string;
}

/** The names of the filters a pipeline may use after the `aws` stage. */
export function listFilterNames(): string[] {
  return Object.keys(filterSpecs).sort();
}

/** Whether `name` is a wrapper such as sudo or env, which is refused in any stage. */
export function isWrapperCommand(name: string): boolean {
  return wrappers.has(name);
}

/**
 * Checks one filter stage against its allowlist: known program, exact option spellings, no file operands,
 * safe program text. Throws CommandError naming the offending token.
 */
export function validateFilterStage(argv: string[]): FilterStage {
  const name = argv[0] ?? '';
  if (wrappers.has(name)) {
    throw new CommandError({
      code: 'WRAPPER_COMMAND',
      token: name,
      message: `\`${name}\` is not allowed: each stage is run directly, without wrappers. Drop \`${name}\`.`,
    });
  }
  const spec = filterSpecs[name];
  if (spec === undefined) {
    const reason =
      neverAllowed[name] ??
      (name.includes('/') ? 'programs are named without a path' : 'it is not on the filter allowlist');
    throw new CommandError({
      code: 'FORBIDDEN_PROGRAM',
      token: name,
      message: `\`${name}\` cannot be a pipeline stage: ${reason}. Allowed filters: ${listFilterNames().join(', ')}.`,
    });
  }
  const operands: string[] = [];
  const programsFromOptions: string[] = [];
  let index = 1;
  let optionsEnded = false;
  // After jq's --args/--jsonargs, operands past the program are values ($ARGS.positional), never files.
  let operandsAreValues = false;
  const refuse = (token: string): never => {
    const reason = spec.refusals?.[token];
    throw new CommandError({
      code: 'FORBIDDEN_FILTER_OPTION',
      token,
      message: reason
        ? `\`${name} ${token}\` is not allowed: ${reason}.`
        : `\`${name}\` does not accept \`${token}\` here. Spell options in full from this list: ${describeOptions(spec)}.`,
    });
  };
  const takeValue = (option: string, attached: string | undefined, count: 1 | 2): void => {
    if (attached !== undefined) {
      if (count === 2) refuse(option);
      if (option === '-e' || option === '--expression' || option === '--regexp')
        programsFromOptions.push(attached);
      return;
    }
    for (let taken = 0; taken < count; taken++) {
      index++;
      const value = argv[index];
      if (value === undefined) {
        throw new CommandError({
          code: 'MISSING_OPTION_VALUE',
          token: option,
          message: `\`${name} ${option}\` needs a value.`,
        });
      }
      if (option === '-e' || option === '--expression' || option === '--regexp')
        programsFromOptions.push(value);
    }
  };
  for (; index < argv.length; index++) {
    const token = argv[index] as string;
    if (
      optionsEnded ||
      token === '-' ||
      !token.startsWith('-') ||
      (spec.numericShorthand && /^[-+]\d+$/.test(token))
    ) {
      if (!optionsEnded && spec.numericShorthand && /^[-+]\d+$/.test(token)) continue;
      if (!(operandsAreValues && operands.length > 0)) operands.push(token);
      continue;
    }
    if (token === '--') {
      optionsEnded = true;
      continue;
    }
    if (token.startsWith('--')) {
      const equals = token.indexOf('=');
      const optionName = token.slice(2, equals === -1 ? undefined : equals);
      const kind = spec.long[optionName];
      if (kind === undefined) refuse(equals === -1 ? token : token.slice(0, equals));
      if (kind === 'flag') {
        if (equals !== -1) refuse(token);
        if (spec.valueOperandOptions?.includes(token)) operandsAreValues = true;
        continue;
      }
      takeValue(
        `--${optionName}`,
        equals === -1 ? undefined : token.slice(equals + 1),
        kind === 'two-values' ? 2 : 1,
      );
      continue;
    }
    // A cluster of short options: `-rc`, `-n5`, `-F,`.
    for (let position = 1; position < token.length; position++) {
      const letter = token[position] as string;
      const kind = spec.short[letter];
      if (kind === undefined) refuse(`-${letter}`);
      if (kind === 'flag') continue;
      const rest = token.slice(position + 1);
      takeValue(`-${letter}`, rest === '' ? undefined : rest, kind === 'two-values' ? 2 : 1);
      break;
    }
  }
  checkOperands({ name, spec, operands, programsFromOptions });
  return { name, argv: [...argv] };
}

function checkOperands(options: {
  name: string;
  spec: FilterSpec;
  operands: string[];
  programsFromOptions: string[];
}): void {
  const { name, spec, operands, programsFromOptions } = options;
  const extra = (token: string): never => {
    throw new CommandError({
      code: 'FILTER_OPERAND',
      token,
      message: `\`${name}\` reads only the previous stage's output, so \`${token}\` cannot be a file or extra operand. Remove it.`,
    });
  };
  switch (spec.operands) {
    case 'none':
      if (operands[0] !== undefined) extra(operands[0]);
      return;
    case 'sets':
      if (operands.length === 0 || operands.length > 2) {
        throw new CommandError({
          code: 'FILTER_OPERAND',
          token: name,
          message: '`tr` takes one or two character sets, e.g. `tr a-z A-Z`.',
        });
      }
      return;
    case 'pattern':
    case 'program': {
      const fromOperands = programsFromOptions.length > 0 ? 0 : 1;
      if (operands.length > fromOperands) extra(operands[fromOperands] as string);
      if (operands.length < fromOperands) {
        throw new CommandError({
          code: 'FILTER_OPERAND',
          token: name,
          message: `\`${name}\` needs a ${spec.operands}, e.g. ${examples[name] ?? `${name} '…'`}.`,
        });
      }
      for (const program of [...programsFromOptions, ...operands]) {
        checkInputSize('filter program', program, `The ${name} ${spec.operands}`);
        spec.checkProgram?.(program);
      }
    }
  }
}

const examples: Record<string, string> = {
  jq: "`jq '.Buckets[].Name'`",
  awk: "`awk '{print $1}'`",
  gawk: "`gawk '{print $1}'`",
  sed: "`sed -n '1,5p'`",
  grep: '`grep PATTERN`',
  egrep: "`egrep 'a|b'`",
  fgrep: '`fgrep TEXT`',
};

function describeOptions(spec: FilterSpec): string {
  const shorts = Object.keys(spec.short).map((letter) => `-${letter}`);
  const longs = Object.keys(spec.long).map((option) => `--${option}`);
  const all = [...shorts, ...longs];
  return all.length === 0 ? '(none)' : all.join(' ');
}

/**
 * What to execute for a filter stage: `awk` runs as `gawk --sandbox`, `sed` as `sed --sandbox`. The stage is
 * checked again first, so a pipeline built by hand rather than by parseCommandLine cannot run a refused filter:
 * throws the same CommandError validateFilterStage would.
 */
export function resolveFilterInvocation(stage: FilterStage): FilterInvocation {
  if (stage.argv[0] !== stage.name) {
    throw new CommandError({
      code: 'FORBIDDEN_PROGRAM',
      token: stage.name,
      message: `The filter stage is named \`${stage.name}\` but runs \`${stage.argv[0] ?? ''}\`; build stages with parseCommandLine.`,
    });
  }
  validateFilterStage(stage.argv);
  const executable = filterSpecs[stage.name]?.executable;
  if (executable === undefined) return { file: stage.name, args: stage.argv.slice(1) };
  return {
    file: executable.file,
    args: [...executable.leadingArgs, ...stage.argv.slice(1)],
    packageHint: executable.packageHint,
  };
}
