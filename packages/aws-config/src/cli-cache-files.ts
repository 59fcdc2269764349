import { createHash } from 'node:crypto';

/**
 * The names of the cache entries the AWS CLI writes for this configuration, as botocore derives them: what may
 * be kept from a call's private copy of the caches, and nothing else.
 */
export interface CliCacheFiles {
  /** Entries of `~/.aws/cli/cache`: assume-role and web-identity credentials, SSO role credentials (CLI v2). */
  cli: string[];
  /** Entries of `~/.aws/sso/cache`: the SSO token of each sso-session and legacy start URL. */
  sso: string[];
}

type PythonJsonValue = string | number | { [key: string]: PythonJsonValue };

/** `json.dumps(value, sort_keys=True)` as Python writes it: ASCII only, `(', ', ': ')` or compact separators. */
function dumpPythonJson(value: PythonJsonValue, compact: boolean): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') {
    return JSON.stringify(value).replace(
      /[\u007f-\uffff]/g,
      (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
  }
  const [comma, colon] = compact ? [',', ':'] : [', ', ': '];
  const keys = Object.keys(value).sort();
  return `{${keys.map((key) => `${dumpPythonJson(key, compact)}${colon}${dumpPythonJson(value[key] as PythonJsonValue, compact)}`).join(comma)}}`;
}

function sha1(text: string): string {
  return createHash('sha1').update(text, 'utf8').digest('hex');
}

/** The file an SSO token is cached in (botocore's `SSOTokenLoader`): SHA-1 of the session name, or of the start URL. */
export function ssoTokenCacheFile(sessionOrStartUrl: string): string {
  return `${sha1(sessionOrStartUrl)}.json`;
}

/** Python's `int(text)` for the values a config file holds, or undefined where it raises ValueError. */
function parsePythonInt(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^[+-]?\d+(_\d+)*$/.test(trimmed)) return undefined;
  return Number(trimmed.replaceAll('_', ''));
}

/**
 * The assume-role cache key (botocore `BaseAssumeRoleCredentialFetcher._create_cache_key`): the AssumeRole
 * arguments a profile configures (RoleArn, RoleSessionName when set, ExternalId, SerialNumber, DurationSeconds),
 * as `json.dumps(sort_keys=True)`, hashed with SHA-1; web identity profiles pass only RoleSessionName.
 */
export function computeAssumeRoleCacheKey(settings: Readonly<Record<string, string | undefined>>): string {
  const args: Record<string, PythonJsonValue> = { RoleArn: settings.role_arn ?? '' };
  // An empty role_session_name makes botocore generate one, which it leaves out of the key.
  if (settings.role_session_name) args.RoleSessionName = settings.role_session_name;
  if (settings.web_identity_token_file === undefined) {
    if (settings.external_id !== undefined) args.ExternalId = settings.external_id;
    if (settings.mfa_serial !== undefined) args.SerialNumber = settings.mfa_serial;
    const duration =
      settings.duration_seconds === undefined ? undefined : parsePythonInt(settings.duration_seconds);
    if (duration !== undefined) args.DurationSeconds = duration;
  }
  return sha1(dumpPythonJson(args, false));
}

/** The SSO role credentials key (botocore `SSOCredentialFetcher._create_cache_key`, compact JSON). */
function computeSsoCredentialsKey(settings: Readonly<Record<string, string | undefined>>): string {
  const args: Record<string, PythonJsonValue> = {
    roleName: settings.sso_role_name ?? '',
    accountId: settings.sso_account_id ?? '',
  };
  if (settings.sso_session) args.sessionName = settings.sso_session;
  else args.startUrl = settings.sso_start_url ?? '';
  return sha1(dumpPythonJson(args, true));
}

/**
 * The cache entry names of every profile (its merged settings) and sso-session: `<key>.json` for each role a
 * profile assumes, each SSO role it signs in to, and each SSO token (SHA-1 of the session name, or of the start
 * URL without one, as botocore's `SSOTokenLoader`).
 */
export function listCliCacheFiles({
  profiles,
  ssoSessions,
}: {
  profiles: ReadonlyArray<Readonly<Record<string, string | undefined>>>;
  ssoSessions: readonly string[];
}): CliCacheFiles {
  const cli = new Set<string>();
  const sso = new Set<string>(ssoSessions.map(ssoTokenCacheFile));
  for (const settings of profiles) {
    if (settings.role_arn) cli.add(`${computeAssumeRoleCacheKey(settings)}.json`);
    if (settings.sso_session || settings.sso_start_url) {
      cli.add(`${computeSsoCredentialsKey(settings)}.json`);
      sso.add(ssoTokenCacheFile((settings.sso_session || settings.sso_start_url) as string));
    }
  }
  return { cli: [...cli].sort(), sso: [...sso].sort() };
}
