import { classifyForLabel } from './_catalog-label.js';
import { type CommandPageInput, commandParameterNames, renderCommandPage } from './_command-page.js';
import { serviceCategories } from './_common-services.js';
import { rankNames } from './_did-you-mean.js';
import { clip, firstSentence } from './_doc-text.js';
import type { Catalog } from './catalog.js';
import type { CliCommandModel, CliModel, CliServiceModel } from './cli-model-types.js';
import { CommandError } from './command-error.js';
import type { HelpSources } from './help-sources.js';
import { parseCommandLine } from './parse-command-line.js';

/** A part of a page to read instead of the default summary. */
export type HelpSection = 'parameters' | 'examples' | 'output' | 'commands';

/** What to read: nothing for the CLI overview, a service, or a service's command (`wait instance-running` too). */
export interface HelpRequest {
  service?: string;
  command?: string;
  section?: HelpSection;
  /** One parameter of the command in full, e.g. `--filters`. */
  parameter?: string;
}

/** Options for {@link renderHelpPage}. */
export interface RenderHelpOptions {
  /** The installed CLI's argument model: what exists, what each command takes. */
  model: CliModel;
  /** The command catalog, for the services' and commands' one-line descriptions. */
  catalog: Catalog;
  sources: HelpSources;
  /**
   * The page's limit in characters. By default 7,000 for the overview and a command and 9,000 for a service: help
   * text runs about 4 characters a token, so within 2,000 and 2,500 tokens; a large service's resource lines run
   * over 5 (measured with o200k_base: the ec2 page of 764 commands is 12,118 characters, 2,333 tokens), so 12,500.
   */
  maxChars?: number;
}

/** A rendered help page. */
export interface HelpPage {
  kind: 'overview' | 'service' | 'command';
  /** `aws`, `aws ec2`, `aws ec2 describe-instances`. */
  topic: string;
  text: string;
}

const refusedGlobalsByModel = new WeakMap<CliModel, Set<string>>();

/** Global options the validator refuses wherever they stand (`--debug`), asked of the validator itself. */
function refusedGlobals(model: CliModel): Set<string> {
  let refused = refusedGlobalsByModel.get(model);
  if (refused !== undefined) return refused;
  refused = new Set();
  for (const action of model.index.globals) {
    for (const option of action.options) {
      const argv = ['aws', 'sts', 'get-caller-identity', option];
      if (action.nargs !== 0) argv.push(action.choices?.[0] ?? '1');
      try {
        parseCommandLine({ args: argv }, { model });
      } catch (error) {
        if (CommandError.isInstance(error) && /^FORBIDDEN_/.test(error.code)) refused.add(option);
      }
    }
  }
  refusedGlobalsByModel.set(model, refused);
  return refused;
}

/**
 * The CLI's global options split by what the validator does with them: `accepted` may be shown on a help page,
 * `refused` never is (`--debug`, `--no-verify-ssl`). Asked of the validator itself, once per model.
 */
export function readGlobalOptions(model: CliModel): { accepted: string[]; refused: string[] } {
  const refused = refusedGlobals(model);
  const options = model.index.globals
    .filter((action) => action.options.length > 0 && action.kind !== 'version')
    .flatMap((action) => action.options);
  return {
    accepted: options.filter((option) => !refused.has(option)),
    refused: options.filter((option) => refused.has(option)),
  };
}

/** A refusal of a name the CLI does not have, with the nearest names it does (within 2,000 characters). */
function unknown(options: {
  code: 'UNKNOWN_COMMAND' | 'UNKNOWN_OPTION';
  written: string;
  /** What stands before the name, e.g. `aws ec2 `. */
  prefix: string;
  names: Iterable<string>;
  next: string;
}): CommandError {
  const near = rankNames(options.written, options.names, 5).map((hit) => `\`${options.prefix}${hit.name}\``);
  const suggestion = near.length > 0 ? ` Did you mean ${near.join(', ')}?` : '';
  return new CommandError({
    code: options.code,
    message: clip(
      `\`${options.prefix}${options.written}\` does not exist in the installed AWS CLI.${suggestion} ${options.next}`,
      1900,
    ),
  });
}

