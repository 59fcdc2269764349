import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAwsSandboxHome, type Emulator, startS3rver } from '@aws-mcp/emulators';
import { type Consent, connectStdioClient } from '@aws-mcp/test-support';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const serverEntry = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'index.js');

type ConsentAnswer = 'accept' | 'decline';

function connectClient(env: Record<string, string>, answers: { next: ConsentAnswer; asked: string[] }) {
  // The test changes answers.next between calls; the client reads it at each request.
  const consent: Consent = {
    get answer() {
      return answers.next;
    },
    asked: answers.asked,
  };
  return connectStdioClient({ args: [serverEntry], env, name: 'e2e', consent });
}

function text(result: unknown): string {
  const content = (result as CallToolResult).content[0];
  return content?.type === 'text' ? content.text : '';
}

describe('aws-mcp-server over stdio', () => {
  let s3: Emulator;
  let home: Awaited<ReturnType<typeof createAwsSandboxHome>>;
  let workdir: string;
  let client: Client;
  const answers: { next: ConsentAnswer; asked: string[] } = { next: 'accept', asked: [] };

  beforeAll(async () => {
    s3 = await startS3rver();
    home = await createAwsSandboxHome({ credentials: s3.credentials, region: 'us-east-1' });
    workdir = await mkdtemp(join(tmpdir(), 'e2e-workdir-'));
    ({ client } = await connectClient(
      {
        PATH: process.env.PATH ?? '',
        ...home.env,
        AWS_ENDPOINT_URL: s3.endpoint,
        AWS_MCP_WORKDIR: workdir,
        AWS_MAX_ATTEMPTS: '1',
      },
      answers,
    ));
  });

  afterAll(async () => {
    await client?.close();
    await s3?.stop();
    await home?.remove();
    await rm(workdir, { recursive: true, force: true });
  });

  it('offers the three tools with their safety annotations', async () => {
    const { tools } = await client.listTools();
    const byName = Object.fromEntries(tools.map((tool) => [tool.name, tool]));
    expect(Object.keys(byName).sort()).toEqual([
      'aws_cli_help',
      'aws_cli_pipeline',
      'aws_withdraw_approvals',
    ]);
    // Withdrawing can only remove this session's approvals: nothing in AWS, and the same answer twice.
    expect(byName.aws_withdraw_approvals?.annotations).toMatchObject({
      readOnlyHint: false,
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: false,
    });
    expect(byName.aws_cli_help?.annotations).toMatchObject({ readOnlyHint: true });
    expect(byName.aws_cli_pipeline?.annotations).toMatchObject({
      destructiveHint: true,
      openWorldHint: true,
    });
    expect(byName.aws_cli_pipeline?.outputSchema).toBeDefined();
  });

  it('reads the CLI help for a command as clean text', async () => {
    const result = await client.callTool({
      name: 'aws_cli_help',
      arguments: { service: 's3', command: 'cp' },
    });
    expect(result.isError).toBeFalsy();
    // The compact page: the command with its class and purpose, its usage, each parameter on a line.
    expect(text(result)).toMatch(/^aws s3 cp \[write\] — /);
    expect(text(result)).toMatch(/^Usage: aws s3 cp /m);
    expect(text(result)).toContain('--recursive');
    expect(text(result)).not.toContain('\b');
  });

  it('makes a bucket after the user approves, copies a file in and lists it through grep', async () => {
    answers.asked.length = 0;
    const made = await client.callTool({
      name: 'aws_cli_pipeline',
      arguments: { command: 'aws s3 mb s3://e2e-bucket' },
    });
    expect(text(made)).toBe('make_bucket: e2e-bucket\n');
    expect(made.structuredContent).toMatchObject({
      status: 'success',
      exitCode: 0,
      consent: 'accepted',
      classification: { accessClass: 'write' },
      decision: { action: 'confirm', rule: 'mode:confirm-writes' },
    });
    expect(answers.asked).toHaveLength(1);
    expect(answers.asked[0]).toContain('  aws s3 mb s3://e2e-bucket\n');
    expect(answers.asked[0]).toMatch(/Access: write \(s3:mb\)/);

    await writeFile(join(workdir, 'report.txt'), 'quarterly numbers\n');
    const copied = await client.callTool({
      name: 'aws_cli_pipeline',
      arguments: { command: 'aws s3 cp report.txt s3://e2e-bucket/reports/report.txt' },
    });
    expect(copied.isError).toBeFalsy();
    expect(text(copied)).toMatch(/upload: \.\/report\.txt to s3:\/\/e2e-bucket\/reports\/report\.txt/);

    const listed = await client.callTool({
      name: 'aws_cli_pipeline',
      arguments: { command: 'aws s3 ls s3://e2e-bucket --recursive | grep report' },
    });
    expect(listed.isError).toBeFalsy();
    expect(text(listed)).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+18 reports\/report\.txt\n$/);
    expect(listed.structuredContent).toMatchObject({ decision: { action: 'allow' } });

    const read = await client.callTool({
      name: 'aws_cli_pipeline',
      arguments: {
        args: ['aws', 's3', 'cp', 's3://e2e-bucket/reports/report.txt', '-'],
        pipe: [['wc', '-c']],
      },
    });
    expect(text(read).trim()).toBe('18');
  });

  it('does not run a write the user declines', async () => {
    answers.next = 'decline';
    try {
      const result = await client.callTool({
        name: 'aws_cli_pipeline',
        arguments: { command: 'aws s3 mb s3://declined-bucket' },
      });
      expect(result.isError).toBe(true);
      expect(text(result)).toMatch(/^Not run: the user declined it/);
      expect(result.structuredContent).toMatchObject({ status: 'refused', consent: 'declined' });
    } finally {
      answers.next = 'accept';
    }
    const listing = await client.callTool({ name: 'aws_cli_pipeline', arguments: { command: 'aws s3 ls' } });
    expect(text(listing)).not.toContain('declined-bucket');
  });

  it.each([
    ['', /^Refused \(EMPTY_COMMAND\): The command is empty/],
    ['ls -la', /^Refused \(NOT_AWS\)/],
    ['aws s3 ls && rm -rf /', /^Refused \(FORBIDDEN_OPERATOR\).*&&/],
    ['aws s3 ls | sh -c id', /^Refused \(FORBIDDEN_PROGRAM\).*sh/],
    ['aws s3 ls > /tmp/out', /^Refused \(FORBIDDEN_OPERATOR\)/],
    ['aws s3 ls $(id)', /^Refused \(COMMAND_SUBSTITUTION\)/],
    ['aws s3 cp s3://e2e-bucket/reports/report.txt ~/.bashrc', /^Refused \(LOCAL_PATH_OUTSIDE_WORKDIR\)/],
    ['aws s3 cp s3://e2e-bucket/reports/report.txt ../escape.txt', /^Refused \(LOCAL_PATH_OUTSIDE_WORKDIR\)/],
  ])('refuses %j without running it', async (command, message) => {
    const result = await client.callTool({ name: 'aws_cli_pipeline', arguments: { command } });
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(message);
    expect(result.structuredContent).toMatchObject({ status: 'refused' });
  });

  it('reports a failing command with the CLI message and a hint', async () => {
    const result = await client.callTool({
      name: 'aws_cli_pipeline',
      arguments: { command: 'aws s3 ls s3://no-such-bucket' },
    });
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/^The command failed \(aws exited \d+\)\.\n.*NoSuchBucket/);
  });
});

describe('aws-mcp-server without the AWS CLI', () => {
  it('starts, says so once on stderr, and answers tool calls with how to install it', async () => {
    const workdir = await mkdtemp(join(tmpdir(), 'e2e-nocli-'));
    const { client, stderr } = await connectClient(
      { PATH: '/nonexistent', HOME: workdir, AWS_MCP_WORKDIR: join(workdir, 'work') },
      { next: 'decline', asked: [] },
    );
    try {
      const result = await client.callTool({ name: 'aws_cli_pipeline', arguments: { command: 'aws s3 ls' } });
      expect(result.isError).toBe(true);
      expect(text(result)).toMatch(
        /^AWS_CLI_MISSING: The AWS CLI \(`aws`\) was not found on PATH\. Install it/,
      );
      const help = await client.callTool({ name: 'aws_cli_help', arguments: { service: 's3' } });
      expect(text(help)).toMatch(/^AWS_CLI_MISSING/);
      expect(stderr().match(/was not found on PATH/g)).toHaveLength(1);
      expect(stderr()).not.toMatch(/\n\s+at /);
      await stat(join(workdir, 'work'));
    } finally {
      await client.close();
      await rm(workdir, { recursive: true, force: true });
    }
  });
});
