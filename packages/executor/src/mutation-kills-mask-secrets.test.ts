// Cases that Stryker's mutants of mask-secrets.ts survived (docs/testing.md, "Mutation testing"): each row is a
// real input through the real masking and the exact text a person then sees. Rows are numbered: Stryker matches
// tests by title.
import { describe, expect, it } from 'vitest';
import {
  isSecretFieldName,
  LearnedSecrets,
  maskSecrets,
  maxLineChars,
  SecretMasker,
} from './mask-secrets.js';

// Every character JavaScript's `\s` matches (but `\n`, which ends a line), as the masking's `isSpace` lists them.
const spaces = [
  '\t',
  '\u000b',
  '\u000c',
  '\r',
  ' ',
  '\u00a0',
  '\u1680',
  '\u2000',
  '\u2005',
  '\u200a',
  '\u2028',
  '\u2029',
  '\u202f',
  '\u205f',
  '\u3000',
  '\ufeff',
];

describe('maskSecrets: white space around a value (mutants of isSpace)', () => {
  it.each(spaces.map((space, index) => [index + 1, space]))(
    '%i: a blank before and after a bare value is kept beside the mask',
    (_, space) => {
      expect(maskSecrets(`password=${space}hunter2${space}tail\n`).text).toBe(
        `password=${space}[MASKED]${space}tail\n`,
      );
    },
  );
});

// Characters next to those ranges that `\s` does not match: a value that holds them is one value, masked whole.
const notSpaces = ['\u0001', '\u0008', '\u000e', '\u200b', '\u2030', '\u4e00'];

describe('maskSecrets: characters that are not blanks (mutants of isSpace)', () => {
  it.each(notSpaces.map((character, index) => [index + 1, character]))(
    '%i: a character that is not a blank stays inside the masked value',
    (_, character) => {
      expect(/\s/.test(character as string)).toBe(false);
      expect(maskSecrets(`password=${character}hunter2${character}tail\n`).text).toBe('password=[MASKED]\n');
    },
  );
});

// A name is a secret's by its last word (after `_`, `-` or a blank), by an ending, or whole; trailing separators do
// not count, and a name longer than 128 characters is data.
describe('isSecretFieldName: last words, separators and length', () => {
  it.each([
    [1, 'GITHUB_TOKEN', true],
    [2, 'deploy-ci_token', true],
    [3, 'ci_deploy-token', true],
    [4, 'auth token', true],
    [5, 'next_token_count', false],
    [6, 'NextToken', false],
    [7, 'password_', true],
    [8, 'password-', true],
    [9, 'password ', true],
    [10, 'PASSWORD', true],
    [11, `${'x'.repeat(120)}password`, true],
    [12, `${'x'.repeat(121)}password`, false],
  ])("%i: %s is a secret's name: %s", (_, name, secret) => {
    expect(isSecretFieldName(name as string)).toBe(secret);
  });

  it.each([
    [1, 'GITHUB_TOKEN=ghp_abcdef123456\n', 'GITHUB_TOKEN=[MASKED]\n'],
    [2, 'deploy-ci_token=abcdef123456\n', 'deploy-ci_token=[MASKED]\n'],
    [3, 'auth token = abcdef123456\n', 'auth token = [MASKED]\n'],
    [4, 'next_token_count=abcdef123456\n', 'next_token_count=abcdef123456\n'],
    [5, 'password-: hunter2hunter\n', 'password-: [MASKED]\n'],
    [6, `${'a'.repeat(120)}password=hunter2\n`, `${'a'.repeat(120)}password=[MASKED]\n`],
    [7, `${'a'.repeat(121)}password=hunter2\n`, `${'a'.repeat(121)}password=hunter2\n`],
  ])('%i: masked in a line as its name says', (_, line, expected) => {
    expect(maskSecrets(line as string).text).toBe(expected);
  });
});

