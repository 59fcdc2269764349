import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ssoTokenCacheFile } from './cli-cache-files.js';
import type { AwsSetup } from './read-aws-setup.js';

/** Whether an SSO profile has a usable login, read from `~/.aws/sso/cache` without returning any token. */
export interface SsoTokenStatus {
  profile: string;
  /** `not-sso` when the profile does not use SSO or does not exist. */
  status: 'valid' | 'expired' | 'missing' | 'not-sso';
  /** ISO time the cached access token expires. */
  expiresAt?: string;
  /** The cache file looked at: `sha1(sso-session name)` or, for legacy profiles, `sha1(sso_start_url)`. */
  cacheFile?: string;
  /**
   * True when the access token expired but the CLI can renew it by itself (sso-session profiles whose cached
   * refresh token and client registration are still valid).
   */
  refreshable?: boolean;
  /** The command the user runs in a terminal when a login is needed. */
  loginCommand?: string;
  /** One sentence for the user, e.g. "SSO session expired, run aws sso login --profile dev". */
  message: string;
}

/**
 * Reports whether the cached SSO token of a profile is valid, expired or missing, with its expiry and the
 * `aws sso login --profile NAME` hint. A missing or unreadable cache file is `missing`; never throws.
 */
export async function readSsoTokenStatus(
  profile: string,
  setup: AwsSetup,
  options: { now?: Date } = {},
): Promise<SsoTokenStatus> {
  const summary = setup.profiles.find((item) => item.name === profile);
  const credentials = summary?.credentials;
  if (credentials?.kind !== 'sso') {
    return {
      profile,
      status: 'not-sso',
      message:
        summary === undefined
          ? `Profile ${profile} is not defined.`
          : `Profile ${profile} does not use AWS SSO.`,
    };
  }
  const loginCommand = `aws sso login --profile ${profile}`;
  const cacheKey = credentials.ssoSession ?? credentials.ssoStartUrl;
  if (cacheKey === undefined) {
    return { profile, status: 'missing', loginCommand, message: `Profile ${profile} has no sso_start_url.` };
  }
  const cacheFile = join(setup.files.ssoCacheDir, ssoTokenCacheFile(cacheKey));
  let cached: Record<string, unknown>;
  try {
    cached = JSON.parse(await readFile(cacheFile, 'utf8')) as Record<string, unknown>;
  } catch {
    return {
      profile,
      status: 'missing',
      cacheFile,
      loginCommand,
      message: `No SSO login found for profile ${profile}; run ${loginCommand}.`,
    };
  }
  const expiresAt = parseCacheTime(cached.expiresAt);
  if (expiresAt === undefined) {
    return {
      profile,
      status: 'missing',
      cacheFile,
      loginCommand,
      message: `The SSO cache for profile ${profile} has no readable expiry; run ${loginCommand}.`,
    };
  }
  const now = options.now ?? new Date();
  const base = { profile, expiresAt: expiresAt.toISOString(), cacheFile, loginCommand };
  if (expiresAt > now) {
    return { ...base, status: 'valid', message: `SSO session valid until ${base.expiresAt}.` };
  }
  const registrationExpiresAt = parseCacheTime(cached.registrationExpiresAt);
  const refreshable =
    credentials.ssoSession !== undefined &&
    typeof cached.refreshToken === 'string' &&
    registrationExpiresAt !== undefined &&
    registrationExpiresAt > now;
  return {
    ...base,
    status: 'expired',
    refreshable,
    message: refreshable
      ? `SSO access token expired at ${base.expiresAt}; the AWS CLI will renew it on the next call.`
      : `SSO session expired at ${base.expiresAt}, run ${loginCommand}.`,
  };
}

/** botocore writes `…Z`; older CLI v2 releases wrote `…UTC`. */
function parseCacheTime(value: unknown): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const date = new Date(value.replace(/UTC$/, 'Z'));
  return Number.isNaN(date.getTime()) ? undefined : date;
}
