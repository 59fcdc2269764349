import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type AwsSetup, readAwsSetup } from './read-aws-setup.js';
import { readSsoTokenStatus } from './read-sso-token-status.js';

const home = join(import.meta.dirname, '__fixtures__', 'home-sso');
const now = new Date('2025-06-01T00:00:00Z');

describe('readSsoTokenStatus', () => {
  let setup: AwsSetup;
  beforeAll(async () => {
    setup = await readAwsSetup({ env: {}, homeDir: home });
  });

  it.each([
    ['legacy-valid', 'valid', '2030-01-01T00:00:00.000Z', undefined],
    ['session-expired', 'expired', '2020-01-01T00:00:00.000Z', false],
    ['session-refreshable', 'expired', '2020-01-01T00:00:00.000Z', true],
    ['session-missing', 'missing', undefined, undefined],
    ['plain', 'not-sso', undefined, undefined],
    ['ghost', 'not-sso', undefined, undefined],
  ])('reports profile %s as %s', async (profile, status, expiresAt, refreshable) => {
    const result = await readSsoTokenStatus(profile, setup, { now });
    expect(result.status).toBe(status);
    expect(result.expiresAt).toBe(expiresAt);
    expect(result.refreshable).toBe(refreshable);
  });

  it('names the cache file after sha1 of the start URL, or of the sso-session name', async () => {
    expect((await readSsoTokenStatus('legacy-valid', setup, { now })).cacheFile).toBe(
      join(home, '.aws', 'sso', 'cache', 'ac60cfe620e0b9d4aa02d26761573a831bdae14f.json'),
    );
    expect((await readSsoTokenStatus('session-expired', setup, { now })).cacheFile).toBe(
      join(home, '.aws', 'sso', 'cache', 'a50e1989a714f1e6a8c76cac60fdd9bd5d335fe2.json'),
    );
  });

  it('tells the user to log in when the session expired', async () => {
    const result = await readSsoTokenStatus('session-expired', setup, { now });
    expect(result.loginCommand).toBe('aws sso login --profile session-expired');
    expect(result.message).toBe(
      'SSO session expired at 2020-01-01T00:00:00.000Z, run aws sso login --profile session-expired.',
    );
  });

  it('never returns a cached token or client secret', async () => {
    const results = await Promise.all(
      setup.profiles.map((profile) => readSsoTokenStatus(profile.name, setup, { now })),
    );
    expect(JSON.stringify(results)).not.toContain('MustNotLeak');
  });
});
