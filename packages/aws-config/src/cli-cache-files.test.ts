import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createAwsSandboxHome, type MotoEmulator, startMoto } from '@aws-mcp/emulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeAssumeRoleCacheKey, listCliCacheFiles } from './cli-cache-files.js';
import { findBotocoreDataDir } from './find-botocore-data-dir.js';
import { readAwsSetup } from './read-aws-setup.js';

describe('listCliCacheFiles', () => {
  it('names an entry per assumed role, SSO role and SSO token, and none for static keys', () => {
    const files = listCliCacheFiles({
      profiles: [
        { role_arn: 'arn:aws:iam::123456789012:role/a', source_profile: 'base' },
        { sso_session: 'corp', sso_account_id: '123456789012', sso_role_name: 'Admin' },
        { sso_start_url: 'https://corp.awsapps.com/start', sso_account_id: '1', sso_role_name: 'R' },
        { aws_access_key_id: 'AKIA…', aws_secret_access_key: '…' },
      ],
      ssoSessions: ['corp'],
    });
    expect(files.cli).toHaveLength(3);
    // One token per sso-session and legacy start URL (botocore's SSOTokenLoader: SHA-1 of the name or URL).
    expect(files.sso).toHaveLength(2);
    for (const name of [...files.cli, ...files.sso]) expect(name).toMatch(/^[0-9a-f]{40}\.json$/);
  });

  it('leaves a role_session_name botocore would generate out of the key, and keeps a configured one', () => {
    const role = { role_arn: 'arn:aws:iam::123456789012:role/a', source_profile: 'base' };
    expect(computeAssumeRoleCacheKey({ ...role, role_session_name: '' })).toBe(
      computeAssumeRoleCacheKey(role),
    );
    expect(computeAssumeRoleCacheKey({ ...role, role_session_name: 'me' })).not.toBe(
      computeAssumeRoleCacheKey(role),
    );
  });

  it('reads duration_seconds as Python int() does, and leaves out what int() refuses', () => {
    const role = { role_arn: 'arn:aws:iam::123456789012:role/a' };
    const key = (duration: string) => computeAssumeRoleCacheKey({ ...role, duration_seconds: duration });
    expect(key(' 1_800 ')).toBe(key('1800'));
    expect(key('+1800')).toBe(key('1800'));
    expect(key('half an hour')).toBe(computeAssumeRoleCacheKey(role));
  });
});

// The CLI is the oracle: a real assume-role through moto writes the cache entry whose name we compute.
describe('the cache key of an assumed role, as the CLI writes it', () => {
  let moto: MotoEmulator;
  let home: Awaited<ReturnType<typeof createAwsSandboxHome>>;
  beforeAll(async () => {
    moto = await startMoto();
    home = await createAwsSandboxHome({ credentials: moto.credentials, profile: 'base' });
    await writeFile(
      home.env.AWS_CONFIG_FILE as string,
      [
        '[profile base]',
        'region = us-east-1',
        '[profile plain]',
        'role_arn = arn:aws:iam::123456789012:role/plain',
        'source_profile = base',
        'region = us-east-1',
        '[profile detailed]',
        'role_arn = arn:aws:iam::123456789012:role/detailed',
        'source_profile = base',
        'role_session_name = aws-mcp-test',
        'external_id = ext-42',
        'duration_seconds = 1_800',
        'region = us-east-1',
        '',
      ].join('\n'),
    );
  }, 60_000);
  afterAll(async () => {
    await moto?.stop();
    await home?.remove();
  });

  it.each(['plain', 'detailed'])('names the entry of profile %s as the CLI does', async (profile) => {
    const cache = join(home.home, '.aws', 'cli', 'cache');
    const before = await readdir(cache).catch(() => [] as string[]);
    const result = await promisify(execFile)('aws', ['sts', 'get-caller-identity', '--profile', profile], {
      env: { ...home.env, PATH: process.env.PATH, AWS_ENDPOINT_URL: moto.endpoint, AWS_MAX_ATTEMPTS: '1' },
    });
    expect(result.stdout).toContain(`role/${profile}`);
    const written = (await readdir(cache)).filter((name) => !before.includes(name));
    const setup = await readAwsSetup({ env: home.env });
    expect(written).toHaveLength(1);
    expect(setup.cliCacheFiles.cli).toContain(written[0]);
  });
});

// botocore itself is the oracle for the SSO names: its own key functions, run by the CLI's interpreter.
const botocore = findBotocoreDataDir({});
const prefix = botocore?.dataDir.match(/^(.*)\/lib\/(python3[.\d]*)\/site-packages\/botocore\/data$/);
const cliPython = prefix === null || prefix === undefined ? undefined : `${prefix[1]}/bin/${prefix[2]}`;
describe.skipIf(cliPython === undefined || !existsSync(cliPython))(
  'the SSO cache names, as botocore makes them',
  () => {
    it('names the token and the role credentials of an sso-session profile and a legacy one', async () => {
      const profiles = [
        { sso_session: 'corp', sso_account_id: '123456789012', sso_role_name: 'Admin' },
        {
          sso_start_url: 'https://corp.awsapps.com/start',
          sso_account_id: '210987654321',
          sso_role_name: 'Read',
        },
      ];
      const script = [
        'import json, sys',
        'from botocore.utils import SSOTokenLoader',
        'from botocore.credentials import SSOCredentialFetcher',
        'tokens, roles = [], []',
        'for p in json.loads(sys.argv[1]):',
        '    session = p.get("sso_session"); url = p.get("sso_start_url", "")',
        '    tokens.append(SSOTokenLoader()._generate_cache_key(url, session) + ".json")',
        '    f = SSOCredentialFetcher(url, "us-east-1", p["sso_role_name"], p["sso_account_id"], None,',
        '                             token_loader=None, sso_session_name=session)',
        '    roles.append(f._create_cache_key() + ".json")',
        'print(json.dumps({"cli": sorted(roles), "sso": sorted(tokens)}))',
      ].join('\n');
      const { stdout } = await promisify(execFile)(cliPython as string, [
        '-c',
        script,
        JSON.stringify(profiles),
      ]);
      expect(listCliCacheFiles({ profiles, ssoSessions: [] })).toEqual(JSON.parse(stdout));
    });
  },
);
