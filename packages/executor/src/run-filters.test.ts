import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCommandLine, parseFilterStages } from '@aws-mcp/command';
import { createAwsSandboxHome, type Emulator, startS3rver } from '@aws-mcp/emulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipelineLimiter } from './pipeline-limiter.js';
import { type RunFiltersOptions, runFilters } from './run-filters.js';
import { runPipeline } from './run-pipeline.js';
import type { Sandbox } from './sandbox.js';
import { selectSandbox } from './select-sandbox.js';

let sandbox: Sandbox;
let workdir: string;
let options: Omit<RunFiltersOptions, 'input'>;

const items = Array.from({ length: 50 }, (_, index) => ({ id: `item-${String(index).padStart(2, '0')}` }));
const itemsJson = `${JSON.stringify({ Items: items.toReversed() }, null, 2)}\n`;

function filter(filters: string, input: string, extra: Partial<RunFiltersOptions> = {}) {
  return runFilters(parseFilterStages(filters), { ...options, input, ...extra });
}

beforeAll(async () => {
  ({ sandbox } = await selectSandbox({ mode: 'required' }));
  workdir = await mkdtemp(join(tmpdir(), 'run-filters-'));
  options = { cwd: workdir, env: { PATH: process.env.PATH, LANG: 'C.UTF-8' }, sandbox, timeoutMs: 30_000 };
});

afterAll(async () => {
  await rm(workdir, { recursive: true, force: true });
});

describe('runFilters', () => {
  it('runs the filters over the given text in the sandbox, with no aws stage', async () => {
    const result = await filter("jq -r '.Items[].id' | sort | head -n 3", itemsJson);
    expect(result).toMatchObject({
      status: 'success',
      output: 'item-00\nitem-01\nitem-02\n',
      awsArgv: [],
      sandbox: 'bubblewrap',
      stages: [{ name: 'jq' }, { name: 'sort' }, { name: 'head' }],
    });
  });

  it('is a success when a later filter stops reading early, as after an aws stage', async () => {
    const big = `${'line\n'.repeat(200_000)}`;
    const result = await filter('head -n 2', big);
    expect(result).toMatchObject({ status: 'success', output: 'line\nline\n' });
  });

  it('reports the failing filter with its stderr', async () => {
    const result = await filter("jq '.Items[0].id + 1'", itemsJson);
    expect(result.status).toBe('error');
    expect(result.failedStage).toBe('jq');
    expect(result.filterStderr).toMatch(/^jq: /);
  });

  it('reports a grep that matched nothing as an empty result', async () => {
    const result = await filter('grep nothing-like-this', itemsJson);
    expect(result).toMatchObject({ status: 'success', noMatch: true, output: '' });
  });

  it('masks what the filters print, as a pipeline’s output is masked', async () => {
    const input = 'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n';
    const result = await filter('tr a a', input);
    expect(result.output).not.toContain('wJalrXUtnFEMI');
    expect(result.output).toContain('[MASKED]');
    expect(result.maskedSecrets).toBe(1);
  });

  it('caps the output and keeps it whole with keepOutputChars', async () => {
    const result = await filter("jq -r '.Items[].id'", itemsJson, {
      maxOutputChars: 40,
      keepOutputChars: 10_000,
    });
    expect(result.truncated).toBe(true);
    expect(result.output.length).toBeLessThan(200);
    expect(result.wholeOutput).toEqual({
      kept: true,
      text: `${items
        .toReversed()
        .map((item) => item.id)
        .join('\n')}\n`,
    });
    const over = await filter("jq -r '.Items[].id'", itemsJson, { maxOutputChars: 40, keepOutputChars: 100 });
    expect(over.wholeOutput).toEqual({ kept: false, reason: 'too large' });
  });

  it('starts nothing when canceled while it waits for a slot', async () => {
    const limiter = createPipelineLimiter({ maxConcurrent: 1 });
    const release = await limiter.acquire();
    const controller = new AbortController();
    const pending = filter('tr a a', 'x\n', { limiter, signal: controller.signal });
    controller.abort();
    const result = await pending;
    release();
    expect(result).toMatchObject({
      status: 'canceled',
      output: '',
      stages: [{ name: 'tr', exitCode: undefined }],
    });
  });
});

describe('runPipeline keepOutputChars', () => {
  let s3: Emulator;
  let home: Awaited<ReturnType<typeof createAwsSandboxHome>>;
  let awsOptions: Parameters<typeof runPipeline>[1];

  beforeAll(async () => {
    s3 = await startS3rver();
    home = await createAwsSandboxHome({ credentials: s3.credentials, region: 'us-east-1' });
    awsOptions = {
      cwd: workdir,
      env: { PATH: process.env.PATH, LANG: 'C.UTF-8', ...home.env, AWS_MAX_ATTEMPTS: '1' },
      endpointUrl: s3.endpoint,
      timeoutMs: 60_000,
    };
    for (const bucket of ['keep-alpha', 'keep-beta', 'keep-gamma']) {
      await runPipeline(parseCommandLine(`aws s3 mb s3://${bucket}`), awsOptions);
    }
  });

  afterAll(async () => {
    await s3?.stop();
    await home?.remove();
  });

  it('keeps the whole masked output beside the capped one, only when masked', async () => {
    const list = parseCommandLine('aws s3api list-buckets --query Buckets[].Name');
    const whole = await runPipeline(list, awsOptions);
    expect(whole.truncated).toBe(false);
    expect(whole.wholeOutput).toBeUndefined();
    const capped = await runPipeline(list, { ...awsOptions, maxOutputChars: 20, keepOutputChars: 10_000 });
    expect(capped.truncated).toBe(true);
    expect(capped.wholeOutput).toEqual({ kept: true, text: whole.output });
    const shown = await runPipeline(list, {
      ...awsOptions,
      maxOutputChars: 20,
      keepOutputChars: 10_000,
      secrets: 'show',
    });
    expect(shown.wholeOutput).toEqual({ kept: false, reason: 'not masked' });
  });

  it('keeps the output masked, never the secret the CLI printed', async () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    const lines = Array.from({ length: 40 }, (_, index) => `line ${index}`);
    await writeFile(
      join(workdir, 'notes.txt'),
      `${lines.join('\n')}\naws_secret_access_key = ${secret}\nend\n`,
    );
    const upload = await runPipeline(
      parseCommandLine('aws s3 cp notes.txt s3://keep-alpha/notes.txt'),
      awsOptions,
    );
    expect(upload.status).toBe('success');
    for (const command of [
      'aws s3 cp s3://keep-alpha/notes.txt -',
      'aws s3 cp s3://keep-alpha/notes.txt - | tr a a',
    ]) {
      const read = await runPipeline(parseCommandLine(command), {
        ...awsOptions,
        maxOutputChars: 60,
        keepOutputChars: 10_000,
      });
      expect(read.truncated).toBe(true);
      const whole = read.wholeOutput as { kept: true; text: string };
      expect(whole.kept).toBe(true);
      expect(whole.text).toContain('line 39\n');
      expect(whole.text).toContain('[MASKED]');
      expect(whole.text).not.toContain(secret);
    }
  });
});
