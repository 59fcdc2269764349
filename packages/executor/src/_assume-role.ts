import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pipeline } from '@aws-mcp/command';
import type { CredentialsMode } from './_environment.js';
import { ExecutionError } from './execution-error.js';

/** A role the aws stage runs as, through the CLI's own assume-role support (see RunPipelineOptions.assumeRole). */
export interface AssumeRoleOptions {
  /** `arn:<partition>:iam::<account>:role/<path/name>`. */
  roleArn: string;
  /** The role session name CloudTrail shows (STS pattern `[\w+=,.@-]{2,64}`). */
  sessionName: string;
  /** The external id the role's trust policy asks for (STS pattern `[\w+=,.@:/-]{2,1224}`). */
  externalId?: string;
  /** 900–43200 seconds; the role's own maximum still applies. Default: the CLI's (3600). */
  durationSeconds?: number;
}

/** Where the role's source credentials come from: a profile of the user's config, or the environment's keys. */
export type RoleSource = { sourceProfile: string } | { credentialSource: 'Environment' };

/** The throwaway profile of one call: its name, its private folder and config file, and its section's text. */
export interface RoleProfile {
  /** `aws-mcp-role-<random>`. */
  name: string;
  /** A private folder (mode 0700) outside the working directory, created for the call and removed after it. */
  folder: string;
  /** The config file the aws stage reads (mode 0600): the user's config, then the role's section. */
  configFile: string;
  /** The user's config file that is copied (AWS_CONFIG_FILE or ~/.aws/config); absent with credentials `env`. */
  userConfigFile?: string;
  source: RoleSource;
  /** The role's settings (`key = value` lines) of the `[profile …]` section appended to the copy. */
  roleSettings: string[];
  /** Where the CLI caches the role's credentials (`~/.aws/cli/cache/<key>.json`, see roleCacheEntry). */
  cacheFile: string;
}

/**
 * Settings of the source profile that are about credentials: the role's section leaves them out (the role's
 * own take their place), and keeps the others (region, output, endpoint_url, services, s3 …) as the same call
 * without a role would have run with.
 */
const credentialSetting =
  /^(aws_access_key_id|aws_secret_access_key|aws_session_token|aws_security_token|role_arn|role_session_name|source_profile|credential_source|credential_process|external_id|duration_seconds|mfa_serial|web_identity_token_file|sso_\w+|login_session)$/;

/**
 * Each row: the option, the pattern STS documents for its AssumeRole parameter, and what the message asks
 * for. The patterns also keep every value on one line of the config file (no newline, `[`, `;` or `#`).
 */
const optionRules = [
  {
    field: 'roleArn',
    pattern: /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/,
    want: 'an IAM role ARN such as arn:aws:iam::123456789012:role/ReadOnly',
  },
  {
    field: 'sessionName',
    pattern: /^[\w+=,.@-]{2,64}$/,
    want: '2 to 64 characters of letters, digits and +=,.@_-',
  },
  {
    field: 'externalId',
    pattern: /^[\w+=,.@:/-]{2,1224}$/,
    want: '2 to 1224 characters of letters, digits and +=,.@:/_-',
  },
] as const satisfies ReadonlyArray<{ field: keyof AssumeRoleOptions; pattern: RegExp; want: string }>;

const minDurationSeconds = 900;
const maxDurationSeconds = 43_200;

/** Throws ExecutionError `INVALID_OPTIONS` naming the first option that STS would refuse. */
export function checkAssumeRoleOptions(options: AssumeRoleOptions): void {
  for (const { field, pattern, want } of optionRules) {
    const value = options[field];
    if (value === undefined && field === 'externalId') continue;
    if (typeof value !== 'string' || !pattern.test(value)) {
      throw new ExecutionError({
        code: 'INVALID_OPTIONS',
        message: `assumeRole.${field} must be ${want}; got ${JSON.stringify(value)}.`,
      });
    }
  }
  const duration = options.durationSeconds;
  if (
    duration !== undefined &&
    (!Number.isInteger(duration) || duration < minDurationSeconds || duration > maxDurationSeconds)
  ) {
    throw new ExecutionError({
      code: 'INVALID_OPTIONS',
      message: `assumeRole.durationSeconds must be a whole number from ${minDurationSeconds} to ${maxDurationSeconds}; got ${duration}.`,
    });
  }
}

/**
 * Which credentials the role is assumed with: those the same call would have run with. The CLI takes the
 * environment's keys before any profile unless `--profile` is on the line, so keys that reach the stage make it
 * `credential_source = Environment`; otherwise the effective profile is the `source_profile`.
 */
