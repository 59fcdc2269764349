import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createMcpServer } from '../server.js';
import type { ServerContext } from '../server-context.js';
import { watchParentProcess } from './_processes.js';

/** A server answering on this process's stdin and stdout. */
export interface StdioServerHandle {
  /** Closes the session, which aborts its running commands. */
  close(): Promise<void>;
}

/**
 * Serves one MCP session over stdio on the shared context. `onEnd` is called once when the client is gone: stdin
 * ended or closed, the transport closed, or the parent process died.
 */
export async function startStdioServer({
  context,
  onEnd,
}: {
  context: ServerContext;
  onEnd: (reason: string) => void;
}): Promise<StdioServerHandle> {
  const server = createMcpServer(context);
  const transport = new StdioServerTransport();
  let ended = false;
  const end = (reason: string) => {
    if (ended) return;
    ended = true;
    stopWatching();
    onEnd(reason);
  };
  const stopWatching = watchParentProcess({ onExit: () => end('the parent process exited') });
  process.stdin.once('end', () => end('stdin ended'));
  process.stdin.once('close', () => end('stdin closed'));
  transport.onclose = () => end('the transport closed');
  // A client gone without closing our stdin shows as EPIPE on stdout; without a listener it would crash.
  process.stdout.on('error', () => end('stdout closed'));
  await server.connect(transport);
  return {
    close: async () => {
      stopWatching();
      await server.close();
    },
  };
}
