import { secretFieldWords } from '@aws-mcp/command';
import { describe, expect, it } from 'vitest';
import { isSecretFieldName, maskSecrets } from './mask-secrets.js';

// The masking's own list as it stood before command's secret-words.ts, copied verbatim: what it treated as a
// secret field must stay one.
const formerSuffixes = [
  'secretaccesskey',
  'sessiontoken',
  'securitytoken',
  'password',
  'passwd',
  'secretstring',
  'secretbinary',
  'clientsecret',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'authorizationtoken',
  'privatekey',
  'keymaterial',
];
const formerNames = new Set(['token', 'secret']);

function formerIsSecretFieldName(name: string): boolean {
  if (name.length > 128) return false;
  const normalized = name.toLowerCase().replace(/[-_ ]/g, '');
  return formerNames.has(normalized) || formerSuffixes.some((suffix) => normalized.endsWith(suffix));
}

describe('isSecretFieldName, from command’s secretFieldWords', () => {
  it.each([
    'SecretAccessKey',
    'aws_session_token',
    'X-Amz-Security-Token',
    'MasterUserPassword',
    'passwd',
    'SecretString',
    'SecretBinary',
    'ClientSecret',
    'accessToken',
    'RefreshToken',
    'IdToken',
    'authorizationToken',
    'PrivateKey',
    'KeyMaterial',
    'Token',
    'Secret',
  ])('%s is a secret field, as before', (name) => {
    expect(formerIsSecretFieldName(name)).toBe(true);
    expect(isSecretFieldName(name)).toBe(true);
  });

  it.each(['PasswordLastUsed', 'NextToken', 'SecretId', 'SecretName', 'KeyName'])('%s is not', (name) => {
    expect(formerIsSecretFieldName(name)).toBe(false);
    expect(isSecretFieldName(name)).toBe(false);
  });

  /** What the rows added since mean: a name ending in one of these words, or with `token` as its last word. */
  function addedSince(name: string): boolean {
    const normalized = name.toLowerCase().replace(/[-_ ]+$/, '');
    const lastWord = normalized.split(/[-_ ]/).at(-1) ?? '';
    const joined = normalized.replace(/[-_ ]/g, '');
    return (
      (/[-_ ]/.test(normalized) && lastWord === 'token') ||
      ['secret', 'secretkey', 'apikey', 'authtoken', 'apitoken'].some((word) => joined.endsWith(word))
    );
  }

  it.each([
    'GITHUB_TOKEN',
    'api-token',
    'SharedSecret',
    'JWT_SECRET',
    'SECRET_KEY',
    'OPENAI_API_KEY',
    'AuthToken',
  ])('%s is a secret field since the rows for tokens, secrets and keys people name so', (name) => {
    expect(formerIsSecretFieldName(name)).toBe(false);
    expect(isSecretFieldName(name)).toBe(true);
  });

  it('means what the former list meant, and more only where a row added since says so, for every name of up to three of its words', () => {
    const fragments = [
      ...formerSuffixes,
      'token',
      'secret',
      'Next',
      'Last',
      'Used',
      'Id',
      'Name',
      'Key',
      '-',
      '_',
    ];
    const names = [''];
    for (let length = 0; length < 3; length++) {
      for (const name of [...names]) for (const fragment of fragments) names.push(name + fragment);
    }
    const expected = (name: string) => formerIsSecretFieldName(name) || addedSince(name);
    let differing = names.filter((name) => isSecretFieldName(name) !== expected(name));
    differing = [
      ...differing,
      ...names.filter((name) => isSecretFieldName(name.toUpperCase()) !== expected(name)),
    ];
    expect(names.length).toBeGreaterThan(10_000);
    expect(differing).toEqual([]);
  });

  it.each(secretFieldWords.map((row) => [row.word, row.match] as const))(
    'masks the value of a field named by the row %s (%s) in JSON output',
    (word, match) => {
      const name =
        match === 'end' ? `Master_${word}` : match === 'last-word' ? `MY_${word.toUpperCase()}` : word;
      const output = `{\n    "${name}": "hunter2-very-private",\n    "Region": "us-east-1"\n}\n`;
      const masked = maskSecrets(output).text;
      expect(masked).not.toContain('hunter2-very-private');
      expect(masked).toContain(`"${name}": "[MASKED]"`);
      expect(masked).toContain('"Region": "us-east-1"');
    },
  );
});
