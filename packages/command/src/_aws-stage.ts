import { ArgparseError } from './_argparse.js';
import { type CliInputOption, readCliInputDocument } from './_cli-input.js';
import { didYouMean } from './_did-you-mean.js';
import {
  type AwsCommandReading,
  type ReadAction,
  ReadingError,
  readAwsCommand,
} from './_read-aws-command.js';
import { urlParameterExemptions } from './_url-param-exemptions.js';
import type { CliAction, CliModel } from './cli-model-types.js';
import { CommandError } from './command-error.js';
import { isSecretOptionName, isSecretReferenceName } from './secret-words.js';

/** Global options refused wherever they stand, with the reason (keyed by the option's full name). */
const refusedGlobals: Readonly<Record<string, string>> = {
  '--debug': '`--debug` prints request signatures and session tokens to stderr; leave it out',
  '--no-verify-ssl':
    '`--no-verify-ssl` turns off TLS certificate checks; use --ca-bundle with a file in the working directory instead',
  '--cli-auto-prompt':
    '`--cli-auto-prompt` waits for a person at a terminal; pass every parameter on the line',
};

/** Options whose exact word lifts `required` (OverrideRequiredArgsArgument), so they stay in two-word form. */
const twoWordOptions = new Set(['--cli-input-json', '--cli-input-yaml', '--generate-cli-skeleton']);

/** The AWS CLI options this package understands wherever they stand on the line. */
export interface AwsGlobalOptions {
  profile?: string;
  region?: string;
  endpointUrl?: string;
  output?: string;
  query?: string;
  caBundle?: string;
  color?: string;
  cliReadTimeout?: string;
  cliConnectTimeout?: string;
  cliBinaryFormat?: string;
  pageSize?: string;
  maxItems?: string;
  startingToken?: string;
  cliInputJson?: string;
  cliInputYaml?: string;
  noPaginate?: true;
  noSignRequest?: true;
  noCliPager?: true;
  version?: true;
}

/** One argument of the command as the CLI attributes it. */
export interface AwsArgument {
  /** The action in the CLI's model. */
  action: CliAction;
  /** The name in the CLI's argument table (`instance-ids`), or the option without dashes. */
  name: string;
  /** The option's full spelling (`--instance-ids`), undefined for a positional. */
  option: string | undefined;
  /** The values as written (a flag has none). */
  values: string[];
}

/** The `aws` stage of a pipeline, as the installed CLI reads it. */
export interface AwsStage {
  /** The argv that runs, rebuilt from the reading: full option names, `--name=value`, `argv[0]` being `aws`. */
  argv: string[];
  /** The argv as written. */
  written: string[];
  /**
   * `argv` with the values of secret arguments replaced by `[redacted]` (members the model marks sensitive, and
   * options named like secrets: passwords, tokens, keys, user data, `--cli-input-json`), for logs.
   */
  redactedArgv: string[];
  /** The top-level command (`s3`, `s3api`, `ec2`, `configure`), or undefined for `aws help` / `aws --version`. */
  service: string | undefined;
  /** The operation or customization (`list-buckets`, `cp`, `wait`), or undefined. */
  operation: string | undefined;
  /** The command path below the service (`['wait', 'instance-running']`). */
  path: string[];
  /** The values of the command's positionals, in the CLI's order (`s3 cp SRC DST`, an OUTFILE). */
  positionals: string[];
  /** The command's options by their argument-table name (a flag has an empty value list). */
  options: Map<string, string[]>;
  /** Every argument of the command, as attributed. */
  arguments: AwsArgument[];
  /**
   * The API request's parameters by botocore member name, as far as the line sets them: flags as booleans,
   * values as written (lists as arrays), then what `--cli-input-json` adds for members not set on the line.
   */
  parameters: Record<string, unknown>;
  globals: AwsGlobalOptions;
  /** Whether this asks for help (`aws help`, `aws s3 help`, `aws s3 cp help`). */
  isHelp: boolean;
  /** The reading itself, word by word, for rules that need more than the fields above. */
  reading: AwsCommandReading | undefined;
}

