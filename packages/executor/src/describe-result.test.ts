import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readAwsSetup } from '@aws-mcp/aws-config';
import { parseCommandLine } from '@aws-mcp/command';
import { useTempDir } from '@aws-mcp/test-support';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  describeOutfiles,
  describeResultSecrets,
  describeRunResult,
  describeSecretsNote,
  readCliMessage,
} from './describe-result.js';
import { hintForResult } from './failure-hints.js';
import { type PipelineResult, runPipeline } from './run-pipeline.js';

// Results of real runs of the installed CLI (no network: a broken config file, `configure get|list|set`), and the
// fields a real run cannot reach cheaply (a dry run, a stage limit) set on such a result.
const home = useTempDir('describe-result-');
let env: Record<string, string>;
let workdir: string;

function run(line: string, extra: { env?: Record<string, string>; timeoutMs?: number } = {}) {
  return runPipeline(parseCommandLine(line, { workdir }), {
    cwd: workdir,
    env: extra.env ?? env,
    timeoutMs: extra.timeoutMs ?? 60_000,
  });
}

beforeAll(async () => {
  // The working directory may not be the home folder (the executor refuses that), so it is a folder inside it.
  workdir = join(home.path, 'work');
  await mkdir(workdir);
  await writeFile(join(home.path, 'config'), '[default]\nregion = eu-west-1\n');
  await writeFile(join(home.path, 'credentials'), '');
  env = {
    PATH: process.env.PATH ?? '',
    HOME: home.path,
    LANG: 'C.UTF-8',
    AWS_CONFIG_FILE: join(home.path, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home.path, 'credentials'),
  };
});

describe('describeRunResult', { timeout: 120_000 }, () => {
  it('shows a v1 traceback by the CLI’s own last line, then explains the broken file', async () => {
    const broken = join(home.path, 'broken-config');
    await writeFile(broken, '[default\nregion = x\n');
    const brokenEnv = { ...env, AWS_CONFIG_FILE: broken };
    const result = await run('aws sts get-caller-identity', { env: brokenEnv });
    expect(result.status).toBe('error');
    const setup = await readAwsSetup({ env: brokenEnv });
    const lines = describeRunResult(result, { setup }).split('\n');
    expect(lines[0]).toBe(`The command failed (aws exited ${result.exitCode}).`);
    expect(lines[1]).toBe(`Unable to parse config file: ${broken}`);
    expect(lines[2]).toMatch(new RegExp(`${broken}`));
    expect(lines).toHaveLength(3);
  });

  it('names the filter that failed, with its stderr and the next step, and the output before it', async () => {
    const result = await run('aws configure list | jq .');
    expect(result).toMatchObject({ status: 'error', failedStage: 'jq' });
    const nextStep = hintForResult({ pipeline: parseCommandLine('aws configure list | jq .'), result });
    expect(nextStep).toMatch(/^jq was given the profile’s default output format/);
    expect(describeRunResult(result, { nextStep })).toBe(
      [`The command failed (jq exited ${result.exitCode}).`, result.filterStderr.trim(), nextStep].join('\n'),
    );
  });

  it.each([
    ['the output, then the next step', 'aws configure get region', 'cut here', 'eu-west-1\n\n\ncut here'],
    ['the output alone', 'aws configure get region', undefined, 'eu-west-1\n'],
    [
      'that no line matched the filter',
      'aws configure get region | grep nothing',
      undefined,
      '(no lines matched the filter)',
    ],
    [
      'that the command printed nothing',
      'aws configure set region eu-west-1',
      undefined,
      '(the command succeeded with no output)',
    ],
  ])('says for a success %s', async (_what, line, nextStep, text) => {
    const result = await run(line);
    expect(result.status).toBe('success');
    expect(describeRunResult(result, { nextStep })).toBe(text);
  });

  it('says a timeout with its time', async () => {
    const result = await run('aws configure get region', { timeoutMs: 1 });
    expect(result.status).toBe('timeout');
    expect(describeRunResult(result)).toBe(
      `The command was stopped at the time limit after ${result.durationMs} ms.`,
    );
  });

  it('says a dry run that would have succeeded, and no output', async () => {
    const result = await run('aws configure get region');
    expect(describeRunResult({ ...result, dryRunSucceeded: true })).toBe(
      'Dry run: the request would have succeeded (DryRunOperation); nothing was changed. Run it without `--dry-run` to do it.',
    );
  });

  it('names the stage limit by the caller’s setting, or by the run option', async () => {
    const ran = await run('aws configure get region');
    const result: PipelineResult = {
      ...ran,
      status: 'error',
      exitCode: 137,
      failedStage: 'jq',
      filterStderr: '',
      output: '',
      exceededLimit: {
        stage: 'jq',
        kind: 'filter',
        limit: 'cpu time',
        option: 'cpuSeconds',
        value: 30,
        message: 'jq was stopped by the sandbox’s CPU limit (30 s); raise limits.filter.cpuSeconds.',
      },
    };
    expect(describeRunResult(result)).toBe(
      'The command failed (jq exited 137).\njq was stopped by the sandbox’s CPU limit (30 s); raise limits.filter.cpuSeconds.',
    );
    expect(
      describeRunResult(result, {
        names: { stageLimitSetting: (kind, option) => `SETTING=${kind}.${option}` },
      }),
    ).toBe(
      'The command failed (jq exited 137).\njq was stopped by the sandbox’s CPU limit (30 s); raise SETTING=filter.cpuSeconds.',
    );
  });
});

