import { describe, expect, it } from 'vitest';
import { chooseSessionToEvict, type EvictionCandidate } from './_session-eviction.js';

const now = 1_000_000;
const idleMs = 300_000;
const quiet = (name: string, quietForMs: number, changes: Partial<EvictionCandidate> = {}) => ({
  name,
  openRequests: 0,
  runningCalls: 0,
  asking: false,
  lastActive: now - quietForMs,
  ...changes,
});

describe('chooseSessionToEvict', () => {
  it.each([
    [
      'the least recently used idle session',
      [quiet('a', 400_000), quiet('b', 900_000), quiet('c', 350_000)],
      'b',
    ],
    ['an idle session exactly at the threshold', [quiet('a', idleMs)], 'a'],
    ['none quiet long enough', [quiet('a', idleMs - 1)], undefined],
    ['none with a request open (a GET stream)', [quiet('a', 900_000, { openRequests: 1 })], undefined],
    ['none with a call running', [quiet('a', 900_000, { runningCalls: 1 })], undefined],
    ['none with a consent form open', [quiet('a', 900_000, { asking: true })], undefined],
    [
      'an idle one over an older busy one',
      [quiet('busy', 990_000, { runningCalls: 2 }), quiet('idle', 400_000)],
      'idle',
    ],
    ['nothing without sessions', [], undefined],
  ])('chooses %s', (_case, candidates, expected) => {
    expect(chooseSessionToEvict(candidates, { now, idleMs })?.name).toBe(expected);
  });
});
