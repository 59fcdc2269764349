import type { Result } from 'execa';
import { describe, expect, it } from 'vitest';
import {
  buildFailureError,
  buildSpawnError,
  buildUnstartedResult,
  decideStatus,
  finalizeResult,
  findExceededLimit,
  isBrokenPipe,
  isSpawnFailure,
  judgeStages,
  readStageResult,
} from './_judge-pipeline.js';
import { ExecutionError } from './execution-error.js';
import type { PipelineResult, StageResult } from './run-pipeline.js';
import type { SandboxedCommand } from './sandbox.js';

/** `name:exit` or `name:SIGNAL`, e.g. `jq:5`, `head:0`, `aws:SIGPIPE`. */
function stage(spec: string): StageResult {
  const [name = '', end = ''] = spec.split(':');
  return /^\d+$/.test(end)
    ? { name, exitCode: Number(end), signal: undefined }
    : { name, exitCode: undefined, signal: end };
}

const brokenPipe = 'BrokenPipeError: [Errno 32] Broken pipe';

describe('judgeStages', () => {
  it.each([
    ['aws alone succeeding', ['aws:0'], '', { failed: false, exitCode: 0, noMatch: false }],
    [
      'aws alone failing',
      ['aws:255'],
      'An error occurred',
      { failed: true, exitCode: 255, noMatch: false, failedStage: 'aws' },
    ],
    [
      'every stage succeeding',
      ['aws:0', 'jq:0', 'sort:0'],
      '',
      { failed: false, exitCode: 0, noMatch: false },
    ],
    [
      'aws failing before a filter',
      ['aws:254', 'jq:0'],
      '',
      { failed: true, exitCode: 254, noMatch: false, failedStage: 'aws' },
    ],
    [
      'a failing filter after aws',
      ['aws:0', 'jq:5'],
      '',
      { failed: true, exitCode: 5, noMatch: false, failedStage: 'jq' },
    ],
    [
      'the first failing filter deciding',
      ['aws:0', 'jq:5', 'sort:2'],
      '',
      { failed: true, exitCode: 5, noMatch: false, failedStage: 'jq' },
    ],
    ['grep matching nothing', ['aws:0', 'grep:1'], '', { failed: false, exitCode: 0, noMatch: true }],
    ['egrep matching nothing', ['aws:0', 'egrep:1'], '', { failed: false, exitCode: 0, noMatch: true }],
    ['fgrep matching nothing', ['aws:0', 'fgrep:1'], '', { failed: false, exitCode: 0, noMatch: true }],
    [
      'grep matching nothing before sort',
      ['aws:0', 'grep:1', 'sort:0'],
      '',
      { failed: false, exitCode: 0, noMatch: true },
    ],
    [
      'grep failing (exit 2)',
      ['aws:0', 'grep:2'],
      '',
      { failed: true, exitCode: 2, noMatch: false, failedStage: 'grep' },
    ],
    [
      'jq exiting 1 (not a match filter)',
      ['aws:0', 'jq:1'],
      '',
      { failed: true, exitCode: 1, noMatch: false, failedStage: 'jq' },
    ],
    [
      'a filter failing after grep matched nothing',
      ['aws:0', 'grep:1', 'jq:3'],
      '',
      { failed: true, exitCode: 3, noMatch: false, failedStage: 'jq' },
    ],
    [
      'SIGPIPE upstream of head',
      ['aws:0', 'jq:SIGPIPE', 'head:0'],
      '',
      { failed: false, exitCode: 0, noMatch: false },
    ],
    [
      'SIGPIPE upstream of a failing head',
      ['aws:0', 'jq:SIGPIPE', 'head:1'],
      '',
      { failed: true, exitCode: 1, noMatch: false, failedStage: 'jq' },
    ],
    [
      'SIGPIPE on the last filter',
      ['aws:0', 'jq:SIGPIPE'],
      '',
      { failed: true, exitCode: 1, noMatch: false, failedStage: 'jq' },
    ],
    [
      'a filter killed (SIGKILL)',
      ['aws:0', 'sort:SIGKILL'],
      '',
      { failed: true, exitCode: 1, noMatch: false, failedStage: 'sort' },
    ],
    [
      'aws killed by SIGPIPE, the filters succeeding',
      ['aws:SIGPIPE', 'head:0'],
      '',
      { failed: false, exitCode: 0, noMatch: false },
    ],
    [
      'a broken pipe of aws (its stderr), the filters succeeding',
      ['aws:255', 'jq:0', 'head:0'],
      brokenPipe,
      { failed: false, exitCode: 0, noMatch: false },
    ],
    [
      // The filter failed first (a jq syntax error) and aws was cut off: the filter is the cause.
      'a broken pipe of aws with a failing filter',
      ['aws:255', 'jq:5'],
      brokenPipe,
      { failed: true, exitCode: 5, noMatch: false, failedStage: 'jq' },
    ],
    [
      'a broken pipe of aws after grep matched nothing',
      ['aws:255', 'grep:1'],
      brokenPipe,
      { failed: false, exitCode: 0, noMatch: true },
    ],
    [
      'a dry run the API says would have succeeded',
      ['aws:255'],
      'An error occurred (DryRunOperation) when calling the TerminateInstances operation: Request would have succeeded, but DryRun flag is set.',
      { failed: false, exitCode: 0, noMatch: false, dryRunSucceeded: true },
    ],
    [
      'a dry run the API refused',
      ['aws:254'],
      'An error occurred (UnauthorizedOperation) when calling the TerminateInstances operation',
      { failed: true, exitCode: 254, noMatch: false, failedStage: 'aws' },
    ],
    [
      'aws alone killed by SIGPIPE',
      ['aws:SIGPIPE'],
      '',
      { failed: true, exitCode: 1, noMatch: false, failedStage: 'aws' },
    ],
    [
      'aws alone saying broken pipe',
      ['aws:255'],
      brokenPipe,
      { failed: true, exitCode: 255, noMatch: false, failedStage: 'aws' },
    ],
  ])('judges %s', (_, specs, awsStderr, judgement) => {
    expect(judgeStages(specs.map(stage), awsStderr)).toEqual(judgement);
  });
});

