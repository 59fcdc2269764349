import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { createAwsSandboxHome, type Emulator, startS3rver } from '@aws-mcp/emulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverEntry } from './http-harness.js';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const inspectorPackage = require.resolve('@modelcontextprotocol/inspector/package.json');
const inspectorCli = join(
  dirname(inspectorPackage),
  (require(inspectorPackage) as { bin: Record<string, string> }).bin['mcp-inspector'] ?? '',
);

interface ToolResult {
  content: { type: string; text: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

// The MCP Inspector is a client we did not write: its `--cli` mode starts the built server over stdio, makes one
// request and prints the JSON answer, as a user would try the server from a terminal.
describe('aws-mcp-server driven by @modelcontextprotocol/inspector --cli', () => {
  let s3: Emulator;
  let home: Awaited<ReturnType<typeof createAwsSandboxHome>>;
  let workdir: string;
  let env: Record<string, string>;

  async function inspect(...args: string[]): Promise<unknown> {
    const { stdout } = await run(
      process.execPath,
      [
        inspectorCli,
        '--cli',
        process.execPath,
        serverEntry,
        '-e',
        `AWS_MCP_WORKDIR=${workdir}`,
        '-e',
        `AWS_ENDPOINT_URL=${s3.endpoint}`,
        ...args,
      ],
      { env, maxBuffer: 10 * 1024 * 1024 },
    );
    return JSON.parse(stdout);
  }

  beforeAll(async () => {
    s3 = await startS3rver();
    home = await createAwsSandboxHome({ credentials: s3.credentials, region: 'us-east-1' });
    workdir = await mkdtemp(join(tmpdir(), 'e2e-inspector-'));
    env = { PATH: process.env.PATH ?? '', ...home.env, AWS_MAX_ATTEMPTS: '1' };
    // The inspector cannot answer consent requests, so the test makes its bucket with the CLI directly.
    const cli = { env: { ...env, AWS_ENDPOINT_URL: s3.endpoint, AWS_PAGER: '' }, cwd: workdir };
    await run('aws', ['s3', 'mb', 's3://inspector-bucket'], cli);
    await writeFile(join(workdir, 'report.csv'), 'a,b\n1,2\n');
    await run('aws', ['s3', 'cp', 'report.csv', 's3://inspector-bucket/reports/report.csv'], cli);
  });

  afterAll(async () => {
    await s3?.stop();
    await home?.remove();
    await rm(workdir, { recursive: true, force: true });
  });

  it('lists the three tools', async () => {
    const listed = (await inspect('--method', 'tools/list')) as {
      tools: { name: string; annotations?: object }[];
    };
    expect(listed.tools.map((tool) => tool.name).sort()).toEqual([
      'aws_cli_help',
      'aws_cli_pipeline',
      'aws_withdraw_approvals',
    ]);
    expect(listed.tools.find((tool) => tool.name === 'aws_cli_help')?.annotations).toMatchObject({
      readOnlyHint: true,
    });
  });

  it('calls aws_cli_help for a service', async () => {
    const result = (await inspect(
      '--method',
      'tools/call',
      '--tool-name',
      'aws_cli_help',
      '--tool-arg',
      'service=s3',
    )) as ToolResult;
    expect(result.isError).toBeFalsy();
    // The compact service page: the service, then each command with its class and purpose.
    expect(result.content[0]?.text).toMatch(/^aws s3 — .* commands\./);
    expect(result.content[0]?.text).toMatch(/^ {2}ls \[read\] — /m);
  });

  it('calls aws_cli_pipeline for a piped read against the emulator', async () => {
    const result = (await inspect(
      '--method',
      'tools/call',
      '--tool-name',
      'aws_cli_pipeline',
      '--tool-arg',
      'command=aws s3 ls s3://inspector-bucket --recursive | grep report',
    )) as ToolResult;
    expect(result.isError).toBeFalsy();
    expect(result.content[0]?.text).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+8 reports\/report\.csv\n$/);
    expect(result.structuredContent).toMatchObject({
      status: 'success',
      exitCode: 0,
      decision: { action: 'allow' },
    });
  });
});
