import type { RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { SessionTraffic } from './_session-traffic.js';

/**
 * Watches the response streams of a session's calls. When a stream breaks while its calls still run, the calls
 * are canceled (their commands killed) unless the client resumes the stream (`Last-Event-ID`) within `graceMs`;
 * a call on a stream that gave the client no event id cannot be resumed and is canceled at once.
 */
export interface StreamBreakWatch {
  /** A call stream (`streamId`, when it had one) ended; `requestIds` are the calls it carried. */
  ended(streamId: string | undefined, requestIds: readonly RequestId[]): void;
  /** The client resumed `streamId`; returns what to call when that resumed stream ends too. */
  resumed(streamId: string): () => void;
  /** Cancels the pending timers (the session ended; its calls are aborted with it). */
  clear(): void;
}

/** Starts watching one session's call streams; `traffic` tells which calls still run and cancels them. */
export function createStreamBreakWatch({
  graceMs,
  traffic,
  onCancel,
}: {
  graceMs: number;
  traffic: SessionTraffic;
  /** Called once per call canceled, after the cancellation, for the operator's log. */
  onCancel: (requestId: RequestId, reason: string) => void;
}): StreamBreakWatch {
  const callsOf = new Map<string, readonly RequestId[]>();
  const timers = new Map<string, NodeJS.Timeout>();
  const stillRunning = (requestIds: readonly RequestId[]) => {
    const running = traffic.running();
    return requestIds.filter((id) => running.has(id));
  };
  const cancel = (requestIds: readonly RequestId[], reason: string) => {
    for (const id of stillRunning(requestIds)) {
      traffic.cancel(id, reason);
      onCancel(id, reason);
    }
  };
  const ended: StreamBreakWatch['ended'] = (streamId, requestIds) => {
    const orphans = stillRunning(requestIds);
    if (orphans.length === 0) return;
    if (streamId === undefined) {
      cancel(orphans, 'its response stream broke and gave no event id to resume from');
      return;
    }
    callsOf.set(streamId, orphans);
    clearTimeout(timers.get(streamId));
    const timer = setTimeout(() => {
      timers.delete(streamId);
      callsOf.delete(streamId);
      cancel(orphans, `its response stream broke and was not resumed within ${graceMs / 1000} s`);
    }, graceMs);
    timer.unref();
    timers.set(streamId, timer);
  };
  return {
    ended,
    resumed(streamId) {
      clearTimeout(timers.get(streamId));
      timers.delete(streamId);
      return () => ended(streamId, callsOf.get(streamId) ?? []);
    },
    clear() {
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
      callsOf.clear();
    },
  };
}