function overviewPage(options: RenderHelpOptions, maxChars: number): string {
  const { model } = options;
  const services = model.index.services.filter((name) => name !== 'help');
  const known = new Set(services);
  const grouped = new Set<string>();
  const lines = [
    `AWS CLI ${model.index.cliVersion} (v${model.index.cliMajor}): ${services.length} services. A command is \`aws SERVICE COMMAND [parameters]\`, run with aws_cli_pipeline.`,
    'Read a service with aws_cli_help {"service": "NAME"}, a command with {"service", "command"}; search by intent with {"query": "what you want to do"}.',
    'Common services:',
  ];
  for (const [category, names] of serviceCategories) {
    const present = names.filter((name) => known.has(name));
    for (const name of present) grouped.add(name);
    if (present.length > 0) lines.push(`  ${category}: ${present.join(', ')}`);
  }
  lines.push(`Global options: ${readGlobalOptions(model).accepted.join(', ')}.`);
  const rest = services.filter((name) => !grouped.has(name));
  const head = lines.join('\n');
  const budget = maxChars - head.length - 200;
  const listed: string[] = [];
  let used = 0;
  for (const name of rest) {
    if (used + name.length + 2 > budget) break;
    listed.push(name);
    used += name.length + 2;
  }
  const left = rest.length - listed.length;
  const tail = left > 0 ? ` … and ${left} more (search with "query", or ask a service by name).` : '';
  return `${head}\nEvery other service: ${listed.join(', ')}${tail}`;
}

/** `policies` → `policy`: one key for an operation's resource, whichever number its name uses. */
function singularOf(resource: string): string {
  return resource
    .replace(/([^aeiou])ies$/, '$1y')
    .replace(/(ss|x|ch|sh)es$/, '$1')
    .replace(/([^s])s$/, '$1');
}

/** `policy` → `policies`, `address` → `addresses`: what a verb marked `*` takes (the page's legend says so). */
function pluralOf(resource: string): string {
  if (/[^aeiou]y$/.test(resource)) return `${resource.slice(0, -1)}ies`;
  if (/(s|x|ch|sh)$/.test(resource)) return `${resource}es`;
  return `${resource}s`;
}

interface ResourceNode {
  /** Verbs of the operations on this resource: `create`, `describe*` (the plural), or a whole name. */
  verbs: string[];
  children: Map<string, ResourceNode>;
}

/**
 * The operations as a tree of their resources' words (`capacity` → `reservation` → `fleet`), each resource with
 * its verbs. A resource is written in the number most of its operations use, the singular where one does; a verb
 * whose operation uses the other number is marked `*` for the plural, or written whole.
 */
function buildResourceTree(names: readonly string[]): { tree: ResourceNode; single: string[] } {
  const byResource = new Map<string, string[]>();
  const single: string[] = [];
  for (const name of names) {
    const dash = name.indexOf('-');
    if (dash === -1) {
      single.push(name);
      continue;
    }
    const key = singularOf(name.slice(dash + 1));
    byResource.set(key, [...(byResource.get(key) ?? []), name]);
  }
  const tree: ResourceNode = { verbs: [], children: new Map() };
  for (const [key, operations] of byResource) {
    const spellings = operations.map((name) => name.slice(name.indexOf('-') + 1));
    const label = spellings.includes(key) ? key : (spellings[0] as string);
    let node = tree;
    for (const word of label.split('-')) {
      const next = node.children.get(word) ?? { verbs: [], children: new Map() };
      node.children.set(word, next);
      node = next;
    }
    for (const name of operations) {
      const dash = name.indexOf('-');
      const verb = name.slice(0, dash);
      const resource = name.slice(dash + 1);
      node.verbs.push(resource === label ? verb : resource === pluralOf(label) ? `${verb}*` : name);
    }
  }
  return { tree, single };
}

/** `capacity (reservation cancel create describe* (fleet create modify) | block purchase)`: one resource word down. */
function renderResourceNode(word: string, start: ResourceNode): string {
  let label = word;
  let node = start;
  // A word with no verbs of its own and one word after it is written with that word: `carrier-gateway`.
  while (node.verbs.length === 0 && node.children.size === 1) {
    const [next, child] = [...node.children][0] as [string, ResourceNode];
    label += `-${next}`;
    node = child;
  }
  const children = [...node.children]
    .sort(([left], [right]) => left.localeCompare(right))
    .map(([next, child]) => renderResourceNode(next, child));
  const verbs = node.verbs.length === 0 ? '' : ` ${node.verbs.join(' ')}`;
  return `${label}${verbs}${children.length === 0 ? '' : ` (${children.join(' | ')})`}`;
}

/**
 * Every command of a large service on resource lines: `address allocate associate describe* (transfer accept)`
 * is `allocate-address`, `describe-addresses` and `accept-address-transfer`. Commands of one word come last.
 */
