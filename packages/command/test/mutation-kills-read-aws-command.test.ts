// Cases that Stryker's mutants of `_read-aws-command.ts` survived (docs/testing.md, "Mutation testing"): what a
// person sees of each reading, the argv that runs and whether it is help, or the refusal's code, on the committed
// CLI v1 and v2 snapshots. Rows are numbered, not named by their line: Stryker picks the tests a mutant meets by title.
import { describe, expect, it } from 'vitest';
import { readAwsCommand } from '../src/_read-aws-command.js';
import { loadCliModel } from '../src/cli-model.js';
import type { CliAction, CliModel, CliServiceModel } from '../src/cli-model-types.js';
import { CommandError, parseCommandLine } from '../src/index.js';

type Seen = { argv: string[]; path: string[]; isHelp: boolean } | { code: string };

/** What a person sees of `line` read with `model`: the argv that runs, or the refusal's code. */
function readWith(line: string, model: CliModel): Seen {
  try {
    const { aws } = parseCommandLine(line, { model });
    return { argv: aws.argv, path: aws.path, isHelp: aws.isHelp };
  } catch (error) {
    if (CommandError.isInstance(error)) return { code: error.code };
    throw error;
  }
}

/**
 * A model of the committed snapshot, read afresh for each row: the reader builds a parser once per model object and
 * keeps it, so with one shared model only the first row to reach a parser would be credited with its code, and
 * mutation testing would run none of the others against a mutant there.
 */
const freshModel = (major: 1 | 2): CliModel =>
  loadCliModel(new URL(`../cli-model/v${major}/`, import.meta.url));

const read = (line: string, major: 1 | 2): Seen => readWith(line, freshModel(major));

const help = (argv: string, path: string[] = []): Seen => ({ argv: argv.split(' '), path, isHelp: true });
const runs = (argv: string, path: string[]): Seen => ({ argv: argv.split(' '), path, isHelp: false });

const rows: Array<[string, Seen]> = [
  // A service's own help, and an operation missing.
  ['aws ec2 help', help('aws ec2 help')],
  ['aws ec2', { code: 'MISSING_PARAMETER' }],
  ['aws --region eu-west-1', { code: 'MISSING_PARAMETER' }],
  ['aws --version', runs('aws --version', [])],
  // A lone `help` is help before the required options are asked for; with more words it is not.
  ['aws s3api get-object help', help('aws s3api get-object help', ['get-object'])],
  ['aws s3api get-object help --bucket B', { code: 'MISSING_PARAMETER' }],
  ["aws s3api get-object ''", { code: 'MISSING_PARAMETER' }],
  [
    'aws ec2 describe-instances --max-items 5 help',
    help('aws ec2 describe-instances help', ['describe-instances']),
  ],
  // The first word no parser took decides the refusal, in the order written.
  ['aws ec2 describe-instances i-1 --bogus', { code: 'UNEXPECTED_ARGUMENT' }],
  ['aws ec2 describe-instances --bogus i-1', { code: 'UNKNOWN_OPTION' }],
  // An operation's positional is kept in the argv that runs.
  [
    'aws s3api get-object --bucket B --key K out.json',
    runs('aws s3api get-object out.json --bucket=B --key=K', ['get-object']),
  ],
  // Customizations: their own help, options and subcommands.
  ['aws configure --bogus', { code: 'UNKNOWN_OPTION' }],
  ['aws configure help', help('aws configure help')],
  ['aws configure list', runs('aws configure list', ['list'])],
  ['aws s3', runs('aws s3', [])],
  ['aws s3 help ls', { code: 'UNKNOWN_COMMAND' }],
  ['aws s3 cp help', help('aws s3 cp help', ['cp'])],
  ['aws s3 ls s3://b --recursive', runs('aws s3 ls s3://b --recursive', ['ls'])],
  ['aws ec2 wait help', help('aws ec2 wait help', ['wait'])],
  [
    'aws ec2 wait instance-running --instance-ids i-1',
    runs('aws ec2 wait instance-running --instance-ids=i-1', ['wait', 'instance-running']),
  ],
  [
    'aws deploy push --application-name A --s3-location s3://b/k',
    runs('aws deploy push --application-name=A --s3-location=s3://b/k', ['push']),
  ],
  // The operation's `help` positional: help wins over the words left over (the CLI's ServiceOperation shows it first).
  ['aws ec2 describe-instances help y', help('aws ec2 describe-instances help', ['describe-instances'])],
  [
    'aws ec2 describe-instances help --bogus',
    help('aws ec2 describe-instances help', ['describe-instances']),
  ],
  ['aws ec2 describe-instances y help', { code: 'UNEXPECTED_ARGUMENT' }],
  // A waiter reads as an operation (its `help` positional), a customization such as `s3 ls` has none (the CLI:
  // "Unknown options: help").
  [
    'aws ec2 wait instance-running --dry-run help',
    help('aws ec2 wait instance-running help', ['wait', 'instance-running']),
  ],
  ['aws s3 ls s3://b help', { code: 'UNEXPECTED_ARGUMENT' }],
  // --generate-cli-skeleton lifts `required`, as --cli-input-json does (--cli-input-yaml below: v2 only).
  [
    'aws s3api put-bucket-acl --generate-cli-skeleton',
    runs('aws s3api put-bucket-acl --generate-cli-skeleton', ['put-bucket-acl']),
  ],
  // get-object (a streaming output) has no --generate-cli-skeleton: the CLI asks for --bucket, --key and the
  // outfile first; the refusal names the option that does not exist (_read-aws-command.ts says why).
  ['aws s3api get-object --generate-cli-skeleton', { code: 'UNKNOWN_OPTION' }],
];

