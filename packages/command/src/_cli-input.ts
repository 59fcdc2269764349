import { isAlias, parseDocument, visit } from 'yaml';
import { CommandError } from './command-error.js';

/** The options that give an operation's whole input as one document (awscli/customizations/cliinput.py). */
export type CliInputOption = '--cli-input-json' | '--cli-input-yaml';

function refuse(option: CliInputOption, message: string): CommandError {
  return new CommandError({ code: 'INVALID_CLI_INPUT', token: option, message });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw refuse(
      '--cli-input-json',
      `\`--cli-input-json\` is not valid JSON (${(error as Error).message}); give a JSON object such as the one \`--generate-cli-skeleton\` prints.`,
    );
  }
}

const plainYaml =
  'give a plain YAML mapping of the members, such as the one `--generate-cli-skeleton yaml-input` prints';

/** A YAML integer (read as a BigInt) as a number, refused where a number would change it. */
function toJsonValue(value: unknown): unknown {
  if (typeof value === 'bigint') {
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw refuse(
        '--cli-input-yaml',
        `\`--cli-input-yaml\` holds the integer ${value}, too large to pass on exactly; give it as a string if the member takes one.`,
      );
    }
    return Number(value);
  }
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw refuse(
      '--cli-input-yaml',
      `\`--cli-input-yaml\` holds ${value}, which JSON cannot carry; ${plainYaml}.`,
    );
  }
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, toJsonValue(inner)]));
  }
  return value;
}

/**
 * YAML 1.2 with the core schema, as the CLI's ruamel.yaml safe loader reads it by default. What the two parsers
 * might read differently is refused rather than guessed: directives (`%YAML 1.1` turns `yes` into true), tags,
 * anchors and aliases, merge keys, several documents, repeated keys.
 */
function parseYaml(text: string): unknown {
  const document = parseDocument(text, {
    version: '1.2',
    schema: 'core',
    merge: false,
    uniqueKeys: true,
    intAsBigInt: true,
  });
  const error = document.errors[0];
  if (error !== undefined) {
    throw refuse(
      '--cli-input-yaml',
      `\`--cli-input-yaml\` is not valid YAML (${error.message.split('\n')[0]}); ${plainYaml}.`,
    );
  }
  if (document.directives?.yaml.explicit === true || text.trimStart().startsWith('%')) {
    throw refuse('--cli-input-yaml', `\`--cli-input-yaml\` starts with a directive; ${plainYaml}.`);
  }
  let unusual: string | undefined;
  visit(document, {
    Node(_, node) {
      if (isAlias(node)) unusual = `an alias (\`*${node.source}\`)`;
      else if (node.anchor !== undefined) unusual = `an anchor (\`&${node.anchor}\`)`;
      else if (node.tag !== undefined) unusual = `a tag (\`${node.tag}\`)`;
      return unusual === undefined ? undefined : visit.BREAK;
    },
    Pair(_, pair) {
      const key = (pair.key as { value?: unknown } | null)?.value;
      if (key === '<<') unusual = 'a merge key (`<<`)';
      return unusual === undefined ? undefined : visit.BREAK;
    },
  });
  if (unusual !== undefined)
    throw refuse('--cli-input-yaml', `\`--cli-input-yaml\` uses ${unusual}; ${plainYaml}.`);
  return toJsonValue(document.toJS());
}

/**
 * Reads the document of `--cli-input-json` (JSON) or `--cli-input-yaml` (YAML, v2 only) into the operation's
 * members, as a plain JSON object. Throws CommandError (INVALID_CLI_INPUT) for text that does not parse, for a
 * document that is not a mapping, and for YAML features the CLI's parser might read otherwise.
 */
export function readCliInputDocument(option: CliInputOption, text: string): Record<string, unknown> {
  const data = option === '--cli-input-json' ? parseJson(text) : parseYaml(text);
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw refuse(
      option,
      option === '--cli-input-json'
        ? '`--cli-input-json` must be a JSON object of the operation\'s members, e.g. {"Name": "x"}.'
        : "`--cli-input-yaml` must be a YAML mapping of the operation's members, e.g. `Name: x`.",
    );
  }
  return data as Record<string, unknown>;
}
