/**
 * The words that mark a secret, one table per kind of name, each row with its reason: option names (`--password`)
 * whose values are redacted from logs, names of settings in the AWS files (`aws_session_token`), and field names
 * in the CLI's output (`SecretAccessKey`) whose values are masked. Every other list of secret words in the
 * workspace is derived from these rows; a word is added here, never beside a copy.
 */

/** How a row's word is matched against a name. */
/**
 * `whole`: the full name; `part`: anywhere in it; `end`: its last words; `last-word`: the last word of a name
 * written with separators (`GITHUB_TOKEN`, `api-token`), where CamelCase output fields (`NextToken`) are not.
 */
export type SecretWordMatch = 'whole' | 'part' | 'end' | 'last-word';

/** One secret word: the word, how it is matched, and why a value under such a name is treated as secret. */
export interface SecretWordRow {
  word: string;
  match: SecretWordMatch;
  reason: string;
}

/**
 * Option names (without `--`, kebab-case as the CLI writes them) whose value is a secret or may carry one,
 * whatever the program: `whole` is the full name, `part` anywhere in it, `end` its last words.
 */
export const secretOptionWords: readonly SecretWordRow[] = [
  { word: 'secret-string', match: 'whole', reason: 'Secrets Manager takes the secret itself' },
  { word: 'secret-binary', match: 'whole', reason: 'Secrets Manager takes the secret itself' },
  { word: 'password', match: 'part', reason: 'a password (`--master-user-password`, `--db-password`)' },
  { word: 'token', match: 'part', reason: 'a token that grants access (`--session-token`, `--token-code`)' },
  { word: 'secret', match: 'part', reason: 'a secret (`--client-secret`, `--secret-access-key`)' },
  {
    word: 'private-key',
    match: 'part',
    reason: 'a private key (`--private-key`, `--certificate-private-key`)',
  },
  { word: 'cli-input-json', match: 'whole', reason: 'a whole request, any member of which may be a secret' },
  { word: 'cli-input-yaml', match: 'whole', reason: 'a whole request, any member of which may be a secret' },
  { word: 'user-data', match: 'whole', reason: 'instance start-up scripts often hold keys and passwords' },
  {
    word: 'auth-parameters',
    match: 'whole',
    reason: 'Cognito sign-in parameters: a password or a refresh token',
  },
  { word: 'credential', match: 'end', reason: 'credentials (`--credential`, `--login-credential`)' },
  { word: 'credentials', match: 'end', reason: 'credentials (`--credentials`, `--aws-credentials`)' },
  {
    word: 'value',
    match: 'whole',
    reason: 'a parameter value (`ssm put-parameter --value`), often a SecureString',
  },
  { word: 'plaintext', match: 'whole', reason: 'the data KMS encrypts (`kms encrypt --plaintext`)' },
  { word: 'passphrase', match: 'part', reason: 'the passphrase of a key (`--key-passphrase`)' },
  {
    word: 'environment',
    match: 'part',
    reason: 'environment variables, where functions and builds keep secrets',
  },
  { word: 'override', match: 'end', reason: 'overrides of a task or build, which carry its environment' },
  { word: 'overrides', match: 'end', reason: 'overrides of a task or build, which carry its environment' },
];

/**
 * Last words of option names that name or describe a secret rather than hold one (`--secret-id`,
 * `--password-policy-name`): the aws stage, which knows the operation's arguments, does not redact them.
 */
export const secretReferenceEnds: readonly SecretWordRow[] = [
  { word: 'id', match: 'end', reason: 'an id names a secret (`--secret-id`)' },
  { word: 'ids', match: 'end', reason: 'ids name secrets' },
  { word: 'arn', match: 'end', reason: 'an ARN names a secret (`--secret-arn`)' },
  { word: 'arns', match: 'end', reason: 'ARNs name secrets' },
  { word: 'name', match: 'end', reason: 'a name names a secret (`--token-name`)' },
  { word: 'names', match: 'end', reason: 'names name secrets' },
  { word: 'type', match: 'end', reason: 'a type describes a secret (`--token-type`)' },
  { word: 'policy', match: 'end', reason: 'a policy governs secrets (`--password-policy`)' },
];

/**
 * Settings of the AWS files (and of `aws configure get`) whose value is a credential; `aws_` is optional, as
 * the CLI reads both spellings. `configure get` of any of them is refused; the values of those marked with a
 * secret reason are learned and masked wherever they appear.
 */