/** Rows where the two CLIs differ: what v1 and what v2 read. */
const byMajor: Array<[string, Seen, Seen]> = [
  // v2 lifts `required` for --cli-input-yaml (then its file needs the working directory); v1 has no such option.
  [
    'aws s3api put-bucket-acl --cli-input-yaml file://x.yaml',
    { code: 'UNKNOWN_OPTION' },
    { code: 'INVALID_CLI_INPUT' },
  ],
];

describe('readAwsCommand through parseCommandLine', () => {
  it.each(
    rows.flatMap(([line, seen], index) => [1, 2].map((major) => [index + 1, major, line, seen] as const)),
  )('row %i on CLI v%i', (_row, major, line, seen) => {
    expect(read(line, major as 1 | 2)).toEqual(seen);
  });

  it.each(
    byMajor.flatMap(([line, v1, v2], index) => [
      [index + 1, 1, line, v1],
      [index + 1, 2, line, v2],
    ]),
  )('differing row %i on CLI v%i', (_row, major, line, seen) => {
    expect(read(line, major as 1 | 2)).toEqual(seen);
  });
});

/**
 * A customization with options of its own and subcommands, read by each major's rule. No v2 command has both (the
 * v2 snapshot's customizations with subcommands take no option of their own), so v1's `cloudformation deploy`
 * stands in: v1 names codedeploy's subcommands there (the real v1 CLI runs `deploy push` below), and its table
 * read with v2's rule (SubCommandArgParser in v2's argparser.py: the subcommand is found with nothing required,
 * then gets every word but its own name) hands `--template-file` to `push`, which has no such option.
 */
describe('a customization with its own options and a subcommand', () => {
  const readBy = (line: string, cliMajor: 1 | 2): Seen => {
    const v1 = freshModel(1);
    return readWith(line, {
      ...v1,
      index: { ...v1.index, cliMajor },
      loadService: (name: string) => v1.loadService(name),
    });
  };
  const own =
    'aws cloudformation deploy --template-file t --stack-name s push --application-name A --s3-location s3://b/k';
  const bare = 'aws cloudformation deploy push --application-name A --s3-location s3://b/k';

  it.each([
    [
      1,
      own,
      runs(
        'aws cloudformation deploy push --template-file=t --stack-name=s --application-name=A --s3-location=s3://b/k',
        ['deploy', 'push'],
      ),
    ],
    [2, own, { code: 'UNKNOWN_OPTION' }],
    [1, bare, { code: 'MISSING_PARAMETER' }],
    [
      2,
      bare,
      runs('aws cloudformation deploy push --application-name=A --s3-location=s3://b/k', ['deploy', 'push']),
    ],
  ] as const)('v%i rule: %s', (major, line, seen) => {
    expect(readBy(line, major)).toEqual(seen);
  });
});

/**
 * The reading word by word, as `readAwsCommand` leaves it: every parser run with what it took (`dest=values@word`,
 * `@-1` for a positional left empty) and left over, the label of each action's parser, and the command that runs.
 * test/differential.test.ts compares the parses with the installed CLI's own; mutation runs leave that test out,
 * so these rows hold the same facts for a few lines.
 */