/** What reading an `aws` stage needs. */
export interface ReadAwsStageOptions {
  model: CliModel;
  /**
   * Reads a `file://` value of `--cli-input-json` or `--cli-input-yaml` (`path` relative to the working directory;
   * the reader confines it), so its content is judged and inlined. Without it such a value is refused.
   */
  readCliInputFile?: (path: string, option: CliInputOption) => string;
}

const camelCases = new Map<string, keyof AwsGlobalOptions>();

/** `--cli-read-timeout` → `cliReadTimeout` (kept: the main parser has a few dozen option strings). */
function camelCase(option: string): keyof AwsGlobalOptions {
  let name = camelCases.get(option);
  if (name === undefined) {
    name = option
      .replace(/^--/, '')
      .replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase()) as keyof AwsGlobalOptions;
    if (camelCases.size < 1000) camelCases.set(option, name);
  }
  return name;
}

/**
 * Reads the `aws` stage with the installed CLI's own parsers (its argument model) and rebuilds the argv that
 * runs from what was read. Throws CommandError for anything the CLI would not take or this package cannot
 * attribute: NOT_AWS, FORBIDDEN_GLOBAL_OPTION, ABBREVIATED_OPTION, AMBIGUOUS_OPTION, MISSING_OPTION_VALUE,
 * UNEXPECTED_OPTION_VALUE, UNKNOWN_COMMAND, UNKNOWN_OPTION, UNEXPECTED_ARGUMENT, INVALID_CHOICE,
 * MISSING_PARAMETER, CONFLICTING_SETTING, URL_PARAMETER_VALUE, INVALID_CLI_INPUT.
 */
export function parseAwsStage(argv: string[], options: ReadAwsStageOptions): AwsStage {
  checkHead(argv);
  const words = argv.slice(1);
  if (words.includes('--')) {
    throw new CommandError({
      code: 'FORBIDDEN_GLOBAL_OPTION',
      token: '--',
      message: 'A bare `--` changes how the CLI reads the words after it; leave it out.',
    });
  }
  let reading: AwsCommandReading;
  try {
    reading = readAwsCommand(options.model, words);
  } catch (error) {
    throw explainSnapshotGap(options.model, error, words) ?? explainReadingError(error, words);
  }
  checkAbbreviations(reading, words);
  checkRefusedGlobals(reading);
  checkSnapshotGapOptions(options.model, reading, words);
  checkUnknownWords(reading, words);
  const globals = collectGlobals(reading);
  const commandArguments = reading.arguments.map(toArgument);
  const service = reading.service;
  const operation = reading.path[0];
  const command = `${service ?? ''} ${reading.path.join(' ')}`.trim();
  if (reading.kind === 'command') checkUrlParameterValues(reading, command);
  const parameters = collectParameters(commandArguments);
  const inlined = mergeCliInput(reading, commandArguments, parameters, command, options);
  const optionMap = new Map<string, string[]>();
  const positionals: string[] = [];
  for (const argument of commandArguments) {
    if (argument.option === undefined) {
      positionals.push(...argument.values);
      continue;
    }
    const values = optionMap.get(argument.name);
    if (values === undefined) optionMap.set(argument.name, [...argument.values]);
    else values.push(...argument.values);
  }
  const extra = transferFlags(service, operation, commandArguments);
  const runs = [...rebuildArgv(reading, inlined), ...extra];
  // Most commands have no secret argument: their redacted argv is the one that runs.
  const hasSecret = reading.arguments.some(isSecretArgument) || reading.intermediate.some(isSecretArgument);
  return {
    argv: runs,
    written: [...argv],
    redactedArgv: hasSecret ? [...rebuildArgv(reading, inlined, isSecretArgument), ...extra] : [...runs],
    service,
    operation,
    path: [...reading.path],
    positionals,
    options: optionMap,
    arguments: commandArguments,
    parameters,
    globals,
    isHelp: reading.kind === 'help',
    reading,
  };
}

