import {
  type ArgparseParser,
  type ArgparseResult,
  createArgparseParser,
  parseKnownArgs,
  type TakenAction,
} from './_argparse.js';
import type { CliAction, CliCommandModel, CliModel, CliServiceModel } from './cli-model-types.js';

/**
 * The AWS CLI's own walk through an argv, on its argument model: the main parser takes the global options
 * wherever they stand and the command; a service's parser takes the operation and the operation's parser the
 * rest (with the `help` positional the CLI adds); a customization's parser takes its own options and an
 * optional subcommand, recursively. Each parser sees only what the one before left over, as in clidriver.py.
 */

/** A taken action with its word positions made absolute (indices into the argv after `aws`). */
export interface ReadAction extends TakenAction {
  /** Which parser took it: `main`, or the command path (`s3 cp`, `ec2 describe-instances`). */
  parser: string;
}

/** Where the walk stopped. */
export type ReadingKind = 'command' | 'help' | 'version';

/** One reading of an argv, word by word. */
export interface AwsCommandReading {
  kind: ReadingKind;
  /** The top-level command (`ec2`, `s3`, `configure`), undefined for `aws help` and `aws --version`. */
  service: string | undefined;
  /** The command path below it: `['describe-instances']`, `['cp']`, `['wait', 'instance-running']`. */
  path: string[];
  serviceModel: CliServiceModel | undefined;
  /** The command that runs (undefined for help on a service, for the CLI's help or version). */
  command: CliCommandModel | undefined;
  /** The main parser's actions (global options), without the `command` positional. */
  globals: ReadAction[];
  /** The final command's actions, without the `help`/`subcommand` positionals. */
  arguments: ReadAction[];
  /** Actions of customizations above the final command (their own options). */
  intermediate: ReadAction[];
  /** Words (indices) no parser took: the CLI fails with "Unknown options" on any. */
  unknown: number[];
  /** The CLI's major version (1 or 2): v2 hands a customization's subcommand its words differently. */
  cliMajor: number;
  /** Every parser run, in order, with all it took (positionals such as `command` included) and left over. */
  parses: Array<{ parser: string; taken: TakenAction[]; extras: number[] }>;
}

/** A word the reading cannot place, or a command the model does not have. */
export class ReadingError extends Error {
  readonly kind: 'unknown-command' | 'no-command';
  /** The word (index into the argv after `aws`), or -1. */
  readonly index: number;
  /** The names that were possible at that point. */
  readonly choices: string[];
  /** The command path read so far. */
  readonly path: string[];

  constructor(options: {
    kind: ReadingError['kind'];
    index: number;
    choices: string[];
    path: string[];
    message: string;
  }) {
    super(options.message);
    this.name = 'ReadingError';
    this.kind = options.kind;
    this.index = options.index;
    this.choices = options.choices;
    this.path = options.path;
  }
}

/** The options whose presence lifts `required` (OverrideRequiredArgsArgument and its subclasses). */
const requiredLifters = ['--cli-input-json', '--generate-cli-skeleton', '--cli-input-yaml'];

const helpPositional: CliAction = { options: [], dest: 'help', nargs: '?', kind: 'store', required: false };

const parserCache = new WeakMap<object, ArgparseParser>();

function parserOf(key: object, actions: () => CliAction[]): ArgparseParser {
  let parser = parserCache.get(key);
  if (parser === undefined) {
    parser = createArgparseParser(actions());
    parserCache.set(key, parser);
  }
  return parser;
}

/** awscli's CommandAction: a positional whose choices are a command table (a service's has `help` too). */
function choiceAction(dest: string, choices: string[], nargs: CliAction['nargs']): CliAction {
  return { options: [], dest, nargs, kind: 'command', choices, required: nargs === null };
}

/** Runs one parser over the words at `indices`, mapping its result back to absolute indices. */
function runParser(
  parser: ArgparseParser,
  words: readonly string[],
  indices: readonly number[],
  options: { requiredOff?: boolean } = {},
): ArgparseResult {
  const result = parseKnownArgs(
    parser,
    indices.map((index) => words[index] as string),
    options,
  );
  const absolute = (index: number) => (index === -1 ? -1 : (indices[index] as number));
  return {
    taken: result.taken.map((entry) => taken(entry, absolute(entry.index))),
    extras: result.extras.map(absolute),
    exitedForVersion: result.exitedForVersion,
  };
}

