import type { CliAction, CliNargs } from './cli-model-types.js';

/**
 * Python 3's argparse `parse_known_args`, for the parsers the AWS CLI builds: the same prefix matching of long
 * options (a unique prefix is the option, anywhere on the line), `--opt=value`, the same greedy `nargs`
 * matching in which a word that looks like an option is never a value, positionals taken in runs between
 * options, and unknown words left over as extras in their order. Written after CPython 3.11's `argparse.py`;
 * the differential test against the installed CLI is what keeps it honest.
 */

/** Why argparse would stop with an error (the CLI prints usage and exits 2, or 252 in v2). */
export type ArgparseErrorKind =
  | 'ambiguous-option'
  | 'expected-argument'
  | 'ignored-explicit-argument'
  | 'invalid-choice'
  | 'required'
  | 'invalid-value';

/** An argparse error, with the word it is about. */
export class ArgparseError extends Error {
  readonly kind: ArgparseErrorKind;
  /** The word as written (`--quie`), or the option's name for `required`. */
  readonly word: string;
  /** For `ambiguous-option`: every option string the word could be. */
  readonly candidates: string[];
  readonly action: CliAction | undefined;

  constructor(options: {
    kind: ArgparseErrorKind;
    word: string;
    message: string;
    candidates?: string[];
    action?: CliAction;
  }) {
    super(options.message);
    this.name = 'ArgparseError';
    this.kind = options.kind;
    this.word = options.word;
    this.candidates = options.candidates ?? [];
    this.action = options.action;
  }
}

/** One action taken: which words of the input it read. */
export interface TakenAction {
  action: CliAction;
  /** The option string it matched (`--quiet` for the word `--quie`), undefined for a positional. */
  optionString: string | undefined;
  /** The index in the input of the option word (of the first value for a positional; -1 if it took none). */
  index: number;
  /** The values, as written (an explicit `--opt=value` gives one). */
  values: string[];
  /** Whether the value came after `=` in the option word itself. */
  explicit: boolean;
}

/** What parse_known_args returns: the actions taken in order, and the words no action took. */
export interface ArgparseResult {
  taken: TakenAction[];
  /** Indices (into the input) of the words left over, in order. */
  extras: number[];
  /** True when a `version` action ran: argparse prints it and exits at once, ignoring what follows. */
  exitedForVersion: boolean;
}

/** A parser: its actions in the order they were added (prefix matching and positional order depend on it). */
export interface ArgparseParser {
  actions: readonly CliAction[];
  /** option string → action, in insertion order (built once per parser). */
  optionStrings: ReadonlyMap<string, CliAction>;
  positionals: readonly CliAction[];
}

/** Builds the lookup tables of a parser from its actions. */
export function createArgparseParser(actions: readonly CliAction[]): ArgparseParser {
  const optionStrings = new Map<string, CliAction>();
  for (const action of actions) for (const option of action.options) optionStrings.set(option, action);
  return { actions, optionStrings, positionals: actions.filter((action) => action.options.length === 0) };
}

interface OptionTuple {
  action: CliAction | undefined;
  optionString: string;
  explicit: string | undefined;
}

const negativeNumber = /^-\d+$|^-\d*\.\d+$/;

/** argparse's `_parse_optional`: undefined for a positional word, else what option it is (possibly unknown). */
function parseOptional(parser: ArgparseParser, word: string): OptionTuple | undefined {
  if (word === '' || word[0] !== '-') return undefined;
  const exact = parser.optionStrings.get(word);
  if (exact !== undefined) return { action: exact, optionString: word, explicit: undefined };
  if (word.length === 1) return undefined;
  const equals = word.indexOf('=');
  if (equals !== -1) {
    const optionString = word.slice(0, equals);
    const action = parser.optionStrings.get(optionString);
    if (action !== undefined) return { action, optionString, explicit: word.slice(equals + 1) };
  }
  const tuples = optionTuples(parser, word);
  if (tuples.length > 1) {
    throw new ArgparseError({
      kind: 'ambiguous-option',
      word,
      candidates: tuples.map((tuple) => tuple.optionString),
      message: `ambiguous option: ${word} could match ${tuples.map((tuple) => tuple.optionString).join(', ')}`,
    });
  }
  if (tuples.length === 1) return tuples[0];
  // No parser of the CLI has options that look like negative numbers, so `-1` is a positional.
  if (negativeNumber.test(word)) return undefined;
  if (word.includes(' ')) return undefined;
  return { action: undefined, optionString: word, explicit: undefined };
}