/**
 * A recursive `s3` transfer with a local side runs with `--no-follow-symlinks`: a link in the working directory
 * must not upload what it points to (the CLI follows links by default). `--follow-symlinks` is refused there.
 */
function transferFlags(
  service: string | undefined,
  operation: string | undefined,
  commandArguments: readonly AwsArgument[],
): string[] {
  if (service !== 's3' || !['cp', 'mv', 'sync'].includes(operation ?? '')) return [];
  const has = (name: string) => commandArguments.some((argument) => argument.name === name);
  const local = commandArguments.some(
    (argument) =>
      argument.option === undefined &&
      argument.values.some((path) => !path.startsWith('s3://') && path !== '-'),
  );
  if (!local || !(operation === 'sync' || has('recursive'))) return [];
  if (has('follow-symlinks')) {
    throw new CommandError({
      code: 'LOCAL_PATH_OUTSIDE_WORKDIR',
      token: '--follow-symlinks',
      message: `\`--follow-symlinks\` would let a link in the working directory copy files from anywhere; leave it out (\`aws s3 ${operation}\` runs with \`--no-follow-symlinks\` here).`,
    });
  }
  return has('no-follow-symlinks') ? [] : ['--no-follow-symlinks'];
}

function checkHead(argv: string[]): void {
  const first = argv[0];
  if (first === 'aws') return;
  throw new CommandError({
    code: 'NOT_AWS',
    token: first ?? '',
    message:
      first === undefined || first === ''
        ? 'The command is empty. Start it with `aws`, e.g. `aws s3 ls`.'
        : `The first stage must be the AWS CLI, written exactly \`aws\` (no path, no other program); got \`${first}\`. Start the command with \`aws\`, e.g. \`aws s3 ls\`.`,
  });
}

function toArgument(entry: ReadAction): AwsArgument {
  const option = entry.optionString;
  return {
    action: entry.action,
    name: entry.action.argument ?? option?.replace(/^--/, '') ?? entry.action.dest,
    option,
    values: entry.values,
  };
}

function optionNamesOf(actions: readonly CliAction[]): string[] {
  return actions.flatMap((action) => action.options);
}

function commandWords(reading: AwsCommandReading | undefined): string {
  if (reading?.service === undefined) return 'aws';
  return `aws ${[reading.service, ...reading.path].join(' ')}`;
}