// `--output text` has no names: a secret key is a 40-character run with upper and lower case and digits on a line
// with an access key id; a long token (80 or more) there too; secretsmanager's row by its ARN and tab-separated
// fields (ARN, CreatedDate, Name, the secret, VersionId).
describe('maskSecrets: text output (mutants of maskTextOutput)', () => {
  const key = 'AKIAIOSFODNN7EXAMPLE';
  it.each([
    [
      1,
      `ACCESSKEY\t${key}\twJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\tActive\n`,
      `ACCESSKEY\t${key}\t[MASKED]\tActive\n`,
    ],
    [2, `ACCESSKEY\t${key}\ta94a8fe5ccb19ba61c4c0873d391e987982fbbd3\tActive\n`, null],
    [3, `ACCESSKEY\t${key}\tABCDEFGHIJ0123456789ABCDEFGHIJ0123456789\tActive\n`, null],
    [4, `ACCESSKEY\t${key}\tabcdefghijABCDEFGHIJabcdefghijABCDEFGHIJ\tActive\n`, null],
    [5, `ACCESSKEY\t${key}\twJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEYX\tActive\n`, null],
    [6, 'no key id here wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n', null],
    [
      7,
      `CREDENTIALS\tASIAQNZGKIQY56JQ7WML\t${'IQoJb3JpZ2luX2VjEOz'.repeat(5)}\n`,
      'CREDENTIALS\tASIAQNZGKIQY56JQ7WML\t[MASKED]\n',
    ],
    [
      8,
      'arn:aws:secretsmanager:us-east-1:1:secret:db\t2024\tdb\tpart one\tpart two\tv1\n',
      'arn:aws:secretsmanager:us-east-1:1:secret:db\t2024\tdb\t[MASKED]\tv1\n',
    ],
    [
      9,
      'arn:aws:secretsmanager:us-east-1:1:secret:db\t2024\tdb\tSingleLineValue\tv1\n',
      'arn:aws:secretsmanager:us-east-1:1:secret:db\t2024\tdb\t[MASKED]\tv1\n',
    ],
    [10, 'arn:aws:secretsmanager:us-east-1:1:secret:db\t2024\tdb\n', null],
    [11, 'arn:aws:secretsmanager:us-east-1:1:secret:db 2024 db value v1\n', null],
    [12, 'SECRETLIST\tarn:aws:secretsmanager:us-east-1:1:secret:db\tdb\n', null],
    [
      13,
      'arn:aws:secretsmanager:us-east-1:1:secret:db\t2024\tdb\tline one\nline two\tv1\nafter\n',
      'arn:aws:secretsmanager:us-east-1:1:secret:db\t2024\tdb\t[MASKED]\n[MASKED]\tv1\nafter\n',
    ],
    [
      14,
      'arn:aws:secretsmanager:us-east-1:1:secret:db\t2024\tdb\tline one\nline two\nline three\tv1\n',
      'arn:aws:secretsmanager:us-east-1:1:secret:db\t2024\tdb\t[MASKED]\n[MASKED]\n[MASKED]\tv1\n',
    ],
  ])('%i: as a person then reads it', (_, line, expected) => {
    expect(maskSecrets(line as string).text).toBe(expected ?? line);
  });
});

/** What a masker that learns (the aws stage's) learned from one text, and what it printed. */
function learnFrom(text: string) {
  const learned = new LearnedSecrets();
  const masker = new SecretMasker(learned, true);
  const masked = masker.maskBlock(text);
  return { masked, values: [...learned.values], missed: learned.missed };
}

// The aws stage's masker learns each value it masks, so a filter that prints it without its name (`jq -r
// .SecretString`) still gets it masked; one that masks a line whole without reading it counts a miss.
describe('SecretMasker learning what it masks', () => {
  it.each([
    [1, 'password=hunter2secret\n', ['hunter2secret'], 0],
    [2, '{"SecretString": "my-secret-value"}\n', ['my-secret-value'], 0],
    [3, 'SecretString: first part\n  second part of it\nName: x\n', ['first part', 'second part of it'], 0],
    [
      4,
      'SecretString: |\n  line one here\n\n  line two here\nName: x\n',
      ['line one here', 'line two here'],
      0,
    ],
    [
      5,
      '|  SecretString|  first line\nsecond line of it\nthird line        |\n|  Name  |  db  |\n',
      ['first line', 'second line of it', 'third line'],
      0,
    ],
    [
      6,
      'arn:aws:secretsmanager:us-east-1:1:secret:db\t2024\tdb\tline one here\nline two here\tv1\n',
      ['line one here', 'line two here'],
      0,
    ],
    [7, '|  SecretAccessKey |  wJalrXUtnFEMI/K7MDENG  |\n', ['wJalrXUtnFEMI/K7MDENG'], 0],
    [8, `${'x'.repeat(maxLineChars)} password=a\n`, [], 1],
    [9, 'Name: db\nVersionId: v1\n', [], 0],
  ])('%i: learns the values it masked, and counts what it could not read', (_, text, values, missed) => {
    const learnt = learnFrom(text as string);
    expect({ values: learnt.values, missed: learnt.missed }).toEqual({ values, missed });
  });

  it('learns nothing when it is not the learning masker', () => {
    const learned = new LearnedSecrets();
    const masker = new SecretMasker(learned);
    expect(masker.maskBlock('password=hunter2secret\n')).toBe('password=[MASKED]\n');
    masker.maskBlock(`${'x'.repeat(maxLineChars)} password=a\n`);
    expect({ values: [...learned.values], missed: learned.missed }).toEqual({ values: [], missed: 0 });
  });

  it('masks a learned value wherever it comes again, without its name', () => {
    const learned = new LearnedSecrets();
    const masker = new SecretMasker(learned, true);
    expect(masker.maskBlock('{"SecretString": "my-secret-value"}\n')).toBe('{"SecretString": "[MASKED]"}\n');
    expect(masker.maskBlock('printed again: my-secret-value\n')).toBe('printed again: [MASKED]\n');
    expect(masker.count).toBe(2);
  });
});