// The entries are built field by field rather than spread: an object spread was the largest single cost of a parse.
function taken(entry: TakenAction, index: number): TakenAction {
  return {
    action: entry.action,
    optionString: entry.optionString,
    index,
    values: entry.values,
    explicit: entry.explicit,
  };
}

function label(parser: string, entries: TakenAction[]): ReadAction[] {
  return entries.map((entry) => ({
    action: entry.action,
    optionString: entry.optionString,
    index: entry.index,
    values: entry.values,
    explicit: entry.explicit,
    parser,
  }));
}

/**
 * Reads `words` (the argv after `aws`) the way the installed CLI does. Throws ArgparseError where one of the
 * CLI's parsers would stop with an error, and ReadingError for a command the model does not have.
 */
export function readAwsCommand(model: CliModel, words: readonly string[]): AwsCommandReading {
  const mainParser = parserOf(model.index, () => model.index.globals);
  const all = words.map((_, index) => index);
  const main = runParser(mainParser, words, all);
  const parses: AwsCommandReading['parses'] = [{ parser: 'main', ...main }];
  const globals = label(
    'main',
    main.taken.filter((entry) => entry.action.kind !== 'command'),
  );
  const base = {
    globals,
    intermediate: [] as ReadAction[],
    unknown: [] as number[],
    parses,
    cliMajor: model.index.cliMajor,
  };
  // `aws --version` and `aws help` stop at the main parser: nothing below it runs.
  const topLevel = (kind: ReadingKind, unknown: number[]): AwsCommandReading => ({
    ...base,
    kind,
    service: undefined,
    path: [],
    serviceModel: undefined,
    command: undefined,
    arguments: [],
    unknown,
  });
  if (main.exitedForVersion) return topLevel('version', []);
  const commandEntry = main.taken.find((entry) => entry.action.kind === 'command');
  const service = commandEntry?.values[0];
  if (service === undefined) {
    throw new ReadingError({
      kind: 'no-command',
      index: -1,
      choices: model.index.services,
      path: [],
      message: 'no command',
    });
  }
  if (service === 'help') return topLevel('help', main.extras);
  const serviceModel = model.loadService(service);
  if (serviceModel === undefined) {
    throw new ReadingError({
      kind: 'unknown-command',
      index: commandEntry?.index ?? -1,
      choices: model.index.services,
      path: [],
      message: `the model has no command ${service}`,
    });
  }
  const reading: AwsCommandReading = {
    kind: 'command',
    service,
    path: [],
    serviceModel,
    command: undefined,
    arguments: [],
    ...base,
  };
  if (serviceModel.kind === 'service') readService(words, main.extras, serviceModel, reading);
  else readCustomization(words, main.extras, serviceModel, serviceModel.commands, reading, service);
  return reading;
}

function readService(
  words: readonly string[],
  remaining: number[],
  serviceModel: CliServiceModel,
  reading: AwsCommandReading,
): void {
  const parser = parserOf(serviceModel, () => [
    choiceAction('operation', [...Object.keys(serviceModel.commands), 'help'], null),
  ]);
  const result = runParser(parser, words, remaining);
  reading.parses.push({ parser: 'service', ...result });
  const entry = result.taken[0];
  const name = entry?.values[0] as string;
  if (name === 'help') {
    reading.kind = 'help';
    reading.unknown = result.extras;
    return;
  }
  const command = serviceModel.commands[name] as CliCommandModel;
  reading.path.push(name);
  if (command.kind === 'customization') {
    readCustomization(
      words,
      result.extras,
      command,
      command.subcommands ?? {},
      reading,
      `${reading.service} ${name}`,
    );
    return;
  }
  readOperation(words, result.extras, command, reading);
}

