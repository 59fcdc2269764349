import { execFileSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type CliModel,
  cliModelCacheName,
  loadSnapshotCliModel,
  readPythonFromShebang,
} from '@aws-mcp/command';
import { createTempDir } from '@aws-mcp/test-support';
import { describe, expect, it } from 'vitest';
import { watchAwsCli } from './aws-cli-watch.js';
import { checkAwsCli } from './check-aws-cli.js';
import { checkModelCacheApart, cliModelCacheDirectory, learnCliModel } from './learn-cli-model.js';

// The pip CLI's own script (not the pyenv shim): the committed v1 model is of it, and its Python can run the generator.
const pipCli = execFileSync('pyenv', ['which', 'aws'], { encoding: 'utf8' }).trim();
const pipPython = readPythonFromShebang(realpathSync(pipCli)) as string;
const snapshotFolder = join(
  dirname(createRequire(import.meta.url).resolve('@aws-mcp/command/package.json')),
  'cli-model',
  'v1',
);

/** A learner on the real CLI at `cli`, with what it reported; its cache a fresh folder unless given. */
async function learnOn(cli: string, cacheDirectory?: string) {
  const cache = cacheDirectory ?? (await createTempDir('learn-cli-model-cache-'));
  const env = { PATH: process.env.PATH, HOME: '/nonexistent-learn-home' };
  const reported: string[] = [];
  const learner = learnCliModel({
    awsCli: watchAwsCli({ check: () => checkAwsCli({ env, awsCli: cli }), retryAfterMs: 60_000 }),
    env,
    cacheDirectory: cache,
    report: (message, level) => reported.push(`${level}: ${message}`),
  });
  return { learner, reported, cache };
}

/** `folder/aws`, a real script that answers `--version` as the CLI `versionLine` would, written in `language`. */
async function writeVersionCli(folder: string, versionLine: string, language: 'sh' | 'python') {
  const file = join(folder, 'aws');
  const text =
    language === 'sh'
      ? `#!/bin/sh\necho '${versionLine}'\n`
      : `#!${pipPython}\nprint(${JSON.stringify(versionLine)})\n`;
  await writeFile(file, text, { mode: 0o755 });
  return file;
}

const refusalOf = (learner: { current(): Promise<CliModel> }) =>
  learner.current().then(
    () => undefined,
    (error: unknown) => error as { code?: string; message: string },
  );