describe('isBrokenPipe', () => {
  it.each([
    ['SIGPIPE', 'aws:SIGPIPE', '', true],
    ["Python's BrokenPipeError", 'aws:255', brokenPipe, true],
    ['EPIPE', 'aws:1', 'Error: write EPIPE', true],
    ['another signal', 'aws:SIGTERM', '', false],
    ['another error', 'aws:255', 'An error occurred (AccessDenied)', false],
  ])('says %s is %s', (_, spec, stderr, expected) => {
    expect(isBrokenPipe(stage(spec), stderr)).toBe(expected);
  });
});

describe('isSpawnFailure', () => {
  it.each([
    ['a program that was not found', { failed: true, isCanceled: false }, true],
    ['a program that exited 1', { failed: true, exitCode: 1, isCanceled: false }, false],
    ['a program killed by a signal', { failed: true, signal: 'SIGKILL', isCanceled: false }, false],
    ['a canceled program', { failed: true, isCanceled: true }, false],
    ['a program that succeeded', { failed: false, exitCode: 0, isCanceled: false }, false],
  ])('says %s is %s', (_, result, expected) => {
    expect(isSpawnFailure(result as unknown as Result)).toBe(expected);
  });
});

describe('decideStatus', () => {
  const failed = { failed: true, exitCode: 2, noMatch: false };
  const passed = { failed: false, exitCode: 0, noMatch: false };
  it.each([
    ['success', passed, { timedOut: false, aborted: false }, 'success'],
    ['a failure', failed, { timedOut: false, aborted: false }, 'error'],
    ['a timeout over a failure', failed, { timedOut: true, aborted: true }, 'timeout'],
    ['a timeout over a success', passed, { timedOut: true, aborted: true }, 'timeout'],
    ['a cancel over a failure', failed, { timedOut: false, aborted: true }, 'canceled'],
    ['a cancel over a success', passed, { timedOut: false, aborted: true }, 'canceled'],
  ] as const)('decides %s', (_, judgement, clock, status) => {
    expect(decideStatus(judgement, clock)).toBe(status);
  });
});

