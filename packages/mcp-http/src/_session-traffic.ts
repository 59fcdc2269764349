import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  isJSONRPCErrorResponse,
  isJSONRPCNotification,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  type JSONRPCMessage,
  type RequestId,
} from '@modelcontextprotocol/sdk/types.js';

/**
 * What one session's protocol traffic says about it: the client's requests still running, the server's own
 * requests (consent forms) still waiting for an answer, and when the client last sent anything. Installed on a
 * transport before the session's server connects to it.
 */
export interface SessionTraffic {
  /** Ids of the client's requests that have no response yet. */
  running(): ReadonlySet<RequestId>;
  /** Whether the server waits for an answer from the client (a consent form is open). */
  asking(): boolean;
  /** The protocol version the session negotiated in `initialize`, once answered. */
  protocolVersion(): string | undefined;
  /** When the client last sent a message, or an HTTP request of it ended (ms since the epoch). */
  lastActive(): number;
  touch(): void;
  /**
   * Checks the responses among `messages` (the client's answers to the server's requests): each must answer a
   * request the server sent on this session, not answered yet and not timed out. Claims them when all are, so a
   * repeated answer is refused; returns what is wrong otherwise, claiming none.
   */
  claimAnswers(messages: readonly unknown[]): string | undefined;
  /** Cancels a running request of the client as if the client had sent `notifications/cancelled`. */
  cancel(requestId: RequestId, reason: string): void;
}

const key = (id: RequestId) => `${typeof id}:${String(id)}`;

/** Wraps `transport.send` and `transport.onmessage` to keep a session's traffic; returns what it keeps. */
export function watchSessionTraffic(transport: Transport): SessionTraffic {
  const running = new Map<string, RequestId>();
  const asked = new Set<string>();
  let lastActive = Date.now();
  let protocolVersion: string | undefined;

  const send = transport.send.bind(transport);
  transport.send = (message, options) => {
    if (isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message)) {
      // Before the send: the transport may end the stream inside it, and that must not look like a break.
      if (message.id !== undefined) running.delete(key(message.id));
      const result =
        'result' in message ? (message.result as { protocolVersion?: unknown; serverInfo?: unknown }) : {};
      if (typeof result.protocolVersion === 'string' && result.serverInfo !== undefined) {
        protocolVersion = result.protocolVersion;
      }
    } else if (isJSONRPCRequest(message)) {
      asked.add(key(message.id));
    } else if (message.method === 'notifications/cancelled') {
      // The server gave up on its own request (its timeout): a late answer must be refused.
      const requestId = (message.params as { requestId?: RequestId } | undefined)?.requestId;
      if (requestId !== undefined) asked.delete(key(requestId));
    }
    return send(message, options);
  };

  const observe = (message: JSONRPCMessage) => {
    lastActive = Date.now();
    if (isJSONRPCRequest(message)) running.set(key(message.id), message.id);
    else if (isJSONRPCNotification(message) && message.method === 'notifications/cancelled') {
      const requestId = (message.params as { requestId?: RequestId } | undefined)?.requestId;
      if (requestId !== undefined) running.delete(key(requestId));
    }
  };
  transport.onmessage = observe;

  return {
    running: () => new Set(running.values()),
    asking: () => asked.size > 0,
    protocolVersion: () => protocolVersion,
    lastActive: () => lastActive,
    touch: () => {
      lastActive = Date.now();
    },
    claimAnswers(messages) {
      const answers = messages.filter(
        (message): message is { id: RequestId } =>
          typeof message === 'object' &&
          message !== null &&
          !('method' in message) &&
          ('result' in message || 'error' in message) &&
          'id' in message,
      );
      const keys = answers.map((answer) => key(answer.id));
      const unknown = answers.find((_answer, index) => !asked.has(keys[index] as string));
      if (unknown !== undefined || new Set(keys).size !== keys.length) {
        return `Bad Request: the response with id ${JSON.stringify(unknown?.id ?? answers[0]?.id)} answers no request this server sent on this session and still waits for (it was answered already, timed out, or was never sent); nothing was accepted.`;
      }
      for (const answerKey of keys) asked.delete(answerKey);
      return undefined;
    },
    cancel(requestId, reason) {
      if (!running.has(key(requestId))) return;
      transport.onmessage?.(
        { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId, reason } },
        undefined,
      );
    },
  };
}
