import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CommandError, loadSnapshotCatalog, loadSnapshotCliModel } from '@aws-mcp/command';
import { useTempDir } from '@aws-mcp/test-support';
import { beforeAll, describe, expect, it } from 'vitest';
import { type AwsCliStatus, checkAwsCli } from './check-aws-cli.js';
import { type ReadHelpPageOptions, readHelpPage } from './read-help-page.js';

const model = loadSnapshotCliModel(1);
const catalog = loadSnapshotCatalog();

describe('readHelpPage', () => {
  const folder = useTempDir('read-help-');
  let cli: Extract<AwsCliStatus, { available: true }>;
  let runs: string;

  /** Options whose CLI is the real one behind a script that writes a line to `runs` each time it starts. */
  const optionsWith = (overrides: Partial<ReadHelpPageOptions> = {}): ReadHelpPageOptions => ({
    cli,
    cliModel: async () => model,
    catalog,
    runOptions: { cwd: folder.path, awsCli: cli.path },
    cache: new Map(),
    ...overrides,
  });
  const countRuns = () => readFileSync(runs, 'utf8').split('\n').filter(Boolean).length;

  beforeAll(async () => {
    const real = await checkAwsCli();
    if (!real.available) throw new Error(`these tests run the real AWS CLI: ${real.message}`);
    runs = join(folder.path, 'runs.log');
    writeFileSync(runs, '');
    const wrapper = join(folder.path, 'aws');
    writeFileSync(wrapper, `#!/bin/sh\necho "$*" >> '${runs}'\nexec '${real.path}' "$@"\n`, { mode: 0o755 });
    cli = { ...real, path: wrapper };
  });

  it("reads the CLI's own page once, compacted and bounded; the same request again runs nothing", async () => {
    const options = optionsWith();
    const before = countRuns();
    const request = { service: 'ec2', command: 'describe-instances', section: 'full' } as const;
    const first = await readHelpPage(request, options);
    expect(first).toMatchObject({ status: 'success', source: 'cli' });
    const text = first.status === 'success' ? first.text : '';
    expect(text).toMatch(/^NAME\n {2}describe-instances -/);
    expect(text).not.toMatch(/GLOBAL OPTIONS|--debug|--no-verify-ssl/);
    expect(text.length).toBeLessThanOrEqual(40_000);
    expect(text).toMatch(/… \d+ more characters of this page not shown/);
    expect(countRuns()).toBe(before + 1);
    expect(await readHelpPage(request, options)).toEqual({ status: 'success', source: 'cache', text });
    expect(countRuns()).toBe(before + 1);
  });

  it("reads the page again for another CLI version, not the cached one's", async () => {
    const options = optionsWith();
    const request = { service: 's3', command: 'ls', section: 'full' } as const;
    await readHelpPage(request, options);
    const before = countRuns();
    const upgraded = await readHelpPage(request, { ...options, cli: { ...cli, version: '9.9.9' } });
    expect(upgraded).toMatchObject({ status: 'success', source: 'cli' });
    expect(countRuns()).toBe(before + 1);
    expect(options.cache?.size).toBe(2);
  });

  it('builds a command page from the model without running the CLI, and keeps it', async () => {
    const options = optionsWith();
    const before = countRuns();
    const page = await readHelpPage({ service: 's3', command: 'cp' }, options);
    expect(page).toMatchObject({ status: 'success', source: 'model' });
    expect(page.status === 'success' && page.text).toMatch(/^aws s3 cp \[write\] — Copies a local file/);
    expect(await readHelpPage({ service: 's3', command: 'cp' }, options)).toMatchObject({ source: 'cache' });
    expect(countRuns()).toBe(before);
  });

  it('keeps at most 200 pages, dropping the oldest first', async () => {
    const cache = new Map(Array.from({ length: 200 }, (_, index) => [`old ${index}`, 'a page'] as const));
    await readHelpPage({ service: 'sts' }, optionsWith({ cache }));
    expect(cache.size).toBe(200);
    expect(cache.has('old 0')).toBe(false);
    expect(cache.has('old 1')).toBe(true);
  });

  it("reads the CLI's own page while the model is being learned, and refuses the overview", async () => {
    const learning = new CommandError({
      code: 'CLI_MODEL_UNAVAILABLE',
      message: 'the model is being learned',
    });
    const options = optionsWith({ cliModel: () => Promise.reject(learning) });
    const before = countRuns();
    const page = await readHelpPage({ service: 's3', command: 'ls' }, options);
    expect(page).toMatchObject({ status: 'success', source: 'cli' });
    expect(page.status === 'success' && page.text).toMatch(/^NAME\n {2}ls -/);
    expect(countRuns()).toBe(before + 1);
    await expect(readHelpPage({}, options)).rejects.toBe(learning);
    expect(countRuns()).toBe(before + 1);
  });

  it.each([
    [{ service: 'ec2', command: '__proto__', section: 'full' } as const, 'UNKNOWN_COMMAND'],
    [{ service: 'dynamdb', section: 'full' } as const, 'UNKNOWN_COMMAND'],
    [{ service: 'ec2', command: 'describe-instances', parameter: '--instance-idz' }, 'UNKNOWN_OPTION'],
  ])('refuses %j with %s before running anything, and keeps nothing', async (request, code) => {
    const options = optionsWith();
    const before = countRuns();
    await expect(readHelpPage(request, options)).rejects.toMatchObject({ code });
    expect(countRuns()).toBe(before);
    expect(options.cache?.size).toBe(0);
  });

  it('refuses with AWS_CLI_MISSING and the check’s message when there is no CLI', async () => {
    const missing: AwsCliStatus = { available: false, path: undefined, message: 'no aws on PATH' };
    await expect(readHelpPage({ service: 's3' }, optionsWith({ cli: missing }))).rejects.toMatchObject({
      code: 'AWS_CLI_MISSING',
      message: 'no aws on PATH',
    });
  });

  it("reports a CLI page that fails with the end of the CLI's stderr, and keeps nothing", async () => {
    const failing = join(folder.path, 'failing-aws');
    writeFileSync(failing, "#!/bin/sh\necho 'a first line' >&2\necho 'the last words' >&2\nexit 3\n", {
      mode: 0o755,
    });
    const options = optionsWith({
      cli: { ...cli, path: failing },
      runOptions: { cwd: folder.path, awsCli: failing },
    });
    const page = await readHelpPage({ service: 's3', command: 'ls', section: 'full' }, options);
    expect(page).toEqual({ status: 'failed', topic: 'aws s3 ls', reason: 'a first line the last words' });
    expect(options.cache?.size).toBe(0);
  });
});
