import { describe, expect, it } from 'vitest';
import type { SandboxStage } from './sandbox.js';
import { buildSeatbeltProfile, createSeatbeltSandbox } from './seatbelt-sandbox.js';
import { selectSandbox } from './select-sandbox.js';

const awsStage: SandboxStage = {
  kind: 'aws',
  file: '/usr/local/bin/aws',
  args: ['s3', 'ls'],
  cwd: '/Users/me/Library/Caches/aws-mcp/work',
  env: { PATH: '/usr/bin:/bin', HOME: '/Users/me' },
  readOnlyPaths: ['/Users/me/.aws/config', '/Users/me/.aws/credentials'],
  writablePaths: ['/Users/me/.aws/cli/cache', '/Users/me/.aws/sso/cache'],
};
const filterStage: SandboxStage = {
  kind: 'filter',
  file: '/opt/homebrew/bin/jq',
  args: ['.Buckets'],
  cwd: '/Users/me/Library/Caches/aws-mcp/work',
  env: { PATH: '/usr/bin:/bin' },
  readOnlyPaths: [],
  writablePaths: [],
};

describe('buildSeatbeltProfile', () => {
  const aws = buildSeatbeltProfile(awsStage, { tmpDir: '/private/tmp/aws-mcp-seatbelt-x' });
  const filter = buildSeatbeltProfile(filterStage, { tmpDir: '/private/tmp/aws-mcp-seatbelt-x' });

  it.each([
    ['denies by default', '(deny default)'],
    ['reads the system', '(subpath "/usr")'],
    [
      'keeps a private temporary folder writable',
      '(allow file-read* file-write* (subpath "/private/tmp/aws-mcp-seatbelt-x"))',
    ],
    ['signals only its own sandbox', '(allow signal (target same-sandbox))'],
  ])('%s for every stage', (_, rule) => {
    expect(aws).toContain(rule);
    expect(filter).toContain(rule);
  });

  it('lets the aws stage read its AWS files, write its caches and the working directory, and connect', () => {
    expect(aws).toContain(
      '(allow file-read* (subpath "/Users/me/.aws/config") (subpath "/Users/me/.aws/credentials"))',
    );
    expect(aws).toContain(
      '(allow file-read* file-write* (subpath "/Users/me/Library/Caches/aws-mcp/work") (subpath "/Users/me/.aws/cli/cache") (subpath "/Users/me/.aws/sso/cache"))',
    );
    expect(aws).toContain('(allow network-outbound)');
  });

  it('gives a filter no network, no AWS files and no working directory', () => {
    expect(filter).not.toContain('network');
    expect(filter).not.toContain('/Users/me');
    expect(filter).not.toMatch(/allow file-write\* \(subpath/);
  });

  it('never allows the home folder as such, nor writes outside the listed folders', () => {
    expect(aws).not.toContain('(subpath "/Users/me")');
    const writes = aws.split('\n').filter((line) => line.includes('file-write*'));
    expect(writes.join('\n')).not.toMatch(/"\/(usr|System|Library|opt|private\/etc)"/);
  });

  it('escapes quotes and backslashes in paths', () => {
    const profile = buildSeatbeltProfile({ ...awsStage, cwd: '/tmp/a"b\\c' }, { tmpDir: '/tmp/t' });
    expect(profile).toContain('(subpath "/tmp/a\\"b\\\\c")');
  });
});

describe('createSeatbeltSandbox', () => {
  it('runs the stage under sandbox-exec with the profile and a private TMPDIR', () => {
    const sandbox = createSeatbeltSandbox({ tmpDir: '/private/tmp/aws-mcp-seatbelt-x' });
    const command = sandbox.wrap(awsStage);
    expect(command.file).toBe('/usr/bin/sandbox-exec');
    expect(command.args[0]).toBe('-p');
    expect(command.args[1]).toBe(
      buildSeatbeltProfile(awsStage, { tmpDir: '/private/tmp/aws-mcp-seatbelt-x' }),
    );
    expect(command.args.slice(2)).toEqual(['/usr/local/bin/aws', 's3', 'ls']);
    expect(command.cwd).toBe(awsStage.cwd);
    expect(command.env).toEqual({ ...awsStage.env, TMPDIR: '/private/tmp/aws-mcp-seatbelt-x/' });
    expect(sandbox.wrap(filterStage).cwd).toBe('/private/tmp/aws-mcp-seatbelt-x');
  });
});

describe('selectSandbox on macOS', () => {
  it('chooses seatbelt when sandbox-exec exists', async () => {
    const selection = await selectSandbox({ mode: 'required', platform: 'darwin', fileExists: () => true });
    expect(selection.sandbox.name).toBe('seatbelt');
    expect(selection.description).toBe('seatbelt (/usr/bin/sandbox-exec)');
  });

  it('says why when sandbox-exec is missing', async () => {
    const selection = await selectSandbox({ mode: 'auto', platform: 'darwin', fileExists: () => false });
    expect(selection.sandbox.name).toBe('none');
    expect(selection.unavailableReason).toBe('seatbelt is unavailable: /usr/bin/sandbox-exec does not exist');
    await expect(
      selectSandbox({ mode: 'required', platform: 'darwin', fileExists: () => false }),
    ).rejects.toThrow(/The sandbox mode is `required`, but seatbelt is unavailable/);
  });
});
