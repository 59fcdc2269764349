import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanHelpText, runAwsHelp } from './aws-help.js';
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
