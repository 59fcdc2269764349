import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createAwsSandboxHome, type Emulator, startS3rver } from '@aws-mcp/emulators';
import { connectStdioClient } from '@aws-mcp/test-support';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const serverEntry = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'index.js');

function text(result: unknown): string {
  const content = (result as CallToolResult).content[0];
  return content?.type === 'text' ? content.text : '';
}

// A client config with blank fields (`"AWS_PROFILE": ""`, as a .mcpb manifest's `${user_config.profile}` gives
// when the person clears it) starts the server with empty variables.
describe('a client config that leaves AWS_PROFILE and AWS_REGION blank', () => {
  let s3: Emulator;
  let home: Awaited<ReturnType<typeof createAwsSandboxHome>>;
  let client: Client;
  let readStderr: () => string;
  let env: Record<string, string>;

  beforeAll(async () => {
    s3 = await startS3rver();
    home = await createAwsSandboxHome({ credentials: s3.credentials, region: 'eu-west-1' });
    env = {
      PATH: process.env.PATH ?? '',
      ...home.env,
      AWS_PROFILE: '',
      AWS_REGION: '',
      AWS_ENDPOINT_URL: s3.endpoint,
      AWS_MAX_ATTEMPTS: '1',
    };
    ({ client, stderr: readStderr } = await connectStdioClient({
      args: [serverEntry],
      env,
      name: 'blank-variables',
    }));
  }, 60_000);
  afterAll(async () => {
    await client?.close();
    await s3?.stop();
    await home?.remove();
  });

  it('would break the raw CLI: it takes an empty AWS_PROFILE as a profile named "" (the oracle)', async () => {
    const raw = await run('aws', ['s3api', 'list-buckets'], { env }).catch(
      (error: { stderr: string }) => error,
    );
    expect(String(raw.stderr)).toContain('The config profile () could not be found');
  });

  it('treats them as unset: the default profile and its own region, and a command runs', async () => {
    const environment = await client.readResource({ uri: 'aws://config/environment' });
    const first = environment.contents[0];
    const described = JSON.parse(first !== undefined && 'text' in first ? first.text : '{}');
    expect(described.profile).toMatchObject({ name: 'default', source: 'default' });
    expect(described.region).toEqual({ name: 'eu-west-1', source: 'profile' });
    const result = await client.callTool({
      name: 'aws_cli_pipeline',
      arguments: { command: 'aws s3api list-buckets --query Owner --output json' },
    });
    expect((result as CallToolResult).isError, text(result)).not.toBe(true);
  });

  it('says so at start-up, naming each variable', () => {
    const stderr = readStderr();
    expect(stderr).toContain('note: AWS_PROFILE is set but empty');
    expect(stderr).toContain('note: AWS_REGION is set but empty');
  });
});