function result(overrides: Partial<PipelineResult>): PipelineResult {
  return {
    status: 'error',
    exitCode: 255,
    output: '',
    truncated: false,
    totalChars: 0,
    stderr: '',
    filterStderr: '',
    stages: [stage('aws:255')],
    noMatch: false,
    durationMs: 1500,
    awsArgv: ['aws', 's3', 'ls'],
    sandbox: 'none',
    maskedSecrets: 0,
    secrets: { masked: 0, members: [] },
    queuedMs: 0,
    ...overrides,
  };
}

describe('buildFailureError', () => {
  it.each([
    [
      'a timeout',
      result({ status: 'timeout', exitCode: 0, stages: [stage('aws:SIGTERM')] }),
      {
        code: 'TIMED_OUT',
        message: '`aws s3 ls` timed out after 1500 ms.',
        signal: 'SIGTERM',
        timedOut: true,
      },
    ],
    [
      'a cancel',
      result({ status: 'canceled', stages: [stage('aws:SIGTERM')] }),
      { code: 'CANCELED', message: '`aws s3 ls` was canceled.', canceled: true, timedOut: false },
    ],
    [
      'a failing aws stage, with the last three lines of its stderr',
      result({ stderr: 'one\ntwo\nthree\nfour\n' }),
      {
        code: 'COMMAND_FAILED',
        message: '`aws s3 ls` failed with exit code 255: two\nthree\nfour',
        exitCode: 255,
      },
    ],
    [
      'a failing filter, with its stderr',
      result({
        exitCode: 5,
        stages: [stage('aws:0'), stage('jq:5')],
        filterStderr: 'jq: error: syntax error\n',
      }),
      {
        code: 'COMMAND_FAILED',
        message: '`aws s3 ls` failed with exit code 5: jq: error: syntax error',
        exitCode: 5,
      },
    ],
    [
      'a stage stopped by a limit, with the limit named',
      result({
        exitCode: 5,
        stages: [stage('aws:0'), stage('jq:5')],
        filterStderr: 'jq: error: cannot allocate memory\n',
        exceededLimit: {
          stage: 'jq',
          kind: 'filter',
          limit: 'memory',
          option: 'addressSpaceBytes',
          value: 512 * 1024 * 1024,
          message: "jq was stopped by the sandbox's memory limit (512 MiB): …",
        },
      }),
      {
        code: 'COMMAND_FAILED',
        message:
          "`aws s3 ls` failed with exit code 5: jq was stopped by the sandbox's memory limit (512 MiB): …",
      },
    ],
  ])('describes %s', (_, failed, fields) => {
    const error = buildFailureError(failed);
    expect(error).toBeInstanceOf(ExecutionError);
    expect(error).toMatchObject({ ...fields, durationMs: 1500, argv: ['aws', 's3', 'ls'] });
    expect(error.cause).toBe(failed);
  });
});