// A key/value table row (`--output table` of one structure) whose value reads like a secret's name was shown: the
// value of `secretsmanager get-secret-value --output table` for the secret `supersecret`, `mypassword`, `apikey`.
describe('maskSecrets: a table value that reads like a name', () => {
  const table = (value: string) =>
    [
      '-----------------------------------------------',
      '|                GetSecretValue               |',
      '+---------------+-----------------------------+',
      '|  ARN          |  arn:aws:secretsmanager:us-east-1:1:secret:db  |',
      '|  Name         |  db                         |',
      `|  SecretString |  ${value.padEnd(27)}|`,
      '|  VersionId    |  v1                         |',
      '+---------------+-----------------------------+',
      '',
    ].join('\n');
  it.each([
    [1, 'supersecret'],
    [2, 'mypassword'],
    [3, 'letmein-token'],
    [4, 'Secret'],
    [5, 'apikey'],
    [6, 'hunter2'],
  ])('%i: the value %s is masked, the rest of the table kept', (_, value) => {
    const masked = maskSecrets(table(value as string)).text;
    expect(masked).toBe(
      table(value as string).replace(`|  ${value} `, `|  ${'[MASKED]'.padEnd((value as string).length)} `),
    );
  });
});

// A YAML value is learned without its quotes when it is quoted on both ends with the same quote, as it is.
describe('SecretMasker learning a YAML value (mutants of unquote)', () => {
  it.each([
    [1, "password: 'quoted secret'\n", 'quoted secret'],
    [2, 'password: "dq secret here"\n', 'dq secret here'],
    [3, "password: 'unclosed value\n", "'unclosed value"],
    [4, 'password: \'mixed quotes"\n', '\'mixed quotes"'],
    [5, 'password: plain value\n', 'plain value'],
    [6, 'password: "\'inner\' kept"\n', "'inner' kept"],
  ])('%i: learns the value as the text holds it', (_, text, value) => {
    const learnt = learnFrom(text as string);
    expect(learnt.masked).toBe('password: [MASKED]\n');
    expect(learnt.values[0]).toBe(value);
  });
});

// PEM private keys: a BEGIN marker whose label (capitals, digits, blanks, at most 64 characters) ends in PRIVATE
// KEY, masked up to its END marker on the same line, or to the END line below.
describe('maskSecrets: PEM private keys (mutants of findPemLabel)', () => {
  it.each([
    [
      1,
      '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----\n',
      '-----BEGIN PRIVATE KEY-----\n[MASKED]\n-----END PRIVATE KEY-----\n',
    ],
    [
      2,
      '-----BEGIN PKCS8 PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PKCS8 PRIVATE KEY-----\n',
      '-----BEGIN PKCS8 PRIVATE KEY-----\n[MASKED]\n-----END PKCS8 PRIVATE KEY-----\n',
    ],
    [3, '-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAw\n-----END CERTIFICATE-----\n', null],
    [4, '-----BEGIN rsa PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END rsa PRIVATE KEY-----\n', null],
    [5, '-----BEGIN RSA PRIVATE KEY----\nMIIEvQIBADANBg\n', null],
    [
      6,
      `-----BEGIN ${'A'.repeat(52)} PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END ${'A'.repeat(52)} PRIVATE KEY-----\n`,
      `-----BEGIN ${'A'.repeat(52)} PRIVATE KEY-----\n[MASKED]\n-----END ${'A'.repeat(52)} PRIVATE KEY-----\n`,
    ],
    [7, `-----BEGIN ${'A'.repeat(53)} PRIVATE KEY-----\nMIIEvQIBADANBg\n`, null],
    [
      8,
      'x -----BEGIN RSA PRIVATE KEY-----abc-----END RSA PRIVATE KEY----- y -----BEGIN EC PRIVATE KEY-----def-----END EC PRIVATE KEY----- z\n',
      'x -----BEGIN RSA PRIVATE KEY-----[MASKED]-----END RSA PRIVATE KEY----- y -----BEGIN EC PRIVATE KEY-----[MASKED]-----END EC PRIVATE KEY----- z\n',
    ],
    [
      9,
      'x -----BEGIN -----BEGIN RSA PRIVATE KEY-----abc-----END RSA PRIVATE KEY----- y\n',
      'x -----BEGIN -----BEGIN RSA PRIVATE KEY-----[MASKED]-----END RSA PRIVATE KEY----- y\n',
    ],
    [
      10,
      '-----BEGIN RSA PRIVATE KEY-----abc-----END EC PRIVATE KEY----- still\nmore\n-----END RSA PRIVATE KEY-----\nafter\n',
      '-----BEGIN RSA PRIVATE KEY-----\n[MASKED]\n-----END RSA PRIVATE KEY-----\nafter\n',
    ],
    [
      11,
      '{"KeyMaterial": "-----BEGIN RSA PRIVATE KEY-----\\nMIIEow\\n-----END RSA PRIVATE KEY-----"}\n',
      '{"KeyMaterial": "-----BEGIN RSA PRIVATE KEY-----[MASKED]-----END RSA PRIVATE KEY-----"}\n',
    ],
    [
      12,
      '-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----tail\n',
      '-----BEGIN RSA PRIVATE KEY-----\n[MASKED]\n-----END RSA PRIVATE KEY-----tail\n',
    ],
    [
      13,
      '-----BEGIN 9 PRIVATE KEY-----\nMIIE\n-----END 9 PRIVATE KEY-----\n',
      '-----BEGIN 9 PRIVATE KEY-----\n[MASKED]\n-----END 9 PRIVATE KEY-----\n',
    ],
  ])('%i: as a person then reads it', (_, text, expected) => {
    expect(maskSecrets(text as string).text).toBe(expected ?? text);
  });
});

