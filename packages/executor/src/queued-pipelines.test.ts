import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCommandLine } from '@aws-mcp/command';
import { findProcesses } from '@aws-mcp/test-support';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { killGraceMs } from './_process-group.js';
import { createPipelineLimiter, type PipelineLimiter } from './pipeline-limiter.js';
import { type PipelineResult, type RunPipelineOptions, runPipeline } from './run-pipeline.js';
import { noSandbox, type Sandbox } from './sandbox.js';
import { selectSandbox } from './select-sandbox.js';

const noteStart = join(import.meta.dirname, '__fixtures__', 'note-start.sh');
const confined = await selectSandbox({ mode: 'auto' });

let workdir: string;
let tag: string;

beforeEach(async () => {
  workdir = await mkdtemp(join(tmpdir(), 'executor-queued-'));
  tag = `queued-${Date.now()}`;
});

afterEach(async () => {
  // Whatever a failed run left behind, so the next test and the machine stay clean.
  for (const { pid } of findProcesses(tag)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
  await rm(workdir, { recursive: true, force: true });
});

/** The buckets whose aws stage started, one entry per start, as the fixture noted them. */
async function readStarts(): Promise<string[]> {
  const log = await readFile(join(workdir, 'spawns.log'), 'utf8').catch(() => '');
  return log
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split(' ')[2]?.replace('s3://', '') ?? line);
}

type Outcome = { bucket: string; timeoutMs: number } & (
  | { result: PipelineResult; tookMs: number }
  | { result: undefined; tookMs: 'no answer' }
);

/** Runs `aws s3 ls s3://BUCKET` with the fixture, and gives up waiting after `waitMs`. */
async function runQueued(
  bucket: string,
  options: { timeoutMs: number; limiter: PipelineLimiter; sandbox: Sandbox; waitMs: number },
): Promise<Outcome> {
  const started = performance.now();
  const run: RunPipelineOptions = {
    cwd: workdir,
    env: { PATH: process.env.PATH },
    awsCli: noteStart,
    limiter: options.limiter,
    sandbox: options.sandbox,
    timeoutMs: options.timeoutMs,
  };
  const result = await Promise.race([
    runPipeline(parseCommandLine(`aws s3 ls s3://${bucket}`), run),
    new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), options.waitMs).unref()),
  ]);
  const base = { bucket, timeoutMs: options.timeoutMs };
  return result === undefined
    ? { ...base, result, tookMs: 'no answer' }
    : { ...base, result, tookMs: Math.round(performance.now() - started) };
}

function neverStarted(result: PipelineResult): boolean {
  return result.stages.every((stage) => stage.exitCode === undefined && stage.signal === undefined);
}

describe.each([
  ['without a sandbox', noSandbox, false],
  [`in ${confined.description}`, confined.sandbox, confined.sandbox === noSandbox],
] as const)('runPipeline with a limiter of 1, %s', (_, sandbox, unavailable) => {
  it.skipIf(unavailable)(
    'ends each of six parallel calls within its timeout, and never starts one that timed out in the queue',
    async () => {
      const limiter = createPipelineLimiter({ maxConcurrent: 1 });
      // Deadlines a few milliseconds apart: each slot comes free just before the next call's deadline, so
      // calls start with almost no time left and are killed while their sandbox is still being set up. The
      // last two time out while the first still holds the slot.
      const timeouts = [1000, 1010, 1020, 1030, 500, 700];
      const outcomes = await Promise.all(
        timeouts.map((timeoutMs, index) =>
          runQueued(`${tag}-${index}`, {
            timeoutMs,
            limiter,
            sandbox,
            waitMs: timeoutMs + killGraceMs + 3000,
          }),
        ),
      );
      const late = outcomes
        .filter(
          (outcome) =>
            outcome.result === undefined ||
            outcome.result.status !== 'timeout' ||
            outcome.result.durationMs > outcome.timeoutMs + killGraceMs,
        )
        .map(({ bucket, timeoutMs, tookMs, result }) => ({
          bucket,
          timeoutMs,
          tookMs,
          status: result?.status,
        }));
      expect(late).toEqual([]);

      const starts = await readStarts();
      const queuedOut = outcomes.filter(
        (outcome) => outcome.result !== undefined && neverStarted(outcome.result),
      );
      expect(starts).toContain(`${tag}-0`);
      expect(queuedOut.length).toBeGreaterThan(0);
      expect(starts.filter((bucket) => queuedOut.some((outcome) => outcome.bucket === bucket))).toEqual([]);
      expect(limiter).toMatchObject({ active: 0, queued: 0 });
    },
  );
});

describe.each([
  ['without a sandbox', noSandbox, false],
  [`in ${confined.description}`, confined.sandbox, confined.sandbox === noSandbox],
] as const)('runPipeline given the slot just before its deadline, %s', (_, sandbox, unavailable) => {
  it.skipIf(unavailable)(
    'still ends within its timeout, and does not start once the deadline has passed',
    async () => {
      const timeoutMs = 400;
      // How long before the deadline the slot comes free: from "with time to spare" to "after the deadline".
      const leadsMs = [40, 25, 15, 10, 7, 5, 3, 2, 1, 0, -2];
      const outcomes = await Promise.all(
        leadsMs.map(async (leadMs, index) => {
          const limiter = createPipelineLimiter({ maxConcurrent: 1 });
          const release = await limiter.acquire();
          setTimeout(release, timeoutMs - leadMs);
          const outcome = await runQueued(`${tag}-${index}`, {
            timeoutMs,
            limiter,
            sandbox,
            waitMs: timeoutMs + killGraceMs + 3000,
          });
          return { ...outcome, leadMs, limiter };
        }),
      );
      const wrong = outcomes
        .filter(
          ({ result }) =>
            result === undefined ||
            result.status !== 'timeout' ||
            result.durationMs > timeoutMs + killGraceMs ||
            (result.queuedMs > timeoutMs && !neverStarted(result)),
        )
        .map(({ leadMs, tookMs, result }) => ({
          leadMs,
          tookMs,
          queuedMs: result?.queuedMs,
          stages: result?.stages,
        }));
      expect(wrong).toEqual([]);
      const starts = await readStarts();
      const notStarted = outcomes.filter(({ result }) => result !== undefined && neverStarted(result));
      expect(starts.filter((bucket) => notStarted.some((outcome) => outcome.bucket === bucket))).toEqual([]);
      expect(outcomes.map(({ limiter }) => limiter.active)).toEqual(leadsMs.map(() => 0));
    },
  );
});

describe('runPipeline with a limiter that hands over the slot late', () => {
  it('starts nothing once the deadline has passed and gives the slot back at once', async () => {
    let released = 0;
    const slow: PipelineLimiter = {
      maxConcurrent: 1,
      active: 0,
      queued: 0,
      // Ignores the signal, as a limiter of someone else's might.
      acquire: () => new Promise((resolve) => setTimeout(() => resolve(() => (released += 1)), 300)),
    };
    const outcome = await runQueued(`${tag}-late`, {
      timeoutMs: 100,
      limiter: slow,
      sandbox: noSandbox,
      waitMs: 5000,
    });
    expect(outcome.result).toMatchObject({
      status: 'timeout',
      stages: [{ exitCode: undefined, signal: undefined }],
    });
    expect(outcome.result?.queuedMs).toBe(outcome.result?.durationMs);
    expect(released).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await readStarts()).toEqual([]);
  });
});
