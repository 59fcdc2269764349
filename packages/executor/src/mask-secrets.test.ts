import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCommandLine } from '@aws-mcp/command';
import { describe, expect, it } from 'vitest';
import { OutputCollector } from './_output-collector.js';
import {
  isSecretFieldName,
  isSecretOnlyOutput,
  LearnedSecrets,
  maskSecrets,
  maxLineChars,
  SecretMasker,
} from './mask-secrets.js';

function fixture(name: string): string {
  return readFileSync(join(import.meta.dirname, '__fixtures__', 'secrets', name), 'utf8');
}

// The access key ids stay: alone an id is no secret, and `update-access-key` needs it.
const assumeRoleSecrets = ['9drTJvcXLB89EXAMPLELB8923FB892xMFI3ZyWzC', 'IQoJb3JpZ2luX2VjEOz'];
const accessKeySecrets = ['wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'];
const secretValueSecrets = ['EXAMPLE-PASSWORD', 'diegor'];

describe('maskSecrets', () => {
  it.each([
    [
      'assume-role.json',
      assumeRoleSecrets,
      2,
      ['AROA3XFRBF535PLBIFPI4', '"Expiration"', 'ASIAQNZGKIQY56JQ7WML'],
    ],
    [
      'assume-role.text',
      assumeRoleSecrets,
      2,
      ['CREDENTIALS\tASIAQNZGKIQY56JQ7WML\t2024-01-01 12:00:00+00:00\t[MASKED]\t[MASKED]'],
    ],
    ['assume-role.table', assumeRoleSecrets, 2, ['SecretAccessKey|  [MASKED]', 'PackedPolicySize']],
    ['assume-role.yaml', assumeRoleSecrets, 2, ['  SecretAccessKey: [MASKED]\n', 'PackedPolicySize: 8']],
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
    // A secret with blank lines, as CLI v2.9's --output yaml wrote it (a quoted scalar, each newline a blank line),
    // and as a block scalar: the blank lines are part of the value, so the paragraphs after them are masked too.
    [
      'get-secret-value-paragraphs.yaml',
      ['first line', 'second paragraph', 'third paragraph'],
      1,
      ['SecretString: [MASKED]\n\n\n  [MASKED]\n\n\n\n  [MASKED]\nVersionId: 98dd1e13', '- AWSCURRENT'],
    ],
    // The table writes the value's newlines as they are: the row closes on the value's last line.
    [
      'get-secret-value-paragraphs.table',
      ['first line', 'second paragraph', 'third'],
      1,
      [
        '|  SecretString|  [MASKED]\n\n[MASKED]\n\n\n[MASKED]                             |\n|  VersionId   |  98dd1e13',
        'AWSCURRENT',
      ],
    ],
    [
      'get-secret-value-paragraphs-block.yaml',
      ['first line', 'second paragraph'],
      1,
      ['SecretString: |-\n  [MASKED]\n\n  [MASKED]\nVersionId: a1b2c3d4'],
    ],
    ['create-access-key.json', accessKeySecrets, 1, ['"UserName": "Bob"', '"AKIAIOSFODNN7EXAMPLE"']],
    [
      'create-access-key.text',
      accessKeySecrets,
      1,
      ['ACCESSKEY\tAKIAIOSFODNN7EXAMPLE\t2015-03-09 18:39:23+00:00\t[MASKED]\tActive\tBob'],
    ],
    ['create-access-key.table', accessKeySecrets, 1, ['UserName        |  Bob', 'AKIAIOSFODNN7EXAMPLE']],
    ['create-access-key.yaml', accessKeySecrets, 1, ['UserName: Bob', 'AKIAIOSFODNN7EXAMPLE']],
    [
      'create-key-pair.json',
      ['MIIEowIBAAKCAQEAuhrGNglwb2Zz'],
      1,
      ['-----BEGIN RSA PRIVATE KEY-----[MASKED]-----END RSA PRIVATE KEY-----', 'my-key-pair'],
    ],
    ['list-things.table', ['hunter2', 's3cr3t pass'], 2, ['|   Password    |']],
    ['debug.log', ['IQoJb3JpZ2luX2VjEOz'], 3, ['X-Amz-Security-Token=[MASKED]&X-Amz-Signature']],
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
    [
      'a JWT after a secret-named key',
      '{"IdToken": "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", "ExpiresIn": 3600}\n',
      '{"IdToken": "[MASKED]", "ExpiresIn": 3600}\n',
    ],
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

// The regular expressions the scanners replaced: exact, but super-linear on hostile lines, so they serve as the
// oracle on short random ones (a line of up to 12 pieces).
const regexKeyValue =
  /(["']?)([A-Za-z][\w-]*)\1(\s*[:=]\s*)(?:"((?:[^"\\]|\\.)*)(?:"|$)|b?'((?:[^'\\]|\\.)*)(?:'|$)|([^\s,;&}\]"'|]+))/g;
const regexYamlLine = /^(\s*(?:-\s+)?)([A-Za-z][\w-]*):[ \t]+(.*)$/;
const regexTableRow = /^(\s*\|+)(.*?)(\|+\s*)$/;
const regexTableSeparator = /^\|*\+[-+]+\+\|*$/;
const plainValues = new Set(['', 'null', 'true', 'false', 'None', '[MASKED]', "'[MASKED]'"]);

function maskKeyValuesByRegex(line: string): string {
  return line.replace(regexKeyValue, (match, quote, name, separator, double, single, bare) => {
    const value = double ?? single ?? bare ?? '';
    if (!isSecretFieldName(name) || plainValues.has(value) || value.includes('[MASKED]')) return match;
    const masked = double !== undefined ? '"[MASKED]"' : single !== undefined ? "'[MASKED]'" : '[MASKED]';
    return `${quote}${name}${quote}${separator}${masked}`;
  });
}

function maskYamlLineByRegex(line: string): string {
  const yaml = line.match(regexYamlLine);
  if (yaml === null || !isSecretFieldName(yaml[2] as string)) return maskKeyValuesByRegex(line);
  const value = (yaml[3] as string).trim();
  if (/^[|>][-+0-9]*$/.test(value) || plainValues.has(value)) return line;
  return `${yaml[1]}${yaml[2]}: [MASKED]`;
}

/** A key/value row on its own (no header before it): the value of a secret name in the second cell. */
function maskTableRowByRegex(line: string): string {
  if (regexTableSeparator.test(line.trim())) return line;
  const row = line.match(regexTableRow);
  if (row === null) return line;
  const cells = (row[2] as string).split('|');
  const [name, value] = cells.map((cell) => cell.trim()) as [string, string];
  if (cells.length !== 2 || !isSecretFieldName(name) || isSecretFieldName(value)) return line;
  if (value === '' || plainValues.has(value)) return line;
  return `${row[1]}${cells[0]}|${(cells[1] as string).replace(value, '[MASKED]'.padEnd(value.length))}${row[3]}`;
}

function randomLines(pieces: string[], count: number, seed: number): string[] {
  let state = seed;
  const random = (limit: number) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return (state >>> 8) % limit;
  };
  return Array.from({ length: count }, () =>
    Array.from({ length: 1 + random(12) }, () => pieces[random(pieces.length)]).join(''),
  );
}

const startsTable = (line: string) => /^\s*[|+]/.test(line);
const keyValuePieces =
  'token SessionToken password Name x 9 _ - " \' b = : , ; & } ] | \\x None null [MASKED]';
const yamlPieces = 'token Name password : x \' " | > + 1 = null';
const tablePieces = '| || Password Token Name a x+y null + -';

const countMasked = (text: string) => text.split('[MASKED]').length - 1;

describe('maskSecrets against the regexes it replaced', () => {
  it.each([
    [
      'key=value pairs',
      [...keyValuePieces.split(' '), ' ', '\t', '\r'],
      (line: string) => (startsTable(line) || regexYamlLine.test(line) ? undefined : line),
      maskKeyValuesByRegex,
    ],
    [
      'YAML lines',
      [...yamlPieces.split(' '), ' ', '  ', ': ', ':\t', '- ', '\r'],
      (line: string) => (startsTable(line) ? undefined : line),
      maskYamlLineByRegex,
    ],
    [
      'table rows',
      [...tablePieces.split(' '), ' ', '  ', '\t', '\r', '\u00a0'],
      (line: string) => [line, `|${line}|`, ` ||${line}|| `, `\t|${line}|\r`][line.length % 4],
      maskTableRowByRegex,
    ],
  ])('masks %s as the regexes did', (_, pieces, input, byRegex) => {
    const lines = randomLines(pieces, 20_000, 7)
      .map(input)
      .filter((line) => line !== undefined);
    const differences = lines
      .map((line) => ({ line, expected: byRegex(line), actual: maskSecrets(line).text }))
      .filter(({ expected, actual }) => expected !== actual)
      // Where the regexes left a line alone, a pair whose name was the one-word value of another
      // (`said: password: x`) is masked now: more masked, never less.
      .filter(({ line, expected, actual }) => !(expected === line && countMasked(actual) > countMasked(line)))
      // A value already masked is left as it is; the regexes masked it again and left a stray `]`.
      .filter(({ line, actual }) => !(actual === line && line.includes('[MASKED]')));
    expect(lines.length).toBeGreaterThan(5_000);
    expect(lines.filter((line) => byRegex(line) !== line).length).toBeGreaterThan(50);
    expect(differences.slice(0, 5)).toEqual([]);
  });
});

describe('maskSecrets on lines the regexes got wrong', () => {
  it.each([
    [
      'a private key field without other secret words',
      '{"PrivateKey": "abc123xyz"}\n',
      '{"PrivateKey": "[MASKED]"}\n',
    ],
    ['key material with an underscore', 'key_material=abc123xyz\n', 'key_material=[MASKED]\n'],
    ['an unclosed value ending in a backslash', 'password="abc\\', 'password="[MASKED]"'],
    [
      'a pair whose name is the value of another (a message quoting a config line)',
      'the CLI said: aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n',
      'the CLI said: aws_secret_access_key = [MASKED]\n',
    ],
    ['a chain of one-word values', 'a: b: c: password: hunter2x\n', 'a: b: c: password: [MASKED]\n'],
  ])('masks %s', (_, input, expected) => {
    expect(maskSecrets(input).text).toBe(expected);
  });
});

// A pair inside the value of another was masked only when that value was one word; these came out unchanged.
describe('maskSecrets on a pair inside the value of another', () => {
  it.each([
    ['in a bare value', 'note: DB_PASSWORD=hunter2secret\n', 'note: DB_PASSWORD=[MASKED]\n'],
    [
      'in a command line',
      'args: --password=hunter2secret --region eu-west-1\n',
      'args: --password=[MASKED] --region eu-west-1\n',
    ],
    [
      'in a quoted value',
      '"Command": "export PASSWORD=hunter2secret",\n',
      '"Command": "export PASSWORD=[MASKED]",\n',
    ],
    ["in a Python repr's value", "{'Note': 'x secret: hunter2secret'}\n", "{'Note': 'x secret: [MASKED]'}\n"],
    [
      'quoted the other way inside a quoted value',
      '"Command": "run --opt=\'password=hunter2\' now",\n',
      '"Command": "run --opt=\'password=[MASKED]\' now",\n',
    ],
    [
      'unclosed inside a quoted value (it ends where that value ends)',
      '"Note": "the password: \'hunter2", "Next": "kept"\n',
      '"Note": "the password: \'[MASKED]\'", "Next": "kept"\n',
    ],
    [
      'in a URL',
      '"Url": "https://h.example/p?X-Amz-Security-Token=hunter2&part=1",\n',
      '"Url": "https://h.example/p?X-Amz-Security-Token=[MASKED]&part=1",\n',
    ],
    ['deep in a chain', 'a: b=c=password=hunter2 d\n', 'a: b=c=password=[MASKED] d\n'],
    [
      'quoted with escaped quotes inside a JSON string',
      '"Command": "export PASSWORD=\\"hunter2 x\\" && run",\n',
      '"Command": "export PASSWORD=\\"[MASKED]\\" && run",\n',
    ],
    [
      'named with escaped quotes in JSON inside a JSON string',
      '"Environment": "{\\"DB_PASSWORD\\": \\"hunter2 x\\"}",\n',
      '"Environment": "{\\"DB_PASSWORD\\": \\"[MASKED]\\"}",\n',
    ],
    [
      'quoted in the shell word of a bare value',
      "args: --password='hunter2 x' --region eu-west-1\n",
      "args: --password='[MASKED]' --region eu-west-1\n",
    ],
    [
      "in a Python bytes value (b'…')",
      "{'Name': 'db', 'SecretBinary': b'hunter2secret', 'x': 1}\n",
      "{'Name': 'db', 'SecretBinary': '[MASKED]', 'x': 1}\n",
    ],
  ])('masks one %s', (_, input, expected) => {
    expect(maskSecrets(input).text).toBe(expected);
  });

  it.each([
    [
      "an ARN's `:secret:` (inside a value only `=`, or `:` and a blank, separate a pair)",
      '"ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:MySecret-a1b2c3",\n',
    ],
    ['a bare ARN', 'ARN: arn:aws:secretsmanager:us-east-1:123456789012:secret:MySecret-a1b2c3\n'],
    ['a time of day', '"Note": "token rotated at 10:20:30Z"\n'],
    ["a secret's name after `:` and no blank", '"Description": "rotates the secret:prod-db key weekly"\n'],
    [
      'the same after a pair inside (whose value is not read for pairs)',
      '"Note": "set mode=\'fast path\' with secret:prod-db"\n',
    ],
  ])('keeps %s', (_, input) => {
    expect(maskSecrets(input)).toEqual({ text: input, count: 0 });
  });
});

describe('SecretMasker on long lines', () => {
  const long = 'a'.repeat(maxLineChars + 1);
  const atCap = `token ${'a'.repeat(maxLineChars - 6)}`;
  it.each([
    ['a long line that may hold a secret', `token ${long}\nnext\n`, '[MASKED]\nnext\n', 6 + long.length],
    ['a long table row', `|${long}|\n`, '[MASKED]\n', long.length + 2],
    ['a long line in an open PEM block', `-----BEGIN PRIVATE KEY-----\n${long}\n`, undefined, long.length],
    ['a long line that cannot', `${long} ${long}\n`, `${long} ${long}\n`, 0],
    ['a line at the cap (scanned)', `${atCap}\n`, `${atCap}\n`, 0],
  ])('masks %s whole or passes it', (_, input, expected, unscanned) => {
    const masker = new SecretMasker();
    const masked = masker.maskBlock(input);
    if (expected !== undefined) expect(masked).toBe(expected);
    if (unscanned > 0) expect(masked).not.toContain('aaaa');
    expect(masker.overlongLines).toBe(unscanned > 0 ? 1 : 0);
    expect(masker.unscannedChars).toBe(unscanned);
  });

  it('masks the rest of a line seen in pieces from the piece that may hold a secret', () => {
    const collector = new OutputCollector(1_000_000, new SecretMasker());
    const text = `${'x'.repeat(100_000)} password=hunter2-secret ${'y'.repeat(100_000)}\nnext line\n`;
    for (let start = 0; start < text.length; start += 1_000)
      collector.write(text.slice(start, start + 1_000));
    const kept = collector.finish().text;
    expect(kept).not.toContain('hunter2');
    expect(kept).not.toContain('yyy');
    expect(kept).toMatch(/^x{60000,}/);
    expect(kept.endsWith('[MASKED]\nnext line\n')).toBe(true);
  });

  it('passes a long line that holds no secret, in pieces', () => {
    const collector = new OutputCollector(1_000_000, new SecretMasker());
    const text = `${'x'.repeat(200_000)}\n`;
    for (let start = 0; start < text.length; start += 4_096)
      collector.write(text.slice(start, start + 4_096));
    expect(collector.finish().text).toBe(text);
  });
});

describe('SecretMasker work budget', () => {
  it('masks everything after the budget ran out, and says so', () => {
    const masker = new SecretMasker();
    masker.workPerChar = 0;
    masker.workAllowance = 10;
    expect(masker.maskBlock('token=abc\nline two\n')).toBe('[MASKED]\n');
    expect(masker.maskBlock('plain line\n')).toBe('[MASKED]\n');
    expect(masker.budgetExceeded).toBe(true);
    expect(masker.unscannedChars).toBeGreaterThan(0);
  });

  it('is not reached by ordinary output', () => {
    const masker = new SecretMasker();
    for (const name of [
      'assume-role.json',
      'debug.log',
      'assume-role.table',
      'get-secret-value-multiline.yaml',
    ]) {
      masker.maskBlock(fixture(name));
    }
    expect(masker.budgetExceeded).toBe(false);
  });
});

describe('LearnedSecrets', () => {
  it.each([
    ['overlapping values as one stretch', ['abcdefgh', 'efghijkl'], 'x abcdefghijkl y', 'x [MASKED] y', 1],
    [
      'a value longer than its anchor, whole',
      ['v'.repeat(50) + 'w'.repeat(150)],
      `<${'v'.repeat(50)}${'w'.repeat(150)}>`,
      '<[MASKED]>',
      1,
    ],
    [
      'every one of many values',
      Array.from({ length: 200 }, (_, index) => `secret-${index}-value`),
      'secret-7-value secret-199-value',
      '[MASKED] [MASKED]',
      2,
    ],
  ])('masks %s', (_, values, text, expected, count) => {
    const learned = new LearnedSecrets();
    for (const value of values) learned.add(value);
    expect(learned.mask(text)).toMatchObject({ text: expected, count });
  });

  it('learns the leaves of a deeply nested secret without overflowing the stack', () => {
    const learned = new LearnedSecrets();
    learned.add(`${'['.repeat(100_000)}"leaf-secret"${']'.repeat(100_000)}`);
    expect(learned.values.has('leaf-secret')).toBe(true);
  });

  it('counts the values it could not learn', () => {
    const learned = new LearnedSecrets();
    for (let index = 0; index < 300; index += 1) learned.add(`value-number-${index}`);
    expect(learned.values.size).toBe(256);
    expect(learned.missed).toBe(44);
  });

  it('is learned from a stream whose text is not kept', () => {
    const learned = new LearnedSecrets();
    const learner = new OutputCollector(0, new SecretMasker(learned, true));
    learner.write(fixture('get-secret-value.json'));
    learner.finish();
    expect(new SecretMasker(learned).maskBlock('EXAMPLE-PASSWORD\n')).toBe('[MASKED]\n');
  });
});

describe('isSecretOnlyOutput', () => {
  it.each([
    ['aws ecr get-login-password', true],
    ['aws ecr-public get-login-password', true],
    ['aws ecr get-login', true],
    ['aws s3 presign s3://bucket/key', true],
    ['aws eks get-token --cluster-name demo', true],
    ['aws rds generate-db-auth-token --hostname h --port 5432 --username u', true],
    [
      'aws cloudfront sign --url https://d1.cloudfront.net/x --key-pair-id K --private-key file://k.pem --date-less-than 2030-01-01',
      true,
    ],
    ['aws codecommit credential-helper get', true],
    ['aws configure get aws_secret_access_key', true],
    ['aws configure get profile.dev.aws_session_token', true],
    ['aws configure get region', false],
    // Its token is a member of an API response (masked by member), and whole when `--query` picks it.
    ['aws codeartifact get-authorization-token --domain d', false],
    ['aws codeartifact get-authorization-token --domain d --query authorizationToken', true],
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
