import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { watchSessionTraffic } from './_session-traffic.js';

function watched() {
  const [serverSide, clientSide] = InMemoryTransport.createLinkedPair();
  const traffic = watchSessionTraffic(serverSide);
  const fromClient: JSONRPCMessage[] = [];
  clientSide.onmessage = (message) => fromClient.push(message);
  return { serverSide, clientSide, traffic, fromClient };
}

const answer = (id: unknown) => ({ jsonrpc: '2.0', id, result: { action: 'decline' } });
const refusal = (id: unknown) =>
  `Bad Request: the response with id ${JSON.stringify(id)} answers no request this server sent on this session and still waits for (it was answered already, timed out, or was never sent); nothing was accepted.`;

describe('watchSessionTraffic', () => {
  it('accepts one answer per request the server sent, and only that', async () => {
    const { serverSide, traffic } = watched();
    await serverSide.start();
    await serverSide.send({ jsonrpc: '2.0', id: 7, method: 'elicitation/create', params: {} });
    expect(traffic.asking()).toBe(true);
    expect(traffic.claimAnswers([answer('7')])).toBe(refusal('7'));
    expect(traffic.claimAnswers([answer(8)])).toBe(refusal(8));
    expect(traffic.claimAnswers([answer(7), answer(7)])).toBe(refusal(7));
    expect(traffic.claimAnswers([answer(7)])).toBeUndefined();
    expect(traffic.asking()).toBe(false);
    expect(traffic.claimAnswers([answer(7)])).toBe(refusal(7));
  });

  it('refuses an answer after the server gave up on its request (timeout)', async () => {
    const { serverSide, traffic } = watched();
    await serverSide.start();
    await serverSide.send({ jsonrpc: '2.0', id: 3, method: 'elicitation/create', params: {} });
    await serverSide.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 3 } });
    expect(traffic.claimAnswers([answer(3)])).toBe(refusal(3));
  });

  it('lets requests and notifications through untouched', () => {
    const { traffic } = watched();
    expect(
      traffic.claimAnswers([
        { jsonrpc: '2.0', id: 1, method: 'ping' },
        { jsonrpc: '2.0', method: 'notifications/initialized' },
      ]),
    ).toBeUndefined();
  });

  it('knows which calls of the client run, and cancels one as the client would', async () => {
    const { serverSide, clientSide, traffic } = watched();
    const seen: JSONRPCMessage[] = [];
    const observe = serverSide.onmessage;
    serverSide.onmessage = (message) => {
      observe?.(message);
      seen.push(message);
    };
    await serverSide.start();
    await clientSide.start();
    await clientSide.send({ jsonrpc: '2.0', id: 'a', method: 'tools/call', params: { name: 'x' } });
    await clientSide.send({ jsonrpc: '2.0', id: 'b', method: 'tools/call', params: { name: 'y' } });
    expect([...traffic.running()]).toEqual(['a', 'b']);
    await serverSide.send({ jsonrpc: '2.0', id: 'a', result: {} });
    expect([...traffic.running()]).toEqual(['b']);
    traffic.cancel('b', 'its stream broke');
    expect([...traffic.running()]).toEqual([]);
    expect(seen.at(-1)).toEqual({
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: 'b', reason: 'its stream broke' },
    });
  });

  it('remembers the protocol version the session negotiated', async () => {
    const { serverSide, traffic } = watched();
    await serverSide.start();
    expect(traffic.protocolVersion()).toBeUndefined();
    await serverSide.send({
      jsonrpc: '2.0',
      id: 0,
      result: { protocolVersion: '2025-11-25', capabilities: {}, serverInfo: { name: 's', version: '1' } },
    });
    expect(traffic.protocolVersion()).toBe('2025-11-25');
  });
});
