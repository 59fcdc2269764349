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
];

describe('readAwsCommand through parseCommandLine', () => {
  it.each(
    rows.flatMap(([line, seen], index) => [1, 2].map((major) => [index + 1, major, line, seen] as const)),
  )('row %i on CLI v%i', (_row, major, line, seen) => {
    expect(read(line, major as 1 | 2)).toEqual(seen);
  });
});
