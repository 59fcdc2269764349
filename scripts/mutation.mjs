#!/usr/bin/env node
// On-demand mutation testing with Stryker (never in CI): `pnpm mutation [command|executor|server ...] [options]`.
// Options: --incremental (reuse reports/stryker-incremental.json, the committed results), --scope all|safety|pure
// (the config's globs, or the safety modules of docs/testing.md), --mutate a,b (files or globs, relative to the
// package), --test-files a,b (the tests the mutants meet; --scope pure: the pure modules' own), --concurrency N,
// --force (with --incremental: run every mutant again), --report-only (the last run's table again). Without a
// package: command, executor. Checks first that every `Stryker disable` comment carries a reason. Build the
// packages first (`pnpm build`): the executor's tests import @aws-mcp/command's dist.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { findStrykerDisables, formatDisable } from './mutation-disables.mjs';

const root = path.resolve(import.meta.dirname, '..');

/** Each mutated package: its folder, and the modules docs/testing.md reports a score for, by concern. */
const packages = {
  command: {
    folder: 'packages/command',
    safety: {
      parse: ['src/_read-aws-command.ts', 'src/parse-command-line.ts', 'src/_tokenize.ts'],
      classify: ['src/_classification.ts', 'src/classify.ts', 'src/_classify-rules.ts'],
      'local paths': ['src/_local-paths.ts'],
    },
  },
  executor: {
    folder: 'packages/executor',
    safety: {
      masking: ['src/mask-secrets.ts', 'src/_mask-members.ts'],
      'sandbox arguments': ['src/bubblewrap-sandbox.ts', 'src/sandbox.ts'],
      judging: ['src/_judge-pipeline.ts'],
    },
    // Modules that start no process: their tests are fast (the whole package's run would take more than 2 hours).
    pure: [
      'src/_judge-pipeline.ts',
      'src/mask-secrets.ts',
      'src/_mask-members.ts',
      'src/bubblewrap-sandbox.ts',
      'src/sandbox.ts',
    ],
    // Their own tests, none of which starts a process (the builder's rows are bubblewrap-arguments.test.ts; the
    // escapes that run a real bwrap stay in bubblewrap-sandbox.test.ts, for `pnpm test`).
    pureTests: [
      'src/_judge-pipeline.test.ts',
      'src/mutation-kills.test.ts',
      'src/mask-secrets.test.ts',
      'src/mutation-kills-mask-secrets.test.ts',
      'src/learned-secrets.test.ts',
      'src/mask-streaming.test.ts',
      'src/_source-masking.test.ts',
      'src/bubblewrap-arguments.test.ts',
    ],
  },
  server: { folder: 'apps/server', safety: {} },
};

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    incremental: { type: 'boolean', default: false },
    force: { type: 'boolean', default: false },
    scope: { type: 'string', default: 'all' },
    mutate: { type: 'string' },
    'test-files': { type: 'string' },
    concurrency: { type: 'string' },
    'report-only': { type: 'boolean', default: false },
  },
});

const disables = findStrykerDisables(root);
const unexplained = disables.filter((disable) => disable.reason === undefined);
console.log(`${disables.length} Stryker disable comment(s), ${unexplained.length} without a reason.`);
if (unexplained.length > 0) {
  for (const disable of unexplained) console.error(`  no reason: ${formatDisable(disable)}`);
  console.error('Give each `// Stryker disable … : reason` its reason (why the mutant is equivalent).');
  process.exit(1);
}

const chosen = positionals.length === 0 ? ['command', 'executor'] : positionals;
for (const name of chosen) {
  if (!(name in packages)) {
    console.error(`Unknown package "${name}": choose from ${Object.keys(packages).join(', ')}.`);
    process.exit(2);
  }
}
if (!['all', 'safety', 'pure'].includes(values.scope)) {
  console.error(`Unknown --scope "${values.scope}": choose all, safety or pure.`);
  process.exit(2);
}