export const secretConfigKeys: readonly (SecretWordRow & { secretValue: boolean })[] = [
  {
    word: 'aws_secret_access_key',
    match: 'whole',
    secretValue: true,
    reason: 'the secret half of an access key',
  },
  { word: 'aws_session_token', match: 'whole', secretValue: true, reason: 'a temporary session token' },
  {
    word: 'aws_security_token',
    match: 'whole',
    secretValue: true,
    reason: 'the old name of the session token',
  },
  {
    word: 'aws_access_key_id',
    match: 'whole',
    secretValue: false,
    reason: 'not secret alone, but printing it with its secret is what `configure get` would do next',
  },
  {
    word: 'credential_process',
    match: 'whole',
    secretValue: false,
    reason: 'its command line may carry a secret argument',
  },
];

/**
 * Field names in the CLI's output whose values are secrets, lower case without separators (`SecretAccessKey`,
 * `secret_access_key` and `Secret-Access-Key` are all `secretaccesskey`): `end` matches a name ending so
 * (`MasterUserPassword`), `whole` only the whole name (`Token`, not `NextToken`), `last-word` the last word of a
 * name with separators (`GITHUB_TOKEN`, not `NextToken`).
 */
export const secretFieldWords: readonly SecretWordRow[] = [
  { word: 'secretaccesskey', match: 'end', reason: 'the secret half of an access key' },
  { word: 'sessiontoken', match: 'end', reason: 'a temporary session token' },
  {
    word: 'securitytoken',
    match: 'end',
    reason: 'the old name of the session token (`X-Amz-Security-Token`)',
  },
  { word: 'password', match: 'end', reason: 'a password (`MasterUserPassword`), not `PasswordLastUsed`' },
  { word: 'passwd', match: 'end', reason: 'a password, spelled as in Unix files' },
  { word: 'secretstring', match: 'end', reason: 'a Secrets Manager secret' },
  { word: 'secretbinary', match: 'end', reason: 'a Secrets Manager secret' },
  { word: 'clientsecret', match: 'end', reason: 'an OAuth client secret (`sso-oidc register-client`)' },
  { word: 'accesstoken', match: 'end', reason: 'an access token (`sso-oidc create-token`)' },
  { word: 'refreshtoken', match: 'end', reason: 'a refresh token, which makes new access tokens' },
  { word: 'idtoken', match: 'end', reason: 'an identity token (Cognito)' },
  { word: 'authorizationtoken', match: 'end', reason: 'a registry token (`ecr get-authorization-token`)' },
  { word: 'privatekey', match: 'end', reason: 'a private key (`iot create-keys-and-certificate`)' },
  { word: 'keymaterial', match: 'end', reason: 'a private key (`ec2 create-key-pair`)' },
  { word: 'token', match: 'whole', reason: 'a token (`sts get-web-identity-token`), but not `NextToken`' },
  {
    word: 'token',
    match: 'last-word',
    reason:
      'an environment variable that holds a token (`GITHUB_TOKEN`, `NPM_TOKEN`), in a Lambda or ECS definition',
  },
  {
    word: 'secret',
    match: 'end',
    reason: 'a secret (`SharedSecret`, `WebhookSecret`, `JWT_SECRET`), but not `SecretId` or `SecretName`',
  },
  { word: 'secretkey', match: 'end', reason: 'a secret key (`SECRET_KEY`, `STRIPE_SECRET_KEY`)' },
  {
    word: 'apikey',
    match: 'end',
    reason: 'an API key (`API_KEY`, `OPENAI_API_KEY`, `ApiKey`), not `ApiKeyId`',
  },
  { word: 'authtoken', match: 'end', reason: 'an auth token (ElastiCache `AuthToken`, `AUTH_TOKEN`)' },
  { word: 'apitoken', match: 'end', reason: 'an API token (`API_TOKEN`)' },
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A pattern matching a kebab-case name by the rows: `whole` the name, `part` anywhere, `end` its last words. */
function optionPattern(rows: readonly SecretWordRow[]): RegExp {
  const words = rows.map(({ word, match }) => {
    const escaped = escapeRegExp(word);
    if (match === 'whole') return escaped;
    return match === 'part' ? `.*${escaped}.*` : `.*${escaped}`;
  });
  return new RegExp(`^--(${words.join('|')})$`);
}

const secretOptionPattern = optionPattern(secretOptionWords);
const secretReferencePattern = new RegExp(`-(${secretReferenceEnds.map((row) => row.word).join('|')})$`);
const configKeys = new Set(secretConfigKeys.flatMap((row) => [row.word, row.word.replace(/^aws_/, '')]));

/** Whether an option (`--db-password`, `--value`) holds a secret or may carry one, by its name alone. */
export function isSecretOptionName(option: string): boolean {
  return secretOptionPattern.test(option);
}

/** Whether an option only names or describes a secret (`--secret-id`, `--password-policy-name`). */
export function isSecretReferenceName(option: string): boolean {
  return secretReferencePattern.test(option);
}

/** Whether an AWS file setting (`aws_session_token` or `session_token`, any case) holds a credential. */
export function isSecretConfigKey(key: string): boolean {
  return configKeys.has(key.toLowerCase());
}
