import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanHelpText, compactHelpText, runAwsHelp, stripUsageBanner } from './aws-help.js';
import { checkAwsCli } from './check-aws-cli.js';
import { ExecutionError } from './execution-error.js';

describe('cleanHelpText', () => {
  it.each([
    ['bold overstrike', 'N\bNA\bAM\bME\bE', 'NAME'],
    ['underline overstrike', '_\bf_\bi_\bl_\be', 'file'],
    ['ANSI colour', '\x1b[1mNAME\x1b[0m', 'NAME'],
    ['plain text', 'cp\n  copies', 'cp\n  copies'],
    [
      'the running header and blank runs',
      'CP()          CP()\n\n\n\nNAME\n\n\n\n  cp -\n',
      'NAME\n\n  cp -\n',
    ],
  ])('removes %s', (_, input, expected) => {
    expect(cleanHelpText(input)).toBe(expected);
  });
});

describe('runAwsHelp', () => {
  let cwd: string;
  beforeAll(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'help-'));
  });
  afterAll(async () => {
    await rm(cwd, { recursive: true, force: true });
  });

  it("returns a command's help as clean text", async () => {
    const result = await runAwsHelp({ service: 's3', command: 'cp' }, { cwd });
    expect(result.status).toBe('success');
    expect(result.text).toMatch(/^NAME\s*\n\s+cp -\s*$/m);
    expect(result.text).toContain('--recursive');
    expect(result.text).not.toContain('\b');
    expect(result.text).not.toContain('\x1b');
  });

  it('refuses a service the installed CLI does not have, without running anything', async () => {
    await expect(runAwsHelp({ service: 'no-such-service' }, { cwd })).rejects.toMatchObject({
      code: 'UNKNOWN_COMMAND',
    });
  });

  it.each([
    [{ service: 's3; id' }, /not a CLI name/],
    [{ service: 's3', command: '--debug' }, /not a CLI name/],
    [{ service: 'S3' }, /not a CLI name/],
    [{ command: 'cp' }, /needs its service/],
  ])('refuses %j without running anything', async (topic, message) => {
    await expect(runAwsHelp(topic, { cwd })).rejects.toSatisfy(
      (error) =>
        ExecutionError.isInstance(error) && error.code === 'INVALID_OPTIONS' && message.test(error.message),
    );
  });
});

describe('compactHelpText', () => {
  let cwd: string;
  let page: string;
  beforeAll(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'help-'));
    page = (await runAwsHelp({ service: 's3', command: 'cp' }, { cwd })).text;
  });
  afterAll(async () => {
    await rm(cwd, { recursive: true, force: true });
  });
  const refusedOptions = ['--debug', '--no-verify-ssl', '--cli-auto-prompt'];

  it("drops the CLI's global options and every line naming a refused option", () => {
    const compact = compactHelpText(page, { refusedOptions, globalOptions: ['--region', '--output'] });
    expect(page).toContain('GLOBAL OPTIONS');
    expect(compact).not.toContain('GLOBAL OPTIONS');
    for (const option of refusedOptions) expect(compact).not.toMatch(new RegExp(`${option}(?![\\w-])`));
    expect(compact).toMatch(/^SYNOPSIS\n {2}cp <LocalPath> <S3Uri> .*\[--recursive\]/m);
    expect(compact).not.toMatch(/^SYNOPSIS\n.*\[--region/m);
    expect(compact.length).toBeLessThan(page.length * 0.85);
  });

  it("joins paragraphs and undoes groff's line-end hyphenation, keeping real compounds", () => {
    const compact = compactHelpText(page, { refusedOptions });
    expect(page).toMatch(/Ser-\n\s+vice/);
    expect(compact).toContain('Key Management Service (KMS)');
    expect(compact).toContain('authenticated-read');
    expect(compact).toContain('server-side');
    expect(compact).not.toMatch(/[a-z,.] {2,}[a-z]/);
  });

  it('keeps example commands on their own lines', () => {
    expect(compactHelpText(page)).toMatch(/^\s+aws s3 cp test\.txt s3:\/\/amzn-s3-demo-bucket\/test2\.txt$/m);
  });

  it('bounds the page and says how much it left out', () => {
    const compact = compactHelpText(page, { maxChars: 3000 });
    expect(compact.length).toBeLessThanOrEqual(3000);
    expect(compact).toMatch(
      /… \d+ more characters of this page not shown; ask for a section or one parameter instead\.$/,
    );
  });
});

describe('stripUsageBanner', () => {
  it("removes v1's note about version 2 from the CLI's own usage error", () => {
    const { stderr } = spawnSync('aws', ['ec2', 'describe-instancez'], { encoding: 'utf8' });
    const stripped = stripUsageBanner(stderr);
    expect(stripped).not.toContain('AWS CLI version 2');
    expect(stripped).toMatch(/^usage: aws \[options\]/);
    expect(stripped).toContain('Invalid choice');
  });
});

describe('checkAwsCli', () => {
  it('finds the installed CLI and its version', async () => {
    const status = await checkAwsCli();
    expect(status).toMatchObject({
      available: true,
      versionLine: expect.stringMatching(/^aws-cli\/\d+\.\d+\.\d+/),
    });
  });

  it('reports a missing CLI with how to install it', async () => {
    const status = await checkAwsCli({ env: { PATH: '/nonexistent' } });
    expect(status).toEqual({
      available: false,
      path: undefined,
      message: expect.stringMatching(/pip install awscli/),
    });
  });
});