// The row after a title is a header only when a separator (`+---+`, inside any enclosing pipes) follows it; then a
// column it names as a secret's is masked in the rows below.
describe('maskSecrets: what makes the row after a title a header (mutants of isTableSeparator)', () => {
  const table = (separator: string) =>
    `|  Things  |\n|  Name  |  Password  |\n${separator}\n|  db  |  hunter2xyz  |\n`;
  it.each([
    [1, '+--+', true],
    [2, '|+--+|', true],
    [3, '+-+-+', true],
    [4, '||+----+||', true],
    [5, '  +---+  ', true],
    [6, '+-+', true],
    [7, '++', false],
    [8, '+-x-+', false],
    [9, '+--', false],
    [10, '--+', false],
    [11, '|+--', false],
    [12, '+', false],
    [13, '|++|', false],
  ])('%i: after %s the Password column is masked: %s', (_, separator, masked) => {
    const row = maskSecrets(table(separator as string)).text.split('\n')[3];
    expect(row).toBe(masked ? '|  db  |  [MASKED]    |' : '|  db  |  hunter2xyz  |');
  });
});

describe('maskSecrets: labels, block scalars and table values left alone', () => {
  it.each([
    [
      1,
      '-----BEGIN ZZ PRIVATE KEY-----\nMIIE\n-----END ZZ PRIVATE KEY-----\n',
      '-----BEGIN ZZ PRIVATE KEY-----\n[MASKED]\n-----END ZZ PRIVATE KEY-----\n',
      1,
    ],
    [
      2,
      '-----BEGIN 0 PRIVATE KEY-----\nMIIE\n-----END 0 PRIVATE KEY-----\n',
      '-----BEGIN 0 PRIVATE KEY-----\n[MASKED]\n-----END 0 PRIVATE KEY-----\n',
      1,
    ],
    // A block scalar's header stays; its lines are the value.
    [3, 'SecretString: >-\n  folded text\nName: x\n', 'SecretString: >-\n  [MASKED]\nName: x\n', 1],
    [4, 'SecretString: |2\n  kept text\nName: x\n', 'SecretString: |2\n  [MASKED]\nName: x\n', 1],
    [5, 'SecretString: >\n  folded text\nName: x\n', 'SecretString: >\n  [MASKED]\nName: x\n', 1],
    [6, 'SecretString: |x\nName: x\n', 'SecretString: [MASKED]\nName: x\n', 1],
    // Nothing to hide: a null, an empty cell, a value already masked.
    [7, '|  Password |  null  |\n', '|  Password |  null  |\n', 0],
    [8, '|  Password |        |\n', '|  Password |        |\n', 0],
    [9, '|  Password |  [MASKED]  |\n', '|  Password |  [MASKED]  |\n', 0],
    [10, '|  Password |  None  |\n', '|  Password |  None  |\n', 0],
    [11, '|  Password |  [MASKED] | x |\n', '|  Password |  [MASKED] | x |\n', 0],
    // A value that starts on the next line is counted once, at its row.
    [
      12,
      '|  SecretString|  \nfirst line\nsecond  |\n|  Name  |  db  |\n',
      '|  SecretString|  \n[MASKED]\n[MASKED]  |\n|  Name  |  db  |\n',
      1,
    ],
  ])('%i: as a person then reads it, with what was counted', (_, text, expected, count) => {
    expect(maskSecrets(text as string)).toEqual({ text: expected, count });
  });
});
