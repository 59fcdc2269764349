import { urlParameterExemptions } from './_url-param-exemptions.js';
import { CommandError } from './command-error.js';

/** Global options of the AWS CLI that take a value (the next word is their value, not a positional). */
export const valueGlobals = new Set([
  'profile',
  'region',
  'endpoint-url',
  'output',
  'query',
  'ca-bundle',
  'color',
  'cli-read-timeout',
  'cli-connect-timeout',
  'cli-binary-format',
  'page-size',
  'max-items',
  'starting-token',
  'cli-input-json',
  'cli-input-yaml',
]);

/**
 * Options this package reads as globals that the CLI v1 actually adds to each operation's argument table
 * (pagination, `--cli-input-json`), so their values go through its URL fetching like any parameter's.
 */
const operationLevelGlobals = new Set([
  'page-size',
  'max-items',
  'starting-token',
  'cli-input-json',
  'cli-input-yaml',
]);

/** Global options of the AWS CLI that are flags. */
const flagGlobals = new Set([
  'no-paginate',
  'no-sign-request',
  'debug',
  'no-verify-ssl',
  'no-cli-pager',
  'version',
]);

/** Options of the `aws s3` commands that take no value, so the word after them is a path, not their value. */
const s3FlagOptions = new Set([
  'recursive',
  'dryrun',
  'quiet',
  'only-show-errors',
  'no-progress',
  'follow-symlinks',
  'no-follow-symlinks',
  'no-guess-mime-type',
  'force-glacier-transfer',
  'ignore-glacier-warnings',
  'delete',
  'exact-timestamps',
  'size-only',
  'human-readable',
  'summarize',
  'force',
  'sse',
  'request-payer',
  'copy-props',
]);

/** Every global option name, refused ones included, for spotting abbreviations. */
const globalNames = [...new Set([...valueGlobals, ...flagGlobals, 'cli-auto-prompt', 'no-cli-auto-prompt'])];

/** Options refused wherever they stand, with the reason. */
const refusedGlobals: Record<string, string> = {
  debug: '`--debug` prints request signatures and session tokens to stderr; leave it out',
  'no-verify-ssl':
    '`--no-verify-ssl` turns off TLS certificate checks; use --ca-bundle with a file in the working directory instead',
  'cli-auto-prompt': '`--cli-auto-prompt` waits for a person at a terminal; pass every parameter on the line',
};

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

/** The `aws` stage of a pipeline, as understood. */
export interface AwsStage {
  /** The argv as written, `argv[0]` being `aws`. */
  argv: string[];
  /** The service as written on the line (`s3`, `s3api`, `ec2`), or undefined for `aws help` / `aws --version`. */
  service: string | undefined;
  /** The operation or CLI customization (`list-buckets`, `cp`), or undefined. */
  operation: string | undefined;
  /** Words after the operation that are not options or option values as far as this package can tell. */
  positionals: string[];
  /** Operation options as `name → values` (name without dashes); a flag has an empty value list. */
  options: Map<string, string[]>;
  globals: AwsGlobalOptions;
  /** Whether this asks for help (`aws help`, `aws s3 help`, `aws s3 cp help`). */
  isHelp: boolean;
}

function camelCase(option: string): keyof AwsGlobalOptions {
  return option.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase()) as keyof AwsGlobalOptions;
}

/**
 * Reads the `aws` stage: global options wherever they stand (`--region x`, `--region=x`), the service, the
 * operation, the operation's options and positionals. Throws CommandError for a stage that does not start with
 * `aws`, an unknown option before the service, a refused option, a global option without its value, or a
 * parameter value the CLI would download as a URL (URL_PARAMETER_VALUE).
 */
