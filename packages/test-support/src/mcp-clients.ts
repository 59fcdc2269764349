import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  type ClientCapabilities,
  type ElicitRequest,
  ElicitRequestSchema,
  type ElicitResult,
} from '@modelcontextprotocol/sdk/types.js';

/** How a test client answers consent requests (elicitations); `none` declares no elicitation capability at all. */
export type ConsentPolicy = 'accept' | 'decline' | 'none';

/** A client's consent: its current answer (a policy, or a function of the request) and the messages it was asked. */
export interface Consent {
  answer: ConsentPolicy | ((request: ElicitRequest) => ElicitResult);
  asked: string[];
}

/** What every `connect*Client` takes besides where to connect. */
export interface ClientOptions {
  /** The client's name in `initialize`. */
  name?: string;
  /** A policy, or a shared `Consent` whose `answer` the test may change between calls. Default `none`. */
  consent?: ConsentPolicy | Consent;
  /** Overrides the capabilities `consent` implies (elicitation unless the policy is `none`). */
  capabilities?: ClientCapabilities;
}

/** A connected client, with the consent it answers by. */
export interface ConnectedClient {
  client: Client;
  consent: Consent;
  close(): Promise<void>;
}

function toConsent(consent: ConsentPolicy | Consent | undefined): Consent {
  if (consent === undefined || typeof consent === 'string') return { answer: consent ?? 'none', asked: [] };
  return consent;
}

/**
 * An SDK client that answers elicitations by `consent` (`accept` approves with `{ approve: true }`, anything
 * else but a function declines) and records each message it is asked.
 */
export function createConsentClient({ name = 'test', consent, capabilities }: ClientOptions = {}): {
  client: Client;
  consent: Consent;
} {
  const answering = toConsent(consent);
  const declared = capabilities ?? (answering.answer === 'none' ? {} : { elicitation: { form: {} } });
  const client = new Client({ name, version: '1.0.0' }, { capabilities: declared });
  if (declared.elicitation !== undefined) {
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      answering.asked.push(request.params.message);
      const answer = answering.answer;
      if (typeof answer === 'function') return answer(request);
      return answer === 'accept' ? { action: 'accept', content: { approve: true } } : { action: 'decline' };
    });
  }
  return { client, consent: answering };
}

async function connectWith(transport: Transport, options: ClientOptions): Promise<ConnectedClient> {
  const { client, consent } = createConsentClient(options);
  await client.connect(transport);
  return { client, consent, close: () => client.close() };
}

/**
 * Starts `command args` (default: this Node running `args`) as an MCP server over stdio, with exactly `env`,
 * and connects a client to it. Its stderr is collected (so a full pipe never blocks it) and read with `stderr()`.
 */
export async function connectStdioClient({
  command = process.execPath,
  args,
  env,
  cwd,
  ...options
}: ClientOptions & {
  command?: string;
  args: string[];
  env: Record<string, string | undefined>;
  cwd?: string;
}): Promise<ConnectedClient & { transport: StdioClientTransport; stderr(): string }> {
  const defined = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  const transport = new StdioClientTransport({ command, args, env: defined, cwd, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const connected = await connectWith(transport, options);
  return { ...connected, transport, stderr: () => stderr };
}

/**
 * Connects a client over streamable HTTP to `url`, sending `Authorization: Bearer TOKEN` when `token` is given;
 * `fetch` replaces the transport's fetch (to watch or refuse requests).
 */
export async function connectHttpClient({
  url,
  token,
  fetch,
  ...options
}: ClientOptions & {
  url: string | URL;
  token?: string;
  fetch?: (url: string | URL, init?: RequestInit) => Promise<Response>;
}): Promise<ConnectedClient & { transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    ...(token === undefined ? {} : { requestInit: { headers: { Authorization: `Bearer ${token}` } } }),
    ...(fetch === undefined ? {} : { fetch }),
  });
  const connected = await connectWith(transport, options);
  return { ...connected, transport };
}

/** Connects a client to `server` (an SDK `McpServer` or `Server`) in this process, through linked in-memory transports. */
export async function connectInMemoryClient({
  server,
  ...options
}: ClientOptions & { server: { connect(transport: Transport): Promise<void> } }): Promise<ConnectedClient> {
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await server.connect(serverTransport);
  return connectWith(clientTransport, options);
}