function readOperation(
  words: readonly string[],
  remaining: number[],
  command: CliCommandModel,
  reading: AwsCommandReading,
): void {
  const parser = parserOf(command, () =>
    command.actions.some((action) => action.dest === 'help' && action.options.length === 0)
      ? command.actions
      : [...command.actions, helpPositional],
  );
  // The CLI lifts `required` when one of these words is among the operation's words (OverrideRequiredArgsArgument).
  // It does so only where the operation has that option (v1 has no --cli-input-yaml, s3api get-object no
  // --generate-cli-skeleton); lifting it for the word alone gives the same verdict (the option is unknown, so the
  // command is refused either way) and the better refusal: the unknown option, not the required ones, which the
  // person would add only to hear next that the option does not exist.
  const requiredOff = remaining.some((index) => requiredLifters.includes(words[index] as string));
  reading.command = command;
  // ArgTableArgParser answers a lone `help` before argparse runs, required arguments or not.
  if (remaining.length === 1 && words[remaining[0] as number] === 'help') {
    reading.kind = 'help';
    return;
  }
  const result = runParser(parser, words, remaining, { requiredOff });
  reading.parses.push({ parser: 'operation', ...result });
  reading.command = command;
  const help = result.taken.find(
    (entry) => entry.action.dest === 'help' && entry.action.options.length === 0,
  );
  reading.arguments = label(
    `${reading.service} ${reading.path.join(' ')}`,
    result.taken.filter((entry) => entry !== help),
  );
  // ServiceOperation shows the help when its `help` positional took `help`, before it looks at the words left
  // over (`aws ec2 describe-instances help y` is help); any other word there is one more unknown word.
  if (help !== undefined && help.values[0] === 'help') {
    reading.kind = 'help';
    return;
  }
  reading.unknown = [...result.extras];
  if (help !== undefined && help.values.length > 0) reading.unknown.push(help.index);
  reading.unknown.sort((a, b) => a - b);
}

/** A BasicCommand: `['help']` alone is help; else its own options and an optional subcommand. */
function readCustomization(
  words: readonly string[],
  remaining: number[],
  command: CliServiceModel | CliCommandModel,
  subcommands: Record<string, CliCommandModel>,
  reading: AwsCommandReading,
  name: string,
): void {
  // A top-level customization run without a subcommand (`aws configure`) runs as a command of its own.
  const runs: CliCommandModel =
    'commands' in command ? { name: command.name, kind: 'customization', actions: command.actions } : command;
  if (remaining.length === 1 && words[remaining[0] as number] === 'help') {
    reading.kind = 'help';
    reading.command = runs;
    return;
  }
  const names = Object.keys(subcommands);
  // The model records the parser as the CLI builds it, `subcommand` positional included; older models may not.
  const hasChoice = command.actions.some(
    (action) => action.kind === 'command' && action.options.length === 0,
  );
  const parser = parserOf(command, () =>
    names.length === 0 || hasChoice
      ? command.actions
      : [...command.actions, choiceAction('subcommand', names, '?')],
  );
  if (reading.cliMajor === 2 && names.length > 0) {
    // CLI v2 first looks for the subcommand with nothing required, and hands it every other word.
    const first = runParser(parser, words, remaining, { requiredOff: true });
    const found = first.taken.find(
      (entry) => entry.action.kind === 'command' && entry.action.options.length === 0,
    );
    const chosen = found?.values[0];
    reading.parses.push({ parser: command.name, taken: first.taken, extras: [] });
    if (found !== undefined && chosen !== undefined) {
      reading.path.push(chosen);
      const next = subcommands[chosen] as CliCommandModel;
      const rest = remaining.filter((index) => index !== found.index);
      if (next.kind === 'operation') readOperation(words, rest, next, reading);
      else readCustomization(words, rest, next, next.subcommands ?? {}, reading, `${name} ${chosen}`);
      return;
    }
  }
  const result = runParser(parser, words, remaining);
  reading.parses.push({ parser: command.name, ...result });
  const subcommand = result.taken.find(
    (entry) => entry.action.kind === 'command' && entry.action.options.length === 0,
  );
  const own = label(
    name,
    result.taken.filter((entry) => entry !== subcommand),
  );
  const chosen = subcommand?.values[0];
  if (chosen === undefined) {
    reading.command = runs;
    reading.arguments = own;
    reading.unknown = result.extras;
    return;
  }
  reading.intermediate.push(...own);
  reading.path.push(chosen);
  const next = subcommands[chosen] as CliCommandModel;
  if (next.kind === 'operation') readOperation(words, result.extras, next, reading);
  else readCustomization(words, result.extras, next, next.subcommands ?? {}, reading, `${name} ${chosen}`);
}
