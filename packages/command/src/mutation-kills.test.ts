// Cases that Stryker's mutants of the command package's safety modules survived (docs/testing.md, "Mutation
// testing"): each row states what a person sees when the rule is right.
import { describe, expect, it } from 'vitest';
import { CommandError, type PipelineArgv, parseCommandLine, parseFilterStages } from './index.js';

/** The refusal `run` throws, as the fields a caller reads. */
function refusal(run: () => unknown): { code: string; token: string | undefined; message: string } {
  try {
    run();
  } catch (error) {
    if (!CommandError.isInstance(error)) throw error;
    return { code: error.code, token: error.token, message: error.message };
  }
  throw new Error('expected a CommandError');
}

describe('parseCommandLine refusals (mutants of parse-command-line.ts that survived its tests)', () => {
  it.each([
    [
      'a `|` with nothing after it says the command ends with it',
      'aws s3 ls |',
      {
        code: 'EMPTY_STAGE',
        token: '|',
        message: 'The command ends with `|`; add a filter after it (e.g. `| jq .`) or remove the `|`.',
      },
    ],
    [
      'an empty stage in the middle says the `|` has nothing before it',
      'aws s3 ls | | jq .',
      {
        code: 'EMPTY_STAGE',
        token: '|',
        message: 'A `|` has nothing before it; every stage needs a program.',
      },
    ],
    [
      'a --cli-input-json file without a working directory asks for the document inline',
      'aws s3api list-objects-v2 --cli-input-json file://input.json',
      {
        code: 'INVALID_CLI_INPUT',
        token: 'file://input.json',
        message:
          '`--cli-input-json` from a file needs a working directory and `file://`; pass the document inline instead.',
      },
    ],
  ])('%s', (_, line, expected) => {
    expect(refusal(() => parseCommandLine(line))).toEqual(expected);
  });

  const invalidArgv = {
    code: 'INVALID_ARGV',
    token: undefined,
    message:
      'The argv form is { args: string[], pipe?: string[][] }, e.g. { args: ["aws", "s3", "ls"], pipe: [["grep", "logs"]] }.',
  };

  it.each([
    ['a number among the args', { args: ['aws', 's3', 5] }, invalidArgv],
    ['a pipe that is a string', { args: ['aws', 's3', 'ls'], pipe: 'grep logs' }, invalidArgv],
    ['a pipe stage holding a number', { args: ['aws', 's3', 'ls'], pipe: [['head', '-n', 5]] }, invalidArgv],
    [
      'empty args',
      { args: [] },
      {
        code: 'EMPTY_COMMAND',
        token: undefined,
        message: 'The command is empty. Start `args` with "aws", e.g. ["aws", "s3", "ls"].',
      },
    ],
    [
      'an empty pipe stage',
      { args: ['aws', 's3', 'ls'], pipe: [[]] },
      {
        code: 'EMPTY_STAGE',
        token: undefined,
        message: 'A pipe stage is empty; every stage needs a program.',
      },
    ],
    [
      'a NUL in an argument',
      { args: ['aws', 's3', 'ls', 'a\0b'] },
      { code: 'CONTROL_CHARACTER', token: '\\x00', message: 'An argument contains a NUL character.' },
    ],
  ])('the argv form refuses %s with what to send instead', (_, input, expected) => {
    expect(refusal(() => parseCommandLine(input as unknown as PipelineArgv))).toEqual(expected);
  });
});

describe('parseFilterStages (a mutant of parse-command-line.ts that survived its tests)', () => {
  it('refuses an aws stage, naming it', () => {
    expect(refusal(() => parseFilterStages('aws s3 ls | jq .'))).toEqual({
      code: 'FORBIDDEN_PROGRAM',
      token: 'aws',
      message: 'Only filters run here, over a text already given: drop the `aws` stage and keep its filters.',
    });
  });
});
