// The Stryker settings the three mutated packages share (`stryker.config.mjs` in each); run through
// `pnpm mutation` (scripts/mutation.mjs), never in CI.
import { readdirSync } from 'node:fs';
import path from 'node:path';

/** Test and bench files, fixtures and generated tables: never mutated. */
const notSource = ['!src/**/*.test.ts', '!src/**/*.bench.ts', '!src/**/__fixtures__/**'];

/**
 * A package's Stryker configuration.
 * @param {object} options
 * @param {string} options.name the package folder's name (`command`), naming its temporary folder
 * @param {string[]} options.mutate globs of every source file the package's mutants come from
 * @param {string[]} [options.generated] generated files left out (their generator is tested instead)
 * @param {string[]} [options.leftOutTests] test files mutants never meet (each with its reason in the config)
 */
export function defineMutationConfig({ name, mutate, generated = [], leftOutTests = [] }) {
  return {
    testRunner: 'vitest',
    // Stryker looks for plugins beside its own files, which pnpm keeps apart: name the runner by path.
    plugins: [import.meta.resolve('@stryker-mutator/vitest-runner')],
    allowConsoleColors: false,
    // Each mutant runs only the tests that reached it in the first run.
    coverageAnalysis: 'perTest',
    // Two cores shared with other work: one runner by default (`pnpm mutation --concurrency 2` for more).
    concurrency: 1,
    // A mutant of a module-level table or constant takes a reload and every test to judge (the command package's
    // first run: 526 of 2045 mutants, three quarters of the time, 8 min a run). They are left out and counted as
    // ignored, which docs/testing.md reports beside each score.
    ignoreStatic: true,
    mutate: [...mutate, ...notSource, ...generated.map((file) => `!${file}`)],
    testFiles:
      leftOutTests.length === 0 ? [] : listTestFiles().filter((file) => !leftOutTests.includes(file)),
    // The sandbox sits two folders below the repository, as the package does, so `../../` in a vitest config or a
    // test (the shared vitest config, the docs) reaches the same files.
    tempDirName: `../../.stryker-tmp-${name}`,
    // At that depth the tsconfig's `extends` holds as it is: no file by this name, so Stryker leaves it alone (its
    // rewrite assumes its default folder, three levels deeper).
    tsconfigFile: 'tsconfig.unchanged-in-sandbox.json',
    incrementalFile: 'reports/stryker-incremental.json',
    reporters: ['clear-text', 'progress', 'json', 'html'],
    jsonReporter: { fileName: 'reports/mutation/mutation.json' },
    htmlReporter: { fileName: 'reports/mutation/mutation.html' },
    clearTextReporter: { allowColor: false, logTests: false, reportMutants: false, reportScoreTable: true },
    // A loaded machine runs a mutant's tests slower than the first run did.
    timeoutFactor: 3,
    timeoutMS: 30_000,
    dryRunTimeoutMinutes: 60,
    thresholds: { high: 90, low: 85, break: null },
    cleanTempDir: true,
  };
}

/** The package's test files (`src/**` and `test/**`), as paths relative to the package. */
function listTestFiles() {
  const found = [];
  for (const folder of ['src', 'test']) {
    let entries = [];
    try {
      entries = readdirSync(folder, { recursive: true, withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      if (entry.isFile() && entry.name.endsWith('.test.ts')) {
        found.push(path.relative('.', path.join(entry.parentPath, entry.name)));
      }
    }
  }
  return found.sort();
}
