import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, textOf } from '../../test/test-server.js';

// The real server over the real SDK client, the real CLI in its sandbox, moto's Lambda without Docker.
describe('aws_cli_pipeline: an OUTFILE the model can read', () => {
  let test: TestServer;
  const run = (command: string) => test.call('aws_cli_pipeline', { command });
  beforeAll(async () => {
    test = await startTestServer({ AWS_MCP_MODE: 'full' }, { emulator: 'moto' });
    await writeFile(join(test.workdir, 'f.py'), 'def h(event, context):\n    return {"a": 1}\n');
    await promisify(execFile)('python3', ['-m', 'zipfile', '-c', 'f.zip', 'f.py'], { cwd: test.workdir });
    // The function is set up with the CLI directly: creating it is not what is under test.
    const aws = (args: string[]) =>
      promisify(execFile)('aws', [...args, '--endpoint-url', test.s3.endpoint], {
        cwd: test.workdir,
        env: { PATH: process.env.PATH, ...test.awsEnv, AWS_MAX_ATTEMPTS: '1' },
      });
    await aws(['iam', 'create-role', '--role-name', 'r', '--assume-role-policy-document', '{}']);
    await aws([
      ...['lambda', 'create-function', '--function-name', 'f', '--runtime', 'python3.12', '--handler', 'f.h'],
      ...['--role', 'arn:aws:iam::123456789012:role/r', '--zip-file', 'fileb://f.zip'],
    ]);
  }, 120_000);
  afterAll(async () => {
    await test?.close();
  });

  it('lambda invoke - returns the payload, then the CLI’s StatusCode JSON, and writes no file named -', async () => {
    const result = await run('aws lambda invoke --function-name f -');
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(textOf(result)).toMatch(/^Simple Lambda happy path OK\{\s*"StatusCode": 200/);
    expect(result.structuredContent).toMatchObject({ status: 'success' });
    expect(result.structuredContent).not.toHaveProperty('outfiles');
    expect(await readdir(test.workdir)).not.toContain('-');
  });

  it('lambda invoke … /dev/stdout | grep sees the payload', async () => {
    const result = await run('aws lambda invoke --function-name f /dev/stdout | grep -o happy.path');
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(textOf(result)).toBe('happy path\n');
  });

  it('a named OUTFILE comes back in structuredContent.outfiles and in the text', async () => {
    const result = await run('aws lambda invoke --function-name f response.json');
    expect(result.isError, textOf(result)).toBeFalsy();
    const content = await readFile(join(test.workdir, 'response.json'), 'utf8');
    expect(content).not.toBe('');
    expect(result.structuredContent?.outfiles).toEqual([
      { name: 'response.json', bytes: Buffer.byteLength(content), content },
    ]);
    expect(textOf(result)).toContain(`response.json (${Buffer.byteLength(content)} bytes):\n${content}`);
  });
});
