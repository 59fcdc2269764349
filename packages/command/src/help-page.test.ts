import { execFileSync } from 'node:child_process';
import { createRandom } from '@aws-mcp/test-support';
import { getEncoding } from 'js-tiktoken';
import { describe, expect, it } from 'vitest';
import {
  CommandError,
  createHelpSources,
  type HelpRequest,
  loadSnapshotCatalog,
  loadSnapshotCliModel,
  loadSnapshotCustomizationDocs,
  parseCommandLine,
  readGlobalOptions,
  renderHelpPage,
} from './index.js';

const model = loadSnapshotCliModel(1);
const catalog = loadSnapshotCatalog();

/** The botocore data of the Python that has the CLI's botocore, when it is the version the v1 snapshot was made from. */
function findBotocoreData(): string | undefined {
  try {
    const [version, directory] = execFileSync(
      'python3',
      ['-c', 'import botocore, os; print(botocore.__version__); print(os.path.dirname(botocore.__file__))'],
      { encoding: 'utf8' },
    )
      .trim()
      .split('\n');
    return version === model.index.botocoreVersion ? `${directory}/data` : undefined;
  } catch {
    return undefined;
  }
}

const dataDirectory = findBotocoreData();
const sources = createHelpSources({ ...(dataDirectory ? { dataDirectory } : {}), cli: model.index });
const render = (request: HelpRequest) => renderHelpPage(request, { model, catalog, sources });
const tokenizer = getEncoding('o200k_base');
const tokens = (text: string) => tokenizer.encode(text).length;

/** 20 operations drawn with a fixed seed from the catalog's API operations, so a failure is found again. */
function randomOperations(seed: number, count: number): [string, string][] {
  const random = createRandom(seed);
  const all = model.index.services.flatMap((service) =>
    Object.values(model.loadService(service)?.commands ?? {})
      .filter((command) => command.kind === 'operation')
      .map((command): [string, string] => [service, command.name]),
  );
  return Array.from({ length: count }, () => all[Math.floor(random() * all.length)] as [string, string]);
}

const fixedCommands: [string, string][] = [
  ['s3', 'cp'],
  ['ec2', 'describe-instances'],
  ['ec2', 'run-instances'],
  ['dynamodb', 'put-item'],
  ['iam', 'create-role'],
  // Large enough that the page must shorten its parameter lines to fit.
  ['rds', 'create-db-instance'],
  ['sagemaker', 'create-training-job'],
];
const commandPages: [string, string][] = [...fixedCommands, ...randomOperations(15, 20)];