/** argparse's `_get_option_tuples` with `allow_abbrev`: every option string the word is a prefix of. */
function optionTuples(parser: ArgparseParser, word: string): OptionTuple[] {
  const result: OptionTuple[] = [];
  if (word[1] === '-') {
    const equals = word.indexOf('=');
    const prefix = equals === -1 ? word : word.slice(0, equals);
    const explicit = equals === -1 ? undefined : word.slice(equals + 1);
    for (const [optionString, action] of parser.optionStrings) {
      if (optionString.startsWith(prefix)) result.push({ action, optionString, explicit });
    }
    return result;
  }
  const shortPrefix = word.slice(0, 2);
  const shortExplicit = word.slice(2);
  for (const [optionString, action] of parser.optionStrings) {
    if (optionString === shortPrefix) result.push({ action, optionString, explicit: shortExplicit });
    else if (optionString.startsWith(word)) result.push({ action, optionString, explicit: undefined });
  }
  return result;
}

/**
 * How many of the next words (`pattern`, a string of `A` for a value and `O` for an option) an action takes,
 * or undefined when it cannot match. Options never take `O` words; this is argparse's nargs regex without `--`,
 * which this package refuses before parsing.
 */
function matchCount(nargs: CliNargs, pattern: string, from: number): number | undefined {
  let available = 0;
  while (from + available < pattern.length && pattern[from + available] === 'A') available++;
  if (nargs === null) return available >= 1 ? 1 : undefined;
  if (nargs === '?') return Math.min(available, 1);
  if (nargs === '*') return available;
  if (nargs === '+') return available >= 1 ? available : undefined;
  return available >= nargs ? nargs : undefined;
}

/**
 * argparse's `_match_arguments_partial`: as many positionals as can match the run of `A` words at `from`,
 * each taking what the regex would (greedy, leaving enough for the ones after it).
 */
function matchPositionals(positionals: readonly CliAction[], pattern: string, from: number): number[] {
  let available = 0;
  while (from + available < pattern.length && pattern[from + available] === 'A') available++;
  for (let count = positionals.length; count > 0; count--) {
    const counts: number[] = [];
    if (fitPositionals(positionals, 0, count, available, counts)) return counts;
  }
  return [];
}

/**
 * Splits `available` words among `positionals[at..end)` as a left-to-right greedy regex does, appending each
 * one's share to `counts`; false (counts as they were) if impossible.
 */
function fitPositionals(
  positionals: readonly CliAction[],
  at: number,
  end: number,
  available: number,
  counts: number[],
): boolean {
  if (at === end) return true;
  const { nargs } = positionals[at] as CliAction;
  for (let take = Math.min(maxValues(nargs), available); take >= minValues(nargs); take--) {
    counts.push(take);
    if (fitPositionals(positionals, at + 1, end, available - take, counts)) return true;
    counts.pop();
  }
  return false;
}

function minValues(nargs: CliNargs): number {
  if (nargs === null || nargs === '+') return 1;
  if (nargs === '?' || nargs === '*') return 0;
  return nargs;
}

function maxValues(nargs: CliNargs): number {
  if (nargs === null || nargs === '?') return 1;
  if (nargs === '*' || nargs === '+') return Number.POSITIVE_INFINITY;
  return nargs;
}

function expectedMessage(nargs: CliNargs): string {
  if (nargs === null) return 'expected one argument';
  if (nargs === '?') return 'expected at most one argument';
  if (nargs === '+') return 'expected at least one argument';
  if (nargs === '*') return 'expected any number of arguments';
  return `expected ${nargs} argument${nargs === 1 ? '' : 's'}`;
}

function displayName(action: CliAction): string {
  return action.options.length > 0 ? action.options.join('/') : action.dest;
}

const choiceSets = new WeakMap<CliAction, ReadonlySet<string>>();

function checkChoices(action: CliAction, values: readonly string[], word: string): void {
  if (action.choices === undefined) return;
  let choices = choiceSets.get(action);
  if (choices === undefined) {
    choices = new Set(action.choices);
    choiceSets.set(action, choices);
  }
  for (const value of values) {
    if (!choices.has(value)) {
      throw new ArgparseError({
        kind: 'invalid-choice',
        word: value === '' ? word : value,
        action,
        message: `argument ${displayName(action)}: Invalid choice: '${value}'`,
      });
    }
  }
}

/** Python's int() and float() on a string (surrounding whitespace and `_` between digits allowed). */
const pythonInt = /^\s*[-+]?\d+(_\d+)*\s*$/;
const pythonFloat = /^\s*[-+]?((\d+(_\d+)*)?\.?\d+(_\d+)*([eE][-+]?\d+)?|\d+\.|inf(inity)?|nan)\s*$/i;

