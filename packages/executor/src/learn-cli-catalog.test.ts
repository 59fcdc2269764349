import { existsSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadSnapshotCatalog } from '@aws-mcp/command';
import { createTempDir } from '@aws-mcp/test-support';
import { describe, expect, it } from 'vitest';
import { watchAwsCli } from './aws-cli-watch.js';
import { checkAwsCli } from './check-aws-cli.js';
import { cliCatalogCacheDirectory, learnCliCatalog } from './learn-cli-catalog.js';

const debianCli = '/usr/bin/aws';

/** A learner on the real CLI at `cli`, once the watch found it, with what it reported. */
async function learnOn(cli: string, cacheDirectory: string) {
  const env = { PATH: process.env.PATH, HOME: '/nonexistent-catalog-home' };
  const awsCli = watchAwsCli({ check: () => checkAwsCli({ env, awsCli: cli }) });
  const reported: string[] = [];
  const learner = learnCliCatalog({
    awsCli,
    env,
    cacheDirectory,
    report: (message, level) => reported.push(`${level}: ${message}`),
  });
  expect(learner.current(), 'the snapshot until the CLI is known').toBe(loadSnapshotCatalog());
  await awsCli.available;
  return { learner, reported };
}

async function waitForVersion(learner: { current(): { version: string } }, version: string) {
  for (let tries = 0; learner.current().version !== version && tries < 600; tries++) await sleep(100);
}

describe('learnCliCatalog', { timeout: 120_000 }, () => {
  it.skipIf(!existsSync(debianCli))(
    'builds the catalog of a CLI of another version from its own models, caches it, and a later learner reads it',
    async () => {
      const cache = await createTempDir('learn-cli-catalog-');
      const first = await learnOn(debianCli, cache);
      await waitForVersion(first.learner, '2.9.19');
      expect(first.learner.current().version).toBe('2.9.19');
      expect((await readdir(cache)).sort()).toEqual(['catalog-2.9.19.json', 'descriptions-2.9.19.json']);
      expect(first.reported).toEqual([]);

      const second = await learnOn(debianCli, cache);
      await waitForVersion(second.learner, '2.9.19');
      expect(second.learner.current().version).toBe('2.9.19');
    },
  );

  it.skipIf(!existsSync(debianCli))(
    'writes nothing into the cache once closed, while it was building the catalog',
    async () => {
      const cache = await createTempDir('learn-cli-catalog-');
      const { learner, reported } = await learnOn(debianCli, cache);
      // The build reads a model per turn of the event loop: it has started, and is far from done.
      await sleep(50);
      await learner.close();
      await sleep(3000);
      expect(await readdir(cache)).toEqual([]);
      expect(learner.current()).toBe(loadSnapshotCatalog());
      expect(reported).toEqual([]);
    },
  );

  it.skipIf(!existsSync(debianCli))(
    'keeps the snapshot and says why when the catalog cannot be cached',
    async () => {
      const folder = await createTempDir('learn-cli-catalog-');
      const notAFolder = join(folder, 'file');
      await writeFile(notAFolder, '');
      const { learner, reported } = await learnOn(debianCli, notAFolder);
      for (let tries = 0; reported.length === 0 && tries < 600; tries++) await sleep(100);
      expect(reported).toEqual([
        expect.stringMatching(
          /^warning: could not read the installed CLI's models, using the built-in catalog: Error: EEXIST: file already exists, mkdir /,
        ),
      ]);
      expect(learner.current()).toBe(loadSnapshotCatalog());
    },
  );

  it('keeps the snapshot for a CLI whose models are not found', async () => {
    const folder = await createTempDir('learn-cli-catalog-');
    const cli = join(folder, 'aws');
    await writeFile(cli, "#!/bin/sh\necho 'aws-cli/9.9.9 Python/3.11.7 Linux/6.1'\n", { mode: 0o755 });
    const { learner, reported } = await learnOn(cli, join(folder, 'cache'));
    await sleep(200);
    expect(learner.current()).toBe(loadSnapshotCatalog());
    expect(reported).toEqual([]);
    expect(existsSync(join(folder, 'cache'))).toBe(false);
  });
});

describe('cliCatalogCacheDirectory', () => {
  it.each([
    [{ XDG_CACHE_HOME: '/x/cache', HOME: '/home/me' }, '/x/cache/aws-mcp/catalog'],
    [{ XDG_CACHE_HOME: '', HOME: '/home/me' }, '/home/me/.cache/aws-mcp/catalog'],
  ])('with %j is %s', (env, expected) => {
    expect(cliCatalogCacheDirectory(env)).toBe(expected);
  });
});
