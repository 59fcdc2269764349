import { describe, expect, it } from 'vitest';
import { createResultsStore, type KeptResult, readResultPage } from './kept-results.js';

function kept(value: ReturnType<ReturnType<typeof createResultsStore>['keep']>): KeptResult {
  if (typeof value === 'string') throw new Error(`not kept: ${value}`);
  return value;
}

function storeWithClock(options: { sessionBytes?: number; totalBytes?: number; ttlMs?: number } = {}) {
  let time = 1_000_000;
  const store = createResultsStore({
    sessionBytes: options.sessionBytes ?? 1000,
    totalBytes: options.totalBytes ?? 10_000,
    ttlMs: options.ttlMs ?? 60_000,
    now: () => time,
  });
  return { store, advance: (ms: number) => (time += ms) };
}

describe('createResultsStore', () => {
  it('gives each result an unguessable id (128 random bits) that reads it back in its own session', () => {
    const { store } = storeWithClock();
    const session = {};
    const result = kept(store.keep(session, { text: 'hello\n', label: 'aws s3 ls' }));
    expect(result.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(store.get(session, result.id)?.text).toBe('hello\n');
    const ids = new Set(
      Array.from({ length: 200 }, () => kept(store.keep({}, { text: 'x', label: 'x' })).id),
    );
    expect(ids.size).toBe(200);
  });

  it('answers another session as it answers an id that does not exist', () => {
    const { store } = storeWithClock();
    const owner = {};
    const other = {};
    const result = kept(store.keep(owner, { text: 'secret-free but private', label: 'l' }));
    expect(store.get(other, result.id)).toBeUndefined();
    expect(store.get(other, 'AAAAAAAAAAAAAAAAAAAAAA')).toBeUndefined();
    expect(store.list(other)).toEqual([]);
    expect(store.list(owner).map((each) => each.id)).toEqual([result.id]);
  });

  it('drops the session’s oldest results first when its budget is full, and leaves other sessions alone', () => {
    const { store } = storeWithClock({ sessionBytes: 300 });
    const session = {};
    const neighbour = {};
    const theirs = kept(store.keep(neighbour, { text: 'n'.repeat(250), label: 'n' }));
    const first = kept(store.keep(session, { text: 'a'.repeat(100), label: 'a' }));
    const second = kept(store.keep(session, { text: 'b'.repeat(100), label: 'b' }));
    const third = kept(store.keep(session, { text: 'c'.repeat(150), label: 'c' }));
    expect(store.get(session, first.id)).toBeUndefined();
    expect(store.get(session, second.id)).toBeDefined();
    expect(store.get(session, third.id)).toBeDefined();
    expect(store.get(neighbour, theirs.id)).toBeDefined();
  });

  it('drops the oldest results of any session when the server-wide budget is full', () => {
    const { store } = storeWithClock({ sessionBytes: 1000, totalBytes: 500 });
    const one = {};
    const two = {};
    const oldest = kept(store.keep(one, { text: 'x'.repeat(200), label: 'x' }));
    const middle = kept(store.keep(two, { text: 'y'.repeat(200), label: 'y' }));
    const newest = kept(store.keep(two, { text: 'z'.repeat(200), label: 'z' }));
    expect(store.get(one, oldest.id)).toBeUndefined();
    expect(store.get(two, middle.id)).toBeDefined();
    expect(store.get(two, newest.id)).toBeDefined();
    expect(store.totalBytes).toBe(400);
  });

  it('counts bytes, not characters, and refuses what no budget can hold', () => {
    const { store } = storeWithClock({ sessionBytes: 100 });
    expect(store.keep({}, { text: 'é'.repeat(60), label: 'l' })).toBe('over the session budget');
    expect(kept(store.keep({}, { text: 'é'.repeat(50), label: 'l' })).bytes).toBe(100);
    const off = createResultsStore({ sessionBytes: 0, totalBytes: 100, ttlMs: 1000 });
    expect(off.keep({}, { text: 'x', label: 'l' })).toBe('keeping is off');
  });

  it('forgets a result once its time to live has passed', () => {
    const { store, advance } = storeWithClock({ ttlMs: 15 * 60_000 });
    const session = {};
    const result = kept(store.keep(session, { text: 'short-lived', label: 'l' }));
    expect(result.expiresAt - result.createdAt).toBe(15 * 60_000);
    advance(15 * 60_000 - 1);
    expect(store.get(session, result.id)?.text).toBe('short-lived');
    advance(1);
    expect(store.get(session, result.id)).toBeUndefined();
    expect(store.totalBytes).toBe(0);
  });

  it('drops every result of a session that ended', () => {
    const { store } = storeWithClock();
    const ended = {};
    const stays = {};
    const gone = kept(store.keep(ended, { text: 'a', label: 'l' }));
    const kept2 = kept(store.keep(stays, { text: 'b', label: 'l' }));
    store.endSession(ended);
    expect(store.get(ended, gone.id)).toBeUndefined();
    expect(store.get(stays, kept2.id)).toBeDefined();
    expect(store.totalBytes).toBe(1);
  });
});

describe('readResultPage', () => {
  it.each([
    ['the first page', { offset: 0, length: 4 }, { text: 'abcd', offset: 0, nextOffset: 4 }],
    ['a middle page', { offset: 4, length: 4 }, { text: 'efgh', offset: 4, nextOffset: 8 }],
    ['the last page', { offset: 8, length: 4 }, { text: 'ij', offset: 8 }],
    ['past the end', { offset: 50, length: 4 }, { text: '', offset: 10 }],
    ['a length over the cap', { offset: 0, length: 1000 }, { text: 'abcdef', offset: 0, nextOffset: 6 }],
  ])('reads %s', (_, request, expected) => {
    expect(readResultPage('abcdefghij', { ...request, maxChars: 6 })).toEqual({
      ...expected,
      totalChars: 10,
    });
  });

  it('never cuts a character made of two UTF-16 units in two', () => {
    const page = readResultPage('ab😀cd', { offset: 0, length: 3, maxChars: 100 });
    expect(page).toMatchObject({ text: 'ab', nextOffset: 2 });
  });
});