/** argparse converts each value with the action's `type` and fails the parse when it cannot. */
function checkType(action: CliAction, values: readonly string[], word: string): void {
  const pattern =
    action.valueType === 'int' ? pythonInt : action.valueType === 'float' ? pythonFloat : undefined;
  if (pattern === undefined) return;
  for (const value of values) {
    if (!pattern.test(value)) {
      throw new ArgparseError({
        kind: 'invalid-value',
        word: value === '' ? word : value,
        action,
        message: `argument ${displayName(action)}: invalid ${action.valueType} value: '${value}'`,
      });
    }
  }
}

/** How many values an action's nargs takes without any (flags take none). */
function takesValues(action: CliAction): boolean {
  return action.nargs !== 0;
}

/**
 * Parses `words` as argparse's `parse_known_args` would with this parser. Throws ArgparseError where argparse
 * would exit with an error (ambiguous prefix, missing value, explicit value for a flag, invalid choice, a
 * required argument missing unless `requiredOff`).
 */
export function parseKnownArgs(
  parser: ArgparseParser,
  words: readonly string[],
  options: { requiredOff?: boolean } = {},
): ArgparseResult {
  const optionAt = new Map<number, OptionTuple>();
  let pattern = '';
  words.forEach((word, index) => {
    const tuple = parseOptional(parser, word);
    if (tuple === undefined) pattern += 'A';
    else {
      optionAt.set(index, tuple);
      pattern += 'O';
    }
  });
  const taken: TakenAction[] = [];
  const extras: number[] = [];
  const positionals = [...parser.positionals];
  let exitedForVersion = false;

  const take = (entry: TakenAction): void => {
    if (entry.action.kind === 'command' || entry.action.kind === 'store' || entry.action.kind === 'append') {
      // Flags and const actions read no value, so neither `type` nor choices apply to them.
      checkType(entry.action, entry.values, words[entry.index] ?? '');
      checkChoices(entry.action, entry.values, words[entry.index] ?? '');
    }
    taken.push(entry);
    if (entry.action.kind === 'version') exitedForVersion = true;
  };

  const consumeOptional = (start: number): number => {
    const { action, optionString, explicit } = optionAt.get(start) as OptionTuple;
    if (action === undefined) {
      extras.push(start);
      return start + 1;
    }
    if (explicit !== undefined) {
      const count = matchCount(action.nargs, 'A', 0);
      if (count === 1) {
        take({ action, optionString, index: start, values: [explicit], explicit: true });
        return start + 1;
      }
      // Long options only in the CLI, so a flag with `=value` is an error, never `-xyz` bundling.
      throw new ArgparseError({
        kind: 'ignored-explicit-argument',
        word: words[start] as string,
        action,
        message: `argument ${displayName(action)}: ignored explicit argument '${explicit}'`,
      });
    }
    const count = takesValues(action) ? matchCount(action.nargs, pattern, start + 1) : 0;
    if (count === undefined) {
      throw new ArgparseError({
        kind: 'expected-argument',
        word: words[start] as string,
        action,
        message: `argument ${displayName(action)}: ${expectedMessage(action.nargs)}`,
      });
    }
    take({
      action,
      optionString,
      index: start,
      values: words.slice(start + 1, start + 1 + count),
      explicit: false,
    });
    return start + 1 + count;
  };

  const consumePositionals = (start: number): number => {
    const counts = matchPositionals(positionals, pattern, start);
    let index = start;
    counts.forEach((count, position) => {
      const action = positionals[position] as CliAction;
      take({
        action,
        optionString: undefined,
        index: count === 0 ? -1 : index,
        values: words.slice(index, index + count),
        explicit: false,
      });
      index += count;
    });
    positionals.splice(0, counts.length);
    return index;
  };

  // Map keys keep their insertion order, which is the words' order.
  const optionIndices = [...optionAt.keys()];
  const lastOption = optionIndices.length === 0 ? -1 : (optionIndices[optionIndices.length - 1] as number);
  let start = 0;
  while (start <= lastOption && !exitedForVersion) {
    const next = optionIndices.find((index) => index >= start) as number;
    if (start !== next) {
      const end = consumePositionals(start);
      if (end > start) {
        start = end;
        continue;
      }
      start = end;
    }
    if (!optionAt.has(start)) {
      for (let index = start; index < next; index++) extras.push(index);
      start = next;
    }
    start = consumeOptional(start);
  }
  if (exitedForVersion) return { taken, extras, exitedForVersion };
  const stop = consumePositionals(start);
  for (let index = stop; index < words.length; index++) extras.push(index);

  if (options.requiredOff !== true) {
    const missing = parser.actions.filter(
      (action) => action.required && !taken.some((entry) => entry.action === action),
    );
    if (missing.length > 0) {
      throw new ArgparseError({
        kind: 'required',
        word: displayName(missing[0] as CliAction),
        action: missing[0],
        message: `the following arguments are required: ${missing.map(displayName).join(', ')}`,
      });
    }
  }
  return { taken, extras, exitedForVersion };
}
