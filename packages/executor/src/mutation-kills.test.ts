// Cases that Stryker's mutants of the executor's safety modules survived (docs/testing.md, "Mutation testing"):
// each row states what a person sees when the rule is right.
import { describe, expect, it } from 'vitest';
import { buildFailureError, judgeStages } from './_judge-pipeline.js';
import { maskResponseMembers } from './_mask-members.js';
import type { PipelineResult, StageResult } from './run-pipeline.js';

/** `name:exit` or `name:SIGNAL`, e.g. `jq:5`, `sort:SIGPIPE`. */
function stage(spec: string): StageResult {
  const [name = '', end = ''] = spec.split(':');
  return /^\d+$/.test(end)
    ? { name, exitCode: Number(end), signal: undefined }
    : { name, exitCode: undefined, signal: end };
}

const accessDenied =
  'An error occurred (AccessDeniedException) when calling the ListFunctions operation: User is not authorized';

describe('judgeStages (mutants that survived the table in _judge-pipeline.test.ts)', () => {
  it.each([
    [
      'a middle filter cut off by a `head` that succeeded, after a filter that succeeded, is a success',
      ['aws:0', 'jq:0', 'sort:SIGPIPE', 'head:0'],
      '',
      { failed: false, exitCode: 0, noMatch: false },
    ],
    [
      'an AWS error decides over a filter that then failed on the empty input',
      ['aws:254', 'jq:5'],
      accessDenied,
      { failed: true, exitCode: 254, noMatch: false, failedStage: 'aws' },
    ],
    [
      'a grep that matched is no empty result',
      ['aws:0', 'grep:0'],
      '',
      { failed: false, exitCode: 0, noMatch: false },
    ],
    [
      'a grep that matched, before a sort, is no empty result',
      ['aws:0', 'grep:0', 'sort:0'],
      '',
      { failed: false, exitCode: 0, noMatch: false },
    ],
    [
      'a command that succeeded is no dry run, whatever its stderr mentions',
      ['aws:0'],
      'note: the last call answered (DryRunOperation)',
      { failed: false, exitCode: 0, noMatch: false },
    ],
  ])('%s', (_, specs, awsStderr, judgement) => {
    expect(judgeStages(specs.map(stage), awsStderr)).toEqual(judgement);
  });
});

describe('buildFailureError (mutants that survived the table in _judge-pipeline.test.ts)', () => {
  const failed = (overrides: Partial<PipelineResult>): PipelineResult => ({
    status: 'error',
    exitCode: 1,
    output: '',
    truncated: false,
    totalChars: 0,
    stderr: '',
    filterStderr: 'jq: error: CPU time limit exceeded\n',
    stages: [stage('aws:0'), stage('jq:SIGXCPU')],
    noMatch: false,
    durationMs: 900,
    awsArgv: ['aws', 'ec2', 'describe-instances'],
    sandbox: 'bubblewrap',
    maskedSecrets: 0,
    secrets: { masked: 0, members: [] },
    queuedMs: 0,
    ...overrides,
  });

  it('reports the signal of the stage that failed, not the first stage’s', () => {
    expect(buildFailureError(failed({}))).toMatchObject({
      code: 'COMMAND_FAILED',
      signal: 'SIGXCPU',
      canceled: false,
      timedOut: false,
    });
  });

  it('reports a failure as not canceled, and a cancel as canceled', () => {
    expect(buildFailureError(failed({ stages: [stage('aws:255')], exitCode: 255 })).canceled).toBe(false);
    expect(buildFailureError(failed({ status: 'canceled', stages: [stage('aws:SIGTERM')] })).canceled).toBe(
      true,
    );
  });
});

describe('maskResponseMembers (mutants that survived _source-masking.test.ts)', () => {
  it('masks every string of a secret member that holds a list, and nothing beside it', () => {
    const response = { Parameter: { Name: 'db', Values: ['hunter2', 'correct-horse'] } };
    const { values, members } = maskResponseMembers(response, ['Parameter.Values']);
    expect(values.sort()).toEqual(['correct-horse', 'hunter2']);
    expect(members).toEqual(['Parameter.Values']);
    expect(response).toEqual({ Parameter: { Name: 'db', Values: ['[MASKED]', '[MASKED]'] } });
  });

  it('leaves numbers, booleans, empty and already masked strings as they are, and counts none of them', () => {
    const response = {
      Secret: { Version: 3, Enabled: true, Empty: '', Earlier: '[MASKED]', Value: 's3cr3t' },
    };
    expect(maskResponseMembers(response, ['Secret'])).toEqual({ values: ['s3cr3t'], members: ['Secret'] });
    expect(response.Secret).toEqual({
      Version: 3,
      Enabled: true,
      Empty: '',
      Earlier: '[MASKED]',
      Value: '[MASKED]',
    });
  });

  it('lists only the paths that held a value, and reads past a null member without failing', () => {
    const response = { Credentials: null, Other: { SecretAccessKey: 'abc' } };
    expect(maskResponseMembers(response, ['Credentials.SecretAccessKey', 'Missing.Value'])).toEqual({
      values: [],
      members: [],
    });
    expect(response).toEqual({ Credentials: null, Other: { SecretAccessKey: 'abc' } });
  });
});
