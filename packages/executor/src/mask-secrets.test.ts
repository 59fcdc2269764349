import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCommandLine } from '@aws-mcp/command';
import { describe, expect, it } from 'vitest';
import { OutputCollector } from './_output-collector.js';
import { isSecretOnlyOutput, LearnedSecrets, maskSecrets, SecretMasker } from './mask-secrets.js';

function fixture(name: string): string {
  return readFileSync(join(import.meta.dirname, '__fixtures__', 'secrets', name), 'utf8');
}

const assumeRoleSecrets = [
  'ASIAQNZGKIQY56JQ7WML',
  '9drTJvcXLB89EXAMPLELB8923FB892xMFI3ZyWzC',
  'IQoJb3JpZ2luX2VjEOz',
];
const accessKeySecrets = ['AKIAIOSFODNN7EXAMPLE', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'];
const secretValueSecrets = ['EXAMPLE-PASSWORD', 'diegor'];

describe('maskSecrets', () => {
  it.each([
    ['assume-role.json', assumeRoleSecrets, 3, ['AROA3XFRBF535PLBIFPI4', '"Expiration"']],
    [
      'assume-role.text',
      assumeRoleSecrets,
      3,
      ['CREDENTIALS\tASIA[MASKED]\t2024-01-01 12:00:00+00:00\t[MASKED]\t[MASKED]'],
    ],
    ['assume-role.table', assumeRoleSecrets, 3, ['SecretAccessKey|  [MASKED]', 'PackedPolicySize']],
    ['assume-role.yaml', assumeRoleSecrets, 3, ['  SecretAccessKey: [MASKED]\n', 'PackedPolicySize: 8']],
    ['get-secret-value.json', secretValueSecrets, 1, ['"SecretString": "[MASKED]"', 'MyTestSecret']],
    [
      'get-secret-value.text',
      secretValueSecrets,
      1,
      ['\tMyTestSecret\t[MASKED]\ta1b2c3d4-5678-90ab-cdef-EXAMPLE11111\n'],
    ],
    ['get-secret-value.table', secretValueSecrets, 1, ['SecretString|  [MASKED]', 'AWSCURRENT']],
    ['get-secret-value.yaml', secretValueSecrets, 1, ['SecretString: [MASKED]\n', 'Name: MyTestSecret']],
    [
      'get-secret-value-multiline.text',
      ['BEGIN CERTIFICATE', 'MIIBszCCAVmgAwIBAgIUEXAMPLE'],
      1,
      ['VERSIONSTAGES\tAWSCURRENT'],
    ],
    ['get-secret-value-multiline.yaml', ['first line', 'second line'], 1, ['VersionId: a1b2c3d4']],
    ['create-access-key.json', accessKeySecrets, 2, ['"UserName": "Bob"']],
    [
      'create-access-key.text',
      accessKeySecrets,
      2,
      ['ACCESSKEY\tAKIA[MASKED]\t2015-03-09 18:39:23+00:00\t[MASKED]\tActive\tBob'],
    ],
    ['create-access-key.table', accessKeySecrets, 2, ['UserName        |  Bob']],
    ['create-access-key.yaml', accessKeySecrets, 2, ['UserName: Bob']],
    [
      'create-key-pair.json',
      ['MIIEowIBAAKCAQEAuhrGNglwb2Zz'],
      1,
      ['-----BEGIN RSA PRIVATE KEY-----[MASKED]-----END RSA PRIVATE KEY-----', 'my-key-pair'],
    ],
    ['list-things.table', ['hunter2', 's3cr3t pass'], 2, ['|   Password    |']],
    [
      'debug.log',
      ['IQoJb3JpZ2luX2VjEOz', 'ASIAQNZGKIQY56JQ7WML'],
      5,
      ['X-Amz-Security-Token=[MASKED]&X-Amz-Signature'],
    ],
  ])('masks %s', (name, secrets, count, kept) => {
    const masked = maskSecrets(fixture(name));
    for (const secret of secrets) expect(masked.text).not.toContain(secret);
    for (const text of kept) expect(masked.text).toContain(text);
    expect(masked.count).toBe(count);
  });

  it.each([
    [
      'a PEM key across lines',
      'x\n-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG\nabc\n-----END PRIVATE KEY-----\ny\n',
      'x\n-----BEGIN PRIVATE KEY-----\n[MASKED]\n-----END PRIVATE KEY-----\ny\n',
    ],
    [
      'an env export',
      'export AWS_SECRET_ACCESS_KEY=abcdefgh\nexport AWS_REGION=eu-west-1\n',
      'export AWS_SECRET_ACCESS_KEY=[MASKED]\nexport AWS_REGION=eu-west-1\n',
    ],
    ['an ini file', 'aws_session_token = FwoGZXIvYXdzEJr\n', 'aws_session_token = [MASKED]\n'],
    ['a null value', '"SessionToken": null,\n', '"SessionToken": null,\n'],
    [
      'fields that only look like secrets',
      '"PasswordLastUsed": "2024-01-01",\n"NextToken": "abc123"\n',
      '"PasswordLastUsed": "2024-01-01",\n"NextToken": "abc123"\n',
    ],
  ])('masks %s', (_, input, expected) => {
    expect(maskSecrets(input).text).toBe(expected);
  });

  it('leaves ordinary output alone', () => {
    const text = '2024-01-01 12:00:00 alpha-logs\n2024-01-01 12:00:00 beta-data\n';
    expect(maskSecrets(text)).toEqual({ text, count: 0 });
  });
});

describe('SecretMasker', () => {
  it('masks values learned from the aws stage where a filter printed them without their field name', () => {
    const learned = new LearnedSecrets();
    new SecretMasker(learned, true).maskBlock(fixture('get-secret-value.json'));
    const afterFilter = new SecretMasker(learned);
    expect(afterFilter.maskBlock('EXAMPLE-PASSWORD\n{"user":"diegor"}\n')).toBe(
      '[MASKED]\n{"user":"[MASKED]"}\n',
    );
    expect(afterFilter.count).toBe(2);
  });
});

describe('OutputCollector with masking', () => {
  it.each([1, 7, 64, 1000])('masks secrets split across chunks of %i bytes before cutting', (size) => {
    const text = `${'x'.repeat(50)}\n${fixture('assume-role.json')}${'y'.repeat(50)}\n`;
    const collector = new OutputCollector(200, new SecretMasker());
    const bytes = Buffer.from(text);
    for (let start = 0; start < bytes.length; start += size)
      collector.write(bytes.subarray(start, start + size));
    const { text: kept, truncated } = collector.finish();
    expect(truncated).toBe(true);
    for (const secret of assumeRoleSecrets) {
      for (let cut = 6; cut <= secret.length; cut += 6) expect(kept).not.toContain(secret.slice(0, cut));
    }
  });
});

describe('isSecretOnlyOutput', () => {
  it.each([
    ['aws ecr get-login-password', true],
    ['aws secretsmanager get-secret-value --secret-id x --query SecretString --output text', true],
    [
      'aws sts assume-role --role-arn arn:aws:iam::1:role/x --role-session-name s --query Credentials.SessionToken',
      true,
    ],
    ['aws secretsmanager get-secret-value --secret-id x', false],
    ['aws secretsmanager list-secrets --query SecretList[].Name', false],
    ['aws s3 ls', false],
  ])('%s → %s', (command, expected) => {
    expect(isSecretOnlyOutput(parseCommandLine(command).aws)).toBe(expected);
  });
});
