import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SessionEventStore } from './_event-store.js';

/** The application's masking, as a stand-in: what matters here is that every string goes through it. */
const maskText = (text: string) => text.replace(/wJalrXUtnFEMI\/K7MDENG\/bPxRfiCYEXAMPLEKEY/g, '[MASKED]');

const note = (text: string): JSONRPCMessage => ({
  jsonrpc: '2.0',
  method: 'notifications/message',
  params: { level: 'info', data: text },
});

async function replay(store: SessionEventStore, after: string) {
  const sent: [string, JSONRPCMessage][] = [];
  const stream = await store.replayEventsAfter(after, {
    send: async (id, message) => {
      sent.push([id, message]);
    },
  });
  return { stream, sent };
}

describe('SessionEventStore', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('replays the events of the resumed stream after the given id, without the priming event', async () => {
    const store = new SessionEventStore({ maxBytes: 1 << 20, maxAgeMs: 60_000, maskText });
    const priming = await store.storeEvent('call', {} as JSONRPCMessage);
    await store.storeEvent('other', note('not this stream'));
    const first = await store.storeEvent('call', note('one'));
    await store.storeEvent('call', note('two'));
    expect(store.streamOf(priming)).toBe('call');
    const { stream, sent } = await replay(store, priming);
    expect(stream).toBe('call');
    expect(
      sent.map(([, message]) => (message as unknown as { params: { data: string } }).params.data),
    ).toEqual(['one', 'two']);
    expect((await replay(store, first)).sent).toHaveLength(1);
  });

  it('knows no event id of another store (another session)', async () => {
    const mine = new SessionEventStore({ maxBytes: 1 << 20, maxAgeMs: 60_000, maskText });
    const theirs = new SessionEventStore({ maxBytes: 1 << 20, maxAgeMs: 60_000, maskText });
    const id = await theirs.storeEvent('call', note('secret of another session'));
    expect(mine.streamOf(id)).toBeUndefined();
    await expect(mine.getStreamIdForEventId(id)).resolves.toBeUndefined();
  });

  it('holds every string masked', async () => {
    const store = new SessionEventStore({ maxBytes: 1 << 20, maxAgeMs: 60_000, maskText });
    const priming = await store.storeEvent('call', {} as JSONRPCMessage);
    await store.storeEvent('call', {
      jsonrpc: '2.0',
      id: 3,
      result: {
        content: [{ type: 'text', text: '{"SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}' }],
      },
    });
    const { sent } = await replay(store, priming);
    expect(JSON.stringify(sent)).not.toContain('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
    expect(JSON.stringify(sent)).toContain('[MASKED]');
  });

  it('drops the oldest events beyond its byte bound', async () => {
    const store = new SessionEventStore({ maxBytes: 4096, maxAgeMs: 60_000, maskText });
    const ids: string[] = [];
    for (let index = 0; index < 100; index++) ids.push(await store.storeEvent('call', note('x'.repeat(200))));
    expect(store.heldBytes()).toBeLessThanOrEqual(4096);
    expect(store.streamOf(ids[0] as string)).toBeUndefined();
    expect(store.streamOf(ids[99] as string)).toBe('call');
  });

  it('drops events older than its age bound', async () => {
    vi.useFakeTimers();
    const store = new SessionEventStore({ maxBytes: 1 << 20, maxAgeMs: 1000, maskText });
    const old = await store.storeEvent('call', note('old'));
    vi.advanceTimersByTime(1500);
    const recent = await store.storeEvent('call', note('recent'));
    expect(store.streamOf(old)).toBeUndefined();
    expect(store.streamOf(recent)).toBe('call');
  });

  it('forgets everything when the session ends', async () => {
    const store = new SessionEventStore({ maxBytes: 1 << 20, maxAgeMs: 60_000, maskText });
    const id = await store.storeEvent('call', note('one'));
    store.clear();
    expect(store.streamOf(id)).toBeUndefined();
    expect(store.heldBytes()).toBe(0);
  });
});
