import { clip, firstSentence, plainText } from './_doc-text.js';
import { readShippedExamples, type ShippedExample } from './_help-examples.js';
import { type HelpParameter, parameterLine, readHelpParameters } from './_help-parameters.js';
import { describeType, jsonSketch, outputMembers, valueSyntax } from './_help-shapes.js';
import type { CliCommandModel, CliModel, CliServiceModel } from './cli-model-types.js';
import type { CustomizationDoc, HelpSources, ServiceDocs } from './help-sources.js';
import { parseCommandLine } from './parse-command-line.js';
import { quoteArgv } from './render-argv.js';

/** What a command page is built from. */
export interface CommandPageInput {
  model: CliModel;
  service: CliServiceModel;
  command: CliCommandModel;
  /** `ec2 describe-instances`, `configure set`. */
  path: string;
  sources: HelpSources;
  /** The class the server's policy gives it, e.g. `read`. */
  label: string;
  maxChars: number;
}

interface CommandFacts {
  purpose: string;
  docs?: ServiceDocs;
  customization?: CustomizationDoc;
  parameters: HelpParameter[];
  examples: ShippedExample[];
  outputShape?: string;
}

function findCustomizationDoc(sources: HelpSources, path: string): CustomizationDoc | undefined {
  const docs = sources.customizationDocs()?.commands;
  if (docs === undefined) return undefined;
  const own = <T>(table: Record<string, T> | undefined, key: string) =>
    table !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
  const direct = own(docs, path);
  if (direct !== undefined) return direct;
  const [first = '', ...rest] = path.split(' ');
  let entry = own(docs, first);
  for (const word of rest) entry = own(entry?.subcommands, word);
  return entry;
}

/** Keeps the examples the validator reads as this very command, so every line shown would be accepted. */
function runnableExamples(model: CliModel, path: string, examples: ShippedExample[]): ShippedExample[] {
  return examples.filter((example) => {
    try {
      const stage = parseCommandLine(example.command, { model }).aws;
      return [stage.service, ...stage.path].join(' ') === path && stage.isHelp !== true;
    } catch {
      return false;
    }
  });
}

function generatedExample(model: CliModel, path: string, parameters: HelpParameter[]): ShippedExample[] {
  const argv = ['aws', ...path.split(' ')];
  for (const parameter of parameters.filter((row) => row.required)) {
    if (!parameter.positional) argv.push(parameter.names[0] ?? '');
    if (parameter.placeholder !== '') argv.push(parameter.placeholder);
  }
  return runnableExamples(model, path, [
    { title: 'the required parameters, with placeholders', command: quoteArgv(argv) },
  ]);
}

function readFacts(input: CommandPageInput): CommandFacts {
  const { service, command, sources, model, path } = input;
  const apiService = service.apiService;
  const docs = command.apiOperation && apiService ? sources.serviceDocs(apiService) : undefined;
  const operation = command.apiOperation ? docs?.operations[command.apiOperation] : undefined;
  const customization = findCustomizationDoc(sources, path);
  const common = sources.customizationDocs()?.common;
  const parameters = readHelpParameters({
    command,
    ...(docs === undefined ? {} : { docs }),
    ...(customization === undefined ? {} : { customization }),
    ...(common === undefined ? {} : { common }),
  });
  const words = path.split(' ');
  const shipped = sources.examples(words[0] ?? '', words.slice(1).join('-'));
  const examples = runnableExamples(model, path, shipped === undefined ? [] : readShippedExamples(shipped));
  const waiter = words[1] === 'wait' && words.length === 3 && command.apiOperation !== undefined;
  const purpose = waiter
    ? `Waits until ${words[2]}: calls ${command.apiOperation} every few seconds until the condition holds, and fails (exit 255) when it gives up. It takes that operation's parameters.`
    : firstSentence(operation?.documentation || customization?.description, 300);
  return {
    purpose,
    ...(docs === undefined ? {} : { docs }),
    ...(customization === undefined ? {} : { customization }),
    parameters,
    examples: examples.length > 0 ? examples : generatedExample(model, path, parameters),
    ...(operation?.output === undefined ? {} : { outputShape: operation.output.shape }),
  };
}