export function decideRoleSource({
  pipeline,
  env,
  credentialsMode,
  profile,
}: {
  pipeline: Pipeline;
  env: NodeJS.ProcessEnv;
  credentialsMode: CredentialsMode;
  profile: string | undefined;
}): RoleSource {
  const lineProfile = pipeline.aws.globals.profile;
  const environmentKeys =
    credentialsMode !== 'aws_config' && Boolean(env.AWS_ACCESS_KEY_ID) && Boolean(env.AWS_SECRET_ACCESS_KEY);
  if (credentialsMode === 'env' || (environmentKeys && lineProfile === undefined)) {
    return { credentialSource: 'Environment' };
  }
  const sourceProfile =
    lineProfile ?? profile ?? (env.AWS_DEFAULT_PROFILE || env.AWS_PROFILE || undefined) ?? 'default';
  return { sourceProfile };
}

/**
 * Plans the throwaway profile of one call (nothing is written yet: see writeRoleProfile): a random name, a
 * private folder in the system's temporary folder, and the section with `role_arn`, the source, `external_id`,
 * `role_session_name` and `duration_seconds` (and the server's `endpoint_url`, so STS is asked where the call
 * goes). Throws ExecutionError `INVALID_OPTIONS` for an option STS would refuse.
 */
export function planRoleProfile({
  assumeRole,
  pipeline,
  env,
  credentialsMode,
  profile,
  endpointUrl,
}: {
  assumeRole: AssumeRoleOptions;
  pipeline: Pipeline;
  env: NodeJS.ProcessEnv;
  credentialsMode: CredentialsMode;
  profile: string | undefined;
  endpointUrl?: string;
}): RoleProfile {
  checkAssumeRoleOptions(assumeRole);
  if (endpointUrl !== undefined && /[\r\n]/.test(endpointUrl)) {
    throw new ExecutionError({ code: 'INVALID_OPTIONS', message: 'endpointUrl must be one line.' });
  }
  const source = decideRoleSource({ pipeline, env, credentialsMode, profile });
  const random = randomBytes(12).toString('hex');
  const name = `aws-mcp-role-${random}`;
  // The process id in the name lets a later call remove the folder of a process that was killed mid-call.
  const folder = join(tmpdir(), `aws-mcp-role-${process.pid}-${random}`);
  const roleSettings = [
    `role_arn = ${assumeRole.roleArn}`,
    'sourceProfile' in source
      ? `source_profile = ${source.sourceProfile}`
      : `credential_source = ${source.credentialSource}`,
    `role_session_name = ${assumeRole.sessionName}`,
    ...(assumeRole.externalId === undefined ? [] : [`external_id = ${assumeRole.externalId}`]),
    ...(assumeRole.durationSeconds === undefined ? [] : [`duration_seconds = ${assumeRole.durationSeconds}`]),
    ...(endpointUrl === undefined || endpointUrl === '' ? [] : [`endpoint_url = ${endpointUrl}`]),
  ];
  const home = env.HOME ?? homedir();
  return {
    cacheFile: join(home, '.aws', 'cli', 'cache', roleCacheEntry(assumeRole)),
    name,
    folder,
    configFile: join(folder, 'config'),
    ...(credentialsMode === 'env'
      ? {}
      : { userConfigFile: env.AWS_CONFIG_FILE || join(home, '.aws', 'config') }),
    source,
    roleSettings,
  };
}

