import { execFile, execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findMotoServer } from '@aws-mcp/emulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, textOf } from '../../test/test-server.js';

// Each case kills a one-line break that survived the suite before (issue 19): the help cache never read, the
// server's own output cap dropped, the consent's account never looked up.
const run = promisify(execFile);
// The CLI on PATH, as the server would find it.
const realAws = execFileSync('sh', ['-c', 'command -v aws'], { encoding: 'utf8' }).trim();
const motoMissing = findMotoServer() === undefined;

describe('the help cache', () => {
  let folder: string;
  let log: string;
  let test: TestServer;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'help-cache-'));
    log = join(folder, 'calls.log');
    // A counting wrapper: every run of the CLI leaves a line.
    const wrapper = join(folder, 'aws');
    await writeFile(wrapper, `#!/bin/sh\necho "$*" >> '${log}'\nexec '${realAws}' "$@"\n`);
    await chmod(wrapper, 0o755);
    // Unconfined, so the wrapper can write its log (the sandbox binds no folder of a test's for writing).
    test = await startTestServer({ AWS_MCP_AWS_CLI: wrapper, AWS_MCP_SANDBOX: 'disabled' });
  }, 120_000);
  afterAll(async () => {
    await test?.close();
    await rm(folder, { recursive: true, force: true });
  });

  it('answers the same full page a second time without running the CLI again', async () => {
    const request = { service: 'sqs', command: 'list-queues', section: 'full' };
    const first = textOf(await test.call('aws_cli_help', request));
    const runs = async () =>
      (await readFile(log, 'utf8').catch(() => ''))
        .split('\n')
        .filter((line) => line.includes('list-queues help')).length;
    const after = await runs();
    expect(after).toBeGreaterThanOrEqual(1);
    expect(textOf(await test.call('aws_cli_help', request))).toBe(first);
    expect(await runs()).toBe(after);
  });
});

describe("the server's output cap", () => {
  let test: TestServer;
  beforeAll(async () => {
    test = await startTestServer({ AWS_MCP_MAX_OUTPUT: '300' });
    const env = { PATH: process.env.PATH, ...test.awsEnv, AWS_MAX_ATTEMPTS: '1' };
    for (const index of [1, 2, 3, 4, 5, 6]) {
      await run(
        realAws,
        ['--endpoint-url', test.s3.endpoint, 's3', 'mb', `s3://a-rather-long-bucket-name-${index}`],
        {
          env,
        },
      );
    }
  }, 120_000);
  afterAll(async () => {
    await test?.close();
  });

  it('holds when a call asks for more (AWS_MCP_MAX_OUTPUT=300)', async () => {
    const result = await test.call('aws_cli_pipeline', {
      command: 'aws s3api list-buckets --output json',
      maxOutput: 1_000_000,
    });
    const structured = result.structuredContent as { output: string; totalChars: number; truncated: boolean };
    expect(structured.totalChars).toBeGreaterThan(600);
    expect(structured.truncated).toBe(true);
    // The kept start and end, and the marker between them.
    expect(structured.output.length).toBeLessThan(450);
  });
});

describe.skipIf(motoMissing)(
  `the consent form's account${motoMissing ? ' (skipped: moto_server is not installed)' : ''}`,
  () => {
    let test: TestServer;
    beforeAll(async () => {
      test = await startTestServer({}, { emulator: 'moto' });
    }, 120_000);
    afterAll(async () => {
      await test?.close();
    });

    it("names the profile's account, looked up with the CLI (moto's STS answers 123456789012)", async () => {
      test.consent.answer = 'decline';
      await test.call('aws_cli_pipeline', { command: 'aws sqs create-queue --queue-name account-check' });
      expect(test.consent.asked.at(-1)).toMatch(/Account: 123456789012/);
    });
  },
);
