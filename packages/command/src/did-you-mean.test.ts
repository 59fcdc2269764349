import { describe, expect, it } from 'vitest';
import { rankNames, suggestNames } from './_did-you-mean.js';
import { CommandError, loadSnapshotCliModel, parseCommandLine } from './index.js';

const v1 = loadSnapshotCliModel(1);

function refusal(line: string): { code: string; message: string } {
  try {
    parseCommandLine(line, { model: v1 });
  } catch (error) {
    if (CommandError.isInstance(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error(`${line} was read`);
}

describe('didYouMean in the refusals of a v1 CLI', () => {
  it.each([
    [
      'aws logs tail /aws/lambda/f',
      /`aws logs tail` is an AWS CLI v2 command, .*`aws logs filter-log-events/,
    ],
    ['aws ddb select t', /`aws ddb` is an AWS CLI v2 command, .*`aws dynamodb scan`/],
    [
      'aws configure list-profiles',
      /`aws configure list-profiles` is an AWS CLI v2 command, .*v1 lists no profiles: `aws configure list` shows the one in use/,
    ],
    ['aws sso login', /`aws sso login` is an AWS CLI v2 command, .*AWS CLI v2 in a terminal/],
  ])('says %j is a v2 command and what v1 offers instead', (line, message) => {
    const { code, message: text } = refusal(line);
    expect(code).toBe('UNKNOWN_COMMAND');
    expect(text).toMatch(message);
    expect(text.length).toBeLessThan(2000);
  });

  it.each([
    ['aws ec2 list-instances', /Did you mean `aws ec2 describe-instances`/],
    ['aws lamda list-functions', /Did you mean `aws lambda`\?/],
    ['aws ec2 describe-instances --instance-idz i-1', /Did you mean `--instance-ids`\?/],
  ])('names the nearest for %j, and no v2 note for a plain typo', (line, message) => {
    const { message: text } = refusal(line);
    expect(text).toMatch(message);
    expect(text).not.toContain('AWS CLI v2 command');
  });
});

describe('rankNames', () => {
  it.each([
    ['describe-instance', ['describe-instances', 'describe-images', 'run-instances'], 'describe-instances'],
    ['list-instances', ['describe-instances', 'list-images', 'start-instances'], 'describe-instances'],
    ['--instance-idz', ['--instance-ids', '--filters'], '--instance-ids'],
  ])('puts the nearest name to %s first, with its distance', (written, candidates, best) => {
    const [first] = rankNames(written, candidates);
    expect(first?.name).toBe(best);
    expect(suggestNames(written, candidates)[0]).toBe(best);
  });

  it('finds nothing near a word unlike every name', () => {
    expect(rankNames('xyzzy', ['describe-instances', 'run-instances'])).toEqual([]);
  });
});