/** A source profile name that could break out of its line, or is not one the CLI could look up. */
function checkSourceProfile(source: RoleSource): void {
  if ('sourceProfile' in source && !/^[^\s[\];#]+$/.test(source.sourceProfile)) {
    throw new ExecutionError({
      code: 'INVALID_OPTIONS',
      message: `The profile ${JSON.stringify(source.sourceProfile)} cannot be a role's source_profile: use a profile name without spaces, brackets, ; or #.`,
    });
  }
}

/**
 * The lines of `[profile NAME]` (or `[default]`) in a config file's text that the role's section keeps: every
 * setting but the credential ones and those the role sets, each with its indented sub-settings (`s3 =`).
 */
export function readInheritedSettings(
  text: string,
  profile: string,
  roleSettings: readonly string[],
): string[] {
  const keyOf = (line: string) => /^([^=\s]+)\s*=/.exec(line)?.[1]?.toLowerCase();
  const overridden = new Set(roleSettings.map(keyOf));
  const kept: string[] = [];
  let inside = false;
  let keeping = false;
  for (const line of text.split(/\r?\n/)) {
    const header = /^\[\s*(.*?)\s*\]\s*$/.exec(line)?.[1];
    if (header !== undefined) {
      const named = /^profile\s+(.+)$/.exec(header)?.[1]?.trim();
      inside = named === profile || (profile === 'default' && header === 'default');
      keeping = false;
      continue;
    }
    if (!inside || line.trim() === '' || /^\s*[#;]/.test(line)) continue;
    if (/^\s/.test(line)) {
      if (keeping) kept.push(line);
      continue;
    }
    const key = keyOf(line);
    keeping = key !== undefined && !credentialSetting.test(key) && !overridden.has(key);
    if (keeping) kept.push(line);
  }
  return kept;
}

/**
 * Creates the profile's private folder (mode 0700; it must not exist) and its config file (mode 0600): a copy of
 * the user's config (none when it is missing), then the role's section with the source profile's other settings
 * (readInheritedSettings). Removes what it made and throws when it cannot (ExecutionError `INVALID_OPTIONS` for
 * a source profile name that cannot be written).
 */
export async function writeRoleProfile(profile: RoleProfile): Promise<void> {
  checkSourceProfile(profile.source);
  await removeOrphanedProfiles();
  const copied =
    profile.userConfigFile === undefined
      ? ''
      : await readFile(profile.userConfigFile, 'utf8').catch(() => '');
  const inherited =
    'sourceProfile' in profile.source
      ? readInheritedSettings(copied, profile.source.sourceProfile, profile.roleSettings)
      : [];
  const section = [`[profile ${profile.name}]`, ...inherited, ...profile.roleSettings].join('\n');
  await mkdir(profile.folder, { mode: 0o700 });
  try {
    const text = copied === '' || copied.endsWith('\n') ? copied : `${copied}\n`;
    await writeFile(profile.configFile, `${text}${section}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    await removeRoleProfile(profile);
    throw error;
  }
}

/**
 * The name of the CLI's cache entry for these AssumeRole arguments: botocore's `_create_cache_key`, the SHA-1 of
 * `json.dumps(args, sort_keys=True)`. The values checkAssumeRoleOptions admits need no JSON escaping, so the text
 * is Python's as written here.
 */
export function roleCacheEntry(options: AssumeRoleOptions): string {
  const args: Array<[string, string]> = [
    ...(options.durationSeconds === undefined
      ? []
      : [['DurationSeconds', String(options.durationSeconds)] as [string, string]]),
    ...(options.externalId === undefined
      ? []
      : [['ExternalId', `"${options.externalId}"`] as [string, string]]),
    ['RoleArn', `"${options.roleArn}"`],
    ['RoleSessionName', `"${options.sessionName}"`],
  ];
  const text = `{${args.map(([key, value]) => `"${key}": ${value}`).join(', ')}}`;
  return `${createHash('sha1').update(text).digest('hex')}.json`;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the role folders a killed process left (its process id is gone), which its `finally` never reached. */
export async function removeOrphanedProfiles(folder = tmpdir()): Promise<void> {
  for (const name of await readdir(folder).catch(() => [] as string[])) {
    const pid = /^aws-mcp-role-(\d+)-[0-9a-f]{24}$/.exec(name)?.[1];
    if (pid !== undefined && !isRunning(Number(pid))) {
      await rm(join(folder, name), { recursive: true, force: true }).catch(() => {});
    }
  }
}

/**
 * Removes the profile's folder and its config file, and with `cache` the CLI's cache entry of the role (for a
 * sandbox that gives the call no private copy of the cache, so the CLI wrote the user's own). Never throws.
 */
export async function removeRoleProfile(profile: RoleProfile, { cache = false } = {}): Promise<void> {
  await rm(profile.folder, { recursive: true, force: true }).catch(() => {});
  if (cache) await rm(profile.cacheFile, { force: true }).catch(() => {});
}

/**
 * The aws stage's arguments under the throwaway profile: `--profile <name>` first, in place of a `--profile` the
 * line gave. On the line (not only in AWS_PROFILE) because the CLI takes the environment's keys over a profile
 * that only a variable names, and the role would then not be assumed.
 */
export function withRoleProfile(args: readonly string[], profile: RoleProfile): string[] {
  const firstWord = args.findIndex((arg) => !arg.startsWith('--'));
  const globals = firstWord === -1 ? args : args.slice(0, firstWord);
  const rest = firstWord === -1 ? [] : args.slice(firstWord);
  return [
    `--profile=${profile.name}`,
    ...globals.filter((arg) => arg !== '--profile' && !arg.startsWith('--profile=')),
    ...rest,
  ];
}