/** Turns the parsers' errors into refusals that say what to write instead. */
function explainReadingError(error: unknown, words: readonly string[]): CommandError {
  if (error instanceof ReadingError) {
    const written = words[error.index] ?? '';
    return new CommandError({
      code: 'UNKNOWN_COMMAND',
      token: written,
      message:
        error.kind === 'no-command'
          ? 'The command names no service. Write `aws SERVICE OPERATION …`, e.g. `aws s3 ls`; `aws help` lists the services.'
          : `\`aws ${written}\` is not a command of the installed AWS CLI.${didYouMean(written, error.choices)}`,
    });
  }
  if (!(error instanceof ArgparseError)) throw error;
  const action = error.action;
  switch (error.kind) {
    case 'ambiguous-option':
      return new CommandError({
        code: 'AMBIGUOUS_OPTION',
        token: error.word,
        message: `\`${error.word}\` could be ${error.candidates.map((name) => `\`${name}\``).join(', ')}; write the option in full.`,
      });
    case 'expected-argument':
      return new CommandError({
        code: 'MISSING_OPTION_VALUE',
        token: error.word,
        message: `\`${error.word}\` needs ${action?.nargs === '+' ? 'at least one value' : 'a value'}; a word starting with \`-\` is never taken as one, so write \`${action?.options[0] ?? error.word}=VALUE\` for such a value.`,
      });
    case 'ignored-explicit-argument':
      return new CommandError({
        code: 'UNEXPECTED_OPTION_VALUE',
        token: error.word,
        message: `\`${action?.options[0] ?? error.word}\` takes no value; write it alone${action?.options[0]?.startsWith('--no-') === false ? ` (or \`--no-${action.options[0].slice(2)}\` where the CLI has it)` : ''}.`,
      });
    case 'invalid-choice': {
      if (action?.kind === 'command') {
        const before = words[words.indexOf(error.word) - 1];
        if (action.dest === 'command' && before?.startsWith('--') === true) {
          return new CommandError({
            code: 'UNKNOWN_GLOBAL_OPTION',
            token: before,
            message: `\`${before}\` is not an AWS CLI global option, so the CLI takes \`${error.word}\` for the service; put operation options after the service and operation (aws SERVICE OPERATION ${before} …).`,
          });
        }
        const place =
          action.dest === 'command'
            ? 'aws'
            : `aws ${words
                .slice(0, words.indexOf(error.word))
                .filter((word) => !word.startsWith('-'))
                .join(' ')}`;
        const choices = (action.choices ?? []).filter((choice) => choice !== 'help');
        return new CommandError({
          code: 'UNKNOWN_COMMAND',
          token: error.word,
          message: `\`${place} ${error.word}\` does not exist in the installed AWS CLI.${didYouMean(error.word, choices, (name) => `${place} ${name}`)} \`${place} help\` lists them.`,
        });
      }
      return new CommandError({
        code: 'INVALID_CHOICE',
        token: error.word,
        message: `\`${error.word}\` is not a valid value of \`${action?.options[0] ?? action?.dest}\`; valid: ${(action?.choices ?? []).join(', ')}.`,
      });
    }
    case 'invalid-value':
      return new CommandError({
        code: 'INVALID_CHOICE',
        token: error.word,
        message: `\`${error.word}\` is not a valid value of \`${action?.options[0] ?? action?.dest}\`, which takes ${action?.valueType === 'int' ? 'a whole number' : 'a number'}.`,
      });
    case 'required':
      return new CommandError({
        code: 'MISSING_PARAMETER',
        token: error.word,
        message: `The command needs ${error.message.replace('the following arguments are required: ', '')}. Read its help (aws_cli_help) for what each one takes.`,
      });
  }
  return new CommandError({ code: 'INVALID_ARGV', message: error.message });
}

function notInSnapshot(model: CliModel, what: string): CommandError {
  const gap = model.snapshotGap as NonNullable<CliModel['snapshotGap']>;
  return new CommandError({
    code: 'NOT_IN_CLI_SNAPSHOT',
    token: what,
    message: `${what} is in the installed AWS CLI's own models, but that CLI cannot be imported (a frozen binary), so commands are read with the committed argument tables: the snapshot is from CLI ${gap.snapshotVersion}; the installed CLI is ${model.index.cliVersion}. Use what CLI ${gap.snapshotVersion} has, or install the CLI with pip or your package manager so its own tables can be learned.`,
  });
}

/** An unknown service or operation that the installed CLI has and the snapshot standing in for it does not. */
function explainSnapshotGap(
  model: CliModel,
  error: unknown,
  words: readonly string[],
): CommandError | undefined {
  if (model.snapshotGap === undefined) return undefined;
  const commandWords = words.filter((word) => !word.startsWith('-'));
  let path: { service: string; command?: string } | undefined;
  if (error instanceof ReadingError && error.kind === 'unknown-command') {
    path = { service: words[error.index] ?? '' };
  } else if (
    error instanceof ArgparseError &&
    error.kind === 'invalid-choice' &&
    error.action?.kind === 'command'
  ) {
    const at = commandWords.indexOf(error.word);
    // The service is the word before the operation (a global option's value may stand earlier).
    path =
      error.action.dest === 'command'
        ? { service: error.word }
        : at > 0
          ? { service: commandWords[at - 1] as string, command: error.word }
          : undefined;
  }
  if (path === undefined || !model.snapshotGap.installedHas(path)) return undefined;
  return notInSnapshot(model, `\`aws ${[path.service, path.command].filter(Boolean).join(' ')}\``);
}

