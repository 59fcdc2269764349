import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildCatalogFromBotocore,
  buildCatalogFromBotocoreAsync,
  loadCatalogForCli,
  loadCatalogForCliAsync,
} from './catalog.js';

// The installed CLI's botocore models (pip v1 layout), as scripts/generate-catalog.mjs finds them.
function findBotocoreData(): string | undefined {
  try {
    return execFileSync(
      'python3',
      ['-c', 'import botocore, os; print(os.path.join(os.path.dirname(botocore.__file__), "data"))'],
      { encoding: 'utf8' },
    ).trim();
  } catch {
    return undefined;
  }
}

const botocoreData = findBotocoreData();
const modelDirectory = botocoreData === undefined ? undefined : join(botocoreData, 'sqs');

/** A botocore data directory of `count` services, each a copy of the real sqs model. */
function makeDataDirectory(root: string, count: number): string {
  const directory = join(root, `data-${count}`);
  const version = readdirSync(modelDirectory as string).find((entry) => /^\d{4}-\d{2}-\d{2}$/.test(entry));
  const source = join(modelDirectory as string, version as string);
  const model = readdirSync(source).find((name) => name.startsWith('service-2.json')) as string;
  for (let index = 0; index < count; index++) {
    const target = join(directory, `svc${String(index).padStart(4, '0')}`, version as string);
    mkdirSync(target, { recursive: true });
    copyFileSync(join(source, model), join(target, model));
  }
  return directory;
}

/** How long the build ran, the longest the event loop was held meanwhile, and how many turns it took. */
async function measure(
  build: () => unknown,
): Promise<{ durationMs: number; maxDelayMs: number; turns: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  let turns = 0;
  let counting = true;
  const count = () => {
    if (!counting) return;
    turns++;
    setImmediate(count);
  };
  histogram.enable();
  await new Promise((resolve) => setTimeout(resolve, 20));
  histogram.reset();
  // After a reset the histogram skips its first sample: let that one pass before the build starts.
  await new Promise((resolve) => setTimeout(resolve, 20));
  const started = performance.now();
  const before = turns;
  setImmediate(count);
  await build();
  const during = turns - before;
  const durationMs = performance.now() - started;
  counting = false;
  // The histogram records a hold when its own timer runs late: give it that turn before reading it.
  await new Promise((resolve) => setTimeout(resolve, 20));
  histogram.disable();
  return { durationMs, maxDelayMs: histogram.max / 1e6, turns: during };
}

describe.skipIf(modelDirectory === undefined || !existsSync(modelDirectory))(
  'regenerating the catalog after a CLI upgrade',
  () => {
    let root: string;
    let small: string;
    let large: string;
    beforeAll(() => {
      root = mkdtempSync(join(tmpdir(), 'catalog-regeneration-'));
      small = makeDataDirectory(root, 10);
      large = makeDataDirectory(root, 100);
    });
    afterAll(() => {
      rmSync(root, { recursive: true, force: true });
    });

    it('builds the same catalog asynchronously as synchronously', async () => {
      const options = { dataDirectory: small, version: '0.0.1-test' };
      expect(await buildCatalogFromBotocoreAsync(options)).toEqual(buildCatalogFromBotocore(options));
    });

    it('keeps the event loop turning: 10× the models hold it 10× longer built blocking, a fraction of the build built asynchronously', async () => {
      const options = (dataDirectory: string) => ({ dataDirectory, version: '0.0.1-test' });
      const blocking = {
        small: await measure(() => buildCatalogFromBotocore(options(small))),
        large: await measure(() => buildCatalogFromBotocore(options(large))),
      };
      const turning = {
        small: await measure(() => buildCatalogFromBotocoreAsync(options(small))),
        large: await measure(() => buildCatalogFromBotocoreAsync(options(large))),
      };
      console.error('catalog regeneration, 10 vs 100 services (ms):', JSON.stringify({ blocking, turning }));
      // The blocking build holds the loop for all of its run, so its hold grows with the models; no turn runs.
      expect(blocking.large.turns).toBe(0);
      expect(blocking.large.maxDelayMs).toBeGreaterThan(4 * blocking.small.maxDelayMs);
      expect(blocking.large.maxDelayMs).toBeGreaterThan(0.8 * blocking.large.durationMs);
      // The asynchronous one gives the loop a turn per service: 10× the models, about the same longest hold.
      expect(turning.large.turns).toBeGreaterThanOrEqual(100);
      expect(turning.large.maxDelayMs).toBeLessThan(turning.large.durationMs / 4);
      expect(turning.large.maxDelayMs).toBeLessThan(blocking.large.maxDelayMs / 4);
    });

    it('loads the same catalog for a new CLI version, cached for the next start', async () => {
      const cacheDirectory = join(root, 'cache');
      const options = { dataDirectory: small, version: '0.0.2-test', cacheDirectory };
      const built = await loadCatalogForCliAsync(options);
      expect(readdirSync(cacheDirectory).sort()).toEqual([
        'catalog-0.0.2-test.json',
        'descriptions-0.0.2-test.json',
      ]);
      const cached = loadCatalogForCli(options);
      expect(cached.version).toBe('0.0.2-test');
      expect(cached.serviceNames).toEqual(built.serviceNames);
      expect(cached.serviceNames).toContain('svc0009');
      expect(cached.getService('svc0000')).toEqual(built.getService('svc0000'));
    });
  },
);