function resourceLines(names: string[]): PageLine[] {
  const { tree, single } = buildResourceTree(names);
  const countOf = (node: ResourceNode): number =>
    [...node.children.values()].reduce((sum, child) => sum + countOf(child), node.verbs.length);
  const lines = [...tree.children]
    .sort(([left], [right]) => left.localeCompare(right))
    .map(([word, node]) => ({ text: renderResourceNode(word, node), count: countOf(node) }));
  return [...lines, ...nameLines('Commands of one word: ', single.sort())];
}

/** A line of a service page and how many commands it names, so a cut page can say how many it left out. */
interface PageLine {
  text: string;
  count: number;
}

function nameLines(first: string, names: string[]): PageLine[] {
  return wrapNames(first, names).map((text) => ({ text, count: text.split(',').length }));
}

/** How to read the resource lines, at the top of them. */
const resourceLegend =
  'Each line is a resource, then its verbs: a command is VERB-RESOURCE (`instance run` is run-instance), ' +
  '`VERB*` takes the plural (`instance describe*` is describe-instances); parentheses hold longer resources that ' +
  'start with it, `|` between them (`capacity (reservation create)` is create-capacity-reservation).';

/** `aws ec2 — Amazon Elastic Compute Cloud: You can access …`: the service's full name and first sentence. */
function serviceHead(options: RenderHelpOptions, service: CliServiceModel, count: number): string {
  const docs = service.apiService === undefined ? undefined : options.sources.serviceDocs(service.apiService);
  const fullName = docs?.metadata?.serviceFullName;
  const sentence = firstSentence(docs?.documentation?.replace(/<fullname>.*?<\/fullname>/s, ''), 200);
  const description =
    fullName === undefined
      ? firstSentence(options.catalog.describe(service.name)?.service, 240)
      : `${fullName}${sentence === '' ? '' : `: ${sentence}`}`;
  return `aws ${service.name}${description === '' ? '' : ` — ${description}`} ${count} commands.`;
}

function describedCommands(options: RenderHelpOptions, service: string, names: string[], clipAt: number) {
  const descriptions = options.catalog.describe(service)?.operations;
  return names.map((name) => {
    const text = clipAt > 0 ? (descriptions?.get(name) ?? '') : '';
    return `  ${name} [${classifyForLabel(service, name)}]${text === '' ? '' : ` — ${clip(text, clipAt)}`}`;
  });
}

/** Names joined by commas in lines of about 200 characters, so a page can keep some of them. */
function wrapNames(first: string, names: string[]): string[] {
  const lines: string[] = [];
  let line = first;
  for (const name of names) {
    if (line.length + name.length > 200 && line.trim() !== '') {
      lines.push(line.replace(/, $/, ''));
      line = '    ';
    }
    line += `${name}, `;
  }
  if (names.length > 0) lines.push(line.replace(/, $/, ''));
  return lines;
}

function servicePage(
  options: RenderHelpOptions,
  service: CliServiceModel,
  limits: { described: number; resources: number },
  section: HelpSection | undefined,
): string {
  const names = Object.keys(service.commands).sort();
  const head = serviceHead(options, service, names.length);
  const read = `Read one with aws_cli_help {"service": "${service.name}", "command": "NAME"}; search with {"query": "…"}.`;
  if (section !== 'commands') {
    for (const clipAt of [100, 60]) {
      const page = [head, ...describedCommands(options, service.name, names, clipAt), read].join('\n');
      if (page.length <= limits.described) return page;
    }
  }
  const title = section === 'commands' ? `${head} Every command:` : `${head}\n${resourceLegend}`;
  const kept: string[] = [title];
  let used = title.length + read.length;
  const lines = section === 'commands' ? nameLines('  ', names) : resourceLines(names);
  const maxChars = section === 'commands' ? limits.described : limits.resources;
  for (const [index, { text: line }] of lines.entries()) {
    if (used + line.length + 1 > maxChars - 260) {
      const left = lines.slice(index).reduce((sum, entry) => sum + entry.count, 0);
      kept.push(
        `  … ${left} more commands not shown: search this service with {"service": "${service.name}", "query": "what you want to do"}${section === 'commands' ? '' : `, or list every name with {"service": "${service.name}", "section": "commands"}`}.`,
      );
      break;
    }
    kept.push(line);
    used += line.length + 1;
  }
  kept.push(read);
  return kept.join('\n');
}

