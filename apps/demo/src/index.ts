#!/usr/bin/env node
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAwsSandboxHome, type Emulator, startDynalite, startS3rver } from '@aws-mcp/emulators';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { type CallToolResult, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';

const serverEntry = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'server', 'dist', 'index.js');

interface Step {
  title: string;
  tool: 'aws_cli_help' | 'aws_cli_pipeline';
  arguments: Record<string, unknown>;
  /** How many lines of the result to print. */
  showLines?: number;
}

function firstText(result: CallToolResult): string {
  const block = result.content[0];
  return block?.type === 'text' ? block.text : '';
}

function indent(text: string, maxLines: number): string {
  const lines = text.trimEnd().split('\n');
  const shown = lines.slice(0, maxLines).map((line) => `    ${line}`);
  if (lines.length > maxLines) shown.push(`    … (${lines.length - maxLines} more lines)`);
  return shown.join('\n');
}

async function main(): Promise<number> {
  const started = performance.now();
  const emulators: Emulator[] = [];
  let home: Awaited<ReturnType<typeof createAwsSandboxHome>> | undefined;
  let workdir: string | undefined;
  let client: Client | undefined;
  try {
    console.log(
      'aws-mcp demo: local emulators on 127.0.0.1, the real AWS CLI, the real MCP server over stdio.\n',
    );
    const s3 = await startS3rver();
    emulators.push(s3);
    const dynamo = await startDynalite();
    emulators.push(dynamo);
    console.log(`  S3 (s3rver)          ${s3.endpoint}`);
    console.log(`  DynamoDB (dynalite)  ${dynamo.endpoint}`);
    home = await createAwsSandboxHome({ credentials: s3.credentials, region: 'us-east-1' });
    workdir = await mkdtemp(join(tmpdir(), 'aws-mcp-demo-'));
    await writeFile(join(workdir, 'hello.txt'), 'Hello from aws-mcp!\n');
    console.log(`  working directory    ${workdir} (the only folder the CLI may read or write)\n`);

    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [serverEntry],
      env: {
        PATH: process.env.PATH ?? '',
        ...home.env,
        AWS_ENDPOINT_URL: s3.endpoint,
        AWS_MCP_WORKDIR: workdir,
        AWS_MCP_MODE: 'confirm-writes',
      },
      stderr: 'ignore',
    });
    client = new Client(
      { name: 'aws-mcp-demo', version: '0.1.0' },
      { capabilities: { elicitation: { form: {} } } },
    );
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      const command = request.params.message.split('\n').find((line) => line.startsWith('  '));
      console.log(`  ? the server asks for consent: ${command?.trim()}`);
      console.log('  ✓ the demo approves it (an MCP client would ask you)');
      return { action: 'accept', content: { approve: true } };
    });
    const connectStarted = performance.now();
    await client.connect(transport);
    console.log(`Connected to aws-mcp-server in ${Math.round(performance.now() - connectStarted)} ms.`);
    const environment = await client.readResource({ uri: 'aws://config/environment' });
    const first = environment.contents[0];
    if (first !== undefined && 'text' in first) {
      const settings = JSON.parse(first.text) as { mode: string; sandbox: { description: string } };
      console.log(`  mode ${settings.mode}; sandbox: ${settings.sandbox.description}\n`);
    }

    const dynamoEndpoint = `--endpoint-url ${dynamo.endpoint}`;
    const steps: Step[] = [
      {
        title: 'Learn a command',
        tool: 'aws_cli_help',
        arguments: { service: 's3', command: 'mb' },
        showLines: 8,
      },
      {
        title: 'Make a bucket (a write: asks first)',
        tool: 'aws_cli_pipeline',
        arguments: { command: 'aws s3 mb s3://demo-bucket' },
      },
      {
        title: 'Upload a file from the working directory',
        tool: 'aws_cli_pipeline',
        arguments: { command: 'aws s3 cp hello.txt s3://demo-bucket/greetings/hello.txt' },
      },
      {
        title: 'List objects through jq',
        tool: 'aws_cli_pipeline',
        arguments: {
          command:
            'aws s3api list-objects-v2 --bucket demo-bucket --output json | jq -r \'.Contents[] | "\\(.Key) \\(.Size) bytes"\'',
        },
      },
      {
        title: 'Create a DynamoDB table',
        tool: 'aws_cli_pipeline',
        arguments: {
          command:
            `aws dynamodb create-table ${dynamoEndpoint} --table-name demo-notes ` +
            '--attribute-definitions AttributeName=id,AttributeType=S --key-schema AttributeName=id,KeyType=HASH ' +
            "--billing-mode PAY_PER_REQUEST --query 'TableDescription.TableStatus' --output text",
        },
      },
      {
        title: 'Put an item (inline JSON in the argv form: no quoting to fight)',
        tool: 'aws_cli_pipeline',
        arguments: {
          args: [
            'aws',
            'dynamodb',
            'put-item',
            '--endpoint-url',
            dynamo.endpoint,
            '--table-name',
            'demo-notes',
            '--item',
            JSON.stringify({ id: { S: 'note-1' }, text: { S: 'aws-mcp works offline' } }),
          ],
        },
      },
      {
        title: 'Scan the table through jq',
        tool: 'aws_cli_pipeline',
        arguments: {
          command: `aws dynamodb scan ${dynamoEndpoint} --table-name demo-notes --output json | jq -c '.Items[]'`,
        },
      },
      {
        title: 'A command the server refuses (no shell here)',
        tool: 'aws_cli_pipeline',
        arguments: { command: 'aws s3 ls && rm -rf ~' },
      },
    ];

    let failures = 0;
    for (const [index, step] of steps.entries()) {
      const label =
        step.tool === 'aws_cli_help' ? JSON.stringify(step.arguments) : describeCommand(step.arguments);
      console.log(`${index + 1}. ${step.title}\n  → ${step.tool} ${label}`);
      const callStarted = performance.now();
      const result = (await client.callTool({
        name: step.tool,
        arguments: step.arguments,
      })) as CallToolResult;
      const elapsed = Math.round(performance.now() - callStarted);
      const expectedRefusal = step.title.startsWith('A command the server refuses');
      const ok = expectedRefusal ? result.isError === true : result.isError !== true;
      if (!ok) failures++;
      const outcome = result.isError ? (expectedRefusal ? 'refused, as it should be' : 'FAILED') : 'ok';
      console.log(`  ← ${outcome} in ${elapsed} ms`);
      console.log(`${indent(firstText(result), step.showLines ?? 12)}\n`);
    }
    const total = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      failures === 0
        ? `Demo finished: ${steps.length} calls, all as expected, in ${total} s. Everything it started is stopped.`
        : `Demo finished with ${failures} unexpected result(s).`,
    );
    return failures === 0 ? 0 : 1;
  } finally {
    await client?.close();
    for (const emulator of emulators) await emulator.stop();
    await home?.remove();
    if (workdir !== undefined) await rm(workdir, { recursive: true, force: true });
  }
}

function describeCommand(argumentsObject: Record<string, unknown>): string {
  if (typeof argumentsObject.command === 'string') return argumentsObject.command;
  return JSON.stringify({ args: argumentsObject.args });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`Demo failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
