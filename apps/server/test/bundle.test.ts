import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
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

async function readEnvironment(client: Client): Promise<{ codeCache: { state: string; file: string } }> {
  const read = await client.readResource({ uri: 'aws://config/environment' });
  const content = read.contents[0];
  return JSON.parse(content !== undefined && 'text' in content ? content.text : '{}');
}

function text(result: unknown): string {
  const content = (result as CallToolResult).content[0];
  return content?.type === 'text' ? content.text : '';
}

/** What `npm pack` puts in the server's tarball, as npm itself lists it (`files`, its exclusions included). */
async function copyPackedFiles(target: string): Promise<void> {
  const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: serverPackage,
    maxBuffer: 16 * 1024 * 1024,
  });
  const [packed] = JSON.parse(stdout) as [{ files: { path: string }[] }];
  for (const { path } of packed.files) {
    await mkdir(dirname(join(target, path)), { recursive: true });
    await copyFile(join(serverPackage, path), join(target, path));
  }
}

describe('the bundled server (dist/index.js)', () => {
  let folder: string;
  let home: Awaited<ReturnType<typeof createAwsSandboxHome>>;
  let moto: MotoEmulator | undefined;
  let client: Client;
  const serverEnv = () => ({
    PATH: process.env.PATH ?? '',
    ...home.env,
    AWS_MAX_ATTEMPTS: '1',
    AWS_MCP_MODE: 'read-only',
    AWS_MCP_WORKDIR: join(folder, 'workdir'),
    ...(moto === undefined ? {} : { AWS_ENDPOINT_URL: moto.endpoint }),
  });

  beforeAll(async () => {
    // No node_modules here or in any parent: everything the bin needs is in the bundle or beside it.
    folder = await mkdtemp(join(tmpdir(), 'aws-mcp-bundle-'));
    await copyPackedFiles(join(folder, 'package'));
    if (!motoMissing) moto = await startMoto();
    home = await createAwsSandboxHome({ credentials: MOTO_CREDENTIALS, region: 'us-east-1' });
    ({ client } = await connectStdioClient({
      args: [join(folder, 'package', 'dist', 'index.js')],
      cwd: folder,
      env: serverEnv(),
      name: 'bundle-test',
    }));
  });
  afterAll(async () => {
    await client?.close();
    await moto?.stop();
    await home?.remove();
    await rm(folder, { recursive: true, force: true });
  });

  it('ships the bin, the one bundle it runs and the data files, with no node_modules', async () => {
    const dist = (await readdir(join(folder, 'package', 'dist'))).filter((name) => !name.endsWith('.map'));
    // The code cache is not shipped: the first start (beforeAll's) may have written it by now.
    expect(dist.filter((name) => name !== 'server.cjs.v8-cache').sort()).toEqual(['index.js', 'server.cjs']);
    expect(await readdir(join(folder, 'package'))).not.toContain('node_modules');
    expect(await readdir(join(folder, 'package', 'catalog'))).toContain('catalog.json');
  });

  it('writes a V8 code cache at the first start, and the next start uses it', async () => {
    const first = await readEnvironment(client);
    expect(first.codeCache).toMatchObject({ state: 'missing' });
    const cacheFile = join(folder, 'package', 'dist', 'server.cjs.v8-cache');
    expect(first.codeCache.file).toBe(cacheFile);
    // Written 3 s after the start, or at exit.
    await expect
      .poll(
        () =>
          stat(cacheFile).then(
            () => true,
            () => false,
          ),
        { timeout: 15_000 },
      )
      .toBe(true);
    const second = await connectStdioClient({
      args: [join(folder, 'package', 'dist', 'index.js')],
      cwd: folder,
      env: serverEnv(),
      name: 'bundle-test-second',
    });
    try {
      expect((await readEnvironment(second.client)).codeCache).toEqual({ state: 'used', file: cacheFile });
    } finally {
      await second.client.close();
    }
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
