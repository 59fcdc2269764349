import { checkAwkProgram } from './_awk-program.js';
import { checkJqProgram } from './_jq-program.js';
import { checkSedScript } from './_sed-script.js';

/** How an option is spelled and what follows it. */
export type OptionKind = 'flag' | 'value' | 'two-values';

/** One filter's allowlist: its options, its operands, its refusals with their reasons. */
export interface FilterSpec {
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
export const filterSpecs: Record<string, FilterSpec> = {
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

/** Programs that are never a stage, each with the reason its refusal gives. */
export const neverAllowed: Record<string, string> = {
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

/** Wrappers such as sudo or env, refused in any stage: each stage is run directly. */
export const wrappers = new Set([
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

/** An example per filter that takes a program or pattern, shown when it is missing. */
export const operandExamples: Record<string, string> = {
  jq: "`jq '.Buckets[].Name'`",
  awk: "`awk '{print $1}'`",
  gawk: "`gawk '{print $1}'`",
  sed: "`sed -n '1,5p'`",
  grep: '`grep PATTERN`',
  egrep: "`egrep 'a|b'`",
  fgrep: '`fgrep TEXT`',
};