function usageLine(path: string, parameters: HelpParameter[]): string {
  const words = [`aws ${path}`];
  for (const parameter of parameters.filter((row) => row.required && row.group === 'parameter')) {
    const value = parameter.placeholder === '' ? '' : ` ${parameter.placeholder}`;
    words.push(
      parameter.positional ? parameter.placeholder || parameter.label : `${parameter.names[0]}${value}`,
    );
  }
  if (parameters.some((row) => !row.required && row.group === 'parameter')) words.push('[options]');
  return `Usage: ${words.join(' ')}`;
}

function exampleLines(examples: ShippedExample[], limit: number): string[] {
  return examples
    .slice(0, limit)
    .flatMap((example) => [
      ...(example.title === '' ? [] : [`  # ${clip(example.title, 100)}`]),
      `  ${clip(example.command, 400)}`,
    ]);
}

const moreHint = (path: string) => {
  const [service, ...rest] = path.split(' ');
  return `{"service": "${service}", "command": "${rest.join(' ')}"`;
};

/** The default page: purpose, usage, parameters, paging, examples, output, and how to get more. */
function summaryPage(input: CommandPageInput, facts: CommandFacts): string {
  const head = [
    `aws ${input.path} [${input.label}]${facts.purpose === '' ? '' : ` — ${facts.purpose}`}`,
    usageLine(input.path, facts.parameters),
  ];
  const own = facts.parameters.filter((row) => row.group === 'parameter');
  const extras = facts.parameters.filter((row) => row.group !== 'parameter').map((row) => row.names[0]);
  const tail: string[] = [];
  if (extras.length > 0) tail.push(`Also: ${extras.join(', ')} (aws_cli_help parameter NAME explains one).`);
  if (facts.examples.length > 0) tail.push('Examples:', ...exampleLines(facts.examples, 2));
  if (facts.docs !== undefined && facts.outputShape !== undefined) {
    const members = outputMembers(facts.docs, facts.outputShape);
    if (members.length > 0) tail.push(clip(`Output: ${members.join(', ')}`, 400));
  }
  const more = `More: aws_cli_help ${moreHint(input.path)}, "section": "parameters" | "examples" | "output" | "full"} or "parameter": "--NAME".`;
  // Shrink the parameter lines until the page fits; then list names only; then leave some out, saying how many.
  for (const [sentenceLimit, maxValues, syntaxLimit] of [
    [140, 12, 160],
    [90, 8, 110],
    [50, 5, 0],
    [0, 3, 0],
  ] as const) {
    const lines = own.map((row) =>
      parameterLine(row, {
        sentenceLimit,
        maxValues,
        syntaxLimit,
        ...(facts.docs ? { docs: facts.docs } : {}),
      }),
    );
    const page = [...head, ...(own.length > 0 ? ['Parameters:', ...lines] : []), ...tail, more].join('\n');
    if (page.length <= input.maxChars) return page;
  }
  const budget = input.maxChars - [...head, ...tail, more].join('\n').length - 200;
  const lines: string[] = [];
  let used = 0;
  for (const row of own) {
    const line = parameterLine(row, { sentenceLimit: 0, maxValues: 3, syntaxLimit: 0 });
    if (used + line.length + 1 > budget && !row.required) break;
    lines.push(line);
    used += line.length + 1;
  }
  const left = own.length - lines.length;
  lines.push(`  … ${left} more optional parameters: ask with "section": "parameters".`);
  return [...head, 'Parameters:', ...lines, ...tail, more].join('\n');
}

function boundedList(title: string, lines: string[], maxChars: number, what: string): string {
  const kept: string[] = [title];
  let used = title.length;
  for (const [index, line] of lines.entries()) {
    if (used + line.length + 1 > maxChars - 160) {
      kept.push(
        `… ${lines.length - index} more ${what} not shown (of ${lines.length}); ${what === 'parameters' ? 'ask for one with "parameter": "--NAME"' : 'narrow with "parameter" or read the "full" page'}.`,
      );
      break;
    }
    kept.push(line);
    used += line.length + 1;
  }
  return kept.join('\n');
}

