import { firstSentence, plainText } from './_doc-text.js';
import { allowedValues, describeRange, describeType, valueSyntax } from './_help-shapes.js';
import type { CliAction, CliCommandModel } from './cli-model-types.js';
import type { CustomizationDoc, ServiceDocs } from './help-sources.js';

/** One parameter of a command as the help pages show it: one row per argument (`--x | --no-x` is one). */
export interface HelpParameter {
  /** `--instance-ids`, `--dry-run | --no-dry-run`, or a positional's name (`paths`). */
  label: string;
  /** The option strings a person can write, for matching a `parameter` request. */
  names: string[];
  positional: boolean;
  required: boolean;
  /** `string`, `list of Filter`, `boolean`, … */
  type: string;
  values?: readonly string[];
  range?: string;
  /** How to write a structured value: the CLI's shorthand or a JSON sketch, for the shape's members. */
  shapeName?: string;
  /** The whole documentation as plain text. */
  documentation: string;
  /** The CLI's own arguments every paginated or JSON-input command has, shown apart. */
  group: 'parameter' | 'paging' | 'input';
  /** The value a generated example puts for it. */
  placeholder: string;
}

const pagingArguments = new Set(['starting-token', 'page-size', 'max-items']);
const inputArguments = new Set(['cli-input-json', 'cli-input-yaml', 'generate-cli-skeleton']);

function placeholderFor(action: CliAction, type: string): string {
  if (action.nargs === 0) return '';
  if (action.localPath === 's3-path') return action.nargs === 2 ? 'SOURCE DESTINATION' : 'S3_URI';
  if (type === 'integer' || type === 'long' || action.valueType === 'int') return '1';
  if (type === 'boolean') return 'true';
  const name = (action.argument ?? action.dest).replace(/-/g, '_').toUpperCase();
  return type.startsWith('list of') ? `${name.replace(/S$/, '')}_1` : name;
}

function documentationFor(
  action: CliAction,
  sources: {
    docs?: ServiceDocs;
    inputShape?: string;
    customization?: CustomizationDoc;
    common?: Record<string, string>;
  },
): string {
  const { docs, inputShape } = sources;
  if (docs !== undefined && inputShape !== undefined && action.member !== undefined) {
    const reference = docs.shapes[inputShape]?.members?.[action.member];
    const text = reference?.documentation ?? docs.shapes[reference?.shape ?? '']?.documentation;
    if (text !== undefined) return plainText(text);
  }
  const argument = action.argument ?? '';
  return plainText(sources.customization?.arguments[argument] ?? sources.common?.[argument] ?? '');
}

/** The shape behind an action's member, in the operation's input. */
function memberShape(
  action: CliAction,
  docs: ServiceDocs | undefined,
  inputShape: string | undefined,
): string | undefined {
  if (docs === undefined || inputShape === undefined || action.member === undefined) return undefined;
  return docs.shapes[inputShape]?.members?.[action.member]?.shape;
}

/**
 * The parameters of a command, required ones first, from its parser's actions (what the CLI takes) and the
 * service model or the customization's documentation (what they mean). `--x` / `--no-x` pairs are one row.
 */
export function readHelpParameters(options: {
  command: CliCommandModel;
  docs?: ServiceDocs;
  customization?: CustomizationDoc;
  common?: Record<string, string>;
}): HelpParameter[] {
  const { command, docs } = options;
  const apiOperation = command.apiOperation;
  const inputShape = apiOperation === undefined ? undefined : docs?.operations[apiOperation]?.input?.shape;
  const rows: HelpParameter[] = [];
  const flags = new Map<string, HelpParameter>();
  for (const action of command.actions) {
    if (action.argument === undefined || action.kind === 'help') continue;
    const positional = action.options.length === 0;
    const negated = action.nargs === 0 ? /^--no-(.+)$/.exec(action.options[0] ?? '')?.[1] : undefined;
    const pair = negated === undefined ? undefined : flags.get(`--${negated}`);
    if (pair !== undefined) {
      pair.label = `${pair.label} | ${action.options.join(', ')}`;
      pair.names.push(...action.options);
      continue;
    }
    const shapeName = memberShape(action, docs, inputShape);
    const type =
      action.localPath === 's3-path'
        ? 'local path or s3://bucket/key'
        : shapeName !== undefined && docs !== undefined
          ? describeType(docs, shapeName)
          : (action.type ?? 'string');
    const values = action.choices ?? (shapeName && docs ? allowedValues(docs, shapeName) : undefined);
    const row: HelpParameter = {
      label: positional ? action.argument : action.options.join(', '),
      names: positional ? [action.argument] : [...action.options],
      positional,
      required: action.required,
      type,
      ...(values === undefined ? {} : { values }),
      ...(shapeName && docs ? { range: describeRange(docs, shapeName) } : {}),
      ...(shapeName === undefined ? {} : { shapeName }),
      documentation: withOutfileNote(
        documentationFor(action, { ...options, ...(inputShape ? { inputShape } : {}) }),
        positional && action.localPath === 'write',
      ),
      group: pagingArguments.has(action.argument)
        ? 'paging'
        : inputArguments.has(action.argument)
          ? 'input'
          : 'parameter',
      placeholder: placeholderFor(action, type),
    };
    if (row.range === undefined) delete row.range;
    if (action.nargs === 0 && !positional) for (const option of action.options) flags.set(option, row);
    rows.push(row);
  }
  return [...rows.filter((row) => row.required), ...rows.filter((row) => !row.required)];
}

/** One parameter in one line: label, type, allowed values (at most `maxValues`), and `sentenceLimit` of its text. */
export function parameterLine(
  parameter: HelpParameter,
  options: { sentenceLimit: number; maxValues: number; docs?: ServiceDocs; syntaxLimit: number },
): string {
  const facts = [parameter.required ? `${parameter.type}, required` : parameter.type];
  if (parameter.range !== undefined) facts.push(parameter.range);
  let line = `  ${parameter.label} (${facts.join(', ')})`;
  const { values } = parameter;
  if (values !== undefined && values.length > 0) {
    const shown = values.slice(0, options.maxValues).join('|');
    line += ` values: ${shown}${values.length > options.maxValues ? `|… (${values.length} in all)` : ''}`;
  }
  if (options.sentenceLimit > 0 && parameter.documentation !== '') {
    line += ` — ${firstSentence(parameter.documentation, options.sentenceLimit)}`;
  }
  if (options.syntaxLimit > 0 && parameter.shapeName !== undefined && options.docs !== undefined) {
    const syntax = valueSyntax(options.docs, parameter.shapeName, options.syntaxLimit);
    if (syntax !== undefined) line += `\n      ${syntax}`;
  }
  return line;
}

/** An OUTFILE positional says how to get its content back: the server returns what the CLI writes to `-`. */
function withOutfileNote(documentation: string, isOutfile: boolean): string {
  if (!isOutfile) return documentation;
  const note = 'Give `-` to get the content back here instead of a file.';
  return documentation === '' ? note : `${documentation.replace(/\s*$/, '')} ${note}`;
}
