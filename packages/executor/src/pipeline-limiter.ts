import { ExecutionError } from './execution-error.js';

/** Caps how many pipelines run at once; the rest wait in a first-in, first-out queue. */
export interface PipelineLimiter {
  readonly maxConcurrent: number;
  /** Pipelines running now. */
  readonly active: number;
  /** Pipelines waiting for a slot. */
  readonly queued: number;
  /**
   * Waits for a slot and resolves with the function that gives it back (call it exactly once). Rejects with
   * the signal's reason when the signal aborts while waiting; the waiter then leaves the queue, and a slot is
   * never handed to a waiter whose signal has aborted.
   */
  acquire(signal?: AbortSignal): Promise<() => void>;
}

/** How many pipelines run at once unless told otherwise. */
export const defaultMaxConcurrentPipelines = 8;

/**
 * Creates a limiter for `runPipeline({ limiter })`. Throws ExecutionError `INVALID_OPTIONS` unless
 * `maxConcurrent` is a positive integer (or Infinity, for no limit).
 */
export function createPipelineLimiter({
  maxConcurrent = defaultMaxConcurrentPipelines,
}: {
  maxConcurrent?: number;
} = {}): PipelineLimiter {
  if (
    !(maxConcurrent === Number.POSITIVE_INFINITY || (Number.isInteger(maxConcurrent) && maxConcurrent >= 1))
  ) {
    throw new ExecutionError({
      code: 'INVALID_OPTIONS',
      message: `maxConcurrent must be a positive integer, not ${maxConcurrent}.`,
    });
  }
  let active = 0;
  const waiting: Array<{ signal: AbortSignal | undefined; grant: () => void; refuse: () => void }> = [];

  function release(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      active -= 1;
      // A waiter whose signal aborted, but whose abort listener has not run yet, must not get the slot.
      for (let next = waiting.shift(); next !== undefined; next = waiting.shift()) {
        if (next.signal?.aborted) {
          next.refuse();
          continue;
        }
        next.grant();
        return;
      }
    };
  }

  return {
    maxConcurrent,
    get active() {
      return active;
    },
    get queued() {
      return waiting.length;
    },
    acquire(signal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      if (active < maxConcurrent) {
        active += 1;
        return Promise.resolve(release());
      }
      return new Promise((resolve, reject) => {
        const waiter = {
          signal,
          grant: () => {
            signal?.removeEventListener('abort', onAbort);
            active += 1;
            resolve(release());
          },
          refuse: () => {
            signal?.removeEventListener('abort', onAbort);
            reject(signal?.reason);
          },
        };
        function onAbort() {
          const index = waiting.indexOf(waiter);
          if (index !== -1) waiting.splice(index, 1);
          reject(signal?.reason);
        }
        waiting.push(waiter);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
}

/** The limiter every runPipeline call shares unless given its own: 8 pipelines at once per process. */
export const defaultPipelineLimiter: PipelineLimiter = createPipelineLimiter();
