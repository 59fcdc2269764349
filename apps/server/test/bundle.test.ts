import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const serverPackage = join(dirname(fileURLToPath(import.meta.url)), '..');
const motoMissing = findMotoServer() === undefined;

function text(result: unknown): string {
  const content = (result as CallToolResult).content[0];
  return content?.type === 'text' ? content.text : '';
}

/** What `npm pack` puts in the server's tarball: package.json and its `files`. */
async function copyPackedFiles(target: string): Promise<void> {
  const manifest = (await import(join(serverPackage, 'package.json'), { with: { type: 'json' } }))
    .default as {
    files: string[];
  };
  for (const entry of ['package.json', ...manifest.files]) {
    await cp(join(serverPackage, entry), join(target, entry), { recursive: true });
  }
}

describe('the bundled server (dist/index.js)', () => {
  let folder: string;
  let home: Awaited<ReturnType<typeof createAwsSandboxHome>>;
  let moto: MotoEmulator | undefined;
  let client: Client;

  beforeAll(async () => {
    // No node_modules here or in any parent: everything the bin needs is in the bundle or beside it.
    folder = await mkdtemp(join(tmpdir(), 'aws-mcp-bundle-'));
    await copyPackedFiles(join(folder, 'package'));
    if (!motoMissing) moto = await startMoto();
    home = await createAwsSandboxHome({ credentials: MOTO_CREDENTIALS, region: 'us-east-1' });
    ({ client } = await connectStdioClient({
      args: [join(folder, 'package', 'dist', 'index.js')],
      cwd: folder,
      env: {
        PATH: process.env.PATH ?? '',
        ...home.env,
        AWS_MAX_ATTEMPTS: '1',
        AWS_MCP_MODE: 'read-only',
        AWS_MCP_WORKDIR: join(folder, 'workdir'),
        ...(moto === undefined ? {} : { AWS_ENDPOINT_URL: moto.endpoint }),
      },
      name: 'bundle-test',
    }));
  });
  afterAll(async () => {
    await client?.close();
    await moto?.stop();
    await home?.remove();
    await rm(folder, { recursive: true, force: true });
  });

  it('ships one JavaScript file and the data files, with no node_modules', async () => {
    expect((await readdir(join(folder, 'package', 'dist'))).filter((name) => name.endsWith('.js'))).toEqual([
      'index.js',
    ]);
    expect(await readdir(join(folder, 'package'))).not.toContain('node_modules');
    expect(await readdir(join(folder, 'package', 'catalog'))).toContain('catalog.json');
  });

  it('lists both tools and answers help from the installed CLI', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual([
      'aws_cli_help',
      'aws_cli_pipeline',
      'aws_withdraw_approvals',
    ]);
    const help = await client.callTool({ name: 'aws_cli_help', arguments: { service: 'sts' } });
    expect(text(help)).toContain('get-caller-identity');
  });

  it('refuses a hallucinated command with the catalog’s did-you-mean', async () => {
    const result = (await client.callTool({
      name: 'aws_cli_pipeline',
      arguments: { command: 'aws ec2 list-instances' },
    })) as CallToolResult;
    expect(result.isError).toBe(true);
    expect(text(result)).toContain('describe-instances');
  });

  it.skipIf(motoMissing)(
    `runs a read against moto and returns its answer${motoMissing ? ' (skipped: moto_server is not installed)' : ''}`,
    async () => {
      const result = (await client.callTool({
        name: 'aws_cli_pipeline',
        arguments: { command: 'aws sts get-caller-identity --query Account --output text' },
      })) as CallToolResult;
      expect(result.isError, text(result)).not.toBe(true);
      expect(text(result).trim()).toBe('123456789012');
    },
  );
});
