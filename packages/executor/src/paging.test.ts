import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readAwsSetup } from '@aws-mcp/aws-config';
import { loadSnapshotCliModel, type Pipeline, parseCommandLine, parseFilterStages } from '@aws-mcp/command';
import { createAwsSandboxHome, type MotoEmulator, startMoto } from '@aws-mcp/emulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findExecutable } from './_find-executable.js';
import { capOutput } from './cap-output.js';
import { ExecutionError } from './execution-error.js';
import {
  addPagingArguments,
  describeNextToken,
  filterPagedOutput,
  type PagingRequest,
  pageAwsCommand,
  readNextToken,
  reportsNextToken,
  resolveDefaultOutput,
  runPagedPipeline,
  unwrapQueriedPage,
  wrapQueryForToken,
} from './paging.js';
import { runFilters } from './run-filters.js';
import { type PipelineResult, type RunPipelineOptions, runPipeline } from './run-pipeline.js';

const execFileAsync = promisify(execFile);
const model = loadSnapshotCliModel(2);
const textWrap = (query: string) =>
  `NextToken.NextToken && {aws_mcp_next: [NextToken.NextToken]} || (${query})`;

function paged(
  line: string,
  request: PagingRequest,
  extra: Parameters<typeof addPagingArguments>[2] | object = {},
) {
  return addPagingArguments(parseCommandLine(line, { model }), request, { model, ...extra });
}

function argvOf(result: ReturnType<typeof paged>): string[] {
  if ('refusal' in result) throw new Error(`refused: ${result.refusal.reason}`);
  return result.aws.argv;
}

describe('wrapQueryForToken', () => {
  it.each([['Contents[].Key'], ['Contents[].Key | [0]'], ['`{}`'], ['Contents[?Size > `3`].{k: Key}']])(
    'wraps %j for text as the query on a page and one line for the token',
    (query) => {
      expect(wrapQueryForToken(query, 'text')).toBe(textWrap(query));
    },
  );

  it.each([
    ['a) || NextToken', 'it would change what a page prints'],
    ['a) && (b', 'it would join the token test'],
    ['Contents[', 'it is not an expression'],
  ])('does not wrap %j for text: %s', (query) => {
    expect(wrapQueryForToken(query, 'text')).toBeUndefined();
  });

  it('wraps nothing for --output table', () => {
    expect(wrapQueryForToken('Contents[].Key', 'table')).toBeUndefined();
  });

  it.each([
    ['Contents[].Key'],
    ['Contents[?Size > `3`]'],
    ['[Name, Prefix]'],
    ['Contents | [].Key'],
    ['*.a'],
  ])('wraps %j for yaml, whose value is a list or null, as JSON is wrapped', (query) => {
    expect(wrapQueryForToken(query, 'yaml')).toBe(`{NextToken: NextToken, aws_mcp_page: (${query})}`);
  });

  it.each([
    ['Contents', 'a member may be an object, which YAML indents under the key'],
    ['{k: Name}', 'an object'],
    ['Contents[0]', 'one item, which may be an object'],
    ['length(Contents)', 'a function, whose value may be anything'],
    ['Contents[].Key | [0]', 'a pipe into one item'],
  ])('does not wrap %j for yaml: %s', (query) => {
    expect(wrapQueryForToken(query, 'yaml')).toBeUndefined();
  });
});

describe('unwrapQueriedPage', () => {
  it('takes the token line off a text page, and leaves a last page as it is', () => {
    expect(unwrapQueriedPage('a\tb\nAWS_MCP_NEXT\teyJ0\n', 'text')).toEqual({
      page: 'a\tb\n',
      nextToken: 'eyJ0',
    });
    expect(unwrapQueriedPage('AWS_MCP_NEXT\teyJ0\n', 'text')).toEqual({ page: '', nextToken: 'eyJ0' });
    expect(unwrapQueriedPage('a\tb\n', 'text')).toEqual({ page: 'a\tb\n', nextToken: undefined });
  });
});

