import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { secretSettingWords } from './_words.js';
import { readAwsSetup } from './read-aws-setup.js';

describe('secretSettingWords', () => {
  const temp = { path: '' };
  beforeEach(async () => {
    temp.path = await mkdtemp(join(tmpdir(), 'secret-setting-words-'));
  });
  afterEach(async () => {
    await rm(temp.path, { recursive: true, force: true });
  });

  /** The setup read from a config file whose profile, sso-session and services sections hold `line`. */
  async function readWith(line: string): Promise<string> {
    const config = join(temp.path, 'config');
    await writeFile(
      config,
      `[profile p]\nregion = eu-west-1\n${line}\ns3 =\n  ${line}\n[sso-session s]\nsso_region = eu-west-1\n${line}\n` +
        `[services svc]\ndynamodb =\n  ${line}\n`,
    );
    const setup = await readAwsSetup({
      env: { HOME: temp.path, AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: join(temp.path, 'none') },
    });
    return JSON.stringify(setup);
  }

  // Named here, not derived from the rows: a row removed lets its setting through, and this fails.
  it.each([['plugin_API_Key'], ['client_secret'], ['OAUTH_TOKEN'], ['db_password']])(
    'keeps back the value of %s in every section (profile, nested, sso-session, services)',
    async (name) => {
      const read = await readWith(`${name} = SECRETVALUE0123456789`);
      expect(read).toContain('eu-west-1');
      expect(read).not.toContain('SECRETVALUE0123456789');
    },
  );

  it('has a reason for every word', () => {
    for (const row of secretSettingWords) expect(row.reason.length).toBeGreaterThan(10);
  });

  it('keeps back the arguments of a credential_process, which may carry a secret', async () => {
    const read = await readWith('credential_process = /opt/helper --password SECRETVALUE0123456789');
    expect(read).not.toContain('SECRETVALUE0123456789');
  });

  it('leaves a setting named like none of them as it is', async () => {
    expect(await readWith('plugin_colour = PUBLICVALUE42')).toContain('PUBLICVALUE42');
  });
});
