import { describe, expect, it } from 'vitest';
import { CommandError, type CommandErrorCode, parseCommandLine, parseFilterStages } from './index.js';

function refusalOf(input: Parameters<typeof parseFilterStages>[0]): CommandError {
  try {
    parseFilterStages(input);
  } catch (error) {
    if (CommandError.isInstance(error)) return error;
    throw error;
  }
  throw new Error(`expected a refusal for ${JSON.stringify(input)}`);
}

describe('parseFilterStages', () => {
  it('reads the same filters as after an aws stage, in text and argv form', () => {
    const text = "jq -r '.Items[].id' | sort | head -n 3";
    const expected = parseCommandLine(`aws s3 ls | ${text}`).filters;
    expect(parseFilterStages(text)).toEqual(expected);
    expect(parseFilterStages([['jq', '-r', '.Items[].id'], ['sort'], ['head', '-n', '3']])).toEqual(expected);
  });

  it.each<[string, Parameters<typeof parseFilterStages>[0], CommandErrorCode, RegExp]>([
    ['an empty text', '  ', 'EMPTY_COMMAND', /The filters are empty/],
    ['no stages', [], 'EMPTY_COMMAND', /The filters are empty/],
    ['an aws stage', 'aws s3 ls | jq .', 'FORBIDDEN_PROGRAM', /drop the `aws` stage/],
    ['an aws argv', [['aws', 's3', 'ls']], 'FORBIDDEN_PROGRAM', /drop the `aws` stage/],
    ['a program that is no filter', 'cat /etc/passwd', 'FORBIDDEN_PROGRAM', /cannot be a pipeline stage/],
    ['a file operand', 'jq . /etc/passwd', 'FILTER_OPERAND', /./],
    ['a shell operator', 'jq . && rm -rf x', 'FORBIDDEN_OPERATOR', /./],
    ['an empty stage', 'jq . |', 'EMPTY_STAGE', /ends with `\|`/],
    ['a wrapper', [['env', 'jq', '.']], 'WRAPPER_COMMAND', /./],
  ])('refuses %s', (_, input, code, message) => {
    const error = refusalOf(input);
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
  });
});
