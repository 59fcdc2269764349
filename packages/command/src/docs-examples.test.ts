import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CommandError,
  loadSnapshotCliModel,
  parseCommandLine,
  parsePolicy,
  validatePipeline,
} from './index.js';

const root = new URL('../../../', import.meta.url);
const safety = readFileSync(new URL('docs/safety.md', root), 'utf8').replace(/\s+/g, ' ');
const readme = readFileSync(new URL('README.md', root), 'utf8').replace(/\s+/g, ' ');
const workdir = '/home/dev/project';

function verdict(line: string, policy = parsePolicy({ mode: 'full' })): string {
  try {
    return validatePipeline(parseCommandLine(line, { workdir }), policy, { workdir }).classification
      .accessClass;
  } catch (error) {
    if (CommandError.isInstance(error)) return error.code;
    throw error;
  }
}

/** Each example the safety docs give, where it is written, and what this package does with it. */
const examples: Array<[string, string, string]> = [
  [
    'safety',
    'aws s3api get-object --bucket b --key k --no-paginate ~/.aws/cli/cache/x.json',
    'LOCAL_PATH_OUTSIDE_WORKDIR',
  ],
  ['safety', 'aws s3 cp --quie a s3://b/x', 'ABBREVIATED_OPTION'],
  ['readme', 'aws s3 cp --quie a s3://b/x', 'ABBREVIATED_OPTION'],
  ['readme', 'aws ec2 list-instances', 'UNKNOWN_COMMAND'],
  [
    'safety',
    'aws ssm get-parameter --name p --cli-input-json \'{"WithDecryption": true}\'',
    'sensitive-read',
  ],
  ['readme', 'aws s3 cp s3://x/y ~/.bashrc', 'LOCAL_PATH_OUTSIDE_WORKDIR'],
  ['safety', 'aws ec2 describe-instances --filters file://missing.json', 'PARAMETER_FILE_MISSING'],
];

describe('the examples in README.md and docs/safety.md do what the text says', () => {
  it.each(examples)('%s: %s → %s', (where, line, expected) => {
    const text = where === 'safety' ? safety : readme;
    expect(text).toContain(line.replace(/\s+/g, ' '));
    expect(verdict(line)).toBe(expected);
  });

  it('--cli-input-yaml is read on CLI v2 and judged like --cli-input-json', () => {
    const line = "aws ssm get-parameter --cli-input-yaml '{Name: p, WithDecryption: true}'";
    expect(safety).toContain(line);
    const pipeline = parseCommandLine(line, { model: loadSnapshotCliModel(2) });
    expect(validatePipeline(pipeline, parsePolicy({ mode: 'full' })).classification.accessClass).toBe(
      'sensitive-read',
    );
  });

  it('configure get of a secret key in the dotted spelling is refused', () => {
    expect(safety).toContain('profile.dev.aws_session_token');
    expect(verdict('aws configure get profile.dev.aws_session_token')).toBe('FORBIDDEN_AWS_COMMAND');
  });

  it('deny *:delete-* stops aws s3 rm s3://prod-data --recursive', () => {
    expect(safety).toContain('`deny *:delete-*` stops `aws s3 rm s3://prod-data --recursive`');
    const policy = parsePolicy({ mode: 'full', rules: [{ effect: 'deny', actions: ['*:delete-*'] }] });
    const decision = validatePipeline(parseCommandLine('aws s3 rm s3://prod-data --recursive'), policy, {
      workdir,
    });
    expect(decision.action).toBe('deny');
  });

  it('a rule can name classes', () => {
    expect(safety).toContain('"classes": ["write"]');
    const policy = parsePolicy({ mode: 'full', rules: [{ effect: 'confirm', classes: ['write'] }] });
    expect(validatePipeline(parseCommandLine('aws s3 mb s3://b'), policy, { workdir }).action).toBe(
      'confirm',
    );
    expect(validatePipeline(parseCommandLine('aws s3 ls'), policy, { workdir }).action).toBe('allow');
  });
});