/** An unknown option of an operation that the installed CLI's model has and the snapshot does not. */
function checkSnapshotGapOptions(
  model: CliModel,
  reading: AwsCommandReading,
  words: readonly string[],
): void {
  const gap = model.snapshotGap;
  if (gap === undefined || reading.service === undefined || reading.path.length !== 1) return;
  for (const index of reading.unknown) {
    const word = words[index] ?? '';
    const option = word.includes('=') ? word.slice(0, word.indexOf('=')) : word;
    if (!option.startsWith('--')) continue;
    if (gap.installedHas({ service: reading.service, command: reading.path[0] as string, option })) {
      throw notInSnapshot(model, `\`${option}\` of \`aws ${reading.service} ${reading.path[0]}\``);
    }
  }
}

function checkRefusedGlobals(reading: AwsCommandReading): void {
  for (const entry of reading.globals) {
    const reason = refusedGlobals[entry.optionString ?? ''];
    if (reason !== undefined) {
      throw new CommandError({
        code: 'FORBIDDEN_GLOBAL_OPTION',
        token: entry.optionString,
        message: `${reason}.`,
      });
    }
  }
}

/** argparse takes any unique prefix; only full names are run, so the reading is never in doubt. */
function checkAbbreviations(reading: AwsCommandReading, words: readonly string[]): void {
  for (const entry of [...reading.globals, ...reading.intermediate, ...reading.arguments]) {
    if (entry.optionString === undefined) continue;
    const word = words[entry.index] ?? '';
    const name = entry.explicit ? word.slice(0, word.indexOf('=')) : word;
    if (name === entry.optionString) continue;
    const scope = entry.parser === 'main' ? ' (a global option, read before any command option)' : '';
    throw new CommandError({
      code: 'ABBREVIATED_OPTION',
      token: name,
      message: `The CLI reads \`${name}\` as \`${entry.optionString}\`${scope}; write \`${entry.optionString}\` in full, not \`${name}\`${entry.parser === 'main' ? ', or the option you meant in full' : ''}.`,
    });
  }
}

function checkUnknownWords(reading: AwsCommandReading, words: readonly string[]): void {
  const first = reading.unknown[0];
  if (first === undefined) return;
  const word = words[first] ?? '';
  const where = commandWords(reading);
  if (word.startsWith('-') && word.length > 1 && !/^-\d/.test(word)) {
    const name = word.includes('=') ? word.slice(0, word.indexOf('=')) : word;
    const choices = reading.command === undefined ? [] : optionNamesOf(reading.command.actions);
    throw new CommandError({
      code: 'UNKNOWN_OPTION',
      token: name,
      message: `\`${where}\` has no option \`${name}\`.${didYouMean(
        name.replace(/^--?/, ''),
        choices.map((option) => option.slice(2)),
        (option) => `--${option}`,
      )} Read its help (aws_cli_help) for the options it takes.`,
    });
  }
  const positionals = (reading.command?.actions ?? []).filter(
    (action) => action.options.length === 0 && action.dest !== 'help' && action.kind !== 'command',
  );
  throw new CommandError({
    code: 'UNEXPECTED_ARGUMENT',
    token: word,
    message:
      positionals.length === 0
        ? `\`${where}\` takes no positional argument, but \`${word}\` stands alone; give it with the option it belongs to (\`--name value\`).`
        : `\`${where}\` takes ${positionals.map((action) => action.dest.toUpperCase()).join(' ')} and no more, but \`${word}\` is extra; give it with the option it belongs to.`,
  });
}

function collectGlobals(reading: AwsCommandReading): AwsGlobalOptions {
  const globals: AwsGlobalOptions = {};
  for (const entry of reading.globals) {
    if (entry.optionString === undefined) continue;
    const key = camelCase(entry.optionString);
    if (entry.action.nargs === 0 || entry.values.length === 0) {
      (globals as Record<string, unknown>)[key] = true;
      continue;
    }
    const value = entry.values.join(' ');
    const previous = globals[key];
    if (previous !== undefined && previous !== value) {
      throw new CommandError({
        code: 'CONFLICTING_SETTING',
        token: entry.optionString,
        message: `\`${entry.optionString}\` is given twice with different values (${String(previous)}, ${value}); give it once.`,
      });
    }
    (globals as Record<string, string>)[key] = value;
  }
  return globals;
}

