import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redactArgv } from './redact-argv.js';
import {
  isSecretConfigKey,
  isSecretOptionName,
  isSecretReferenceName,
  secretConfigKeys,
  secretFieldWords,
  secretOptionWords,
  secretReferenceEnds,
} from './secret-words.js';

// The lists as they stood before secret-words.ts, copied verbatim: what each treated as secret must stay so.
const formerRedactArgvOption =
  /^--(secret-string|secret-binary|.*password.*|.*token.*|.*secret.*|.*private-key.*|cli-input-json|cli-input-yaml|user-data|auth-parameters|.*credentials?)$/;
const formerAwsStageOption =
  /^--(secret-string|secret-binary|.*password.*|.*token.*|.*secret.*|.*private-key.*|cli-input-json|cli-input-yaml|user-data|auth-parameters|.*credentials?|value|plaintext|.*passphrase.*|.*environment.*|.*overrides?)$/;
const formerAwsStageReference = /-(id|ids|arn|arns|name|names|type|policy)$/;
const formerConfigureGetKeys =
  /^(aws_)?(secret_access_key|session_token|security_token|access_key_id)$|^credential_process$/i;

/** Option names made of the words the lists name, and of ordinary ones. */
const optionNames = fc
  .array(
    fc.constantFrom(
      ...secretOptionWords.map((row) => row.word),
      ...secretReferenceEnds.map((row) => row.word),
      'db',
      'master',
      'user',
      'key',
      'bucket',
      'private',
      'data',
      'input',
      'json',
    ),
    { minLength: 1, maxLength: 4 },
  )
  .map((words) => `--${words.join('-')}`);

const redacts = (option: string) => redactArgv(['x', option, 'v'])[2] === '[redacted]';

describe('secretOptionWords', () => {
  it.each([
    // Each alternative of the former redactArgv list.
    '--secret-string',
    '--secret-binary',
    '--master-user-password',
    '--session-token',
    '--client-secret',
    '--ssh-private-key',
    '--cli-input-json',
    '--cli-input-yaml',
    '--user-data',
    '--auth-parameters',
    '--credentials',
    '--login-credential',
    '--secret-id',
    // The words only the aws stage's list had: redactArgv grows to them.
    '--value',
    '--plaintext',
    '--key-passphrase',
    '--environment-variables',
    '--overrides',
    '--container-override',
  ])('redactArgv redacts the value of %s', (option) => {
    expect(redacts(option)).toBe(true);
    expect(redactArgv(['x', `${option}=v`])[1]).toBe(`${option}=[redacted]`);
  });

  it.each(['--bucket', '--key', '--query', '--max-items', '--region'])('redactArgv keeps %s', (option) => {
    expect(redacts(option)).toBe(false);
  });

  it('redactArgv redacts every option either former list redacted (the two disagreed: it grows to the union)', () => {
    fc.assert(
      fc.property(optionNames, (option) => {
        if (formerRedactArgvOption.test(option) || formerAwsStageOption.test(option)) {
          expect(redacts(option)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('means for the aws stage exactly what its former list meant', () => {
    fc.assert(
      fc.property(optionNames, (option) => {
        const before = formerAwsStageOption.test(option) && !formerAwsStageReference.test(option);
        expect(isSecretOptionName(option) && !isSecretReferenceName(option)).toBe(before);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('secretConfigKeys', () => {
  it.each([
    'aws_secret_access_key',
    'secret_access_key',
    'AWS_SESSION_TOKEN',
    'session_token',
    'aws_security_token',
    'security_token',
    'aws_access_key_id',
    'access_key_id',
    'credential_process',
  ])('%s is a credential setting', (key) => {
    expect(isSecretConfigKey(key)).toBe(true);
    expect(formerConfigureGetKeys.test(key)).toBe(true);
  });

  it.each(['region', 'output', 'role_arn', 'sso_start_url', 'aws_region'])('%s is not', (key) => {
    expect(isSecretConfigKey(key)).toBe(false);
    expect(formerConfigureGetKeys.test(key)).toBe(false);
  });

  it('marks as secret values exactly the settings the masking learned from the AWS files', () => {
    expect(secretConfigKeys.filter((row) => row.secretValue).map((row) => row.word)).toEqual([
      'aws_secret_access_key',
      'aws_session_token',
      'aws_security_token',
    ]);
  });
});

describe('the secret word tables', () => {
  it.each([
    ['secretOptionWords', secretOptionWords],
    ['secretReferenceEnds', secretReferenceEnds],
    ['secretConfigKeys', secretConfigKeys],
    ['secretFieldWords', secretFieldWords],
  ])('%s has one row per word and way of matching it, each with its reason', (_, rows) => {
    const words = rows.map((row) => `${row.word} ${row.match}`);
    expect(new Set(words).size).toBe(words.length);
    for (const row of rows) expect(row.reason.length).toBeGreaterThan(10);
  });
});
