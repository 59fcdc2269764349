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
   * the signal's reason when the signal aborts while waiting; the waiter then leaves the queue.
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
  const waiting: Array<() => void> = [];

  function release(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      active -= 1;
      const next = waiting.shift();
      if (next !== undefined) next();
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
        const onAbort = () => {
          const index = waiting.indexOf(grant);
          if (index !== -1) waiting.splice(index, 1);
          reject(signal?.reason);
        };
        const grant = () => {
          signal?.removeEventListener('abort', onAbort);
          active += 1;
          resolve(release());
        };
        waiting.push(grant);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
}

/** The limiter every runPipeline call shares unless given its own: 8 pipelines at once per process. */
export const defaultPipelineLimiter: PipelineLimiter = createPipelineLimiter();