describe('readCliMessage', () => {
  it.each([
    [
      'plain stderr, trimmed',
      '\n  An error occurred (X) when calling Y: no\n',
      'An error occurred (X) when calling Y: no',
    ],
    [
      'a traceback, by its last line without the exception class',
      'Traceback (most recent call last):\n  File "x", line 1\nbotocore.exceptions.ConfigParseError: Unable to parse config file: /a',
      'Unable to parse config file: /a',
    ],
    [
      'a traceback whose last line names no class',
      'Traceback (most recent call last):\n  File "x"\nKilled',
      'Killed',
    ],
  ])('%s', (_what, stderr, message) => {
    expect(readCliMessage(stderr)).toBe(message);
  });
});

describe('describeOutfiles', () => {
  it.each([
    [undefined, undefined],
    [[], undefined],
    [[{ name: 'a.json', bytes: 3, content: '{}\n' }], 'a.json (3 bytes):\n{}\n'],
    [[{ name: 'a.json', bytes: 9000, content: 'x', truncated: true }], 'a.json (9000 bytes, cut):\nx'],
    [
      [
        { name: 'b.bin', bytes: 4, note: 'binary, not returned' },
        { name: 'c.bin', bytes: 5 },
      ],
      'b.bin (4 bytes): binary, not returned\n\nc.bin (5 bytes): not returned',
    ],
  ])('%j → %j', (outfiles, text) => {
    expect(describeOutfiles(outfiles)).toBe(text);
  });
});

describe('describeResultSecrets and describeSecretsNote', () => {
  const secretsOf = (secrets: PipelineResult['secrets']) => ({ secrets }) as PipelineResult;
  const folder = '/home/u/.aws-mcp/secrets';

  it.each([
    [
      'saved, with values masked above',
      { masked: 2, members: ['A.Key'], saved: { path: `${folder}/k.json`, bytes: 40 } },
      { saveTo: `${folder}/k.json` },
      true,
      { handling: 'saved', masked: 2, members: ['A.Key'], saved: { name: 'k.json', bytes: 40 } },
      `The whole output, secrets unmasked, was saved as \`k.json\` (40 bytes) in the secrets folder ${folder}, which only the user opens; no command can read it. Above, 2 secret values were masked as [MASKED].`,
    ],
    [
      'saved, nothing masked',
      { masked: 0, members: ['*'], saved: { path: `${folder}/p.txt`, bytes: 1 } },
      { saveTo: `${folder}/p.txt` },
      true,
      { handling: 'saved', masked: 0, members: ['*'], saved: { name: 'p.txt', bytes: 1 } },
      `The whole output, secrets unmasked, was saved as \`p.txt\` (1 bytes) in the secrets folder ${folder}, which only the user opens; no command can read it.`,
    ],
    [
      'masked, someone can be asked',
      { masked: 1, members: ['A.Key'] },
      'mask',
      true,
      { handling: 'masked', masked: 1, members: ['A.Key'] },
      '1 secret value was masked as [MASKED] (A.Key). To get them, run it again with `secrets: { saveTo: PATH }`: the unmasked output goes to a file only the user opens.',
    ],
    [
      'masked, the whole output, nobody can be asked',
      { masked: 3, members: ['*'] },
      'mask',
      false,
      { handling: 'masked', masked: 3, members: ['*'] },
      '3 secret values were masked as [MASKED] (the whole output). To get them, run it again with `secrets: { saveTo: PATH }`: the unmasked output goes to a file only the user opens. A `confirm` that asks the person lets them answer `show`; a policy with `"secrets": "show"` answers it for them.',
    ],
    [
      'masked by the backstop, no members',
      { masked: 1, members: [] },
      'mask',
      true,
      { handling: 'masked', masked: 1, members: [] },
      '1 secret value was masked as [MASKED]. To get them, run it again with `secrets: { saveTo: PATH }`: the unmasked output goes to a file only the user opens.',
    ],
    [
      'shown: no note',
      { masked: 0, members: ['A.Key'] },
      'show',
      true,
      { handling: 'shown', masked: 0, members: ['A.Key'] },
      undefined,
    ],
    [
      'nothing masked: no note',
      { masked: 0, members: [] },
      'mask',
      true,
      { handling: 'masked', masked: 0, members: [] },
      undefined,
    ],
  ] as const)('%s', (_what, secrets, handling, canAsk, field, note) => {
    const described = describeResultSecrets(
      secretsOf(secrets as unknown as PipelineResult['secrets']),
      handling,
    );
    expect(described).toEqual(field);
    expect(describeSecretsNote(described, { folder, canAsk })).toBe(note);
  });

  it('says the caller’s own way to save and to show', () => {
    const names = { saveAgain: 'call again with `save: NAME`', showAnswer: 'Answer `show` next time.' };
    expect(
      describeSecretsNote(
        { handling: 'masked', masked: 1, members: ['K'] },
        { folder, canAsk: false, names },
      ),
    ).toBe(
      '1 secret value was masked as [MASKED] (K). To get them, call again with `save: NAME`: the unmasked output goes to a file only the user opens. Answer `show` next time.',
    );
  });
});
