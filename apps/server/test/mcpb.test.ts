import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { getMcpConfigForManifest, type McpbManifestAny } from '@anthropic-ai/mcpb';
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

const run = promisify(execFile);
const serverPackage = join(dirname(fileURLToPath(import.meta.url)), '..');
const buildScript = join(serverPackage, '..', '..', 'scripts', 'build-mcpb.mjs');
const mcpb = join(serverPackage, 'node_modules', '.bin', 'mcpb');
const motoMissing = findMotoServer() === undefined;

function text(result: unknown): string {
  const content = (result as CallToolResult).content[0];
  return content?.type === 'text' ? content.text : '';
}

describe('the .mcpb bundle', () => {
  let folder: string;
  let manifest: McpbManifestAny;
  let unpacked: string;
  let home: Awaited<ReturnType<typeof createAwsSandboxHome>>;
  let moto: MotoEmulator | undefined;
  let client: Client;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'aws-mcp-mcpb-'));
    const { stdout } = await run(process.execPath, [buildScript, folder], { timeout: 120_000 });
    const bundle = /build-mcpb: (\S+\.mcpb) /.exec(stdout)?.[1] as string;
    unpacked = join(folder, 'unpacked');
    await run(mcpb, ['unpack', bundle, unpacked], { timeout: 60_000 });
    manifest = JSON.parse(await readFile(join(unpacked, 'manifest.json'), 'utf8'));
    if (!motoMissing) moto = await startMoto();
    home = await createAwsSandboxHome({ credentials: MOTO_CREDENTIALS, region: 'eu-west-1' });
    // What Claude Desktop does with the manifest and the settings a user left at their defaults, by the mcpb
    // package's own code.
    const config = await getMcpConfigForManifest({
      manifest,
      extensionPath: unpacked,
      systemDirs: {
        HOME: home.home,
        DATA: home.home,
        DOCUMENTS: home.home,
        DOWNLOADS: home.home,
        DESKTOP: home.home,
      },
      userConfig: {},
      pathSeparator: '/',
    });
    if (config === undefined) throw new Error('the manifest gave no server config');
    ({ client } = await connectStdioClient({
      command: config.command === 'node' ? process.execPath : config.command,
      args: config.args ?? [],
      env: {
        PATH: process.env.PATH ?? '',
        ...home.env,
        AWS_MAX_ATTEMPTS: '1',
        ...(moto === undefined ? {} : { AWS_ENDPOINT_URL: moto.endpoint }),
        ...config.env,
      },
      cwd: unpacked,
      name: 'mcpb-test',
    }));
  }, 240_000);
  afterAll(async () => {
    await client?.close();
    await moto?.stop();
    await home?.remove();
    if (folder !== undefined) await rm(folder, { recursive: true, force: true });
  });

  it('carries the bundled server, its data files and the licence, and no node_modules', async () => {
    const entries = await readdir(unpacked);
    expect(entries).toEqual(
      expect.arrayContaining(['manifest.json', 'server', 'catalog', 'cli-model', 'LICENSE']),
    );
    expect(entries).not.toContain('node_modules');
    expect(manifest.version).toBe(
      JSON.parse(await readFile(join(serverPackage, 'package.json'), 'utf8')).version,
    );
  });

  it('asks for mode, profile, region, working directory, CLI path and policy file; mode defaults to read-only', () => {
    expect(Object.keys(manifest.user_config ?? {}).sort()).toEqual(
      ['aws_cli', 'mode', 'policy_file', 'profile', 'region', 'workdir'].sort(),
    );
    expect(manifest.user_config?.mode?.default).toBe('read-only');
    expect(manifest.long_description).toContain('Writes need either a client that can ask you');
  });

  it('starts from the unpacked bundle with the defaults, in read-only mode', async () => {
    const environment = await client.readResource({ uri: 'aws://config/environment' });
    const first = environment.contents[0];
    expect(first !== undefined && 'text' in first && JSON.parse(first.text).mode).toBe('read-only');
    const write = await client.callTool({
      name: 'aws_cli_pipeline',
      arguments: { command: 'aws sns create-topic --name x' },
    });
    expect((write as CallToolResult).isError).toBe(true);
    expect(text(write)).toContain('read-only');
  });

  it.skipIf(motoMissing)(
    `runs a read in the profile's own region when the region is left empty${motoMissing ? ' (skipped: moto_server is not installed)' : ''}`,
    async () => {
      const environment = await client.readResource({ uri: 'aws://config/environment' });
      const first = environment.contents[0];
      expect(first !== undefined && 'text' in first && JSON.parse(first.text).region).toEqual({
        name: 'eu-west-1',
        source: 'profile',
      });
      const result = await client.callTool({
        name: 'aws_cli_pipeline',
        arguments: { command: 'aws sns list-topics' },
      });
      expect((result as CallToolResult).isError, text(result)).not.toBe(true);
      const identity = await client.callTool({
        name: 'aws_cli_pipeline',
        arguments: { command: 'aws sts get-caller-identity --query Account --output text' },
      });
      expect(text(identity).trim()).toBe('123456789012');
    },
  );
});
