import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseCommandLine } from '@aws-mcp/command';
import { type PipelineResult, wrapQueryForToken } from '@aws-mcp/executor';
import { useTempDir, writeOpaqueCli } from '@aws-mcp/test-support';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, textOf } from '../../test/test-server.js';
import { isNextTokenLost } from './_pagination.js';

const run = promisify(execFile);

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

describe('wrapQueryForToken', () => {
  it.each([
    ['Contents[].Key'],
    ['Contents[].Key | [0]'],
    ['Contents[?Size > `3`].{k: Key, s: Size}'],
    ['`{}`'],
  ])('wraps %j as the hash of that one expression', (query) => {
    expect(wrapQueryForToken(query)).toBe(`{NextToken: NextToken, aws_mcp_page: (${query})}`);
  });

  it.each([
    ['a), NextToken: (b', 'it would replace the token'],
    ['a), aws_mcp_page: (b', 'it would replace the page'],
    ['Contents[', 'it is not an expression'],
  ])('does not wrap %j: %s', (query) => {
    expect(wrapQueryForToken(query)).toBeUndefined();
  });
});

describe('aws_cli_pipeline paging with --query on a CLI without the launcher (a frozen CLI)', () => {
  let frozen: TestServer;
  const folder = useTempDir('frozen-paging-');
  beforeAll(async () => {
    const cli = await writeOpaqueCli({ folder: folder.path });
    frozen = await startTestServer(
      { AWS_MCP_AWS_CLI: cli, AWS_MCP_SANDBOX: 'disabled' },
      { emulator: 'moto' },
    );
    const bucket = `${frozen.s3.endpoint}/paged-bucket`;
    expect((await fetch(bucket, { method: 'PUT' })).ok).toBe(true);
    for (const key of [...keys, 'logs/ünïcödé-ключ.txt']) {
      expect((await fetch(`${bucket}/${encodeURI(key)}`, { method: 'PUT', body: key })).ok).toBe(true);
    }
  }, 120_000);
  afterAll(async () => {
    await frozen?.close();
  });

  /** The raw CLI with the same page arguments: the oracle of what the person's --query prints. */
  async function raw(query: string, nextToken?: string): Promise<string> {
    const { stdout } = await run(
      'aws',
      [
        '--endpoint-url',
        frozen.s3.endpoint,
        's3api',
        'list-objects-v2',
        '--bucket',
        'paged-bucket',
        '--max-items',
        '3',
        ...(nextToken === undefined ? [] : ['--starting-token', nextToken]),
        '--query',
        query,
        '--output',
        'json',
      ],
      { env: { PATH: process.env.PATH ?? '', LANG: 'C.UTF-8', AWS_MAX_ATTEMPTS: '1', ...frozen.awsEnv } },
    );
    return stdout;
  }

  it('walks every page, each page exactly what the raw CLI prints for the --query', async () => {
    const query = 'Contents[].Key';
    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const result = await frozen.call('aws_cli_pipeline', {
        command: `aws s3api list-objects-v2 --bucket paged-bucket --query ${query}`,
        maxItems: 3,
        ...(nextToken === undefined ? {} : { nextToken }),
      });
      expect(result.isError, textOf(result)).not.toBe(true);
      // Through the frozen CLI: no launcher reported request ids.
      expect(textOf(result)).not.toContain('Whether more items remain is unknown');
      expect(fields(result).output).toBe(await raw(query, nextToken));
      seen.push(...(JSON.parse(fields(result).output as string) as string[]));
      nextToken = fields(result).nextToken as string | undefined;
      pages += 1;
    } while (nextToken !== undefined && pages < 10);
    expect(pages).toBe(3);
    expect(seen.toSorted()).toEqual([...keys, 'logs/ünïcödé-ключ.txt'].toSorted());
  }, 180_000);

  it.each([
    ['a number', 'Contents[0].Size'],
    ['objects, nested', 'Contents[].{key: Key, size: Size, owner: {id: Owner.ID}}'],
    ['null', 'NoSuchMember'],
    ['an empty object, which the CLI prints as nothing', '`{}`'],
    ['an empty list', 'Contents[?Size > `1000`]'],
    ['a pipe', 'Contents[].Key | [-1]'],
  ])(
    'prints %s byte for byte as the raw CLI does',
    async (_, query) => {
      const result = await frozen.call('aws_cli_pipeline', {
        args: ['aws', 's3api', 'list-objects-v2', '--bucket', 'paged-bucket', '--query', query],
        maxItems: 3,
      });
      expect(result.isError, textOf(result)).not.toBe(true);
      expect(fields(result).output).toBe(await raw(query));
      expect(typeof fields(result).nextToken).toBe('string');
    },
    120_000,
  );

  it('filters each page after the token is read from the wrap', async () => {
    const result = await frozen.call('aws_cli_pipeline', {
      command: "aws s3api list-objects-v2 --bucket paged-bucket --query Contents[].Key | jq -r '.[]'",
      maxItems: 3,
    });
    expect(result.isError, textOf(result)).not.toBe(true);
    const expected = (JSON.parse(await raw('Contents[].Key')) as string[]).map((key) => `${key}\n`).join('');
    expect(fields(result).output).toBe(expected);
    expect(typeof fields(result).nextToken).toBe('string');
  }, 120_000);
});

