import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createAwsSandboxHome, startDynalite, startS3rver } from '@aws-mcp/emulators';
import type { Step } from './_session.js';

/** A tour's emulators, the server environment that points at them, its steps, and how to stop it all. */
export interface Tour {
  env: Record<string, string>;
  steps: Step[];
  stop(): Promise<void>;
}

/** The tour without moto: S3 on s3rver and DynamoDB on dynalite. */
export async function prepareEmulatorTour(workdir: string): Promise<Tour> {
  const s3 = await startS3rver();
  const dynamo = await startDynalite().catch(async (error: unknown) => {
    await s3.stop();
    throw error;
  });
  const home = await createAwsSandboxHome({ credentials: s3.credentials, region: 'us-east-1' });
  console.log(`  S3 (s3rver)          ${s3.endpoint}`);
  console.log(`  DynamoDB (dynalite)  ${dynamo.endpoint}`);
  await writeFile(join(workdir, 'hello.txt'), 'Hello from aws-mcp!\n');
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
      shows: 'make_bucket: demo-bucket',
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
      shows: 'greetings/hello.txt 20 bytes',
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
      shows: '{"id":{"S":"note-1"},"text":{"S":"aws-mcp works offline"}}',
    },
    {
      title: 'A command the server refuses (no shell here)',
      tool: 'aws_cli_pipeline',
      arguments: { command: 'aws s3 ls && rm -rf ~' },
      expect: 'refused',
    },
  ];
  return {
    env: { ...home.env, AWS_ENDPOINT_URL: s3.endpoint },
    steps,
    async stop() {
      await s3.stop();
      await dynamo.stop();
      await home.remove();
    },
  };
}