export function parseAwsStage(argv: string[]): AwsStage {
  const first = argv[0];
  if (first !== 'aws') {
    throw new CommandError({
      code: 'NOT_AWS',
      token: first ?? '',
      message:
        first === undefined || first === ''
          ? 'The command is empty. Start it with `aws`, e.g. `aws s3 ls`.'
          : `The first stage must be the AWS CLI, written exactly \`aws\` (no path, no other program); got \`${first}\`. Start the command with \`aws\`, e.g. \`aws s3 ls\`.`,
    });
  }
  const globals: AwsGlobalOptions = {};
  const positionalWords: string[] = [];
  const options = new Map<string, string[]>();
  const parameterValues: ParameterValue[] = [];
  let currentOption: string | undefined;
  let awaitsFirstValue = false;
  for (let index = 1; index < argv.length; index++) {
    const token = argv[index] as string;
    if (token.startsWith('--') && token.length > 2) {
      const equals = token.indexOf('=');
      const name = token.slice(2, equals === -1 ? undefined : equals);
      if (!valueGlobals.has(name) && !flagGlobals.has(name) && !(name in refusedGlobals)) {
        const expanded = globalNames.filter((global) => global !== name && global.startsWith(name));
        if (expanded.length > 0) {
          // argparse reads any unique prefix of a global option as that option, wherever it stands.
          throw new CommandError({
            code: 'ABBREVIATED_OPTION',
            token: `--${name}`,
            message: `\`--${name}\` is an abbreviation the CLI would read as \`--${expanded.join('` or `--')}\`; write the option in full.`,
          });
        }
      }
      const refusal = refusedGlobals[name];
      if (refusal !== undefined) {
        throw new CommandError({
          code: 'FORBIDDEN_GLOBAL_OPTION',
          token: `--${name}`,
          message: `${refusal}.`,
        });
      }
      if (valueGlobals.has(name)) {
        let value: string | undefined;
        if (equals !== -1) value = token.slice(equals + 1);
        else {
          value = argv[index + 1];
          index++;
        }
        if (value === undefined) {
          throw new CommandError({
            code: 'MISSING_OPTION_VALUE',
            token: `--${name}`,
            message: `\`--${name}\` needs a value, e.g. \`--${name} ${exampleValue(name)}\`.`,
          });
        }
        const key = camelCase(name);
        const previous = globals[key];
        if (previous !== undefined && previous !== value) {
          throw new CommandError({
            code: 'CONFLICTING_SETTING',
            token: `--${name}`,
            message: `\`--${name}\` is given twice with different values (${String(previous)}, ${value}); give it once.`,
          });
        }
        (globals as Record<string, string>)[key] = value;
        if (operationLevelGlobals.has(name)) parameterValues.push({ option: name, value });
        currentOption = undefined;
        continue;
      }
      if (flagGlobals.has(name) && equals === -1) {
        (globals as Record<string, true>)[camelCase(name)] = true;
        currentOption = undefined;
        continue;
      }
      if (positionalWords.length === 0) {
        throw new CommandError({
          code: 'UNKNOWN_GLOBAL_OPTION',
          token,
          message: `\`${token}\` is not an AWS CLI global option; put operation options after the service and operation (aws SERVICE OPERATION ${token} …).`,
        });
      }
      const optionName = name;
      const values = options.get(optionName) ?? [];
      if (equals !== -1) {
        values.push(token.slice(equals + 1));
        parameterValues.push({ option: optionName, value: token.slice(equals + 1) });
      }
      options.set(optionName, values);
      const isFlag = positionalWords[0] === 's3' && s3FlagOptions.has(optionName);
      currentOption = equals === -1 && !isFlag ? optionName : undefined;
      awaitsFirstValue = currentOption !== undefined;
      continue;
    }
    if (token === '--') {
      throw new CommandError({
        code: 'FORBIDDEN_GLOBAL_OPTION',
        token,
        message: 'A bare `--` changes how the CLI reads the words after it; leave it out.',
      });
    }
    if (currentOption !== undefined && positionalWords.length >= 2) {
      // Without the operation's model, a word after an option is read as that option's value.
      options.get(currentOption)?.push(token);
      // Only the first word is surely the option's value for argparse; later ones may be positionals.
      parameterValues.push({ option: awaitsFirstValue ? currentOption : undefined, value: token });
      awaitsFirstValue = false;
      continue;
    }
    positionalWords.push(token);
    parameterValues.push({ option: undefined, value: token });
  }
  const [service, operation, ...rest] = positionalWords;
  checkUrlParameterValues(parameterValues, `${service ?? ''} ${operation ?? ''}`);
  const isHelp = positionalWords[positionalWords.length - 1] === 'help' && positionalWords.length <= 3;
  return {
    argv: [...argv],
    service: service === 'help' ? undefined : service,
    operation: operation === 'help' ? undefined : operation,
    positionals: isHelp ? rest.slice(0, -1) : rest,
    options,
    globals,
    isHelp,
  };
}

interface ParameterValue {
  /** The option the value surely belongs to, as written; undefined for a positional or a doubtful value. */
  option: string | undefined;
  value: string;
}

/**
 * The CLI v1 downloads a parameter value that starts with exactly `http://` or `https://` (a case-sensitive prefix
 * match in awscli/paramfile.py, on by default through `cli_follow_urlparam`) and sends the page as the value, unless
 * the parameter is exempt. Global options such as `--endpoint-url` and `--query` never are fetched.
 */
function checkUrlParameterValues(values: readonly ParameterValue[], command: string): void {
  for (const { option, value } of values) {
    if (!value.startsWith('http://') && !value.startsWith('https://')) continue;
    if (option !== undefined && urlParameterExemptions.has(`${command} --${option}`)) continue;
    const written = option === undefined ? value : `--${option} ${value}`;
    throw new CommandError({
      code: 'URL_PARAMETER_VALUE',
      token: value,
      message: `\`${written}\` is refused: the AWS CLI downloads a parameter value that starts with http:// or https:// and sends what it gets (any URL, even instance credentials from 169.254.169.254) as the value. Pass the content inline, or save it in a file in the working directory and pass \`file://NAME\`.`,
    });
  }
}

function exampleValue(option: string): string {
  switch (option) {
    case 'region':
      return 'us-east-1';
    case 'output':
      return 'json';
    case 'profile':
      return 'default';
    case 'query':
      return "'Buckets[].Name'";
    default:
      return 'VALUE';
  }
}