describe('addPagingArguments', () => {
  it('names the default output on the line and wraps the query for it', () => {
    const argv = argvOf(
      paged(
        'aws s3api list-objects-v2 --bucket b --query Contents[].Key',
        { maxItems: 2 },
        { defaultOutput: 'text' },
      ),
    );
    expect(argv).toEqual(
      expect.arrayContaining([`--query=${textWrap('Contents[].Key')}`, '--output=text', '--max-items=2']),
    );
  });

  it('keeps an --output the line names over the default', () => {
    const argv = argvOf(
      paged('aws s3api list-objects-v2 --bucket b --output json', { maxItems: 2 }, { defaultOutput: 'text' }),
    );
    expect(argv.filter((word) => word.startsWith('--output'))).toEqual(['--output=json']);
  });

  it('refuses a table with --query when the CLI cannot report the token, and runs it when it can', () => {
    const line = 'aws s3api list-objects-v2 --bucket b --query Contents[].Key --output table';
    const refused = paged(line, { maxItems: 2 });
    expect(refused).toMatchObject({ refusal: { code: 'PAGINATION_UNSUPPORTED' } });
    expect('refusal' in refused && refused.refusal.reason).toMatch(/--output json. or .--output text/);
    const argv = argvOf(paged(line, { maxItems: 2 }, { reportsToken: true }));
    expect(argv).toContain('--query=Contents[].Key');
  });

  it.each([
    [
      'an operation the CLI does not paginate',
      'aws s3api get-bucket-location --bucket b',
      'PAGINATION_UNSUPPORTED',
    ],
    [
      'paging on the line',
      'aws s3api list-objects-v2 --bucket b --max-items 2',
      'PAGINATION_ARGUMENT_INVALID',
    ],
  ])('refuses %s', (_, line, code) => {
    expect(paged(line, { maxItems: 2 })).toMatchObject({ refusal: { code } });
  });
});

describe('resolveDefaultOutput', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'paging-output-'));
    await writeFile(
      join(folder, 'config'),
      '[default]\noutput = text\n\n[profile tabled]\noutput = table\n\n[profile plain]\nregion = eu-west-1\n',
    );
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it.each([
    [{}, undefined, 'text'],
    [{}, 'tabled', 'table'],
    [{ AWS_PROFILE: 'tabled' }, undefined, 'table'],
    [{ AWS_PROFILE: 'tabled' }, 'default', 'text'],
    [{}, 'plain', 'json'],
    [{ AWS_DEFAULT_OUTPUT: 'yaml' }, 'tabled', 'yaml'],
  ])('with %j and profile %s: %s', async (variables, profile, output) => {
    const env = { HOME: folder, AWS_CONFIG_FILE: join(folder, 'config'), ...variables };
    const setup = await readAwsSetup({ env });
    expect(resolveDefaultOutput({ env, setup, ...(profile === undefined ? {} : { profile }) })).toBe(output);
  });
});

