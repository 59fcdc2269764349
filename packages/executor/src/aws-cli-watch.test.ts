import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTempDir } from '@aws-mcp/test-support';
import { describe, expect, it } from 'vitest';
import { watchAwsCli } from './aws-cli-watch.js';
import { type AwsCliStatus, checkAwsCli } from './check-aws-cli.js';

/**
 * `folder/aws`, a real script: it notes each start in `folder/runs`, then hangs while `folder/hang` exists, fails
 * while `folder/broken` exists, and else answers `--version` as CLI 1.45.11 does.
 */
async function writeCountingCli(folder: string): Promise<{ cli: string; starts(): Promise<number> }> {
  const cli = join(folder, 'aws');
  await writeFile(
    cli,
    `#!/bin/sh\necho start >> '${folder}/runs'\n` +
      `if [ -e '${folder}/hang' ]; then exec sleep 60; fi\n` +
      `if [ -e '${folder}/broken' ]; then echo 'ImportError: no module awscli' >&2; exit 1; fi\n` +
      'echo "aws-cli/1.45.11 Python/3.11.7 Linux/6.1 botocore/1.43.11"\n',
    { mode: 0o755 },
  );
  return {
    cli,
    starts: async () =>
      (await readFile(join(folder, 'runs'), 'utf8').catch(() => '')).split('\n').filter(Boolean).length,
  };
}

const checkOf =
  (cli: string, timeoutMs = 20_000): (() => Promise<AwsCliStatus>) =>
  () =>
    checkAwsCli({ env: { PATH: process.env.PATH }, awsCli: cli, timeoutMs });

describe('watchAwsCli', { timeout: 60_000 }, () => {
  it.each([
    ['now', 1],
    ['first-read', 0],
  ] as const)('with firstCheck %s, has started %i CLI before the first read', async (firstCheck, before) => {
    const folder = await createTempDir('aws-cli-watch-');
    const { cli, starts } = await writeCountingCli(folder);
    const watch = watchAwsCli({ check: checkOf(cli), retryAfterMs: 0, firstCheck });
    await sleep(500);
    expect(await starts()).toBe(before);
    expect(await watch.current()).toMatchObject({ available: true, version: '1.45.11' });
    expect(await starts()).toBe(1);
  });

  it('keeps a success: later reads start no CLI, and `available` settles with it', async () => {
    const folder = await createTempDir('aws-cli-watch-');
    const { cli, starts } = await writeCountingCli(folder);
    const watch = watchAwsCli({ check: checkOf(cli), retryAfterMs: 0 });
    const statuses = [await watch.current(), await watch.current(), await watch.current()];
    expect(statuses.map((status) => status.available)).toEqual([true, true, true]);
    expect(await watch.available).toMatchObject({ available: true, path: cli, version: '1.45.11' });
    expect(await starts()).toBe(1);
  });

  it('answers a failure with the last check until `retryAfterMs` passed, then checks again and keeps the success', async () => {
    const folder = await createTempDir('aws-cli-watch-');
    const { cli, starts } = await writeCountingCli(folder);
    await writeFile(join(folder, 'broken'), '');
    const watch = watchAwsCli({ check: checkOf(cli), retryAfterMs: 1500 });
    const failed = await watch.current();
    expect(failed).toMatchObject({ available: false, path: cli });
    expect(failed.available ? '' : failed.message).toMatch(
      /^The AWS CLI at \S+ did not start \(`aws --version` exited 1\); it said:\nImportError: no module awscli\n/,
    );
    expect(failed.available ? '' : failed.message).toMatch(
      / The watch checks again at the next call from 1\.5 s after this check, so a CLI installed or repaired meanwhile is found without a restart \(a changed `awsCli` takes one\)\.$/,
    );
    expect((await watch.current()).available).toBe(false);
    expect(await starts()).toBe(1);

    await rm(join(folder, 'broken'));
    expect((await watch.current()).available, 'still within the throttle').toBe(false);
    await sleep(1700);
    expect(await watch.current()).toMatchObject({ available: true, version: '1.45.11' });
    expect(await watch.available).toMatchObject({ available: true });
    await sleep(1700);
    await watch.current();
    expect(await starts()).toBe(2);
  });

  it('shares one check among reads at once, a hanging `--version` included', async () => {
    const folder = await createTempDir('aws-cli-watch-');
    const { cli, starts } = await writeCountingCli(folder);
    await writeFile(join(folder, 'hang'), '');
    const watch = watchAwsCli({ check: checkOf(cli, 1500), retryAfterMs: 500 });
    const first = await Promise.all([watch.current(), watch.current(), watch.current()]);
    for (const status of first)
      expect(status.available ? '' : status.message).toContain('did not answer `aws --version` within 1.5 s');
    expect(await starts()).toBe(1);

    await rm(join(folder, 'hang'));
    await sleep(700);
    const again = await Promise.all([watch.current(), watch.current()]);
    expect(again.map((status) => status.available)).toEqual([true, true]);
    expect(await starts()).toBe(2);
  });

  it('says a failure in the caller’s words, and a check that rejects as one that could not be made', async () => {
    const watch = watchAwsCli({
      check: () => Promise.reject(new Error('EMFILE: too many open files')),
      retryAfterMs: 10_000,
      names: { checker: 'The tool', awsCliSetting: '--aws-cli' },
    });
    const status = await watch.current();
    expect(status).toEqual({
      available: false,
      path: undefined,
      message:
        'The AWS CLI could not be checked (EMFILE: too many open files). The tool checks again at the next call ' +
        'from 10 s after this check, so a CLI installed or repaired meanwhile is found without a restart (a ' +
        'changed --aws-cli takes one).',
    });
  });
});