describe('readStageResult', () => {
  const execaResult = (exitCode: number | undefined, signal?: string) =>
    ({ exitCode, signal, failed: exitCode !== 0 }) as unknown as Result;
  const bubblewrap: SandboxedCommand = { file: 'bwrap', args: [], cwd: '/', signalsAsExitStatus: true };
  const plain: SandboxedCommand = { file: 'jq', args: [], cwd: '/' };
  it.each([
    ['exit 141 under bubblewrap as SIGPIPE', execaResult(141), bubblewrap, 'SIGPIPE'],
    ['exit 137 under bubblewrap as SIGKILL', execaResult(137), bubblewrap, 'SIGKILL'],
    ['exit 152 under bubblewrap as SIGXCPU', execaResult(152), bubblewrap, 'SIGXCPU'],
    ['exit 5 under bubblewrap as no signal', execaResult(5), bubblewrap, undefined],
    ['exit 141 unsandboxed as the exit it is', execaResult(141), plain, undefined],
    ["execa's own signal as it is", execaResult(undefined, 'SIGTERM'), bubblewrap, 'SIGTERM'],
  ])('reads %s', (_, given, command, signal) => {
    expect(readStageResult('jq', given, command)).toEqual({ name: 'jq', exitCode: given.exitCode, signal });
  });

  it('lets gawk pass that a socket pair cut off with ECONNRESET (exit 2) when head then succeeded', () => {
    const stages = ['aws:120', 'awk:2', 'head:0'].map(stage);
    const filterStderr =
      'awk: gawk: cmd. line:1: fatal: print to "standard output" failed: Connection reset by peer\n';
    expect(judgeStages(stages, brokenPipe, filterStderr)).toEqual({
      failed: false,
      exitCode: 0,
      noMatch: false,
    });
    expect(judgeStages(stages, brokenPipe, 'awk: fatal: division by zero\n')).toMatchObject({
      failed: true,
      failedStage: 'awk',
    });
  });

  it('lets a filter cut off by head under bubblewrap pass, as a shell would', () => {
    const stages = [
      { name: 'aws', exitCode: 0, signal: undefined },
      readStageResult('jq', execaResult(141), bubblewrap),
      { name: 'head', exitCode: 0, signal: undefined },
    ];
    expect(judgeStages(stages, '')).toEqual({ failed: false, exitCode: 0, noMatch: false });
  });
});

describe('findExceededLimit', () => {
  const MiB = 1024 * 1024;
  const wrapped = (kind: 'aws' | 'filter', values: object): SandboxedCommand => ({
    file: 'bwrap',
    args: [],
    cwd: '/',
    limits: { kind, values },
  });
  const commands = [
    wrapped('aws', { addressSpaceBytes: 4096 * MiB, processes: 512 }),
    wrapped('filter', { addressSpaceBytes: 512 * MiB, processes: 64, cpuSeconds: 600 }),
  ];
  it.each([
    [
      'the memory limit of a filter whose allocation failed',
      ['aws:0', 'gawk:2'],
      { stderr: '', filterStderr: 'gawk: cmd. line:1: fatal: cannot allocate memory\n' },
      {
        stage: 'gawk',
        kind: 'filter',
        limit: 'memory',
        value: 512 * MiB,
        message:
          "gawk was stopped by the sandbox's memory limit (512 MiB): work on less data at once (a --query, " +
          '--max-items, a narrower filter), or raise limits.filter.addressSpaceBytes.',
      },
    ],
    [
      'the CPU limit of a filter bubblewrap reported as exit 152',
      ['aws:0', 'jq:SIGXCPU'],
      { stderr: '', filterStderr: '' },
      { stage: 'jq', limit: 'cpu time', value: 600 },
    ],
    [
      'the memory limit of the aws stage (MemoryError)',
      ['aws:255'],
      { stderr: 'Traceback …\nMemoryError\n', filterStderr: '' },
      { stage: 'aws', limit: 'memory', message: expect.stringContaining('limits.aws.addressSpaceBytes') },
    ],
    [
      'the filter that decided, not the aws stage cut off by it',
      ['aws:SIGPIPE', 'jq:5'],
      { stderr: 'Cannot allocate memory', filterStderr: 'jq: error: cannot allocate memory\n' },
      { stage: 'jq', limit: 'memory' },
    ],
    [
      "another filter's message, not taken for this one's",
      ['aws:0', 'jq:5', 'sort:0'],
      { stderr: '', filterStderr: 'sort: Cannot allocate memory\njq: error: syntax error\n' },
      undefined,
    ],
    ['a failure that is no limit', ['aws:255'], { stderr: 'AccessDenied', filterStderr: '' }, undefined],
    [
      'a success, whatever it printed',
      ['aws:0'],
      { stderr: 'Cannot allocate memory', filterStderr: '' },
      undefined,
    ],
  ])('finds %s', (_, specs, streams, expected) => {
    const stages = specs.map(stage);
    const judgement = judgeStages(stages, streams.stderr);
    const found = findExceededLimit({ stages, commands, judgement, ...streams });
    if (expected === undefined) expect(found).toBeUndefined();
    else expect(found).toMatchObject(expected);
  });

  it('finds nothing for a stage that ran under no limits (no sandbox)', () => {
    const stages = ['aws:0', 'jq:5'].map(stage);
    const plain: SandboxedCommand = { file: 'jq', args: [], cwd: '/' };
    expect(
      findExceededLimit({
        stages,
        commands: [plain, plain],
        judgement: judgeStages(stages, ''),
        stderr: '',
        filterStderr: 'jq: error: cannot allocate memory\n',
      }),
    ).toBeUndefined();
  });
});

