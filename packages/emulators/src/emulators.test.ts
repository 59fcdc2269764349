import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsSandboxHome, type Emulator, startDynalite, startS3rver } from './index.js';

const run = promisify(execFile);

describe('startS3rver', () => {
  let s3: Emulator;
  let home: Awaited<ReturnType<typeof createAwsSandboxHome>>;
  beforeAll(async () => {
    s3 = await startS3rver();
    home = await createAwsSandboxHome({ credentials: s3.credentials });
  });
  afterAll(async () => {
    await s3.stop();
    await home.remove();
  });

  it('listens on loopback and answers the real AWS CLI', async () => {
    expect(s3.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const env = { PATH: process.env.PATH ?? '', ...home.env };
    await run('aws', ['--endpoint-url', s3.endpoint, 's3', 'mb', 's3://emulator-check'], { env });
    const { stdout } = await run('aws', ['--endpoint-url', s3.endpoint, 's3', 'ls'], { env });
    expect(stdout).toContain('emulator-check');
  });
});

describe('startDynalite', () => {
  it('serves DynamoDB on loopback and stops', async () => {
    const dynamo = await startDynalite();
    const home = await createAwsSandboxHome({ credentials: dynamo.credentials });
    try {
      const env = { PATH: process.env.PATH ?? '', ...home.env };
      const { stdout } = await run('aws', ['--endpoint-url', dynamo.endpoint, 'dynamodb', 'list-tables'], {
        env,
      });
      expect(JSON.parse(stdout)).toEqual({ TableNames: [] });
    } finally {
      await dynamo.stop();
      await home.remove();
    }
    await dynamo.stop();
  });
});
