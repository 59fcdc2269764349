import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAwsSandboxHome, type Emulator, startMoto, startS3rver } from '@aws-mcp/emulators';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import {
  type CallToolResult,
  type ElicitRequest,
  ElicitRequestSchema,
  type ElicitResult,
} from '@modelcontextprotocol/sdk/types.js';
import { readServerConfig } from './config.js';
import { createServer } from './server.js';
import type { ServerContext } from './server-context.js';

/** How the test client answers consent requests; `none` declares no elicitation capability at all. */
export type ConsentPolicy = 'accept' | 'decline' | 'none';

/** A real server on the real AWS CLI and s3rver, connected to a real SDK client through linked in-memory transports. */
export interface TestServer {
  client: Client;
  s3: Emulator;
  workdir: string;
  context: ServerContext;
  /** HOME, AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE of the AWS setup the server reads. */
  awsEnv: Record<string, string>;
  consent: { answer: ConsentPolicy; asked: string[] };
  call(tool: string, args: Record<string, unknown>): Promise<CallToolResult>;
  connectAnother(answer: ConsentPolicy): Promise<Client>;
  /** A client that declares `capabilities` and answers each elicitation with `answer` (and records it in `asked`). */
  connectAnswering(
    answer: (request: ElicitRequest) => ElicitResult,
    capabilities?: ClientCapabilities,
  ): Promise<Client>;
  close(): Promise<void>;
}

/** The first text block of a tool result. */
export function textOf(result: CallToolResult): string {
  const block = result.content[0];
  return block?.type === 'text' ? block.text : '';
}

/**
 * Starts an emulator (s3rver, or moto for services beyond S3), an AWS home for it and the server with `settings`
 * (AWS_MCP_* variables) on top.
 */
export async function startTestServer(
  settings: Record<string, string> = {},
  { emulator = 's3rver' }: { emulator?: 's3rver' | 'moto' } = {},
): Promise<TestServer> {
  const s3: Emulator = emulator === 'moto' ? await startMoto() : await startS3rver();
  const home = await createAwsSandboxHome({ credentials: s3.credentials, region: 'us-east-1' });
  const workdir = await mkdtemp(join(tmpdir(), 'server-test-workdir-'));
  const env = {
    PATH: process.env.PATH,
    LANG: 'C.UTF-8',
    ...home.env,
    AWS_ENDPOINT_URL: s3.endpoint,
    AWS_MAX_ATTEMPTS: '1',
    AWS_MCP_WORKDIR: workdir,
    ...settings,
  };
  let created: Awaited<ReturnType<typeof createServer>>;
  try {
    created = await createServer({ config: readServerConfig(env), env });
  } catch (error) {
    await s3.stop();
    await home.remove();
    await rm(workdir, { recursive: true, force: true });
    throw error;
  }
  const { server, context, cleanup } = created;
  const consent = { answer: 'accept' as ConsentPolicy, asked: [] as string[] };
  const clients: Client[] = [];

  async function connect(answer: ConsentPolicy | (() => ConsentPolicy)): Promise<Client> {
    const current = typeof answer === 'function' ? answer : () => answer;
    const client = new Client(
      { name: 'test', version: '1.0.0' },
      { capabilities: current() === 'none' ? {} : { elicitation: { form: {} } } },
    );
    if (current() !== 'none') {
      client.setRequestHandler(ElicitRequestSchema, async (request) => {
        consent.asked.push(request.params.message);
        return current() === 'accept'
          ? { action: 'accept', content: { approve: true } }
          : { action: 'decline' };
      });
    }
    return link(client);
  }

  async function link(client: Client): Promise<Client> {
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    const target = clients.length === 0 ? server : (await import('./server.js')).createMcpServer(context);
    await target.connect(serverTransport);
    await client.connect(clientTransport);
    clients.push(client);
    return client;
  }

  async function connectAnswering(
    answer: (request: ElicitRequest) => ElicitResult,
    capabilities: ClientCapabilities = { elicitation: { form: {} } },
  ): Promise<Client> {
    const client = new Client({ name: 'test', version: '1.0.0' }, { capabilities });
    if (capabilities.elicitation !== undefined) {
      client.setRequestHandler(ElicitRequestSchema, async (request) => {
        consent.asked.push(request.params.message);
        return answer(request);
      });
    }
    return link(client);
  }

  const client = await connect(() => consent.answer);
  return {
    client,
    s3,
    workdir,
    awsEnv: home.env as Record<string, string>,
    context,
    consent,
    call: async (tool, args) => (await client.callTool({ name: tool, arguments: args })) as CallToolResult,
    connectAnother: (answer) => connect(answer),
    connectAnswering,
    close: async () => {
      for (const each of clients) await each.close();
      await cleanup();
      await s3.stop();
      await home.remove();
      await rm(workdir, { recursive: true, force: true });
    },
  };
}
