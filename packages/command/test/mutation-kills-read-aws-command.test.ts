// Cases that Stryker's mutants of `_read-aws-command.ts` survived (docs/testing.md, "Mutation testing"): what a
// person sees of each reading, the argv that runs and whether it is help, or the refusal's code, on the committed
// CLI v1 and v2 snapshots. Rows are numbered, not named by their line: Stryker picks the tests a mutant meets by title.
import { describe, expect, it } from 'vitest';
import { loadSnapshotCliModel } from '../src/cli-model.js';
import { CommandError, parseCommandLine } from '../src/index.js';

type Seen = { argv: string[]; path: string[]; isHelp: boolean } | { code: string };

function read(line: string, major: 1 | 2): Seen {
  try {
    const { aws } = parseCommandLine(line, { model: loadSnapshotCliModel(major) });
    return { argv: aws.argv, path: aws.path, isHelp: aws.isHelp };
  } catch (error) {
    if (CommandError.isInstance(error)) return { code: error.code };
    throw error;
  }
}

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
  const v1 = loadSnapshotCliModel(1);
  const readBy = (line: string, cliMajor: 1 | 2): Seen => {
    const model = {
      ...v1,
      index: { ...v1.index, cliMajor },
      loadService: (name: string) => v1.loadService(name),
    };
    try {
      const { aws } = parseCommandLine(line, { model });
      return { argv: aws.argv, path: aws.path, isHelp: aws.isHelp };
    } catch (error) {
      if (CommandError.isInstance(error)) return { code: error.code };
      throw error;
    }
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
