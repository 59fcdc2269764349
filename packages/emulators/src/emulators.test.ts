import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAwsSandboxHome,
  type Emulator,
  findMotoServer,
  startDynalite,
  startMoto,
  startS3rver,
} from './index.js';

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

const motoMissing = findMotoServer() === undefined;

describe.skipIf(motoMissing)(
  `startMoto${motoMissing ? ' (skipped: moto_server is not installed)' : ''}`,
  () => {
    it('serves STS and SNS on loopback, resets its state and stops', async () => {
      const moto = await startMoto();
      const home = await createAwsSandboxHome({ credentials: moto.credentials, region: 'eu-west-1' });
      try {
        expect(moto.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        const env = { PATH: process.env.PATH ?? '', ...home.env };
        const identity = await run('aws', ['--endpoint-url', moto.endpoint, 'sts', 'get-caller-identity'], {
          env,
        });
        expect(JSON.parse(identity.stdout).Account).toMatch(/^\d{12}$/);
        const created = await run(
          'aws',
          ['--endpoint-url', moto.endpoint, 'sns', 'create-topic', '--name', 't'],
          {
            env,
          },
        );
        expect(JSON.parse(created.stdout).TopicArn).toMatch(/^arn:aws:sns:eu-west-1:\d{12}:t$/);
        await moto.reset();
        const listed = await run('aws', ['--endpoint-url', moto.endpoint, 'sns', 'list-topics'], { env });
        expect(JSON.parse(listed.stdout).Topics).toEqual([]);
      } finally {
        await moto.stop();
        await home.remove();
      }
      await expect(fetch(`${moto.endpoint}/moto-api/data.json`)).rejects.toThrow();
    });
  },
);