describe('aws_cli_pipeline paging a page too large to hold whole', () => {
  let huge: TestServer;
  const folder = useTempDir('huge-page-');
  // One key of 64 Mi characters: the page is over what the executor holds whole to read its token.
  const keyChars = 64 * 1024 * 1024;
  beforeAll(async () => {
    const printer = join(folder.path, 'print-huge-page.mjs');
    await writeFile(
      printer,
      [
        "const chunk = 'k'.repeat(1024 * 1024);",
        `process.stdout.write('{\\n    "Contents": [\\n        {\\n            "Key": "');`,
        `for (let index = 0; index < ${keyChars / (1024 * 1024)}; index += 1) process.stdout.write(chunk);`,
        `process.stdout.write('"\\n        }\\n    ],\\n    "NextToken": "more"\\n}\\n');`,
      ].join('\n'),
    );
    // A frozen-looking CLI (a shell script) that prints the huge page for the listing and is the real CLI otherwise.
    const cli = join(folder.path, 'aws');
    await writeFile(
      cli,
      `#!/bin/sh\nfor word in "$@"; do\n  if [ "$word" = list-objects-v2 ]; then exec '${process.execPath}' '${printer}'; fi\ndone\nexec aws "$@"\n`,
      { mode: 0o755 },
    );
    huge = await startTestServer({ AWS_MCP_AWS_CLI: cli, AWS_MCP_SANDBOX: 'disabled' });
  }, 120_000);
  afterAll(async () => {
    await huge?.close();
  });

  it('refuses it with PAGE_TOO_LARGE, naming its size and the smaller asks, and returns none of it', async () => {
    const result = await huge.call('aws_cli_pipeline', {
      command: "aws s3api list-objects-v2 --bucket paged-bucket | jq -r '.Contents[].Key | length'",
      maxItems: 3,
    });
    expect(result.isError).toBe(true);
    expect(fields(result)).toMatchObject({ status: 'refused', code: 'PAGE_TOO_LARGE' });
    expect(fields(result).reason).toMatch(
      /^The page printed 67,108,9\d\d characters, more than the 67,108,864 held whole/,
    );
    expect(fields(result).suggestion).toMatch(/smaller `maxItems`.*`--query`.*`saveOutputTo`/);
    expect(textOf(result)).toMatch(/^PAGE_TOO_LARGE: /);
    expect(textOf(result)).not.toContain('kkkkkkkk');
    expect(fields(result).nextToken).toBeUndefined();
  }, 180_000);
});
