import { describe, expect, it } from 'vitest';
import { listenForAbort, type PipelineClockOptions, startPipelineClock } from './_pipeline-clock.js';
import { createPipelineLimiter, type PipelineLimiter } from './pipeline-limiter.js';
import type { PipelineProgress } from './run-pipeline.js';

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function startClock(options: Partial<PipelineClockOptions> = {}) {
  return startPipelineClock({
    started: performance.now(),
    timeoutMs: 60_000,
    progressIntervalMs: 1000,
    readProgress: () => ({ outputBytes: 0 }),
    ...options,
  });
}

describe('listenForAbort', () => {
  it('calls the listener at once for a signal that has already aborted', () => {
    const calls: string[] = [];
    listenForAbort(AbortSignal.abort(), () => calls.push('aborted'));
    expect(calls).toEqual(['aborted']);
  });

  it('calls the listener once when the signal aborts, and never after it stopped listening', () => {
    const calls: string[] = [];
    const first = new AbortController();
    listenForAbort(first.signal, () => calls.push('first'));
    first.abort();
    first.abort();
    const second = new AbortController();
    const stop = listenForAbort(second.signal, () => calls.push('second'));
    stop();
    second.abort();
    expect(calls).toEqual(['first']);
  });
});

describe('startPipelineClock', () => {
  it('aborts at the deadline, counted from the start it was given', async () => {
    const clock = startClock({ started: performance.now() - 50, timeoutMs: 80 });
    await sleep(60);
    expect(clock).toMatchObject({ timedOut: true, signal: { aborted: true } });
    clock.stop();
  });

  it.each([
    ['before the clock started', () => AbortSignal.abort(new Error('gone'))],
    [
      'after the clock started',
      () => {
        const controller = new AbortController();
        setTimeout(() => controller.abort(new Error('gone')), 10);
        return controller.signal;
      },
    ],
  ])("aborts with the caller's reason when the caller's signal aborts %s", async (_, makeSignal) => {
    const clock = startClock({ signal: makeSignal() });
    await sleep(30);
    expect(clock.signal.aborted).toBe(true);
    expect(clock.signal.reason).toEqual(new Error('gone'));
    expect(clock.timedOut).toBe(false);
    clock.stop();
  });

  it('stops listening to the caller and stops the timer when stopped', async () => {
    const caller = new AbortController();
    const clock = startClock({ signal: caller.signal, timeoutMs: 20 });
    clock.stop();
    caller.abort();
    await sleep(40);
    expect(clock).toMatchObject({ timedOut: false, signal: { aborted: false } });
  });

  it('beats while the call waits and while it runs, ignoring a heartbeat that throws', async () => {
    const beats: PipelineProgress[] = [];
    let outputBytes = 0;
    const clock = startClock({
      progressIntervalMs: 10,
      readProgress: () => ({ outputBytes, message: outputBytes > 0 ? 'Completed 1 MiB' : undefined }),
      onProgress: (beat) => {
        beats.push(beat);
        throw new Error('a broken listener');
      },
    });
    const limiter = createPipelineLimiter({ maxConcurrent: 1 });
    const holder = await limiter.acquire();
    setTimeout(holder, 50);
    const release = await clock.waitForSlot(limiter);
    outputBytes = 7;
    await sleep(40);
    clock.stop();
    release?.();
    expect(beats.some((beat) => beat.queued && beat.outputBytes === 0 && beat.message === undefined)).toBe(
      true,
    );
    expect(beats.at(-1)).toMatchObject({ queued: false, outputBytes: 7, message: 'Completed 1 MiB' });
  });
});

describe('PipelineClock.waitForSlot', () => {
  it('gives the slot of a free limiter', async () => {
    const limiter = createPipelineLimiter({ maxConcurrent: 1 });
    const clock = startClock();
    const release = await clock.waitForSlot(limiter);
    expect(limiter.active).toBe(1);
    release?.();
    clock.stop();
    expect(limiter.active).toBe(0);
  });

  it('resolves with undefined, holding nothing, when the deadline passes in the queue', async () => {
    const limiter = createPipelineLimiter({ maxConcurrent: 1 });
    const holder = await limiter.acquire();
    const clock = startClock({ timeoutMs: 30 });
    expect(await clock.waitForSlot(limiter)).toBeUndefined();
    expect(clock.timedOut).toBe(true);
    expect(limiter).toMatchObject({ active: 1, queued: 0 });
    holder();
    clock.stop();
  });

  it.each([
    ['after the deadline, before the timer ran', 40, 0],
    ['after a cancel', 10_000, 1],
  ])('gives back at once a slot handed over %s', async (_, timeoutMs, cancelAfterMs) => {
    let released = 0;
    const caller = new AbortController();
    // Ignores the signal, and blocks the event loop past the deadline before handing the slot over.
    const late: PipelineLimiter = {
      maxConcurrent: 1,
      active: 0,
      queued: 0,
      acquire: () =>
        new Promise((resolve) => {
          if (cancelAfterMs > 0) setTimeout(() => caller.abort(), cancelAfterMs);
          setTimeout(() => {
            const until = performance.now() + timeoutMs;
            while (performance.now() < until && cancelAfterMs === 0) {}
            resolve(() => (released += 1));
          }, 20);
        }),
    };
    const clock = startClock({ timeoutMs, signal: caller.signal });
    expect(await clock.waitForSlot(late)).toBeUndefined();
    expect(released).toBe(1);
    expect(clock.timedOut).toBe(cancelAfterMs === 0);
    clock.stop();
  });
});
