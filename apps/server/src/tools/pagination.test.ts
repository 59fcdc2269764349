import { parseCommandLine } from '@aws-mcp/command';
import type { PipelineResult } from '@aws-mcp/executor';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, textOf } from '../../test/test-server.js';
import { isNextTokenLost } from './_pagination.js';

let test: TestServer;
const keys = Array.from({ length: 7 }, (_, index) => `logs/entry-${index}.txt`);

function fields(result: CallToolResult): Record<string, unknown> {
  return (result.structuredContent ?? {}) as Record<string, unknown>;
}

beforeAll(async () => {
  test = await startTestServer({}, { emulator: 'moto' });
  // Straight to moto (it checks no signature), so the listing under test is the only CLI work.
  const bucket = `${test.s3.endpoint}/paged-bucket`;
  expect((await fetch(bucket, { method: 'PUT' })).ok).toBe(true);
  for (const key of keys) {
    expect((await fetch(`${bucket}/${key}`, { method: 'PUT', body: key })).ok).toBe(true);
  }
}, 120_000);

afterAll(async () => {
  await test?.close();
});

describe('aws_cli_pipeline maxItems and nextToken', () => {
  it('walks every page of a listing, each item once, ending without a token', async () => {
    const seen: string[] = [];
    const tokens: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const result = await test.call('aws_cli_pipeline', {
        command: 'aws s3api list-objects-v2 --bucket paged-bucket',
        maxItems: 3,
        ...(nextToken === undefined ? {} : { nextToken }),
      });
      expect(result.isError, textOf(result)).not.toBe(true);
      const page = JSON.parse(fields(result).output as string) as { Contents: { Key: string }[] };
      expect(page.Contents.length).toBeLessThanOrEqual(3);
      seen.push(...page.Contents.map((object) => object.Key));
      nextToken = fields(result).nextToken as string | undefined;
      if (nextToken !== undefined) {
        tokens.push(nextToken);
        expect(
          result.content.some((block) => block.type === 'text' && block.text.includes('nextToken')),
        ).toBe(true);
      }
      pages += 1;
    } while (nextToken !== undefined && pages < 10);
    expect(pages).toBe(3);
    expect(new Set(tokens).size).toBe(2);
    expect(seen.toSorted()).toEqual(keys.toSorted());
  }, 120_000);

  it('keeps the token when filters select from each page', async () => {
    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const result = await test.call('aws_cli_pipeline', {
        command: "aws s3api list-objects-v2 --bucket paged-bucket | jq -r '.Contents[].Key'",
        maxItems: 3,
        ...(nextToken === undefined ? {} : { nextToken }),
      });
      expect(result.isError, textOf(result)).not.toBe(true);
      const lines = (fields(result).output as string).split('\n').filter((line) => line !== '');
      expect(lines.length).toBeLessThanOrEqual(3);
      seen.push(...lines);
      nextToken = fields(result).nextToken as string | undefined;
      pages += 1;
    } while (nextToken !== undefined && pages < 10);
    expect(pages).toBe(3);
    expect(seen.toSorted()).toEqual(keys.toSorted());
  }, 120_000);

  it('reads the token before --query, which drops it from the output', async () => {
    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const result = await test.call('aws_cli_pipeline', {
        command: 'aws s3api list-objects-v2 --bucket paged-bucket --query Contents[].Key',
        maxItems: 3,
        ...(nextToken === undefined ? {} : { nextToken }),
      });
      expect(result.isError, textOf(result)).not.toBe(true);
      const page = JSON.parse(fields(result).output as string) as string[];
      expect(page.length).toBeLessThanOrEqual(3);
      seen.push(...page);
      nextToken = fields(result).nextToken as string | undefined;
      pages += 1;
    } while (nextToken !== undefined && pages < 10);
    expect(pages).toBe(3);
    expect(seen.toSorted()).toEqual(keys.toSorted());
  }, 120_000);

  it.each([
    [
      'an operation the CLI does not paginate',
      { command: 'aws s3api get-bucket-location --bucket paged-bucket', maxItems: 2 },
      'PAGINATION_UNSUPPORTED',
      /does not paginate/,
    ],
    [
      'paging already on the command line',
      { command: 'aws s3api list-objects-v2 --bucket paged-bucket --max-items 2', maxItems: 2 },
      'PAGINATION_ARGUMENT_INVALID',
      /already has `--max-items`/,
    ],
  ])('refuses %s, running nothing', async (_, args, code, reason) => {
    const result = await test.call('aws_cli_pipeline', args);
    expect(result.isError).toBe(true);
    expect(fields(result)).toMatchObject({ status: 'refused', code, durationMs: 0 });
    expect(fields(result).reason).toMatch(reason);
  });

  it('keeps a token that looks like an option the value of --starting-token', async () => {
    const result = await test.call('aws_cli_pipeline', {
      command: 'aws s3api list-objects-v2 --bucket paged-bucket',
      maxItems: 2,
      nextToken: '--endpoint-url=http://198.51.100.7',
      check: true,
    });
    expect(fields(result).status).toBe('checked');
    const argv = (fields(result).check as { argv: string[][] }).argv[0] ?? [];
    expect(argv.some((word) => word.startsWith('--endpoint-url'))).toBe(false);
  });

  it('runs the paged command the policy judged: --max-items and --starting-token in the argv', async () => {
    const result = await test.call('aws_cli_pipeline', {
      command: 'aws s3api list-objects-v2 --bucket paged-bucket',
      maxItems: 2,
      nextToken: 'eyJDb250aW51YXRpb25Ub2tlbiI6IG51bGx9',
      check: true,
    });
    const argv = (fields(result).check as { argv: string[][] }).argv[0];
    expect(argv).toEqual(
      // The token is named like a secret, so the check (like the audit log) shows it redacted.
      expect.arrayContaining(['--max-items=2', '--starting-token=[redacted]']),
    );
  });
});

describe('isNextTokenLost', () => {
  const success = { status: 'success' } as PipelineResult;
  const viaLauncher = { status: 'success', requestIds: [] } as unknown as PipelineResult;
  it.each([
    ['--query without the launcher', '--query Contents[].Key', success, true],
    ['a text output without the launcher', '--output text', success, true],
    ['JSON without the launcher (the token is in the output)', '', success, false],
    ['--query through the launcher (it reports the token)', '--query Contents[].Key', viaLauncher, false],
  ])('says so for %s', (_, options, result, lost) => {
    const pipeline = parseCommandLine(`aws s3api list-objects-v2 --bucket b ${options}`);
    expect(isNextTokenLost({ maxItems: 2 }, pipeline, result)).toBe(lost);
    expect(isNextTokenLost({}, pipeline, result)).toBe(false);
  });
});
