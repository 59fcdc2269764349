import type { PipelineLimiter } from './pipeline-limiter.js';
import type { PipelineProgress } from './run-pipeline.js';

/**
 * Calls `listener` once when `signal` aborts, at once if it already has (a listener added to an aborted signal
 * never runs). Returns the function that stops listening.
 */
export function listenForAbort(signal: AbortSignal, listener: () => void): () => void {
  if (signal.aborted) {
    listener();
    return () => {};
  }
  signal.addEventListener('abort', listener, { once: true });
  return () => signal.removeEventListener('abort', listener);
}

/** What a pipeline's clock needs: when the call started, its deadline, the caller's signal, the heartbeat. */
export interface PipelineClockOptions {
  /** `performance.now()` when runPipeline was called: the queue wait and the preparation count. */
  started: number;
  timeoutMs: number;
  signal?: AbortSignal;
  onProgress?: (progress: PipelineProgress) => void;
  progressIntervalMs: number;
  /** What the heartbeat reports besides the time and whether the call waits. */
  readProgress: () => { outputBytes: number; message?: string };
}

/** The deadline, the caller's cancel and the heartbeat of one runPipeline call. */
export interface PipelineClock {
  /** Aborts at the deadline or when the caller's signal aborts. */
  readonly signal: AbortSignal;
  /** Whether the deadline (not the caller) aborted `signal`. */
  readonly timedOut: boolean;
  /** Whole milliseconds since the call started. */
  elapsedMs(): number;
  /**
   * Waits for a slot in `limiter` and resolves with the function that gives it back, or with undefined when
   * the call timed out or was canceled before it got one: then nothing may start, and no slot is held.
   */
  waitForSlot(limiter: PipelineLimiter): Promise<(() => void) | undefined>;
  /** Stops the timer and the heartbeat, and stops listening to the caller's signal. Call it once, at the end. */
  stop(): void;
}

/** Starts the clock of one call: its timer runs from `started`, and the heartbeat from now. */
export function startPipelineClock(options: PipelineClockOptions): PipelineClock {
  const { started, timeoutMs, signal, onProgress } = options;
  const controller = new AbortController();
  let timedOut = false;
  let queued = true;
  const elapsed = () => performance.now() - started;
  const expire = () => {
    timedOut = true;
    controller.abort(new Error('timeout'));
  };
  const timer = setTimeout(expire, Math.max(0, timeoutMs - elapsed()));
  const stopForwarding =
    signal === undefined ? () => {} : listenForAbort(signal, () => controller.abort(signal.reason));
  const heartbeat =
    onProgress === undefined
      ? undefined
      : setInterval(() => {
          try {
            const { outputBytes, message } = options.readProgress();
            onProgress({
              elapsedMs: Math.round(elapsed()),
              outputBytes,
              queued,
              ...(message === undefined ? {} : { message }),
            });
          } catch {}
        }, options.progressIntervalMs);

  return {
    signal: controller.signal,
    get timedOut() {
      return timedOut;
    },
    elapsedMs: () => Math.round(elapsed()),
    async waitForSlot(limiter) {
      let release: () => void;
      try {
        release = await limiter.acquire(controller.signal);
      } catch {
        return undefined;
      }
      // A limiter may hand over the slot just as the deadline or the cancel arrives, or before a busy event
      // loop has run the timer: then nothing starts.
      if (!controller.signal.aborted && elapsed() >= timeoutMs) expire();
      if (controller.signal.aborted) {
        release();
        return undefined;
      }
      queued = false;
      return release;
    },
    stop() {
      clearTimeout(timer);
      if (heartbeat !== undefined) clearInterval(heartbeat);
      stopForwarding();
    },
  };
}
