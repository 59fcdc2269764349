// Sends an MCP `initialize` over a spawned server's stdio and resolves with the reply, for the scripts that only
// need to know the server starts and answers (pack-smoke, start-time). Rejects after `timeoutMs` or on exit.
export function initialize(server, { clientName, timeoutMs = 30_000 }) {
  const request = {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: {
      protocolVersion: '2025-06-18',
      capabilities: {},
      clientInfo: { name: clientName, version: '1' },
    },
  };
  server.stdin.write(`${JSON.stringify(request)}\n`);
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(
      () => reject(new Error(`no initialize reply within ${timeoutMs} ms`)),
      timeoutMs,
    );
    server.stdout.on('data', (chunk) => {
      buffered += chunk;
      const line = buffered.split('\n').find((candidate) => candidate.includes('"id":1'));
      if (line !== undefined) {
        clearTimeout(timer);
        resolve(JSON.parse(line));
      }
    });
    server.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with ${code} before replying`));
    });
  });
}
