import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAwsSandboxHome, type Emulator, startMoto, startS3rver } from '@aws-mcp/emulators';
import {
  type ClientOptions,
  type ConnectedClient,
  type Consent,
  type ConsentPolicy,
  connectHttpClient,
  createConsentClient,
} from '@aws-mcp/test-support';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type {
  CallToolResult,
  ClientCapabilities,
  ElicitRequest,
  ElicitResult,
} from '@modelcontextprotocol/sdk/types.js';
import { readServerConfig } from '../src/config.js';
import { createMcpServer, createServer } from '../src/server.js';
import { createServerContext, type ServerContext } from '../src/server-context.js';
import { type HttpServerHandle, startHttpServer } from '../src/transports/http.js';

export type { ConsentPolicy } from '@aws-mcp/test-support';

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

/** An emulator with the AWS home and working folder a test server reads, and the environment pointing at them. */
interface ServerAws {
  emulator: Emulator;
  workdir: string;
  awsEnv: Record<string, string>;
  env: Record<string, string | undefined>;
  /** Removes the home and working folder, and stops the emulator when this set-up started it. */
  remove(): Promise<void>;
}

async function prepareServerAws(
  emulator: 's3rver' | 'moto' | Emulator,
  settings: Record<string, string>,
  workdirPrefix: string,
): Promise<ServerAws> {
  const started = typeof emulator !== 'string';
  const running: Emulator = started
    ? emulator
    : emulator === 'moto'
      ? await startMoto()
      : await startS3rver();
  const home = await createAwsSandboxHome({ credentials: running.credentials, region: 'us-east-1' });
  const workdir = await mkdtemp(join(tmpdir(), workdirPrefix));
  return {
    emulator: running,
    workdir,
    awsEnv: home.env,
    env: {
      PATH: process.env.PATH,
      LANG: 'C.UTF-8',
      ...home.env,
      AWS_ENDPOINT_URL: running.endpoint,
      AWS_MAX_ATTEMPTS: '1',
      AWS_MCP_WORKDIR: workdir,
      ...settings,
    },
    remove: async () => {
      if (!started) await running.stop();
      await home.remove();
      await rm(workdir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts an emulator (s3rver, or moto for services beyond S3), an AWS home for it and the server with `settings`
 * (AWS_MCP_* variables) on top.
 */
export async function startTestServer(
  settings: Record<string, string> = {},
  { emulator = 's3rver' }: { emulator?: 's3rver' | 'moto' } = {},
): Promise<TestServer> {
  const aws = await prepareServerAws(emulator, settings, 'server-test-workdir-');
  let created: Awaited<ReturnType<typeof createServer>>;
  try {
    created = await createServer({ config: readServerConfig(aws.env), env: aws.env });
  } catch (error) {
    await aws.remove();
    throw error;
  }
  const { server, context, cleanup } = created;
  // As the bin does once its transport is up: the CLI check has run before the first call.
  await context.awsCli();
  const consent: Consent & { answer: ConsentPolicy } = { answer: 'accept', asked: [] };
  const clients: Client[] = [];

  async function link(options: ClientOptions): Promise<Client> {
    const { client } = createConsentClient({ name: 'test', ...options });
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    // The first client takes the server createServer made; each other one gets its own, as an HTTP session does.
    await (clients.length === 0 ? server : createMcpServer(context)).connect(serverTransport);
    await client.connect(clientTransport);
    clients.push(client);
    return client;
  }

  const client = await link({ consent });
  return {
    client,
    s3: aws.emulator,
    workdir: aws.workdir,
    awsEnv: aws.awsEnv,
    context,
    consent,
    call: async (tool, args) => (await client.callTool({ name: tool, arguments: args })) as CallToolResult,
    connectAnother: (answer) => link({ consent: { answer, asked: consent.asked } }),
    connectAnswering: (answer, capabilities = { elicitation: { form: {} } }) =>
      link({ consent: { answer, asked: consent.asked }, capabilities }),
    close: async () => {
      for (const each of clients) await each.close();
      await cleanup();
      await aws.remove();
    },
  };
}

/** The server's streamable-HTTP transport in this process, with its context, on an emulator. */
export interface HttpTestServer {
  url: string;
  token: string;
  context: ServerContext;
  http: HttpServerHandle;
  emulator: Emulator;
  workdir: string;
  /** HOME, AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE of the AWS setup the server reads. */
  awsEnv: Record<string, string>;
  /** Connects a client with the token (closed with the server). */
  connect(
    options?: ClientOptions & { fetch?: (url: string | URL, init?: RequestInit) => Promise<Response> },
  ): Promise<ConnectedClient & { transport: StreamableHTTPClientTransport }>;
  close(): Promise<void>;
}

/**
 * Starts the server context with `settings` on top of an AWS home for `emulator` (started here when named, used
 * as it is when given, and then left running), calls `prepare` on the context, and serves streamable HTTP on
 * loopback with a bearer token.
 */
export async function startHttpTestServer({
  settings = {},
  emulator = 'moto',
  token = 'http-test-server-token-0123456789',
  prepare,
}: {
  settings?: Record<string, string>;
  emulator?: 's3rver' | 'moto' | Emulator;
  token?: string;
  prepare?: (context: ServerContext) => void;
} = {}): Promise<HttpTestServer> {
  const aws = await prepareServerAws(
    emulator,
    {
      AWS_MCP_TRANSPORT: 'streamable-http',
      AWS_MCP_HOST: '127.0.0.1',
      AWS_MCP_PORT: '0',
      AWS_MCP_AUTH_TOKEN: token,
      ...settings,
    },
    'http-test-server-workdir-',
  );
  let context: ServerContext | undefined;
  let http: HttpServerHandle;
  try {
    context = await createServerContext({ config: readServerConfig(aws.env), env: aws.env, log: () => {} });
    prepare?.(context);
    await context.awsCli();
    http = await startHttpServer({ context, log: () => {} });
  } catch (error) {
    await context?.close();
    await aws.remove();
    throw error;
  }
  const clients: Client[] = [];
  return {
    url: http.url,
    token,
    context,
    http,
    emulator: aws.emulator,
    workdir: aws.workdir,
    awsEnv: aws.awsEnv,
    connect: async (options = {}) => {
      const connected = await connectHttpClient({ url: http.url, token, name: 'http-test', ...options });
      clients.push(connected.client);
      return connected;
    },
    close: async () => {
      for (const client of clients) await client.close().catch(() => {});
      await http.close();
      await context?.close();
      await aws.remove();
    },
  };
}