describe('pageAwsCommand', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'page-aws-command-'));
    await writeFile(join(folder, 'config'), '[default]\noutput = text\n\n[profile tabled]\noutput = table\n');
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });
  const line = 'aws s3api list-objects-v2 --bucket b';

  it('returns the pipeline itself without paging arguments, and refuses paging a fan-out', () => {
    const pipeline = parseCommandLine(line, { model });
    expect(pageAwsCommand(pipeline, {}, { model, fanOut: true })).toBe(pipeline);
    expect(pageAwsCommand(pipeline, { maxItems: 2 }, { model, fanOut: true })).toEqual({
      refusal: {
        code: 'PAGINATION_ARGUMENT_INVALID',
        reason: '`maxItems` and `nextToken` page one listing: they do not go with `profiles` or `regions`.',
      },
    });
  });

  it.each([
    ['the environment', `${line}`, { AWS_DEFAULT_OUTPUT: 'json' }, 'tabled', 'json'],
    ['the named profile', `${line}`, {}, 'default', 'text'],
    [
      '--profile on the line over the named one',
      `${line} --profile tabled --query Contents`,
      {},
      'default',
      'table',
    ],
  ])('names the output the CLI would print, from %s', async (_, text, variables, profile, output) => {
    const env = {
      PATH: process.env.PATH,
      HOME: folder,
      AWS_CONFIG_FILE: join(folder, 'config'),
      ...variables,
    };
    const setup = await readAwsSetup({ env });
    // The pip v1 on PATH runs through the launcher, which reports the token, so a table with --query may page.
    const paged = pageAwsCommand(
      parseCommandLine(text, { model }),
      { maxItems: 2 },
      {
        model,
        run: { env, awsCli: 'aws' },
        setup,
        profile,
      },
    );
    expect(argvOf(paged)).toEqual(expect.arrayContaining(['--max-items=2', `--output=${output}`]));
  });

  it('refuses a table with --query on a CLI that cannot report the token', async () => {
    const env = { PATH: process.env.PATH, HOME: folder, AWS_CONFIG_FILE: join(folder, 'config') };
    const setup = await readAwsSetup({ env });
    const paged = pageAwsCommand(
      parseCommandLine(`${line} --query Contents`, { model }),
      { maxItems: 2 },
      {
        model,
        run: { env, awsCli: 'aws', maskInCli: false },
        setup,
        profile: 'tabled',
      },
    );
    expect(paged).toMatchObject({ refusal: { code: 'PAGINATION_UNSUPPORTED' } });
  });
});

describe('describeNextToken', () => {
  it.each([
    [
      'a token',
      'abc',
      false,
      'More items remain: call again with the same command and `maxItems`, and `nextToken: "abc"`.',
    ],
    [
      'a token, even when one may have been lost',
      'abc',
      true,
      'More items remain: call again with the same command and `maxItems`, and `nextToken: "abc"`.',
    ],
    ['no token', undefined, false, undefined],
  ])('says %s', (_, token, lost, text) => {
    expect(describeNextToken(token, lost)).toBe(text);
  });

  it('says a lost token is unknown, and how to page so it is not', () => {
    expect(describeNextToken(undefined, true)).toMatch(
      /^Whether more items remain is unknown: .*`--output json` or `--output text` and a plain `--query`, or select with `\| jq`\.$/,
    );
  });
});

describe('filterPagedOutput', () => {
  let workdir: string;
  beforeAll(async () => {
    workdir = await mkdtemp(join(tmpdir(), 'filter-paged-output-'));
  });
  afterAll(async () => {
    await rm(workdir, { recursive: true, force: true });
  });

  it.each([
    ['with time left', 0, 'success'],
    ['with none left once the aws stage took the call’s time (1 ms)', 60_000, 'timeout'],
  ])(
    'runs the filters over the page %s',
    async (_, elapsedMs, status) => {
      const result = await filterPagedOutput(parseFilterStages("jq -r '.Contents[].Key'"), {
        cwd: workdir,
        env: { PATH: process.env.PATH, LANG: 'C.UTF-8' },
        timeoutMs: 60_000,
        text: '{"Contents": [{"Key": "a"}, {"Key": "b"}]}\n',
        elapsedMs,
      });
      expect(result.status).toBe(status);
      if (status === 'success') expect(result.output).toBe('a\nb\n');
    },
    30_000,
  );
});

// The CLI run as a frozen build runs (no launcher: `maskInCli: false`), against moto; the same call raw is the oracle.
const debianAws = '/usr/bin/aws';
const missing = existsSync(debianAws) ? undefined : "Debian's awscli (v2) is not installed";
if (missing !== undefined) console.warn(`paging.test.ts moto cases skipped: ${missing}`);

