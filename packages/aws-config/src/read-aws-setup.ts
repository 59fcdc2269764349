import { homedir } from 'node:os';
import { join } from 'node:path';
import { checkReferences } from './_check-references.js';
import { resolveProfilePaths } from './_profile-paths.js';
import { mergeSections, summarizeProfile } from './_profile-sections.js';
import { readIniFile } from './_read-ini-file.js';
import { AwsConfigError, type AwsConfigErrorCode } from './aws-config-error.js';
import { type CliCacheFiles, listCliCacheFiles } from './cli-cache-files.js';

/** Environment variables as `process.env` holds them. */
export type AwsEnvironment = Record<string, string | undefined>;

/** Which file a setting came from. */
export type AwsFileKind = 'config' | 'credentials';

/** How a profile gets credentials, in the order botocore tries them; never the credentials themselves. */
export type ProfileCredentials =
  | {
      kind: 'assume-role';
      roleArn: string;
      sourceProfile?: string;
      credentialSource?: string;
      mfaSerial?: string;
    }
  | { kind: 'web-identity'; roleArn: string; webIdentityTokenFile: string }
  | {
      kind: 'sso';
      ssoSession?: string;
      ssoStartUrl?: string;
      ssoRegion?: string;
      ssoAccountId?: string;
      ssoRoleName?: string;
    }
  | { kind: 'static'; hasSessionToken: boolean }
  | { kind: 'credential-process'; program: string }
  | { kind: 'none' };

/**
 * Files a sandbox must make readable for a profile to work, as absolute paths where they can be worked out: a
 * leading `~` is expanded (with a HOME_NOT_EXPANDED warning, since the CLI itself does not), and a bare
 * credential_process program name is looked up on the environment's PATH as the CLI's subprocess call does.
 */
export interface ProfilePaths {
  /** The credential_process program only, never its arguments. Left out when a bare name is not on PATH. */
  credentialProcess?: string;
  webIdentityTokenFile?: string;
  caBundle?: string;
}

/** One profile, merged from both files (credentials file wins), without a secret in it. */
export interface AwsProfileSummary {
  name: string;
  definedIn: AwsFileKind[];
  region?: string;
  output?: string;
  credentials: ProfileCredentials;
  /** True when the profile holds both aws_access_key_id and aws_secret_access_key. */
  hasStaticKeys: boolean;
  endpointUrl?: string;
  /** Name of the `[services NAME]` section the profile uses. */
  services?: string;
  /** Indented per-service settings such as `s3 =` / `  addressing_style = path`, without secret-named keys. */
  serviceSettings: Record<string, Record<string, string>>;
  paths: ProfilePaths;
}

/** An `[sso-session NAME]` section. */
export interface AwsSsoSession {
  name: string;
  ssoStartUrl?: string;
  ssoRegion?: string;
  ssoRegistrationScopes?: string;
}

/** A `[services NAME]` section: per-service settings such as endpoint_url, without secret-named keys. */
export interface AwsServicesSection {
  name: string;
  services: Record<string, Record<string, string>>;
}

/** Where a file was looked for and whether it could be read. */
export interface AwsFileStatus {
  path: string;
  /** `default` when the path is the usual one under the home directory. */
  source: 'default' | 'AWS_CONFIG_FILE' | 'AWS_SHARED_CREDENTIALS_FILE';
  exists: boolean;
  readable: boolean;
}

/** Something the user should know about their setup; `path` and `line` point at it when they can. */
export interface AwsSetupWarning {
  code: AwsConfigErrorCode;
  message: string;
  path?: string;
  line?: number;
}

/** The user's AWS setup as data. Safe to show: it never contains a key, secret, token or process argument. */
export interface AwsSetup {
  homeDir: string;
  files: { config: AwsFileStatus; credentials: AwsFileStatus; ssoCacheDir: string };
  profiles: AwsProfileSummary[];
  /** The CLI cache entries this configuration makes (names only), the ones a private copy may give back. */
  cliCacheFiles: CliCacheFiles;
  ssoSessions: AwsSsoSession[];
  services: AwsServicesSection[];
  warnings: AwsSetupWarning[];
}