describe('learnCliModel', { timeout: 300_000 }, () => {
  it('reads commands with the committed snapshot when the CLI and its Python are the snapshot’s', async () => {
    const { learner, reported } = await learnOn(pipCli);
    expect(await learner.current()).toBe(loadSnapshotCliModel(1));
    expect(reported).toEqual([]);
  });

  it('reads a model learned earlier from the cache for another Python', async () => {
    const folder = await createTempDir('learn-cli-model-');
    const cli = await writeVersionCli(
      folder,
      'aws-cli/1.45.11 Python/3.99.0 Linux/6.1 botocore/1.43.11',
      'sh',
    );
    const cache = await createTempDir('learn-cli-model-cache-');
    const cached = join(cache, cliModelCacheName({ cliVersion: '1.45.11', pythonVersion: '3.99.0' }));
    await cp(snapshotFolder, cached, { recursive: true });
    const index = JSON.parse(await readFile(join(cached, 'index.json'), 'utf8'));
    await writeFile(join(cached, 'index.json'), JSON.stringify({ ...index, pythonVersion: '3.99.0' }));
    const { learner } = await learnOn(cli, cache);
    const model = await learner.current();
    expect(model).not.toBe(loadSnapshotCliModel(1));
    expect(model.index).toMatchObject({ cliVersion: '1.45.11', pythonVersion: '3.99.0' });
  });

  it('refuses, saying why, for a CLI of another version that is no Python script', async () => {
    const folder = await createTempDir('learn-cli-model-');
    const cli = await writeVersionCli(folder, 'aws-cli/1.99.0 Python/3.11.7 Linux/6.1 botocore/1.99.0', 'sh');
    const { learner, reported } = await learnOn(cli);
    const expected =
      `the AWS CLI at ${cli} (1.99.0) is not a Python install this program can read its argument tables from, ` +
      'and the committed models are of CLI 1.45.11; install the CLI with pip or your package manager, or run ' +
      'this program with that version';
    expect(await refusalOf(learner)).toMatchObject({
      code: 'CLI_MODEL_UNAVAILABLE',
      message: `Not run: ${expected}.`,
    });
    expect(reported).toEqual([`warning: ${expected}`]);
  });

  it('learns the model of a CLI of another version with the CLI’s own Python, refusing until it is learned', async () => {
    const folder = await createTempDir('learn-cli-model-');
    const cli = await writeVersionCli(
      folder,
      'aws-cli/1.99.0 Python/3.11.7 Linux/6.1 botocore/1.99.0',
      'python',
    );
    const { learner, reported, cache } = await learnOn(cli);
    expect(await refusalOf(learner)).toMatchObject({
      code: 'CLI_MODEL_UNAVAILABLE',
      message:
        'Not run: learning the installed AWS CLI 1.99.0 (about a minute, once per version); try again in a few seconds.',
    });
    let model: CliModel | undefined;
    for (let tries = 0; model === undefined && tries < 2400; tries++) {
      model = await learner.current().catch(() => undefined);
      if (model === undefined) await sleep(100);
    }
    // The generator asks the Python's own awscli, which is the pip CLI's.
    expect(model?.index).toMatchObject({ cliVersion: '1.45.11', pythonVersion: '3.11.7' });
    expect(reported).toEqual([
      `info: learning the argument tables of AWS CLI 1.99.0 with ${pipPython}`,
      `info: learned AWS CLI 1.99.0 into ${join(cache, cliModelCacheName({ cliVersion: '1.45.11', pythonVersion: '3.11.7' }))}`,
    ]);
  });

  it('refuses with the CLI check’s own message while there is no CLI', async () => {
    const { learner } = await learnOn('/nonexistent-learn-cli/aws');
    const refusal = await refusalOf(learner);
    expect(refusal?.code).toBe('CLI_MODEL_UNAVAILABLE');
    expect(refusal?.message).toMatch(
      /^Not run: The AWS CLI was not found at \/nonexistent-learn-cli\/aws \(the `awsCli` option\): .* The watch checks again at the next call from 60 s/,
    );
  });
});

describe('cliModelCacheDirectory', () => {
  it.each([
    [{ XDG_CACHE_HOME: '/x/cache', HOME: '/home/me' }, '/x/cache/aws-mcp-cli-model'],
    [{ XDG_CACHE_HOME: '', HOME: '/home/me' }, '/home/me/.cache/aws-mcp-cli-model'],
    [{ HOME: '/home/me' }, '/home/me/.cache/aws-mcp-cli-model'],
  ])('with %j is %s', (env, expected) => {
    expect(cliModelCacheDirectory(env)).toBe(expected);
  });
});

describe('checkModelCacheApart', () => {
  const cacheDirectory = '/home/me/.cache/aws-mcp-cli-model';
  it.each([
    ['the cache itself', cacheDirectory, true],
    ['inside the cache', `${cacheDirectory}/work`, true],
    ['a parent of the cache', '/home/me/.cache', true],
    ['in a folder beside the cache', '/home/me/.cache/aws-mcp/work', false],
    ['beside the cache (a sibling folder)', '/home/me/.cache/aws-mcp-cli-model-work', true],
    ['a folder with the cache’s name as a prefix, elsewhere', '/home/me/work/aws-mcp-cli-model2', false],
    ['the default working directory', '/home/me/.cache/aws-mcp/workdir', false],
  ])('for a working directory that is %s (%s) refuses: %s', (_, workdir, refused) => {
    const check = () => checkModelCacheApart({ workdir, cacheDirectory });
    if (!refused) {
      expect(check).not.toThrow();
      return;
    }
    expect(check).toThrow(
      expect.objectContaining({
        code: 'UNSAFE_WORKDIR',
        reason: `The working directory ${workdir} is the CLI model cache ${cacheDirectory}, holds it, lies in it or beside it`,
        message: expect.stringMatching(
          /; commands could rewrite the tables they are judged by\. Choose a working directory elsewhere \(`workdir`\)\.$/,
        ),
      }),
    );
  });

  it('names the caller’s setting for the working directory', () => {
    expect(() =>
      checkModelCacheApart({ workdir: cacheDirectory, cacheDirectory, workdirSetting: '--workdir' }),
    ).toThrow(/Choose a working directory elsewhere \(--workdir\)\.$/);
  });
});