describe('readAwsCommand word by word', () => {
  type Seen = { kind: string; command?: string[]; parses: string[]; actions: string[] };
  const describeReading = (major: 1 | 2, line: string): Seen => {
    const reading = readAwsCommand(freshModel(major), line.split(' '));
    return {
      kind: reading.kind,
      ...(reading.command === undefined ? {} : { command: [reading.command.name, reading.command.kind] }),
      parses: reading.parses.map(
        (parse) =>
          `${parse.parser}: ${parse.taken.map((entry) => `${entry.action.dest}=${entry.values.join(',')}@${entry.index}`).join(' ')} | ${parse.extras.join(',')}`,
      ),
      actions: [...reading.globals, ...reading.intermediate, ...reading.arguments].map(
        (entry) => `${entry.parser}/${entry.action.dest}@${entry.index}`,
      ),
    };
  };
  const operation: Seen = {
    kind: 'command',
    command: ['describe-instances', 'operation'],
    parses: [
      'main: region=eu-west-1@0 command=ec2@2 | 3,4,5',
      'service: operation=describe-instances@3 | 4,5',
      'operation: max_items=5@4 help=@-1 | ',
    ],
    actions: ['main/region@0', 'ec2 describe-instances/max_items@4'],
  };
  // v2 finds a customization's subcommand first (nothing left over there) and hands the rest to it.
  const rows: Array<[1 | 2, string, Seen]> = [
    [1, '--region eu-west-1 ec2 describe-instances --max-items 5', operation],
    [2, '--region eu-west-1 ec2 describe-instances --max-items 5', operation],
    ...([1, 2] as const).map((major): [1 | 2, string, Seen] => [
      major,
      'ec2 wait instance-running --dry-run',
      {
        kind: 'command',
        command: ['instance-running', 'operation'],
        parses: [
          'main: command=ec2@0 | 1,2,3',
          'service: operation=wait@1 | 2,3',
          `wait: subcommand=instance-running@2 | ${major === 1 ? '3' : ''}`,
          'operation: dry_run=@3 help=@-1 | ',
        ],
        actions: ['ec2 wait instance-running/dry_run@3'],
      },
    ]),
    ...([1, 2] as const).map((major): [1 | 2, string, Seen] => [
      major,
      's3 ls s3://b --recursive',
      {
        kind: 'command',
        command: ['ls', 'customization'],
        parses: [
          'main: command=s3@0 | 1,2,3',
          `s3: subcommand=ls@1 | ${major === 1 ? '2,3' : ''}`,
          'ls: paths=s3://b@2 dir_op=@3 | ',
        ],
        actions: ['s3 ls/paths@2', 's3 ls/dir_op@3'],
      },
    ]),
    [
      1,
      'configure',
      {
        kind: 'command',
        command: ['configure', 'customization'],
        parses: ['main: command=configure@0 | ', 'configure: subcommand=@-1 | '],
        actions: [],
      },
    ],
    [
      2,
      'configure',
      {
        kind: 'command',
        command: ['configure', 'customization'],
        parses: [
          'main: command=configure@0 | ',
          'configure: subcommand=@-1 | ',
          'configure: subcommand=@-1 | ',
        ],
        actions: [],
      },
    ],
    [1, '--version', { kind: 'version', parses: ['main: version=@0 | '], actions: ['main/version@0'] }],
    [2, 'help', { kind: 'help', parses: ['main: command=help@0 | '], actions: [] }],
  ];

  it.each(rows.map(([major, line, seen], index) => [index + 1, major, line, seen] as const))(
    'row %i on CLI v%i: %s',
    (_row, major, line, seen) => {
      expect(describeReading(major, line)).toEqual(seen);
    },
  );
});

/**
 * A model that records the parsers without the positionals the CLI adds (the operation's `help`, a customization's
 * `subcommand`): the reading adds them, so it reads every line as the committed snapshots (which record both) do.
 */
describe('a model without the help and subcommand positionals', () => {
  const withoutAdded = (model: CliModel): CliModel => {
    const strip = (actions: readonly CliAction[]) =>
      actions.filter(
        (action) => action.options.length > 0 || (action.dest !== 'help' && action.kind !== 'command'),
      );
    const cache = new Map<string, CliServiceModel | undefined>();
    return {
      index: { ...model.index },
      loadService(name) {
        if (!cache.has(name)) {
          const service = model.loadService(name);
          cache.set(
            name,
            service === undefined
              ? undefined
              : {
                  ...service,
                  actions: strip(service.actions),
                  commands: Object.fromEntries(
                    Object.entries(service.commands).map(([key, command]) => [
                      key,
                      { ...command, actions: strip(command.actions) },
                    ]),
                  ),
                },
          );
        }
        return cache.get(name);
      },
    };
  };
  const lines = [
    'aws ec2 describe-instances --max-items 5 help',
    'aws ec2 describe-instances x',
    'aws s3 ls s3://b --recursive',
    'aws s3 bogus',
    'aws configure list',
  ];

  it.each(([1, 2] as const).flatMap((major) => lines.map((line) => [major, line] as const)))(
    'CLI v%i: %s',
    (major, line) => {
      const full = freshModel(major);
      const stripped = withoutAdded(full);
      expect(stripped.loadService(line.split(' ')[1] as string)?.commands).toBeDefined();
      expect(readWith(line, stripped)).toEqual(readWith(line, full));
    },
  );
});