function parametersSection(input: CommandPageInput, facts: CommandFacts): string {
  const lines = facts.parameters.map((row) =>
    parameterLine(row, {
      sentenceLimit: 240,
      maxValues: 20,
      syntaxLimit: 240,
      ...(facts.docs ? { docs: facts.docs } : {}),
    }),
  );
  return boundedList(
    `aws ${input.path}: every parameter (required first)`,
    lines,
    input.maxChars,
    'parameters',
  );
}

function examplesSection(input: CommandPageInput, facts: CommandFacts): string {
  if (facts.examples.length === 0) return `aws ${input.path}: the CLI ships no example for it.`;
  return boundedList(
    `aws ${input.path}: examples`,
    exampleLines(facts.examples, 50),
    input.maxChars,
    'example lines',
  );
}

function outputSection(input: CommandPageInput, facts: CommandFacts): string {
  const { docs, outputShape } = facts;
  if (docs === undefined || outputShape === undefined) {
    return `aws ${input.path}: no output shape is documented (a customization prints what it does).`;
  }
  const lines: string[] = [];
  for (const [member, reference] of Object.entries(docs.shapes[outputShape]?.members ?? {})) {
    const summary = firstSentence(
      reference.documentation ?? docs.shapes[reference.shape]?.documentation,
      160,
    );
    lines.push(
      `  ${member} (${describeType(docs, reference.shape)})${summary === '' ? '' : ` — ${summary}`}`,
    );
    const sketch = jsonSketch(docs, reference.shape, 2);
    if (sketch.startsWith('[') || sketch.startsWith('{')) lines.push(`      ${clip(sketch, 300)}`);
  }
  return boundedList(`aws ${input.path}: output members (JSON)`, lines, input.maxChars, 'output lines');
}

function parameterSection(input: CommandPageInput, facts: CommandFacts, name: string): string | undefined {
  const wanted = name.startsWith('--') || !name.includes('-') ? name : `--${name}`;
  const row = facts.parameters.find(
    (parameter) => parameter.names.includes(wanted) || parameter.names.includes(`--${name}`),
  );
  if (row === undefined) return undefined;
  const lines = [
    `aws ${input.path} ${row.label} (${row.required ? `${row.type}, required` : row.type}${row.range ? `, ${row.range}` : ''})`,
  ];
  if (row.values !== undefined) lines.push(`Values (${row.values.length}): ${row.values.join(' | ')}`);
  if (facts.docs !== undefined && row.shapeName !== undefined) {
    const syntax = valueSyntax(facts.docs, row.shapeName, 600);
    if (syntax !== undefined) lines.push(syntax);
    const sketch = jsonSketch(facts.docs, row.shapeName, 4);
    if (syntax?.startsWith('shorthand') && (sketch.startsWith('[') || sketch.startsWith('{'))) {
      lines.push(`JSON: ${clip(sketch, 800)}`);
    }
  }
  if (row.documentation !== '') lines.push(plainText(row.documentation));
  return clip(lines.join('\n'), input.maxChars);
}

/** The names a `parameter` request may give for this command, for a did-you-mean. */
export function commandParameterNames(input: CommandPageInput): string[] {
  return readFacts(input).parameters.flatMap((row) => row.names);
}

/**
 * A command's help page: by default a summary within `maxChars`; `section` for every parameter, the examples or
 * the output; `parameter` for one parameter in full. Undefined when `parameter` names none of its parameters.
 */
export function renderCommandPage(
  input: CommandPageInput,
  request: { section?: 'parameters' | 'examples' | 'output'; parameter?: string },
): string | undefined {
  const facts = readFacts(input);
  if (request.parameter !== undefined) return parameterSection(input, facts, request.parameter);
  if (request.section === 'parameters') return parametersSection(input, facts);
  if (request.section === 'examples') return examplesSection(input, facts);
  if (request.section === 'output') return outputSection(input, facts);
  return summaryPage(input, facts);
}
