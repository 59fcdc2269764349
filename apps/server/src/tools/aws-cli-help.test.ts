import { existsSync, readFileSync } from 'node:fs';
import { getEncoding } from 'js-tiktoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, textOf } from '../../test/test-server.js';

const tokenizer = getEncoding('o200k_base');
const tokens = (text: string) => tokenizer.encode(text).length;

describe('aws_cli_help', () => {
  let test: TestServer;
  beforeAll(async () => {
    test = await startTestServer();
  });
  afterAll(async () => {
    await test?.close();
  });

  it('returns a compact command page: purpose, required parameters first, examples, no global options', async () => {
    const result = await test.call('aws_cli_help', { service: 's3', command: 'cp' });
    expect(result.isError).toBeFalsy();
    const text = textOf(result);
    expect(text).toMatch(/^aws s3 cp \[write\] — Copies a local file or S3 object/);
    expect(text).toMatch(/^Usage: aws s3 cp SOURCE DESTINATION \[options\]$/m);
    expect(text).toMatch(/^ {2}--recursive \(boolean\) — Command is performed on all files/m);
    expect(text).toMatch(/^Examples:\n {2}# .*\n {2}aws s3 cp /m);
    expect(text).not.toMatch(/--debug|--no-verify-ssl|GLOBAL OPTIONS|CP\(\)/);
    expect(tokens(text)).toBeLessThanOrEqual(2000);
  });

  it("returns a service's commands with their class and a few words each", async () => {
    const result = await test.call('aws_cli_help', { service: 'dynamodb' });
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toMatch(/^ {2}put-item \[write\] — Creates a new item/m);
    expect(textOf(result)).toMatch(/^ {2}list-tables \[read\] — /m);
  });

  it('lists the services by category in the overview, within 2,000 tokens', async () => {
    const text = textOf(await test.call('aws_cli_help', {}));
    expect(text).toMatch(/^AWS CLI \d+\.\d+\.\d+ \(v\d\): \d+ services/);
    expect(text).toMatch(/^ {2}Compute: ec2, lambda/m);
    expect(tokens(text)).toBeLessThanOrEqual(2000);
  });

  it.each([
    [
      'parameter',
      { service: 'ec2', command: 'describe-instances', parameter: '--filters' },
      /shorthand: Name=string/,
    ],
    [
      'section output',
      { service: 'ec2', command: 'describe-instances', section: 'output' },
      /Reservations \(list of Reservation\)/,
    ],
    [
      'section examples',
      { service: 'ec2', command: 'describe-instances', section: 'examples' },
      /aws ec2 describe-instances --filters/,
    ],
  ])('returns the %s on request', async (_, args, expected) => {
    const result = await test.call('aws_cli_help', args);
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toMatch(expected);
  });

  it("returns the CLI's full page, compacted and bounded, with section full", async () => {
    const text = textOf(
      await test.call('aws_cli_help', { service: 'ec2', command: 'describe-instances', section: 'full' }),
    );
    expect(text).toMatch(/^NAME\n {2}describe-instances -/);
    expect(text).not.toMatch(/GLOBAL OPTIONS|--debug|--no-verify-ssl/);
    expect(text.length).toBeLessThanOrEqual(40_000);
    expect(text).toMatch(/… \d+ more characters of this page not shown/);
  });

  it.each([
    ['aws_cli_help', { servce: 's3' }, 'servce'],
    ['aws_cli_pipeline', { command: 'aws s3 ls', timout: 5 }, 'timout'],
  ])('refuses a misspelled argument of %s, naming it, instead of dropping it', async (tool, args, key) => {
    const result = await test.call(tool, args);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(new RegExp(`Unrecognized key.*${key}`));
  });

  it('answers a repeated call from the cache without reading the page again', async () => {
    const before = new Set(test.context.helpCache.keys());
    const first = textOf(await test.call('aws_cli_help', { service: 's3', command: 'ls', section: 'full' }));
    expect(first).toContain('--recursive');
    const added = [...test.context.helpCache.keys()].filter((key) => !before.has(key));
    expect(added).toHaveLength(1);
    // What the second call returns can only come from the cache.
    test.context.helpCache.set(added[0] as string, 'the cached page');
    const second = textOf(await test.call('aws_cli_help', { service: 's3', command: 'ls', section: 'full' }));
    expect(second).toBe('the cached page');
  });

  it('searches every command by what the user wants to do', async () => {
    const lines = textOf(await test.call('aws_cli_help', { query: 'who am i' })).split('\n');
    expect(lines[1]).toMatch(
      /^aws sts get-caller-identity {2}\[read\] {2}Returns details about the IAM user or role/,
    );
  });

  it('searches one service when it is named', async () => {
    const text = textOf(await test.call('aws_cli_help', { service: 'ec2', query: 'create a subnet' }));
    const commands = text.split('\n').filter((line) => line.startsWith('aws '));
    expect(commands[0]).toMatch(/^aws ec2 create-subnet /);
    expect(commands.every((line) => line.startsWith('aws ec2 '))).toBe(true);
  });

  it.each([
    [{ service: 'dynamdb' }, /^UNKNOWN_COMMAND: `aws dynamdb` does not exist .*Did you mean `aws dynamodb`/],
    [{ service: 'ec2', command: 'describe-instance' }, /Did you mean `aws ec2 describe-instances`/],
    [{ service: 'ec2', command: 'list-instances' }, /Did you mean `aws ec2 describe-instances`/],
    [
      { service: 'ec2', command: 'describe-instances', parameter: '--instance-idz' },
      /^UNKNOWN_OPTION: .*Did you mean `aws ec2 describe-instances --instance-ids`/,
    ],
  ])('refuses %j with the nearest names', async (args, message) => {
    const result = await test.call('aws_cli_help', args);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(message);
    expect(textOf(result).length).toBeLessThan(2000);
  });

  it("refuses an unknown service with the nearest names, not fragments of the CLI's choice table", async () => {
    const text = textOf(await test.call('aws_cli_help', { service: 's4' }));
    expect(text).toMatch(
      /^UNKNOWN_COMMAND: `aws s4` does not exist in the installed AWS CLI\. Did you mean `aws s3`/,
    );
    expect(text).not.toMatch(/\||Invalid choice|usage:/);
  });

  it.each([
    [{ service: 's3 | id' }, /^UNKNOWN_COMMAND: `aws s3 \| id` does not exist/],
    [{ service: 's3', command: '--debug' }, /^UNKNOWN_COMMAND: `aws s3 --debug` does not exist/],
    [{ service: 'constructor' }, /^UNKNOWN_COMMAND: `aws constructor` does not exist/],
    [
      { service: 'ec2', command: '__proto__', section: 'full' },
      /^UNKNOWN_COMMAND: `aws ec2 __proto__` does not exist/,
    ],
    [{ command: 'cp' }, /^INVALID_OPTIONS: A command needs its service/],
    [{ service: 'ec2', parameter: '--filters' }, /^INVALID_OPTIONS: A parameter needs its command/],
  ])('refuses %j without running anything', async (args, message) => {
    const result = await test.call('aws_cli_help', args);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(message);
  });

  it("names exactly the tool's arguments in the README's tools table and the server README", async () => {
    const { tools } = await test.client.listTools();
    const schema = tools.find((tool) => tool.name === 'aws_cli_help')?.inputSchema.properties ?? {};
    const named = (text: string) => [...text.matchAll(/`([a-z]+)`/g)].map((match) => match[1]).sort();
    const root = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');
    const row = /^\| `aws_cli_help` +\|([^|]*)\|/m.exec(root)?.[1] ?? '';
    const server = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const bullet = /^- `aws_cli_help` — ([^:]*):/m.exec(server)?.[1] ?? '';
    expect(named(row)).toEqual(Object.keys(schema).sort());
    expect(named(bullet)).toEqual(Object.keys(schema).sort());
  });

  it('keeps the instructions and every tool definition small (within 1,500 tokens with names and schemas)', async () => {
    const { tools } = await test.client.listTools();
    const definitions = tools.map(({ name, description, inputSchema }) => ({
      name,
      description,
      inputSchema,
    }));
    const instructions = test.client.getInstructions() ?? '';
    expect(tokens(JSON.stringify(definitions)) + tokens(instructions)).toBeLessThanOrEqual(1500);
    expect(tools.find((tool) => tool.name === 'aws_cli_help')?.description).toMatch(/AWS CLI v[12] /);
  });
});

describe.skipIf(!existsSync('/usr/bin/aws'))('aws_cli_help with the Debian AWS CLI v2', () => {
  let test: TestServer;
  beforeAll(async () => {
    test = await startTestServer({ PATH: '/usr/bin:/bin' });
  });
  afterAll(async () => {
    await test?.close();
  });

  it("names the installed CLI's major version and reads its own commands (logs tail)", async () => {
    const cli = await test.context.awsCli();
    expect(cli).toMatchObject({ available: true, majorVersion: 2 });
    const { tools } = await test.client.listTools();
    expect(tools.find((tool) => tool.name === 'aws_cli_help')?.description).toMatch(/AWS CLI v2 /);
    const text = textOf(await test.call('aws_cli_help', { service: 'logs', command: 'tail' }));
    expect(text).toMatch(/^aws logs tail \[read\] — Tails the logs for a CloudWatch Logs group\./);
    expect(text).toMatch(/--follow \(boolean\)/);
  });
});
