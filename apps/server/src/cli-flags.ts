import { type ParseArgsConfig, parseArgs } from 'node:util';
import { type SettingRow, settingGroups, settingRows } from './_settings.js';
import { ConfigError, type SettingDefinition, settingDefinitions } from './config.js';

/** What the command line asks for. */
export interface CommandLine {
  action: 'run' | 'help' | 'version';
  /** Settings given as flags, by variable name, to lay over the environment (a flag wins). */
  settings: Record<string, string>;
  /** The flag each setting came from, by variable name, so messages name what the user typed. */
  flags: Record<string, string>;
  /** Lines to print at start, e.g. that a secret given as a flag is visible to other local users. */
  warnings: string[];
}

const options: NonNullable<ParseArgsConfig['options']> = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
};
const byOption = new Map<string, { definition: SettingDefinition; value: string | undefined }>();
for (const definition of settingDefinitions) {
  if (definition.kind === 'boolean') {
    options[definition.flag] = { type: 'boolean' };
    options[`no-${definition.flag}`] = { type: 'boolean' };
    byOption.set(definition.flag, { definition, value: 'true' });
    byOption.set(`no-${definition.flag}`, { definition, value: 'false' });
  } else {
    options[definition.flag] = { type: 'string' };
    byOption.set(definition.flag, { definition, value: undefined });
  }
}

const helpHint = 'Run aws-mcp-server --help for the options.';

/**
 * Reads `argv` (without the node and script paths). Each setting's flag mirrors its variable (`--max-output` for
 * AWS_MCP_MAX_OUTPUT); a boolean setting also takes `--no-<flag>`; the last of repeated flags wins. Throws
 * ConfigError for an unknown flag, a missing or empty value, or a stray argument.
 */
export function readCommandLine(argv: readonly string[]): CommandLine {
  let tokens: NonNullable<ReturnType<typeof parseArgs>['tokens']>;
  try {
    ({ tokens } = parseArgs({
      args: [...argv],
      options,
      strict: true,
      allowPositionals: false,
      tokens: true,
    }));
  } catch (error) {
    throw describeParseError(error);
  }
  const commandLine: CommandLine = { action: 'run', settings: {}, flags: {}, warnings: [] };
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    if (token.name === 'help') return { ...commandLine, action: 'help' };
    if (token.name === 'version') commandLine.action = 'version';
    const entry = byOption.get(token.name);
    if (entry === undefined) continue;
    const value = entry.value ?? token.value ?? '';
    if (value.trim() === '') {
      throw new ConfigError({
        variable: entry.definition.variable,
        message: `--${token.name} needs a value (${entry.definition.valueName}). ${helpHint}`,
      });
    }
    commandLine.settings[entry.definition.variable] = value;
    commandLine.flags[entry.definition.variable] = `--${token.name}`;
  }
  for (const { variable, secret } of settingRows as readonly SettingRow[]) {
    const flag = commandLine.flags[variable];
    if (flag === undefined || secret === undefined) continue;
    commandLine.warnings.push(
      `${flag} is visible to other local users in the process list (ps); set ${variable} instead.`,
    );
  }
  return commandLine;
}

function describeParseError(error: unknown): ConfigError {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  const quoted = /'([^']+)'/.exec(message)?.[1] ?? '';
  const option = quoted.split(' ')[0] ?? quoted;
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return new ConfigError({
        variable: option,
        message: `Unknown option ${option}. ${helpHint}`,
        cause: error,
      });
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const entry = byOption.get(option.replace(/^--/, ''));
      const variable = entry?.definition.variable ?? option;
      if (entry === undefined || entry.value === undefined) {
        // A value that starts with a dash (`--timeout -1`) is read as another option unless written with `=`.
        const ambiguous = message.includes('ambiguous');
        return new ConfigError({
          variable,
          message: ambiguous
            ? `${option} needs a value${entry === undefined ? '' : ` (${entry.definition.valueName})`}; one that starts with "-" must be written ${option}=VALUE. ${helpHint}`
            : `${option} needs a value. ${helpHint}`,
          cause: error,
        });
      }
      const flag = entry.definition.flag;
      return new ConfigError({
        variable,
        message: `${option} takes no value; use --${flag} or --no-${flag}. ${helpHint}`,
        cause: error,
      });
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return new ConfigError({
        variable: quoted,
        message: `Unexpected argument ${JSON.stringify(quoted)}: every setting is a --flag. ${helpHint}`,
        cause: error,
      });
    default:
      return new ConfigError({ variable: '', message: `${message} ${helpHint}`, cause: error });
  }
}

/** The `--help` text: every flag of settingRows with its variable and default, grouped. */
export function formatHelp(): string {
  const lines = [
    'Usage: aws-mcp-server [options]',
    '',
    'An MCP server that gives an AI assistant the AWS CLI, validated and sandboxed. Each option can also be set',
    'by the environment variable named below it; a flag wins over its variable.',
  ];
  const width = 40;
  for (const group of settingGroups) {
    lines.push('', `${group}${group === 'HTTP' ? ' (--transport streamable-http or sse)' : ''}:`);
    for (const definition of settingDefinitions.filter((candidate) => candidate.group === group)) {
      const usage =
        definition.kind === 'boolean'
          ? `  --[no-]${definition.flag}`
          : `  --${definition.flag} <${definition.valueName}>`;
      const details = [
        definition.variable,
        definition.defaultText === undefined ? 'no default' : `default: ${definition.defaultText}`,
      ].join(', ');
      if (usage.length < width) {
        lines.push(`${usage.padEnd(width)}${definition.description}`);
      } else {
        lines.push(usage, `${' '.repeat(width)}${definition.description}`);
      }
      lines.push(`${' '.repeat(width)}[${details}]`);
    }
  }
  lines.push(
    '',
    'Other:',
    `${'  -h, --help'.padEnd(width)}Show this help.`,
    `${'  -v, --version'.padEnd(width)}Show the version.`,
    '',
    'Exit codes: 0 stopped cleanly, 1 could not start, 2 a bad setting.',
  );
  return `${lines.join('\n')}\n`;
}