describe('finalizeResult', () => {
  it.each([
    ['a success, reject: true', result({ status: 'success', exitCode: 0 }), true, undefined],
    ['a failure, reject: false', result({}), false, undefined],
    ['a failure, reject unset', result({}), undefined, undefined],
    ['a failure, reject: true', result({}), true, 'COMMAND_FAILED'],
    ['a timeout, reject: true', result({ status: 'timeout' }), true, 'TIMED_OUT'],
  ])('with %s throws %s', (_, given, reject, code) => {
    if (code === undefined) expect(finalizeResult(given, reject)).toBe(given);
    else expect(() => finalizeResult(given, reject)).toThrow(expect.objectContaining({ code }));
  });
});

describe('buildSpawnError', () => {
  it.each([
    [
      "execa's failed result",
      {
        shortMessage: 'Command failed with ENOENT: /usr/bin/jq .',
        command: '/usr/bin/jq .',
        exitCode: undefined,
      },
      'The pipeline could not be started: Command failed with ENOENT: /usr/bin/jq .',
      '/usr/bin/jq',
    ],
    ['an Error', new Error('spawn EACCES'), 'The pipeline could not be started: spawn EACCES', undefined],
    ['anything else', 'boom', 'The pipeline could not be started: boom', undefined],
  ])('describes %s', (_, error, message, program) => {
    const built = buildSpawnError({ error, durationMs: 12, awsArgv: ['aws', 's3', 'ls'] });
    expect(built).toMatchObject({
      code: 'SPAWN_FAILED',
      message,
      program,
      durationMs: 12,
      argv: ['aws', 's3', 'ls'],
    });
    expect(built.cause).toBe(error);
  });
});

describe('buildUnstartedResult', () => {
  it.each([
    [true, 'timeout'],
    [false, 'canceled'],
  ] as const)(
    'with timedOut: %s reports %s, no stage started and the whole time queued',
    (timedOut, status) => {
      const built = buildUnstartedResult({
        timedOut,
        stageNames: ['aws', 'jq'],
        durationMs: 300,
        awsArgv: ['aws', 's3', 'ls'],
        sandbox: 'bubblewrap',
      });
      expect(built).toEqual({
        status,
        exitCode: 1,
        output: '',
        truncated: false,
        totalChars: 0,
        stderr: '',
        filterStderr: '',
        stages: [
          { name: 'aws', exitCode: undefined, signal: undefined },
          { name: 'jq', exitCode: undefined, signal: undefined },
        ],
        noMatch: false,
        durationMs: 300,
        awsArgv: ['aws', 's3', 'ls'],
        sandbox: 'bubblewrap',
        maskedSecrets: 0,
        secrets: { masked: 0, members: [] },
        queuedMs: 300,
      });
    },
  );
});