/** Options for {@link readAwsSetup}. */
export interface ReadAwsSetupOptions {
  /** Defaults to `process.env`. */
  env?: AwsEnvironment;
  /** Defaults to `env.HOME`, then the OS home directory. */
  homeDir?: string;
  /** Throw an AwsConfigError for the first malformed line instead of returning it as a warning. */
  strict?: boolean;
}

/** Resolves the home directory and both file paths the way the AWS CLI does. */
export function resolveAwsFilePaths(options: { env?: AwsEnvironment; homeDir?: string } = {}): {
  homeDir: string;
  config: Pick<AwsFileStatus, 'path' | 'source'>;
  credentials: Pick<AwsFileStatus, 'path' | 'source'>;
  ssoCacheDir: string;
} {
  const env = options.env ?? process.env;
  const homeDir = options.homeDir ?? (env.HOME || homedir());
  const expand = (path: string) =>
    path === '~' || path.startsWith('~/') ? join(homeDir, path.slice(1)) : path;
  const fromEnv = (name: 'AWS_CONFIG_FILE' | 'AWS_SHARED_CREDENTIALS_FILE', fallback: string) => {
    const value = env[name];
    return value
      ? { path: expand(value), source: name }
      : { path: join(homeDir, '.aws', fallback), source: 'default' as const };
  };
  return {
    homeDir,
    config: fromEnv('AWS_CONFIG_FILE', 'config'),
    credentials: fromEnv('AWS_SHARED_CREDENTIALS_FILE', 'credentials'),
    ssoCacheDir: join(homeDir, '.aws', 'sso', 'cache'),
  };
}

/**
 * Reads `~/.aws/config` and `~/.aws/credentials` (or AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE) into profiles,
 * sso-sessions and services sections. A missing or unreadable file is an empty part of the setup plus a warning;
 * malformed lines become warnings with path and line. Never throws unless `strict` is set, in which case the first
 * malformed line throws an AwsConfigError with `code`, `path` and `line`.
 */
export async function readAwsSetup(options: ReadAwsSetupOptions = {}): Promise<AwsSetup> {
  const paths = resolveAwsFilePaths(options);
  const warnings: AwsSetupWarning[] = [];
  const config = await readIniFile('config', paths.config, warnings);
  const credentials = await readIniFile('credentials', paths.credentials, warnings);
  if (options.strict) {
    const problem = warnings.find((warning) => warning.line !== undefined);
    if (problem) throw new AwsConfigError({ ...problem });
  }

  const { raw, nestedByProfile, ssoSessions, services } = mergeSections({ config, credentials, warnings });

  const profiles = [...raw.entries()]
    .map(([name, sources]) => summarizeProfile(name, sources, nestedByProfile.get(name) ?? {}))
    .sort((left, right) => left.name.localeCompare(right.name));
  checkReferences({ profiles, ssoSessions, services, configPath: config.status.path, warnings });
  for (const profile of profiles) {
    profile.paths = await resolveProfilePaths(profile, {
      homeDir: paths.homeDir,
      searchPath: (options.env ?? process.env).PATH,
      warn: (code, message) => warnings.push({ code, message, path: config.status.path }),
    });
  }
  return {
    homeDir: paths.homeDir,
    files: { config: config.status, credentials: credentials.status, ssoCacheDir: paths.ssoCacheDir },
    profiles,
    cliCacheFiles: listCliCacheFiles({
      profiles: [...raw.values()].map((sources) => ({ ...sources.config, ...sources.credentials })),
      ssoSessions: ssoSessions.map((session) => session.name),
    }),
    ssoSessions,
    services,
    warnings,
  };
}
