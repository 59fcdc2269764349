import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AwsSetup } from './read-aws-setup.js';
import { type AwsSetupWatcher, watchAwsSetup } from './watch-aws-setup.js';

let home: string;
let watcher: AwsSetupWatcher | undefined;
let changes: AwsSetup[];
let waiting: Array<() => void>;

/** Resolves with the next setup reported after `count` changes in total, or fails after a bounded wait. */
function changeNumber(count: number): Promise<AwsSetup> {
  return new Promise((resolve, reject) => {
    const timeout = setTimeout(() => reject(new Error(`no change #${count} within 10 s`)), 10_000);
    const check = () => {
      const setup = changes[count - 1];
      if (setup === undefined) return false;
      clearTimeout(timeout);
      resolve(setup);
      return true;
    };
    if (!check()) waiting.push(() => void check());
  });
}

function start(): AwsSetupWatcher {
  watcher = watchAwsSetup({
    env: {},
    homeDir: home,
    debounceMs: 20,
    pollIntervalMs: 50,
    onChange: (setup) => {
      changes.push(setup);
      for (const wake of waiting.splice(0)) wake();
    },
  });
  return watcher;
}

const regionOf = (setup: AwsSetup, profile = 'default') =>
  setup.profiles.find((item) => item.name === profile)?.region;

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'aws-config-watch-'));
  changes = [];
  waiting = [];
});
afterEach(async () => {
  watcher?.close();
  watcher = undefined;
  await rm(home, { recursive: true, force: true });
});

describe('watchAwsSetup', () => {
  it('reports in-place edits, editor-style replacements and a new credentials file', async () => {
    await mkdir(join(home, '.aws'));
    const config = join(home, '.aws', 'config');
    await writeFile(config, '[default]\nregion = eu-west-1\n');
    const initial = await start().ready;
    expect(regionOf(initial)).toBe('eu-west-1');

    await writeFile(config, '[default]\nregion = eu-west-2\n');
    expect(regionOf(await changeNumber(1))).toBe('eu-west-2');

    await writeFile(`${config}.tmp`, '[default]\nregion = eu-west-3\n');
    await rename(`${config}.tmp`, config);
    expect(regionOf(await changeNumber(2))).toBe('eu-west-3');

    await writeFile(join(home, '.aws', 'credentials'), '[ci]\naws_access_key_id = AKIAWATCH\n');
    const third = await changeNumber(3);
    expect(third.profiles.map((profile) => profile.name)).toEqual(['ci', 'default']);
    expect(third.files.credentials.exists).toBe(true);
  });

  it('notices files in a ~/.aws folder that did not exist when watching started', async () => {
    const initial = await start().ready;
    expect(initial.profiles).toEqual([]);
    await mkdir(join(home, '.aws'));
    await writeFile(join(home, '.aws', 'config'), '[profile late]\nregion = sa-east-1\n');
    expect(regionOf(await changeNumber(1), 'late')).toBe('sa-east-1');
  });

  it('does not report an edit that leaves the setup the same', async () => {
    await mkdir(join(home, '.aws'));
    const config = join(home, '.aws', 'config');
    await writeFile(config, '[default]\nregion = eu-west-1\n');
    await start().ready;
    await writeFile(config, '# a comment\n[default]\nregion = eu-west-1\n');
    // Longer than the debounce and poll interval, so the comment-only edit is read on its own.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await writeFile(config, '# a comment\n[default]\nregion = us-west-2\n');
    const setup = await changeNumber(1);
    expect(regionOf(setup)).toBe('us-west-2');
    expect(changes).toHaveLength(1);
  });

  it('stops reporting after close()', async () => {
    await mkdir(join(home, '.aws'));
    const config = join(home, '.aws', 'config');
    await writeFile(config, '[default]\nregion = eu-west-1\n');
    const current = start();
    await current.ready;
    current.close();
    await writeFile(config, '[default]\nregion = eu-west-2\n');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(changes).toEqual([]);
  });
});
