import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MOTO_CREDENTIALS } from '@aws-mcp/emulators';
import { capOutput } from '@aws-mcp/executor';
import { useTempDir } from '@aws-mcp/test-support';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFrozenCli, debianAws, frozenCliMissing } from './_frozen-cli.js';
import { startTestServer, type TestServer, textOf } from './test-server.js';

const execFileAsync = promisify(execFile);
if (frozenCliMissing !== undefined) console.warn(`frozen-paging.test.ts skipped: ${frozenCliMissing}`);

function fields(result: CallToolResult): Record<string, unknown> {
  return (result.structuredContent ?? {}) as Record<string, unknown>;
}

/**
 * Paging through the server on an installer-style frozen CLI v2 (no Python, so no launcher reports the token):
 * text output, a profile whose output is text, a table, yaml, and a page over the output cap with keeping off, each
 * compared with what the same CLI prints for the same call run raw (`--max-items`/`--starting-token`) on moto.
 */
describe.skipIf(frozenCliMissing !== undefined)(
  `paging on a frozen CLI v2 ${frozenCliMissing === undefined ? '' : `(skipped: ${frozenCliMissing})`}`,
  () => {
    const temp = useTempDir('frozen-paging-');
    const keys = [
      ...Array.from({ length: 7 }, (_, index) => `logs/entry-${index}.txt`),
      'logs/ünïcödé-ключ.txt',
    ];
    let test: TestServer;
    let awsFiles: Record<string, string>;

    beforeAll(async () => {
      const { aws } = await buildFrozenCli(temp.path, { services: ['sts', 's3'] });
      const credentials = `aws_access_key_id = ${MOTO_CREDENTIALS.accessKeyId}\naws_secret_access_key = ${MOTO_CREDENTIALS.secretAccessKey}\n`;
      awsFiles = {
        AWS_CONFIG_FILE: join(temp.path, 'config'),
        AWS_SHARED_CREDENTIALS_FILE: join(temp.path, 'credentials'),
      };
      await writeFile(
        awsFiles.AWS_CONFIG_FILE as string,
        '[default]\nregion = us-east-1\noutput = json\n\n[profile textual]\nregion = us-east-1\noutput = text\n',
      );
      await writeFile(
        awsFiles.AWS_SHARED_CREDENTIALS_FILE as string,
        `[default]\n${credentials}\n[textual]\n${credentials}`,
        {
          mode: 0o600,
        },
      );
      test = await startTestServer(
        {
          AWS_MCP_AWS_CLI: aws,
          XDG_CACHE_HOME: join(temp.path, 'cache'),
          // Keeping off: a page over the output cap must still come out of the wrap.
          AWS_MCP_RESULTS_SESSION_BYTES: '0',
          ...awsFiles,
        },
        { emulator: 'moto' },
      );
      const bucket = `${test.s3.endpoint}/paged-bucket`;
      expect((await fetch(bucket, { method: 'PUT' })).ok).toBe(true);
      for (const key of keys) {
        expect((await fetch(`${bucket}/${encodeURI(key)}`, { method: 'PUT', body: key })).ok).toBe(true);
      }
    }, 240_000);

    afterAll(async () => {
      await test?.close();
    });

    /** What Debian's v2 prints for the same listing, run raw with the same AWS files. */
    async function raw(args: string[], profile?: string): Promise<string> {
      const { stdout } = await execFileAsync(
        debianAws,
        [
          '--endpoint-url',
          test.s3.endpoint,
          ...(profile === undefined ? [] : ['--profile', profile]),
          's3api',
          'list-objects-v2',
          '--bucket',
          'paged-bucket',
          ...args,
        ],
        {
          env: {
            PATH: process.env.PATH ?? '',
            LANG: 'C.UTF-8',
            HOME: temp.path,
            AWS_MAX_ATTEMPTS: '1',
            AWS_PAGER: '',
            ...awsFiles,
          },
        },
      );
      return stdout;
    }

    it('walks a text listing with --query: each page as the CLI prints it, less its "None", and the token it resumes with', async () => {
      const seen: string[] = [];
      let nextToken: string | undefined;
      let pages = 0;
      do {
        const resume = nextToken === undefined ? [] : ['--starting-token', nextToken];
        const result = await test.call('aws_cli_pipeline', {
          command: 'aws s3api list-objects-v2 --bucket paged-bucket --query Contents[].Key --output text',
          maxItems: 3,
          ...(nextToken === undefined ? {} : { nextToken }),
        });
        expect(result.isError, textOf(result)).not.toBe(true);
        expect(JSON.stringify(result.content)).not.toContain('Whether more items remain is unknown');
        const output = fields(result).output as string;
        const token = fields(result).nextToken as string | undefined;
        // The raw print ends with the query over the token ("None" for this query), which drops the token.
        expect(output + (token === undefined ? '' : 'None\n')).toBe(
          await raw(['--max-items', '3', ...resume, '--query', 'Contents[].Key', '--output', 'text']),
        );
        const unqueried = await raw(['--max-items', '3', ...resume, '--output', 'text']);
        expect(token).toBe(/NEXTTOKEN\t(\S+)\n$/.exec(unqueried)?.[1]);
        seen.push(...output.trim().split('\t'));
        nextToken = token;
        pages += 1;
      } while (nextToken !== undefined && pages < 10);
      expect(pages).toBe(3);
      expect(seen.toSorted()).toEqual(keys.toSorted());
    }, 240_000);

    it("prints a paged --query in the profile's output (text) when the line names none, as the raw CLI does", async () => {
      const result = await test.call('aws_cli_pipeline', {
        command: 'aws s3api list-objects-v2 --bucket paged-bucket --query Contents[].Key',
        profile: 'textual',
        maxItems: 3,
      });
      expect(result.isError, textOf(result)).not.toBe(true);
      const token = fields(result).nextToken;
      expect(typeof token).toBe('string');
      expect(`${fields(result).output as string}None\n`).toBe(
        await raw(['--max-items', '3', '--query', 'Contents[].Key'], 'textual'),
      );
    }, 120_000);

    it('refuses a paged table with --query, which would drop the token, running nothing', async () => {
      const result = await test.call('aws_cli_pipeline', {
        command: 'aws s3api list-objects-v2 --bucket paged-bucket --query Contents[].Key --output table',
        maxItems: 3,
      });
      expect(result.isError).toBe(true);
      expect(fields(result)).toMatchObject({
        status: 'refused',
        code: 'PAGINATION_UNSUPPORTED',
        durationMs: 0,
      });
      expect(fields(result).reason).toMatch(/--output json. or .--output text/);
    });

    it('walks a yaml listing with a list --query: each page byte for byte as the raw CLI prints it, to the last', async () => {
      const query = 'Contents[].{key: Key, size: Size, modified: LastModified}';
      const seen: string[] = [];
      let nextToken: string | undefined;
      let pages = 0;
      do {
        const resume = nextToken === undefined ? [] : ['--starting-token', nextToken];
        const result = await test.call('aws_cli_pipeline', {
          args: [
            'aws',
            's3api',
            'list-objects-v2',
            '--bucket',
            'paged-bucket',
            '--output',
            'yaml',
            '--query',
            query,
          ],
          maxItems: 3,
          ...(nextToken === undefined ? {} : { nextToken }),
        });
        expect(result.isError, textOf(result)).not.toBe(true);
        expect(JSON.stringify(result.content)).not.toContain('Whether more items remain is unknown');
        const output = fields(result).output as string;
        expect(output).toBe(await raw(['--max-items', '3', ...resume, '--query', query, '--output', 'yaml']));
        const token = fields(result).nextToken as string | undefined;
        const unqueried = JSON.parse(await raw(['--max-items', '3', ...resume, '--output', 'json'])) as {
          NextToken?: string;
        };
        expect(token).toBe(unqueried.NextToken);
        seen.push(...[...output.matchAll(/^- key: (.*)$/gm)].map((match) => match[1] ?? ''));
        nextToken = token;
        pages += 1;
      } while (nextToken !== undefined && pages < 10);
      expect(pages).toBe(3);
      expect(seen).toHaveLength(keys.length);
    }, 240_000);

    it('refuses a paged yaml --query whose value may be an object, saying which queries page, running nothing', async () => {
      const result = await test.call('aws_cli_pipeline', {
        command: 'aws s3api list-objects-v2 --bucket paged-bucket --query Contents[0] --output yaml',
        maxItems: 3,
      });
      expect(result.isError).toBe(true);
      expect(fields(result)).toMatchObject({
        status: 'refused',
        code: 'PAGINATION_UNSUPPORTED',
        durationMs: 0,
      });
      expect(fields(result).reason).toMatch(
        /a `--query` whose result is a list, such as `Contents\[\]\.Key`, pages/,
      );
    });

    it('takes a page over the output cap out of the wrap with keeping off, cut as the raw print would be', async () => {
      const query = 'Contents[].{key: Key, size: Size}';
      const result = await test.call('aws_cli_pipeline', {
        args: ['aws', 's3api', 'list-objects-v2', '--bucket', 'paged-bucket', '--query', query],
        maxItems: 6,
        maxOutput: 300,
      });
      expect(result.isError, textOf(result)).not.toBe(true);
      const printed = await raw(['--max-items', '6', '--query', query, '--output', 'json']);
      const expected = capOutput(printed, { maxChars: 300 });
      expect(expected.truncated).toBe(true);
      expect(fields(result)).toMatchObject({
        output: expected.text,
        truncated: true,
        totalChars: printed.length,
      });
      expect(fields(result).output).not.toContain('aws_mcp_page');
      expect(typeof fields(result).nextToken).toBe('string');
    }, 120_000);
  },
);
