import { chmodSync, mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useTempDir } from '@aws-mcp/test-support';
import { describe, expect, it } from 'vitest';
import { ExecutionError } from './execution-error.js';
import {
  checkSaveName,
  checkSecretsFolderApart,
  defaultSaveName,
  prepareSecretsFolder,
  resolveSecretsFolder,
} from './secrets-folder.js';

const caught = (run: () => void): ExecutionError => {
  try {
    run();
  } catch (error) {
    if (ExecutionError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('nothing was thrown');
};

describe('resolveSecretsFolder', () => {
  it.each([
    [
      'the chosen folder, resolved',
      { chosen: 'rel/secrets', env: { HOME: '/h' } },
      join(process.cwd(), 'rel/secrets'),
    ],
    [
      'XDG_DATA_HOME when nothing is chosen',
      { env: { HOME: '/h', XDG_DATA_HOME: '/data' } },
      '/data/aws-mcp/secrets',
    ],
    ['the home’s data folder', { env: { HOME: '/h' } }, '/h/.local/share/aws-mcp/secrets'],
    ['a blank choice as none', { chosen: '  ', env: { HOME: '/h' } }, '/h/.local/share/aws-mcp/secrets'],
  ])('takes %s', (_case, options, expected) => {
    expect(resolveSecretsFolder(options)).toBe(expected);
  });
});

describe('checkSecretsFolderApart', () => {
  const base = useTempDir('secrets-apart-');

  it.each([
    ['is', (work: string) => work],
    ['lies inside', (work: string) => join(work, 'secrets')],
    ['holds', (work: string) => join(work, '..')],
    ['sits beside', (work: string) => join(work, '..', 'secrets')],
  ])('refuses a folder that %s the working directory, naming the settings', (where, place) => {
    const work = join(base.path, `work-${where.replace(' ', '-')}`);
    mkdirSync(work, { recursive: true });
    const error = caught(() =>
      checkSecretsFolderApart({
        workdir: work,
        folder: place(work),
        names: { folderSetting: 'SECRETS_DIR', workdirSetting: 'WORKDIR' },
      }),
    );
    expect(error.code).toBe('SECRETS_DIR_NEAR_WORKDIR');
    expect(error.message).toMatch(
      new RegExp(`^SECRETS_DIR: the secrets folder .* ${where} the working directory `),
    );
    expect(error.message).toMatch(/or another WORKDIR\.$/);
  });

  it('compares real paths: a link elsewhere that leads into the working directory is refused', () => {
    const work = join(base.path, 'linked-work');
    mkdirSync(work, { recursive: true });
    const far = join(base.path, 'far', 'away');
    mkdirSync(far, { recursive: true });
    symlinkSync(work, join(far, 'link'));
    expect(
      caught(() => checkSecretsFolderApart({ workdir: work, folder: join(far, 'link', 's') })).code,
    ).toBe('SECRETS_DIR_NEAR_WORKDIR');
  });

  it('accepts a folder elsewhere, named in the library’s words when refused', () => {
    const work = join(base.path, 'a', 'work');
    mkdirSync(work, { recursive: true });
    expect(() =>
      checkSecretsFolderApart({ workdir: work, folder: join(base.path, 'b', 'secrets') }),
    ).not.toThrow();
    expect(caught(() => checkSecretsFolderApart({ workdir: work, folder: work })).message).toMatch(
      /^`secretsFolder`: .* or another `workdir`\.$/,
    );
  });
});

describe('prepareSecretsFolder', () => {
  const base = useTempDir('secrets-prepare-');

  it('makes the folder private, and a too open one private again', () => {
    const folder = join(base.path, 'new', 'secrets');
    prepareSecretsFolder(folder);
    expect(statSync(folder).mode & 0o777).toBe(0o700);
    chmodSync(folder, 0o755);
    prepareSecretsFolder(folder);
    expect(statSync(folder).mode & 0o777).toBe(0o700);
  });

  it.each([
    ['a symbolic link', (path: string) => symlinkSync(base.path, path), /is not a folder \(a symbolic link/],
    ['a file', (path: string) => writeFileSync(path, 'x'), /cannot be created \(EEXIST\)|is not a folder/],
  ])('refuses %s with SECRETS_DIR_UNUSABLE', (_case, make, message) => {
    const path = join(base.path, `odd-${_case.replaceAll(' ', '-')}`);
    make(path);
    const error = caught(() => prepareSecretsFolder(path, { names: { folderSetting: 'SECRETS_DIR' } }));
    expect([error.code, error.path]).toEqual(['SECRETS_DIR_UNUSABLE', path]);
    expect(error.message).toMatch(/^SECRETS_DIR: the secrets folder /);
    expect(error.message).toMatch(message);
  });
});

describe('checkSaveName', () => {
  const isHidden = (char: string) => (char.codePointAt(0) ?? 0) < 0x20 || char === '\u200b';

  it.each([
    ['', '`saveTo` is empty.'],
    ['a/b.json', '`saveTo` "a/b.json" has a folder part; the file always goes to the secrets folder.'],
    ['a\\b.json', '`saveTo` "a\\\\b.json" has a folder part; the file always goes to the secrets folder.'],
    ['.env', '`saveTo` ".env" is a dot-file (or `.`/`..`).'],
    ['..', '`saveTo` ".." is a dot-file (or `.`/`..`).'],
    ['key\u200b.json', '`saveTo` holds control or invisible characters.'],
    ['x'.repeat(256), '`saveTo` is longer than 255 bytes.'],
  ])('refuses %j: %s', (name, reason) => {
    expect(checkSaveName(name, { isHidden })?.reason).toBe(reason);
  });

  it('accepts a plain new name, and names the option in the caller’s words', () => {
    expect(checkSaveName('credentials.json', { isHidden })).toBeUndefined();
    expect(checkSaveName('x'.repeat(255), { isHidden })).toBeUndefined();
    expect(checkSaveName('', { isHidden, optionName: '`saveOutputTo`' })?.reason).toBe(
      '`saveOutputTo` is empty.',
    );
  });
});

describe('defaultSaveName', () => {
  it('names the command and the time, with a random part so two calls in a second differ', () => {
    const now = new Date('2026-12-01T13:45:00.123Z');
    const name = defaultSaveName({ service: 'sts', operation: 'get-session-token', now });
    expect(name).toMatch(/^sts-get-session-token-20261201T134500Z-[0-9a-f]{4}\.txt$/);
    expect(defaultSaveName({ service: undefined, operation: undefined, now })).toMatch(
      /^aws-20261201T134500Z-/,
    );
    expect(defaultSaveName({ service: 's3', operation: 'cp/../x', now })).toMatch(/^s3-cp----x-/);
  });
});