/** The value an argument gives its botocore member, as far as this package needs it (no shorthand parsing). */
function memberValue(argument: AwsArgument): unknown {
  const { action } = argument;
  if (action.kind === 'store_true') return true;
  if (action.kind === 'store_false') return false;
  if (action.kind === 'store_const') return action.const;
  if (
    action.nargs === '+' ||
    action.nargs === '*' ||
    typeof action.nargs === 'number' ||
    action.kind === 'append'
  ) {
    return argument.values;
  }
  return argument.values[0] ?? action.const;
}

function collectParameters(commandArguments: readonly AwsArgument[]): Record<string, unknown> {
  const parameters: Record<string, unknown> = {};
  for (const argument of commandArguments) {
    const member = argument.action.member;
    if (member === undefined) continue;
    parameters[member] = memberValue(argument);
  }
  return parameters;
}

/**
 * Merges `--cli-input-json` or `--cli-input-yaml` into `parameters` as the CLI does (a member already set on the
 * line wins) and returns the canonical JSON to run with `--cli-input-json`, or undefined when there is none. A YAML
 * document runs as that JSON, so the CLI reads exactly the members judged here. Refuses both options at once (the
 * CLI does too), text that does not parse, a member the operation does not have, and a `file://` value it cannot
 * read.
 */