let failed = false;
for (const name of chosen) {
  const target = packages[name];
  if (values['report-only']) {
    printSafetyScores(target, path.join(root, target.folder));
    continue;
  }
  const mutate = values.mutate?.split(',') ?? scopeFiles(target, values.scope);
  const args = ['run', 'stryker.config.mjs'];
  if (mutate !== undefined) args.push('--mutate', mutate.join(','));
  const testFiles =
    values['test-files']?.split(',') ?? (values.scope === 'pure' ? target.pureTests : undefined);
  if (testFiles !== undefined) args.push('--testFiles', testFiles.join(','));
  if (values.incremental) args.push('--incremental');
  if (values.force) args.push('--force');
  if (values.concurrency !== undefined) args.push('--concurrency', values.concurrency);
  const cwd = path.join(root, target.folder);
  const incrementalFile = path.join(cwd, 'reports/stryker-incremental.json');
  const earlier =
    values.incremental && existsSync(incrementalFile) ? readFileSync(incrementalFile, 'utf8') : undefined;
  console.log(`\n${target.folder}: stryker ${args.join(' ')}`);
  const started = Date.now();
  const run = spawnSync(path.join(root, 'node_modules/.bin/stryker'), args, { cwd, stdio: 'inherit' });
  if (earlier !== undefined && run.status === 0) keepOtherFiles(incrementalFile, JSON.parse(earlier));
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  console.log(`${target.folder}: Stryker exited with ${run.status ?? run.signal} after ${minutes} min`);
  failed ||= run.status !== 0;
  printSafetyScores(target, cwd);
}
process.exit(failed ? 1 : 0);

/**
 * Stryker writes the results of the files it mutated this time only: the earlier results of the other files go
 * back into the incremental file, so runs over parts of a package add up (a later run still checks each reused
 * result against the file's and its tests' current text).
 */
function keepOtherFiles(incrementalFile, earlier) {
  const report = JSON.parse(readFileSync(incrementalFile, 'utf8'));
  let kept = 0;
  for (const [file, result] of Object.entries(earlier.files ?? {})) {
    if (file in report.files) continue;
    report.files[file] = result;
    kept++;
  }
  report.testFiles ??= {};
  for (const [file, result] of Object.entries(earlier.testFiles ?? {})) {
    const current = report.testFiles[file];
    if (current === undefined) {
      report.testFiles[file] = result;
      continue;
    }
    const known = new Set(current.tests.map((test) => test.id));
    current.tests.push(...result.tests.filter((test) => !known.has(test.id)));
  }
  writeFileSync(incrementalFile, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`${path.relative(root, incrementalFile)}: kept the earlier results of ${kept} other file(s)`);
}

/** The files a scope mutates: undefined for the config's own globs. */
function scopeFiles(target, scope) {
  if (scope === 'all') return undefined;
  if (scope === 'pure') return target.pure ?? Object.values(target.safety).flat();
  return Object.values(target.safety).flat();
}

/** Prints the score of each safety module from the run's JSON report, as docs/testing.md records them. */
function printSafetyScores(target, cwd) {
  // The last run's report, else the committed incremental results (the same schema) on a fresh clone.
  const reportFile = ['reports/mutation/mutation.json', 'reports/stryker-incremental.json']
    .map((file) => path.join(cwd, file))
    .find((file) => existsSync(file));
  if (reportFile === undefined) return;
  const report = JSON.parse(readFileSync(reportFile, 'utf8'));
  console.log('\n| concern | file | score | killed | survived | no coverage | timeout | ignored (static) |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  const safetyMutants = [];
  for (const [concern, files] of Object.entries(target.safety)) {
    for (const file of files) {
      const mutants = report.files[file]?.mutants;
      if (mutants === undefined) continue;
      safetyMutants.push(...mutants);
      console.log(`| ${concern} | \`${file}\` | ${row(countStatuses(mutants))} |`);
    }
  }
  console.log(`| all safety modules | | ${row(countStatuses(safetyMutants))} |`);
  const all = Object.values(report.files).flatMap((file) => file.mutants);
  console.log(`| every file in the report | | ${row(countStatuses(all))} |`);
}

/** Mutants by status; ignored, compile errors and runtime errors do not count towards the score. */
function countStatuses(mutants) {
  const counts = { killed: 0, survived: 0, noCoverage: 0, timeout: 0, ignored: 0 };
  for (const mutant of mutants) {
    if (mutant.status === 'Killed') counts.killed++;
    else if (mutant.status === 'Survived') counts.survived++;
    else if (mutant.status === 'NoCoverage') counts.noCoverage++;
    else if (mutant.status === 'Timeout') counts.timeout++;
    else if (mutant.status === 'Ignored') counts.ignored++;
  }
  return counts;
}

/** A table row's score and count columns. */
function row(counts) {
  const { killed, survived, noCoverage, timeout, ignored } = counts;
  return [score(counts), killed, survived, noCoverage, timeout, ignored].join(' | ');
}

/** Stryker's mutation score: detected (killed or timed out) over valid mutants. */
function score({ killed, survived, noCoverage, timeout }) {
  const valid = killed + survived + noCoverage + timeout;
  return valid === 0 ? 'n/a' : `${((100 * (killed + timeout)) / valid).toFixed(1)}%`;
}