describe.skipIf(dataDirectory === undefined)('renderHelpPage (with the installed v1 botocore models)', () => {
  it.each([
    ['the overview', {}, 2000],
    ['ec2', { service: 'ec2' }, 2500],
    ['s3', { service: 's3' }, 2500],
    ['lambda', { service: 'lambda' }, 2500],
  ] as const)('keeps %s within %s tokens', (_, request, budget) => {
    expect(tokens(render(request).text)).toBeLessThanOrEqual(budget);
  });

  it.each(commandPages)(
    'keeps aws %s %s within 2,000 tokens, naming its required parameters',
    (service, command) => {
      const page = render({ service, command }).text;
      expect(tokens(page)).toBeLessThanOrEqual(2000);
      const required = model
        .loadService(service)
        ?.commands[command]?.actions.filter((action) => action.required && action.argument !== undefined)
        .map((action) => action.options[0] ?? action.argument ?? '');
      for (const name of required ?? []) expect(page).toContain(name);
    },
  );

  it.each(fixedCommands)('bounds every section of aws %s %s', (service, command) => {
    for (const section of ['parameters', 'examples', 'output'] as const) {
      expect(render({ service, command, section }).text.length).toBeLessThanOrEqual(7000);
    }
  });

  it('never mentions an option the validator refuses', () => {
    const { refused } = readGlobalOptions(model);
    expect(refused).toEqual(expect.arrayContaining(['--debug', '--no-verify-ssl']));
    const pages = [
      render({}).text,
      render({ service: 'ec2' }).text,
      ...commandPages.map(([service, command]) => render({ service, command }).text),
    ];
    for (const page of pages)
      for (const option of refused) expect(page).not.toMatch(new RegExp(`${option}(?![\\w-])`));
  });

  it.each(commandPages)(
    'shows only examples of aws %s %s that the validator reads as that command',
    (service, command) => {
      const lines = render({ service, command, section: 'examples' })
        .text.split('\n')
        .filter((line) => line.startsWith('  aws '));
      for (const line of lines) {
        const stage = parseCommandLine(line.trim(), { model }).aws;
        expect([stage.service, ...stage.path].join(' ')).toBe(`${service} ${command}`);
      }
    },
  );

  it('uses the examples the CLI ships, and the shorthand and output shape of the model', () => {
    const page = render({ service: 'ec2', command: 'describe-instances' }).text;
    expect(page).toContain('aws ec2 describe-instances --instance-ids i-1234567890abcdef0');
    expect(page).toMatch(
      /--filters \(list of Filter\)[^\n]*\n\s+shorthand: Name=string,Values=string,string/,
    );
    expect(page).toMatch(/^Output: .*Reservations \(list of Reservation\)/m);
    expect(page).toMatch(/^aws ec2 describe-instances \[read\] — Describes the specified instances/);
  });

  it('documents the arguments the CLI adds to an operation (ec2 run-instances --count)', () => {
    expect(render({ service: 'ec2', command: 'run-instances' }).text).toMatch(
      /--count \(string\) — Number of instances to launch\./,
    );
  });

  it('tells how to get an OUTFILE back instead of a file (lambda invoke, s3api get-object)', () => {
    for (const [service, command] of [
      ['lambda', 'invoke'],
      ['s3api', 'get-object'],
    ] as const) {
      expect(render({ service, command }).text).toMatch(/outfile .*Give `-` to get the content back here/i);
    }
    expect(render({ service: 'sqs', command: 'list-queues' }).text).not.toContain('Give `-`');
  });

  it('falls back to the required parameters with placeholders where the CLI ships no example', () => {
    const page = render({ service: 'sts', command: 'get-caller-identity' }).text;
    expect(page).toMatch(/Examples:\n(?: {2}# .*\n)? {2}aws sts get-caller-identity/);
  });

  it('shows one parameter in full on request', () => {
    const page = render({ service: 'ec2', command: 'describe-instances', parameter: '--filters' }).text;
    expect(page).toMatch(/^aws ec2 describe-instances --filters \(list of Filter\)/);
    expect(page).toContain('instance-state-name');
  });

  it('names a service by its full name and a waiter by what it waits for', () => {
    expect(render({ service: 'ec2' }).text).toMatch(
      /^aws ec2 — Amazon Elastic Compute Cloud: You can access/,
    );
    expect(render({ service: 'ec2', command: 'wait instance-running' }).text).toMatch(
      /^aws ec2 wait instance-running \[read\] — Waits until instance-running: calls DescribeInstances/,
    );
    expect(render({ service: 'ec2', command: 'wait' }).text).toMatch(
      /^aws ec2 wait has \d+ subcommands: .*instance-running/,
    );
  });

  it.each(['ec2', 'sagemaker', 'connect', 'iot', 'glue'])(
    'reaches every command of %s from its service page, within 2,500 tokens',
    (service) => {
      const page = render({ service }).text;
      expect(tokens(page)).toBeLessThanOrEqual(2500);
      expect(page).not.toContain('not shown');
      const names = Object.keys(model.loadService(service)?.commands ?? {}).sort();
      expect(names.length).toBeGreaterThan(250);
      expect([...readResourceLines(page)].sort()).toEqual(names);
    },
  );

  it('writes a large service by resource with its verbs', () => {
    const page = render({ service: 'ec2' }).text;
    expect(page).toMatch(/^instance .*\bdescribe\* .*\brun\* .*\bstart\* .*\bstop\* .*\bterminate\*/m);
    expect(page).toContain('Each line is a resource, then its verbs');
  });

  it('says exactly how many commands a cut page leaves out, and how to find them', () => {
    const page = renderHelpPage({ service: 'ec2' }, { model, catalog, sources, maxChars: 6000 }).text;
    const left = Number(page.match(/… (\d+) more commands not shown: search this service with/)?.[1]);
    expect(left + readResourceLines(page).size).toBe(764);
  });
});

/**
 * The commands a service page names, read as its legend says: a line is a resource and its verbs (`VERB*` the
 * plural), parentheses hold longer resources, `|` between them; a verb with a `-` is a whole name.
 */
function readResourceLines(page: string): Set<string> {
  const plural = (word: string) =>
    /[^aeiou]y$/.test(word)
      ? `${word.slice(0, -1)}ies`
      : /(s|x|ch|sh)$/.test(word)
        ? `${word}es`
        : `${word}s`;
  const found = new Set<string>();
  const lines = page.split('\n').slice(2);
  for (const line of lines) {
    if (line.startsWith('Commands of one word: ')) {
      for (const name of line.slice('Commands of one word: '.length).split(', ')) found.add(name);
      continue;
    }
    if (!/^[a-z0-9]/.test(line)) continue;
    const words = line.match(/[()|]|[^\s()|]+/g) ?? [];
    const stack: string[] = [];
    let resource: string | undefined;
    let expectLabel = true;
    for (const word of words) {
      if (word === '(') {
        stack.push(resource as string);
        expectLabel = true;
      } else if (word === ')') stack.pop();
      else if (word === '|') expectLabel = true;
      else if (expectLabel) {
        resource = stack.length === 0 ? word : `${stack.at(-1)}-${word}`;
        expectLabel = false;
      } else if (word.includes('-')) found.add(word);
      else if (word.endsWith('*')) found.add(`${word.slice(0, -1)}-${plural(resource as string)}`);
      else found.add(`${word}-${resource}`);
    }
  }
  return found;
}

describe('loadSnapshotCustomizationDocs', () => {
  it.each([1, 2] as const)('has the documentation of the customizations of the v%s snapshot CLI', (major) => {
    const docs = loadSnapshotCustomizationDocs(loadSnapshotCliModel(major).index);
    expect(docs?.commands['eks update-kubeconfig']?.description).toMatch(/^Configures kubectl/);
  });

  it('has none for another CLI version (the pages then say less, never something wrong)', () => {
    expect(loadSnapshotCustomizationDocs({ cliMajor: 1, cliVersion: '1.0.0' })).toBeUndefined();
  });
});

describe('renderHelpPage refusals', () => {
  it.each([
    [{ service: 's4' }, 'UNKNOWN_COMMAND', /`aws s4` does not exist.*Did you mean `aws s3`/],
    [{ service: 'lamda' }, 'UNKNOWN_COMMAND', /Did you mean `aws lambda`/],
    [
      { service: 'ec2', command: 'list-instances' },
      'UNKNOWN_COMMAND',
      /Did you mean `aws ec2 describe-instances`/,
    ],
    [{ service: 'constructor' }, 'UNKNOWN_COMMAND', /`aws constructor` does not exist/],
    [{ service: 'ec2', command: '__proto__' }, 'UNKNOWN_COMMAND', /`aws ec2 __proto__` does not exist/],
    [
      { service: 'ec2', command: 'describe-instances', parameter: '--instance-idz' },
      'UNKNOWN_OPTION',
      /Did you mean `aws ec2 describe-instances --instance-ids`/,
    ],
  ])('refuses %j with %s and the nearest names, briefly', (request, code, message) => {
    let caught: unknown;
    try {
      renderHelpPage(request, { model, catalog, sources });
    } catch (error) {
      caught = error;
    }
    expect(CommandError.isInstance(caught) && caught.code).toBe(code);
    const text = (caught as Error).message;
    expect(text).toMatch(message);
    expect(text.length).toBeLessThan(2000);
    expect(text).not.toContain('|');
  });
});