function mergeCliInput(
  reading: AwsCommandReading,
  commandArguments: readonly AwsArgument[],
  parameters: Record<string, unknown>,
  command: string,
  options: ReadAwsStageOptions,
): string | undefined {
  const inputs = commandArguments.filter(
    (argument) => argument.option === '--cli-input-json' || argument.option === '--cli-input-yaml',
  );
  // argparse keeps the last value given.
  const input = inputs[inputs.length - 1];
  if (input === undefined || reading.kind !== 'command') return undefined;
  const option = input.option as CliInputOption;
  if (inputs.some((argument) => argument.option !== option)) {
    throw new CommandError({
      code: 'INVALID_CLI_INPUT',
      token: option,
      message: 'Give `--cli-input-json` or `--cli-input-yaml`, not both (the CLI takes only one).',
    });
  }
  let text = input.values[0] ?? '';
  if (/^fileb?:\/\//i.test(text)) {
    if (options.readCliInputFile === undefined || /^fileb:/i.test(text)) {
      throw new CommandError({
        code: 'INVALID_CLI_INPUT',
        token: text,
        message: `\`${option}\` from a file needs a working directory and \`file://\`; pass the document inline instead.`,
      });
    }
    text = options.readCliInputFile(text.replace(/^file:\/\//i, ''), option);
  }
  const data = readCliInputDocument(option, text);
  const members = new Set(
    (reading.command?.actions ?? []).flatMap((action) =>
      action.member === undefined ? [] : [action.member],
    ),
  );
  for (const [key, value] of Object.entries(data)) {
    if (!members.has(key)) {
      throw new CommandError({
        code: 'INVALID_CLI_INPUT',
        token: key,
        message: `\`${option}\` sets \`${key}\`, which \`aws ${command}\` does not take (member names are case-sensitive).${didYouMean(key, members)}`,
      });
    }
    if (!(key in parameters)) parameters[key] = value;
  }
  return JSON.stringify(data);
}

/**
 * The CLI downloads a parameter value that starts with exactly `http://` or `https://` (a case-sensitive prefix
 * match in awscli/paramfile.py) and sends the page as the value, unless the parameter is exempt.
 */
function checkUrlParameterValues(reading: AwsCommandReading, command: string): void {
  for (const entry of [...reading.intermediate, ...reading.arguments]) {
    const name = entry.action.argument ?? entry.optionString?.replace(/^--/, '') ?? entry.action.dest;
    for (const value of entry.values) {
      if (!value.startsWith('http://') && !value.startsWith('https://')) continue;
      if (urlParameterExemptions.has(`${command} --${name}`)) continue;
      const written = entry.optionString === undefined ? value : `${entry.optionString} ${value}`;
      throw new CommandError({
        code: 'URL_PARAMETER_VALUE',
        token: value,
        message: `\`${written}\` is refused: the AWS CLI downloads a parameter value that starts with http:// or https:// and sends what it gets (any URL, even instance credentials from 169.254.169.254) as the value. Pass the content inline, or save it in a file in the working directory and pass \`file://NAME\`.`,
      });
    }
  }
}

/** A word the CLI's parsers would read as an option rather than a value, in any parser. */
function looksLikeOption(word: string): boolean {
  return word.length > 1 && word.startsWith('-') && !/^-\d+$|^-\d*\.\d+$/.test(word) && !word.includes(' ');
}

/** Members the model marks sensitive, and options named like secrets whatever the model says (secret-words.ts). */
function isSecretArgument(entry: ReadAction): boolean {
  const option = entry.optionString ?? '';
  return entry.action.sensitive === true || (isSecretOptionName(option) && !isSecretReferenceName(option));
}

function redactValue(value: string): string {
  return /^fileb?:\/\//i.test(value) ? value : '[redacted]';
}

/** One option as the argv that runs writes it (values redacted when `redact` says so). */
function writeOption(
  entry: ReadAction,
  inlined: string | undefined,
  redact?: (entry: ReadAction) => boolean,
): string[] {
  const written = entry.optionString as string;
  const isInput = written === '--cli-input-json' || written === '--cli-input-yaml';
  // The document runs as the JSON judged here, whichever form it was given in.
  const option = isInput && inlined !== undefined ? '--cli-input-json' : written;
  const given = isInput && inlined !== undefined ? [inlined] : entry.values;
  const values = redact?.(entry) === true ? given.map(redactValue) : given;
  if (entry.action.nargs === 0 || values.length === 0) return [option];
  if (twoWordOptions.has(option)) return [option, ...values];
  if (values.length === 1) return [`${option}=${values[0]}`];
  const unsafe = values.find(looksLikeOption);
  if (unsafe !== undefined) {
    throw new CommandError({
      code: 'UNEXPECTED_ARGUMENT',
      token: unsafe,
      message: `\`${unsafe}\` in the values of \`${option}\` looks like an option; give such a value alone as \`${option}=${unsafe}\`.`,
    });
  }
  return [option, ...values];
}

/**
 * The argv that runs: global options first, then the command path, its positionals in the CLI's order, and
 * every option by its full name in the order written (`--include`/`--exclude` order matters to `s3`).
 */
function rebuildArgv(
  reading: AwsCommandReading,
  inlined: string | undefined,
  redact?: (entry: ReadAction) => boolean,
): string[] {
  const argv = ['aws'];
  for (const entry of reading.globals) argv.push(...writeOption(entry, undefined));
  if (reading.kind === 'version') return argv;
  if (reading.service !== undefined) argv.push(reading.service, ...reading.path);
  if (reading.kind === 'help') {
    argv.push('help');
    return argv;
  }
  // The CLI takes positionals left to right in its own order, so the order they were taken is that order.
  const positionals = reading.arguments.filter((entry) => entry.optionString === undefined);
  for (const entry of positionals) {
    for (const value of entry.values) {
      if (looksLikeOption(value)) {
        throw new CommandError({
          code: 'UNEXPECTED_ARGUMENT',
          token: value,
          message: `The positional \`${value}\` starts with \`-\`, which the CLI would read as an option; name the file differently (e.g. \`./${value}\`).`,
        });
      }
      argv.push(redact?.(entry) === true ? redactValue(value) : value);
    }
  }
  const options = [...reading.intermediate, ...reading.arguments]
    .filter((entry) => entry.optionString !== undefined)
    .sort((a, b) => a.index - b.index);
  for (const entry of options) argv.push(...writeOption(entry, inlined, redact));
  return argv;
}
