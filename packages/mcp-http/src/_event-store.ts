import type { EventStore } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

interface StoredEvent {
  id: string;
  streamId: string;
  message: JSONRPCMessage;
  bytes: number;
  at: number;
}

function maskStrings(value: unknown, maskText: (text: string) => string): unknown {
  if (typeof value === 'string') return maskText(value);
  if (Array.isArray(value)) return value.map((inner) => maskStrings(inner, maskText));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [key, maskStrings(inner, maskText)]),
    );
  }
  return value;
}

/**
 * The events of one session's SSE streams, kept so a client that lost a stream can resume it with
 * `Last-Event-ID`. Unlike the SDK example's store it is bounded: the oldest events go once the store holds more
 * than `maxBytes` or an event is older than `maxAgeMs`. Every string is stored through `maskText` (the caller's
 * masking of access keys, secrets, tokens), whatever the session was shown, so a replay never returns more than masked output. One store per
 * session: an event id of another session is simply unknown here.
 */
export class SessionEventStore implements EventStore {
  private readonly events: StoredEvent[] = [];
  private readonly byId = new Map<string, StoredEvent>();
  private bytes = 0;
  private sequence = 0;
  private readonly maxBytes: number;
  private readonly maxAgeMs: number;
  private readonly onStore: ((streamId: string, message: JSONRPCMessage) => void) | undefined;
  private readonly maskText: (text: string) => string;

  constructor({
    maxBytes,
    maxAgeMs,
    maskText,
    onStore,
  }: {
    maxBytes: number;
    maxAgeMs: number;
    /** Applied to every string of an event before it is kept. */
    maskText: (text: string) => string;
    /** Called for every event stored, before its id is returned (the caller's async context is still current). */
    onStore?: (streamId: string, message: JSONRPCMessage) => void;
  }) {
    this.maxBytes = maxBytes;
    this.maxAgeMs = maxAgeMs;
    this.onStore = onStore;
    this.maskText = maskText;
  }

  async storeEvent(streamId: string, message: JSONRPCMessage): Promise<string> {
    this.onStore?.(streamId, message);
    this.sequence += 1;
    const masked = maskStrings(message, this.maskText) as JSONRPCMessage;
    const event: StoredEvent = {
      id: `${streamId}.${this.sequence}`,
      streamId,
      message: masked,
      bytes: Buffer.byteLength(JSON.stringify(masked)) + streamId.length + 16,
      at: Date.now(),
    };
    this.events.push(event);
    this.byId.set(event.id, event);
    this.bytes += event.bytes;
    this.prune();
    return event.id;
  }

  /** The stream an event id belongs to, while the store still holds that event. */
  streamOf(eventId: string): string | undefined {
    this.prune();
    return this.byId.get(eventId)?.streamId;
  }

  async getStreamIdForEventId(eventId: string): Promise<string | undefined> {
    return this.streamOf(eventId);
  }

  async replayEventsAfter(
    lastEventId: string,
    { send }: { send: (eventId: string, message: JSONRPCMessage) => Promise<void> },
  ): Promise<string> {
    const last = this.byId.get(lastEventId);
    if (last === undefined) throw new Error('unknown event id');
    const after = this.events.slice(this.events.indexOf(last) + 1);
    for (const event of after) {
      // A priming event carries no message; it only gave the client a cursor.
      if (event.streamId === last.streamId && Object.keys(event.message).length > 0) {
        await send(event.id, event.message);
      }
    }
    return last.streamId;
  }

  /** Bytes held now, for tests and the bound. */
  heldBytes(): number {
    return this.bytes;
  }

  /** Forgets every event (the session ended). */
  clear(): void {
    this.events.length = 0;
    this.byId.clear();
    this.bytes = 0;
  }

  private prune(): void {
    const oldest = Date.now() - this.maxAgeMs;
    while (this.events.length > 0) {
      const first = this.events[0] as StoredEvent;
      if (this.bytes <= this.maxBytes && first.at >= oldest) break;
      this.events.shift();
      this.byId.delete(first.id);
      this.bytes -= first.bytes;
    }
  }
}
