/** What eviction looks at in a session. */
export interface EvictionCandidate {
  /** HTTP requests of it open now (a GET stream, a POST being answered, a resumed stream). */
  openRequests: number;
  /** Its client's calls without a response yet (a call whose stream broke still runs). */
  runningCalls: number;
  /** Whether the server waits for its client's answer (a consent form). */
  asking: boolean;
  /** When its client was last heard from (ms since the epoch). */
  lastActive: number;
}

/**
 * Chooses the session to close for a new client when every slot is taken: the least recently used one that is
 * idle, meaning no request open, no call running, no consent pending, and quiet for at least `idleMs`. Returns
 * undefined when none is, so the new client is refused instead.
 */
export function chooseSessionToEvict<T extends EvictionCandidate>(
  candidates: Iterable<T>,
  { now, idleMs }: { now: number; idleMs: number },
): T | undefined {
  let chosen: T | undefined;
  for (const candidate of candidates) {
    const idle =
      candidate.openRequests === 0 &&
      candidate.runningCalls === 0 &&
      !candidate.asking &&
      now - candidate.lastActive >= idleMs;
    if (idle && (chosen === undefined || candidate.lastActive < chosen.lastActive)) chosen = candidate;
  }
  return chosen;
}
