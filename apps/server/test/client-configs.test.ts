import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parsePolicy } from '@aws-mcp/command';
import {
  createAwsSandboxHome,
  findMotoServer,
  MOTO_CREDENTIALS,
  type MotoEmulator,
  startMoto,
} from '@aws-mcp/emulators';
import { connectStdioClient } from '@aws-mcp/test-support';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { parse as parseToml } from 'smol-toml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readServerConfig, settingDefinitions } from '../src/config.js';

const root = join(import.meta.dirname, '..', '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const clientsDoc = readFileSync(join(root, 'docs', 'clients.md'), 'utf8');
const placeholder = '/path/to/aws-mcp';
const knownVariables = new Set(settingDefinitions.map((setting) => setting.variable));
const motoMissing = findMotoServer() === undefined;

/** The fenced blocks that follow `<!-- KIND: NAME -->` markers, by name. */
function markedBlocks(markdown: string, kind: string): Map<string, { language: string; text: string }> {
  const blocks = new Map<string, { language: string; text: string }>();
  const pattern = new RegExp(
    `<!-- ${kind}: ([a-z-]+) -->\\n\\s*\`\`\`(\\w+)\\n([\\s\\S]*?)\\n\\s*\`\`\``,
    'g',
  );
  for (const match of markdown.matchAll(pattern)) {
    blocks.set(match[1] as string, { language: match[2] as string, text: match[3] as string });
  }
  return blocks;
}

interface LaunchConfig {
  command: string;
  args: string[];
  env: Record<string, string>;
}

/** What each client would start, read the way that client reads its config. */
function readLaunchConfig(client: string, block: { language: string; text: string }): LaunchConfig {
  if (client === 'claude-code') {
    expect(block.language).toBe('sh');
    const words = block.text.trim().split(/\s+/);
    expect(words.slice(0, 4)).toEqual(['claude', 'mcp', 'add', 'aws']);
    const separator = words.indexOf('--');
    const env: Record<string, string> = {};
    for (const [index, word] of words.slice(0, separator).entries()) {
      if (word !== '-e') continue;
      const [name, ...value] = (words[index + 1] as string).split('=');
      env[name as string] = value.join('=');
    }
    return { command: words[separator + 1] as string, args: words.slice(separator + 2), env };
  }
  if (client === 'codex') {
    expect(block.language).toBe('toml');
    const parsed = parseToml(block.text) as unknown as {
      mcp_servers: Record<string, LaunchConfig & { tool_timeout_sec: number }>;
    };
    const server = parsed.mcp_servers.aws as LaunchConfig & { tool_timeout_sec: number };
    // Codex's default is 60 s; the server's own default timeout is 300 s.
    expect(server.tool_timeout_sec).toBeGreaterThanOrEqual(300);
    return server;
  }
  expect(block.language).toBe('json');
  const parsed = JSON.parse(block.text);
  if (client === 'vscode') {
    expect(Object.keys(parsed)).toEqual(['servers']);
    expect(parsed.servers.aws.type).toBe('stdio');
    return parsed.servers.aws;
  }
  expect(Object.keys(parsed)).toEqual(['mcpServers']);
  return parsed.mcpServers.aws;
}

const clients = ['claude-desktop', 'claude-code', 'vscode', 'cursor', 'windsurf', 'codex'];
const readmeBlocks = markedBlocks(readme, 'client');

describe('the client configs in the README', () => {
  let home: Awaited<ReturnType<typeof createAwsSandboxHome>>;
  beforeAll(async () => {
    home = await createAwsSandboxHome({ credentials: MOTO_CREDENTIALS });
  });
  afterAll(async () => {
    await home?.remove();
  });

  it('shows one for each client people ask about', () => {
    expect([...readmeBlocks.keys()].sort()).toEqual([...clients].sort());
  });

  it.each(clients)('%s: parses, names settings the server reads, and starts the server', async (client) => {
    const block = readmeBlocks.get(client);
    expect(block, `no block for ${client}`).toBeDefined();
    const config = readLaunchConfig(client, block as { language: string; text: string });
    expect(config.command).toBe('node');
    const args = config.args.map((arg) => arg.replace(placeholder, root));
    expect(args.length).toBe(1);
    expect(existsSync(args[0] as string), `${args[0]} exists`).toBe(true);
    for (const name of Object.keys(config.env ?? {})) expect(knownVariables, name).toContain(name);
    expect(() => readServerConfig({ HOME: home.home, ...config.env })).not.toThrow();

    const workdir = join(home.home, `workdir-${client}`);
    const { client: mcp } = await connectStdioClient({
      args,
      env: { PATH: process.env.PATH ?? '', ...home.env, AWS_MCP_WORKDIR: workdir, ...config.env },
      name: client,
    });
    try {
      const { tools } = await mcp.listTools();
      expect(tools.map((tool) => tool.name).sort()).toEqual([
        'aws_cli_help',
        'aws_cli_pipeline',
        'aws_withdraw_approvals',
      ]);
      const environment = await mcp.readResource({ uri: 'aws://config/environment' });
      const first = environment.contents[0];
      expect(first !== undefined && 'text' in first && JSON.parse(first.text).mode).toBe(
        config.env?.AWS_MCP_MODE ?? 'confirm-writes',
      );
    } finally {
      await mcp.close();
    }
  });
});

describe.skipIf(motoMissing)(
  `the policy file docs/clients.md shows for clients that cannot ask${motoMissing ? ' (skipped: moto_server is not installed)' : ''}`,
  () => {
    let moto: MotoEmulator;
    let home: Awaited<ReturnType<typeof createAwsSandboxHome>>;
    let folder: string;
    let mcp: Client;
    let queueUrl: string;

    beforeAll(async () => {
      const block = markedBlocks(clientsDoc, 'policy').get('notify');
      if (block === undefined) throw new Error('docs/clients.md has no <!-- policy: notify --> block');
      parsePolicy(JSON.parse(block.text));
      moto = await startMoto();
      home = await createAwsSandboxHome({
        credentials: MOTO_CREDENTIALS,
        profiles: [
          { name: 'default', region: 'us-east-1' },
          { name: 'ops', region: 'us-east-1' },
        ],
      });
      folder = await mkdtemp(join(tmpdir(), 'policy-doc-'));
      await writeFile(join(folder, 'policy.json'), block.text);
      const { stdout } = await promisify(execFile)(
        'aws',
        [
          '--endpoint-url',
          moto.endpoint,
          'sqs',
          'create-queue',
          '--queue-name',
          'jobs',
          '--query',
          'QueueUrl',
          '--output',
          'text',
        ],
        { env: { PATH: process.env.PATH ?? '', ...home.env, AWS_MAX_ATTEMPTS: '1' } },
      );
      queueUrl = stdout.trim();
      // A client without elicitation, like Claude Desktop.
      ({ client: mcp } = await connectStdioClient({
        args: [join(root, 'apps', 'server', 'dist', 'index.js')],
        env: {
          PATH: process.env.PATH ?? '',
          ...home.env,
          AWS_MAX_ATTEMPTS: '1',
          AWS_ENDPOINT_URL: moto.endpoint,
          AWS_MCP_WORKDIR: join(folder, 'workdir'),
          AWS_MCP_POLICY_FILE: join(folder, 'policy.json'),
        },
        name: 'no-elicitation',
      }));
    });
    afterAll(async () => {
      await mcp?.close();
      await moto?.stop();
      await home?.remove();
      if (folder !== undefined) await rm(folder, { recursive: true, force: true });
    });

    const send = (profile: string) =>
      mcp.callTool({
        name: 'aws_cli_pipeline',
        arguments: { command: `aws sqs send-message --queue-url ${queueUrl} --message-body hello`, profile },
      }) as Promise<CallToolResult>;

    it('runs a named operation in the named profile without asking', async () => {
      const result = await send('ops');
      expect(result.isError, JSON.stringify(result.content)).not.toBe(true);
      expect(JSON.stringify(result.content)).toContain('MessageId');
    });

    it('refuses it in another profile, and every other write', async () => {
      expect((await send('default')).isError).toBe(true);
      const remove = (await mcp.callTool({
        name: 'aws_cli_pipeline',
        arguments: { command: `aws sqs delete-queue --queue-url ${queueUrl}`, profile: 'ops' },
      })) as CallToolResult;
      expect(remove.isError).toBe(true);
    });
  },
);