function findCommand(
  service: CliServiceModel,
  words: string[],
): { command: CliCommandModel; path: string[] } | { missing: string; choices: string[]; path: string[] } {
  let choices: Record<string, CliCommandModel> = service.commands;
  let command: CliCommandModel | undefined;
  const path: string[] = [];
  for (const word of words) {
    // Own names only: `constructor` or `__proto__` is not a command.
    const next: CliCommandModel | undefined = Object.hasOwn(choices, word) ? choices[word] : undefined;
    if (next === undefined) return { missing: word, choices: Object.keys(choices), path };
    command = next;
    path.push(word);
    choices = next.subcommands ?? {};
  }
  return command === undefined ? { missing: '', choices: Object.keys(choices), path } : { command, path };
}

function subcommandPage(
  service: CliServiceModel,
  command: CliCommandModel,
  path: string[],
  maxChars: number,
) {
  const names = Object.keys(command.subcommands ?? {}).sort();
  const topic = `aws ${service.name} ${path.join(' ')}`;
  return clip(
    `${topic} has ${names.length} subcommands: ${names.join(', ')}.\nRead one with aws_cli_help {"service": "${service.name}", "command": "${path.join(' ')} NAME"}.`,
    maxChars,
  );
}

/**
 * Renders a help page for a model from the installed CLI's argument model and its documentation, within
 * `maxChars`: the overview (services by category), a service (its commands with a few words each, or by resource
 * for large services), or a command (purpose, usage with required parameters first, each parameter with type,
 * values and first sentence, paging, runnable examples, output members). A page that leaves something out says how
 * many and how to ask for it. Global options the validator refuses are never shown. Throws CommandError
 * UNKNOWN_COMMAND (with the nearest names) for a service or command the CLI does not have, UNKNOWN_OPTION for a
 * `parameter` the command does not take.
 */
export function renderHelpPage(request: HelpRequest, options: RenderHelpOptions): HelpPage {
  const maxChars = options.maxChars ?? 7000;
  const serviceChars = options.maxChars ?? 9000;
  const resourceChars = options.maxChars ?? 12_500;
  const { model } = options;
  if (request.service === undefined) {
    return { kind: 'overview', topic: 'aws', text: overviewPage(options, maxChars) };
  }
  const service = model.index.services.includes(request.service)
    ? model.loadService(request.service)
    : undefined;
  if (service === undefined || request.service === 'help') {
    throw unknown({
      code: 'UNKNOWN_COMMAND',
      written: request.service,
      prefix: 'aws ',
      names: model.index.services.filter((name) => name !== 'help'),
      next: 'aws_cli_help with no arguments lists the services; {"query": "…"} searches by intent.',
    });
  }
  if (request.command === undefined) {
    return {
      kind: 'service',
      topic: `aws ${service.name}`,
      text: servicePage(
        options,
        service,
        { described: serviceChars, resources: resourceChars },
        request.section,
      ),
    };
  }
  const found = findCommand(service, request.command.trim().split(/\s+/));
  if ('missing' in found) {
    const place = ['aws', service.name, ...found.path].join(' ');
    throw unknown({
      code: 'UNKNOWN_COMMAND',
      written: found.missing,
      prefix: `${place} `,
      names: found.choices,
      next: `aws_cli_help {"service": "${service.name}"} lists its commands; {"query": "…"} searches by intent.`,
    });
  }
  const path = [service.name, ...found.path].join(' ');
  if (found.command.subcommands !== undefined && Object.keys(found.command.subcommands).length > 0) {
    return {
      kind: 'command',
      topic: `aws ${path}`,
      text: subcommandPage(service, found.command, found.path, maxChars),
    };
  }
  const input: CommandPageInput = {
    model,
    service,
    command: found.command,
    path,
    sources: options.sources,
    label: classifyForLabel(service.name, found.path.join(' ') === '' ? '' : (found.path[0] ?? '')),
    maxChars,
  };
  const section = request.section === 'commands' ? undefined : request.section;
  const text = renderCommandPage(input, {
    ...(section === undefined ? {} : { section }),
    ...(request.parameter === undefined ? {} : { parameter: request.parameter }),
  });
  if (text === undefined) {
    throw unknown({
      code: 'UNKNOWN_OPTION',
      written: request.parameter ?? '',
      prefix: `aws ${path} `,
      names: commandParameterNames(input),
      next: `aws_cli_help {"service": "${service.name}", "command": "${found.path.join(' ')}", "section": "parameters"} lists them.`,
    });
  }
  return { kind: 'command', topic: `aws ${path}`, text };
}