describe.skipIf(missing !== undefined)(
  `runPagedPipeline against moto, mostly CLI v2 run as a frozen build is (no launcher)${missing === undefined ? '' : ` (skipped: ${missing})`}`,
  () => {
    const keys = [
      ...Array.from({ length: 7 }, (_, index) => `logs/entry-${index}.txt`),
      'logs/ünïcödé-ключ.txt',
    ];
    let moto: MotoEmulator;
    let home: Awaited<ReturnType<typeof createAwsSandboxHome>>;
    let workdir: string;
    let options: RunPipelineOptions;

    beforeAll(async () => {
      moto = await startMoto();
      home = await createAwsSandboxHome({ credentials: moto.credentials, region: 'us-east-1' });
      workdir = await mkdtemp(join(tmpdir(), 'paging-workdir-'));
      const bucket = `${moto.endpoint}/paged-bucket`;
      expect((await fetch(bucket, { method: 'PUT' })).ok).toBe(true);
      for (const key of keys) {
        expect((await fetch(`${bucket}/${encodeURI(key)}`, { method: 'PUT', body: key })).ok).toBe(true);
      }
      options = {
        cwd: workdir,
        env: { PATH: process.env.PATH, LANG: 'C.UTF-8', ...home.env, AWS_MAX_ATTEMPTS: '1' },
        endpointUrl: moto.endpoint,
        awsCli: debianAws,
        maskInCli: false,
        timeoutMs: 60_000,
      };
    }, 120_000);

    afterAll(async () => {
      await moto?.stop();
      await home?.remove();
      if (workdir !== undefined) await rm(workdir, { recursive: true, force: true });
    });

    /** What the CLI prints for the same call, run directly. */
    async function raw(args: string[], cli = debianAws): Promise<string> {
      const { stdout } = await execFileAsync(
        cli,
        ['--endpoint-url', moto.endpoint, 's3api', 'list-objects-v2', '--bucket', 'paged-bucket', ...args],
        { env: { ...(options.env as Record<string, string>), AWS_PAGER: '' } },
      );
      return stdout;
    }

    function page(
      line: string,
      request: PagingRequest,
      {
        maxOutputChars = 40_000,
        keepOutputChars,
        maxPageChars,
        run = {},
      }: {
        maxOutputChars?: number;
        keepOutputChars?: number;
        maxPageChars?: number;
        /** Run options over the frozen-build ones (another CLI, the launcher). */
        run?: Partial<RunPipelineOptions>;
      } = {},
    ): Promise<{ pipeline: Pipeline; result: PipelineResult }> {
      const pipeline = paged(line, request);
      if ('refusal' in pipeline) throw new Error(pipeline.refusal.reason);
      return runPagedPipeline({
        pipeline,
        runAws: (awsOnly, keep) =>
          runPipeline(awsOnly, { ...options, ...run, maxOutputChars, keepOutputChars: keep }),
        filterOutput: (text) => runFilters(pipeline.filters, { ...options, input: text, maxOutputChars }),
        cap: { maxOutputChars, ...(keepOutputChars === undefined ? {} : { keepOutputChars }) },
        ...(maxPageChars === undefined ? {} : { maxPageChars }),
      }).then((result) => ({ pipeline, result }));
    }

    it('walks a text listing with --query: each page what the CLI prints, without its "None" for the token', async () => {
      const seen: string[] = [];
      let nextToken: string | undefined;
      let pages = 0;
      do {
        const request = { maxItems: 3, ...(nextToken === undefined ? {} : { nextToken }) };
        const resume = nextToken === undefined ? [] : ['--starting-token', nextToken];
        const { result } = await page(
          'aws s3api list-objects-v2 --bucket paged-bucket --query Contents[].Key --output text',
          request,
        );
        expect(result.status, result.stderr).toBe('success');
        const printed = await raw([
          '--max-items',
          '3',
          ...resume,
          '--query',
          'Contents[].Key',
          '--output',
          'text',
        ]);
        // The raw print's token block is the query over {"NextToken": {...}}: "None" for this query.
        expect(result.output + (result.nextToken === undefined ? '' : 'None\n')).toBe(printed);
        // The token is the one the CLI prints without --query (its last NEXTTOKEN line).
        const unqueried = await raw(['--max-items', '3', ...resume, '--output', 'text']);
        expect(result.nextToken).toBe(/NEXTTOKEN\t(\S+)\n$/.exec(unqueried)?.[1]);
        seen.push(...result.output.trim().split('\t'));
        nextToken = result.nextToken;
        pages += 1;
      } while (nextToken !== undefined && pages < 10);
      expect(pages).toBe(3);
      expect(seen.toSorted()).toEqual(keys.toSorted());
    }, 180_000);

    it('unwraps a text --query page the launcher reported the token of (pip CLI v1), as the raw v1 prints it', async () => {
      const v1 = findExecutable('aws', process.env.PATH);
      expect(v1, 'the pip CLI v1 on PATH').toBeDefined();
      const { result } = await page(
        'aws s3api list-objects-v2 --bucket paged-bucket --query Contents[].Key --output text',
        { maxItems: 3 },
        { run: { awsCli: 'aws', maskInCli: true } },
      );
      expect(result.status, result.stderr).toBe('success');
      // The launcher runs this CLI (moto's S3 sends no request ids, so the result cannot say so itself).
      expect(reportsNextToken({ awsCli: 'aws', env: options.env })).toBe(true);
      const printed = await raw(['--max-items', '3', '--query', 'Contents[].Key', '--output', 'text'], v1);
      expect(`${result.output}None\n`).toBe(printed);
      const unqueried = await raw(['--max-items', '3', '--output', 'text'], v1);
      expect(result.nextToken).toBe(/NEXTTOKEN\t(\S+)\n$/.exec(unqueried)?.[1]);
    }, 120_000);

    /** What --output yaml prints for the same page, raw: the oracle of a yaml page. */
    const rawYaml = (query: string, resume: string[] = []) =>
      raw(['--max-items', '3', ...resume, '--query', query, '--output', 'yaml']);

    it.each([
      ['a list of strings, one unicode', 'Contents[].Key'],
      [
        'objects with sorted keys, quoted timestamps and nested objects',
        'Contents[].{key: Key, size: Size, modified: LastModified, owner: Owner}',
      ],
      [
        'strings folded past the width, at each depth',
        '[Contents[].Key, {deep: {deeper: {text: `"a long sentence with many words that goes past the eighty columns of the yaml width so that it folds over several lines, once and then again"`}}}]',
      ],
      [
        'scalars YAML quotes or escapes',
        'Contents[:1].[`"yes"`, `"null"`, `"1.0"`, `"~"`, `": x"`, `"- y"`, `""`, `" lead"`, `"tab\\there"`, `"line\\nbreak\\n"`, `"#hash"`, `"ключ 日本語 😀"`, `1.5`, `1e300`, `-0`, `true`, `null`]',
      ],
      ['lists in lists and objects in lists', 'Contents[].[[Key, Size], {a: [Key, `[]`, `{}`]}]'],
      ['an empty list', 'Contents[?Size > `1000`]'],
      ['null (a projection of nothing)', 'NoSuchMember[]'],
    ])(
      'prints a yaml page of %s byte for byte as the raw CLI v2 does, with the token',
      async (_, query) => {
        const line = `aws s3api list-objects-v2 --bucket paged-bucket --output yaml --query ${JSON.stringify(query)}`;
        const { result } = await page(line, { maxItems: 3 });
        expect(result.status, result.stderr).toBe('success');
        expect(result.output).toBe(await rawYaml(query));
        const unqueried = JSON.parse(await raw(['--max-items', '3', '--output', 'json'])) as {
          NextToken?: string;
        };
        expect(result.nextToken).toBe(unqueried.NextToken);
      },
      120_000,
    );

    it('walks a yaml listing with --query to its last page, each page as the raw CLI prints it', async () => {
      const query = 'Contents[].{key: Key, size: Size}';
      const seen: string[] = [];
      let nextToken: string | undefined;
      let pages = 0;
      do {
        const resume = nextToken === undefined ? [] : ['--starting-token', nextToken];
        const { result } = await page(
          `aws s3api list-objects-v2 --bucket paged-bucket --output yaml --query ${JSON.stringify(query)}`,
          { maxItems: 3, ...(nextToken === undefined ? {} : { nextToken }) },
        );
        expect(result.status, result.stderr).toBe('success');
        expect(result.output).toBe(await rawYaml(query, resume));
        seen.push(...[...result.output.matchAll(/^- key: (.*)$/gm)].map((match) => match[1] ?? ''));
        nextToken = result.nextToken;
        pages += 1;
      } while (nextToken !== undefined && pages < 10);
      expect(pages).toBe(3);
      expect(seen).toHaveLength(keys.length);
    }, 180_000);

    it('reads the token of a text listing without --query from its last line, the print as the CLI gives it', async () => {
      const pipeline = paged('aws s3api list-objects-v2 --bucket paged-bucket --output text', {
        maxItems: 3,
      });
      if ('refusal' in pipeline) throw new Error(pipeline.refusal.reason);
      const result = await runPipeline(pipeline, options);
      const printed = await raw(['--max-items', '3', '--output', 'text']);
      expect(result.output).toBe(printed);
      expect(readNextToken(pipeline, result)).toBe(/NEXTTOKEN\t(\S+)\n$/.exec(printed)?.[1]);
    }, 120_000);

    it('takes a page larger than the output cap out of the wrap, with keeping off (cut as the raw print is)', async () => {
      const query = 'Contents[].{key: Key, size: Size}';
      const { result } = await page(
        `aws s3api list-objects-v2 --bucket paged-bucket --query ${JSON.stringify(query)}`,
        { maxItems: 6 },
        { maxOutputChars: 200 },
      );
      const printed = await raw(['--max-items', '6', '--query', query, '--output', 'json']);
      const expected = capOutput(printed, { maxChars: 200 });
      expect(expected.truncated).toBe(true);
      expect(result).toMatchObject({ status: 'success', output: expected.text, totalChars: printed.length });
      expect(result.output).not.toContain('aws_mcp_page');
      expect(result.wholeOutput).toBeUndefined();
      expect(typeof result.nextToken).toBe('string');
    }, 120_000);

    it('cuts a text page as the raw print is cut, the token line taken off', async () => {
      const { result } = await page(
        'aws s3api list-objects-v2 --bucket paged-bucket --query Contents[].Key --output text',
        { maxItems: 6 },
        { maxOutputChars: 60 },
      );
      const printed = await raw(['--max-items', '6', '--query', 'Contents[].Key', '--output', 'text']);
      expect(result.output).toBe(capOutput(printed.replace(/None\n$/, ''), { maxChars: 60 }).text);
      expect(typeof result.nextToken).toBe('string');
    }, 120_000);

    it.each([
      ['a wrapped --query', 'aws s3api list-objects-v2 --bucket paged-bucket --query Contents[].Key', false],
      ['filters', "aws s3api list-objects-v2 --bucket paged-bucket | jq -c '.Contents[].Key'", true],
    ])(
      'refuses a page of %s larger than it holds (PAGE_TOO_LARGE), saying what was too big and what to do',
      async (_, line, unwrapped) => {
        const refused = await page(line, { maxItems: 6 }, { maxOutputChars: 100, maxPageChars: 120 }).then(
          () => undefined,
          (error: unknown) => error,
        );
        expect(ExecutionError.isInstance(refused), String(refused)).toBe(true);
        const error = refused as ExecutionError;
        expect(error.code).toBe('PAGE_TOO_LARGE');
        expect(error.reason).toMatch(/^The page printed [\d,]+ characters, more than the 120 held whole/);
        const size = Number(/printed ([\d,]+)/.exec(error.reason)?.[1]?.replaceAll(',', ''));
        // Without a wrap the page is the raw print, so its size is the raw CLI's.
        if (unwrapped) expect(size).toBe((await raw(['--max-items', '6', '--output', 'json'])).length);
        else expect(size).toBeGreaterThan(120);
        for (const remedy of [
          'a smaller `maxItems`',
          '`--max-items`',
          '`--query`',
          '`secrets: { saveTo }`',
        ]) {
          expect(error.message).toContain(remedy);
        }
        expect(error.argv?.[0]).toBe('aws');
        expect(error.argv).toContain('--max-items=6');
      },
      120_000,
    );
  },
);
