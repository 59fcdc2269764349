import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, textOf } from '../_test-harness.js';

describe('aws_cli_help', () => {
  let test: TestServer;
  beforeAll(async () => {
    test = await startTestServer();
  });
  afterAll(async () => {
    await test?.close();
  });

  it("returns a service's help listing its commands", async () => {
    const result = await test.call('aws_cli_help', { service: 'dynamodb' });
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toMatch(/^NAME\s*\n\s+dynamodb -/m);
    expect(textOf(result)).toContain('o create-table');
  });

  it.each([
    ['aws_cli_help', { servce: 's3' }, 'servce'],
    ['aws_cli_pipeline', { command: 'aws s3 ls', timout: 5 }, 'timout'],
  ])('refuses a misspelled argument of %s, naming it, instead of dropping it', async (tool, args, key) => {
    const result = await test.call(tool, args);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(new RegExp(`Unrecognized key.*${key}`));
  });

  it('answers a repeated call from the cache with the same text', async () => {
    const first = textOf(await test.call('aws_cli_help', { service: 's3', command: 'ls' }));
    const second = textOf(await test.call('aws_cli_help', { service: 's3', command: 'ls' }));
    expect(second).toBe(first);
    expect(first).toContain('--recursive');
  });

  it('searches the catalog by what the user wants to do', async () => {
    const result = await test.call('aws_cli_help', { query: 'list lambda functions' });
    expect(result.isError).toBeFalsy();
    const lines = textOf(result).split('\n');
    expect(lines[1]).toMatch(/^aws lambda list-functions {2}\[read\] {2}\S/);
  });

  it.each([
    [{ service: 'dynamdb' }, /Did you mean `dynamodb`/],
    [{ service: 'ec2', command: 'describe-instance' }, /Did you mean `ec2 describe-instances`/],
  ])('suggests the right name for %j', async (args, suggestion) => {
    const result = await test.call('aws_cli_help', args);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(suggestion);
  });

  it.each([
    [{ service: 's3 | id' }, /^INVALID_OPTIONS: The service "s3 \| id" is not a CLI name/],
    [{ service: 's3', command: '--debug' }, /^INVALID_OPTIONS: The command "--debug" is not a CLI name/],
    [{ command: 'cp' }, /^INVALID_OPTIONS: A command needs its service/],
  ])('refuses %j without running anything', async (args, message) => {
    const result = await test.call('aws_cli_help', args);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(message);
  });
});
