import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';
import { type AwsIniSection, parseAwsIni } from './_parse-aws-ini.js';
import { isSecretSettingName, splitShellWords, withoutSecrets } from './_words.js';
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

/** Sections in the config file that the CLI itself uses and that are not profiles. */
const knownOtherSections = new Set(['plugins', 'preview', 'cli']);

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

  const raw = new Map<string, { config?: Record<string, string>; credentials?: Record<string, string> }>();
  const nestedByProfile = new Map<string, Record<string, Record<string, string>>>();
  const ssoSessions: AwsSsoSession[] = [];
  const services: AwsServicesSection[] = [];
  const warn = (code: AwsConfigErrorCode, message: string, path: string, line?: number) =>
    warnings.push(line === undefined ? { code, message, path } : { code, message, path, line });

  for (const section of config.sections) {
    const classified = classifyConfigSection(section.name);
    const path = config.status.path;
    switch (classified.kind) {
      case 'profile': {
        const entry = raw.get(classified.name) ?? {};
        entry.config = { ...entry.config, ...section.settings };
        raw.set(classified.name, entry);
        nestedByProfile.set(classified.name, { ...nestedByProfile.get(classified.name), ...section.nested });
        break;
      }
      case 'sso-session':
        ssoSessions.push(summarizeSsoSession(classified.name, section));
        break;
      case 'services':
        services.push({ name: classified.name, services: filterNested(section.nested) });
        break;
      case 'malformed':
        warn(
          'MALFORMED_SECTION',
          `Section [${section.name}] at line ${section.line} is ignored by the AWS CLI: it needs exactly one name after \`${classified.prefix}\`.`,
          path,
          section.line,
        );
        break;
      case 'other':
        if (!knownOtherSections.has(section.name)) {
          warn(
            'NOT_A_PROFILE',
            `Section [${section.name}] at line ${section.line} is not a profile: in the config file, write [profile ${section.name}].`,
            path,
            section.line,
          );
        }
        break;
    }
  }
  for (const section of credentials.sections) {
    if (/^profile\s/.test(section.name)) {
      warn(
        'NOT_A_PROFILE',
        `Section [${section.name}] at line ${section.line} names a profile called "${section.name}": the credentials file uses [NAME] without "profile".`,
        credentials.status.path,
        section.line,
      );
    }
    const entry = raw.get(section.name) ?? {};
    entry.credentials = { ...entry.credentials, ...section.settings };
    raw.set(section.name, entry);
  }

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

async function readIniFile(
  kind: AwsFileKind,
  location: Pick<AwsFileStatus, 'path' | 'source'>,
  warnings: AwsSetupWarning[],
): Promise<{ status: AwsFileStatus; sections: AwsIniSection[] }> {
  const label = kind === 'config' ? 'AWS config file' : 'AWS credentials file';
  let text: string;
  try {
    text = await readFile(location.path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const missing = code === 'ENOENT' || code === 'ENOTDIR';
    warnings.push({
      code: missing ? 'FILE_MISSING' : 'FILE_UNREADABLE',
      message: missing
        ? `No ${label} at ${location.path}; its part of the setup is empty.`
        : `The ${label} at ${location.path} cannot be read (${code ?? 'unknown error'}); its part of the setup is empty.`,
      path: location.path,
    });
    return { status: { ...location, exists: !missing, readable: false }, sections: [] };
  }
  const { sections, problems } = parseAwsIni(text);
  for (const problem of problems) {
    warnings.push({ ...problem, message: `${location.path}: ${problem.message}`, path: location.path });
  }
  return { status: { ...location, exists: true, readable: true }, sections };
}

type ConfigSectionKind =
  | { kind: 'profile' | 'sso-session' | 'services'; name: string }
  | { kind: 'malformed'; prefix: string }
  | { kind: 'other' };

/** Mirrors botocore's build_profile_map: the section name is split like a shell line, so quotes may hold spaces. */
function classifyConfigSection(sectionName: string): ConfigSectionKind {
  if (sectionName === 'default') return { kind: 'profile', name: 'default' };
  for (const prefix of ['profile', 'sso-session', 'services'] as const) {
    if (!sectionName.startsWith(prefix)) continue;
    const words = splitShellWords(sectionName);
    if (words?.length === 2 && words[0] === prefix) return { kind: prefix, name: words[1] as string };
    return { kind: 'malformed', prefix };
  }
  return { kind: 'other' };
}

function summarizeSsoSession(name: string, section: AwsIniSection): AwsSsoSession {
  const settings = section.settings;
  return compact({
    name,
    ssoStartUrl: settings.sso_start_url,
    ssoRegion: settings.sso_region,
    ssoRegistrationScopes: settings.sso_registration_scopes,
  });
}

function filterNested(
  nested: Record<string, Record<string, string>>,
): Record<string, Record<string, string>> {
  const result: Record<string, Record<string, string>> = {};
  for (const [service, settings] of Object.entries(nested)) {
    if (!isSecretSettingName(service)) result[service] = withoutSecrets(settings);
  }
  return result;
}

function summarizeProfile(
  name: string,
  sources: { config?: Record<string, string>; credentials?: Record<string, string> },
  nested: Record<string, Record<string, string>>,
): AwsProfileSummary {
  const settings = { ...sources.config, ...sources.credentials };
  const hasKeys = (from: Record<string, string> | undefined) =>
    Boolean(from?.aws_access_key_id && from.aws_secret_access_key);
  const program = settings.credential_process ? splitShellWords(settings.credential_process)?.[0] : undefined;
  const paths: ProfilePaths = compact({
    credentialProcess: program,
    webIdentityTokenFile: settings.web_identity_token_file,
    caBundle: settings.ca_bundle,
  });
  return compact({
    name,
    definedIn: (['config', 'credentials'] as const).filter((kind) => sources[kind] !== undefined),
    region: settings.region,
    output: settings.output,
    credentials: describeCredentials(settings, {
      inCredentialsFile: hasKeys(sources.credentials),
      inConfigFile: hasKeys(sources.config),
      program,
    }),
    hasStaticKeys: hasKeys(settings),
    endpointUrl: settings.endpoint_url,
    services: settings.services,
    serviceSettings: filterNested(nested),
    paths,
  });
}

function describeCredentials(
  settings: Record<string, string>,
  found: { inCredentialsFile: boolean; inConfigFile: boolean; program: string | undefined },
): ProfileCredentials {
  const roleArn = settings.role_arn;
  // botocore's assume-role provider skips a profile with web_identity_token_file and takes any other role_arn,
  // failing later when it has neither source_profile nor credential_source (checkReferences warns about that).
  if (roleArn && settings.web_identity_token_file) {
    return { kind: 'web-identity', roleArn, webIdentityTokenFile: settings.web_identity_token_file };
  }
  if (roleArn) {
    return compact({
      kind: 'assume-role',
      roleArn,
      sourceProfile: settings.source_profile,
      credentialSource: settings.credential_source,
      mfaSerial: settings.mfa_serial,
    });
  }
  if (settings.sso_session || settings.sso_start_url) {
    return compact({
      kind: 'sso',
      ssoSession: settings.sso_session,
      ssoStartUrl: settings.sso_start_url,
      ssoRegion: settings.sso_region,
      ssoAccountId: settings.sso_account_id,
      ssoRoleName: settings.sso_role_name,
    });
  }
  const staticCredentials = {
    kind: 'static',
    hasSessionToken: Boolean(settings.aws_session_token || settings.aws_security_token),
  } as const;
  if (found.inCredentialsFile) return staticCredentials;
  if (found.program) return { kind: 'credential-process', program: found.program };
  if (found.inConfigFile) return staticCredentials;
  return { kind: 'none' };
}

function checkReferences(options: {
  profiles: AwsProfileSummary[];
  ssoSessions: AwsSsoSession[];
  services: AwsServicesSection[];
  configPath: string;
  warnings: AwsSetupWarning[];
}): void {
  const profileNames = new Set(options.profiles.map((profile) => profile.name));
  const sessionNames = new Set(options.ssoSessions.map((session) => session.name));
  const servicesNames = new Set(options.services.map((section) => section.name));
  const warn = (message: string) =>
    options.warnings.push({ code: 'UNKNOWN_REFERENCE', message, path: options.configPath });
  for (const profile of options.profiles) {
    const credentials = profile.credentials;
    if (credentials.kind === 'assume-role' && !credentials.sourceProfile && !credentials.credentialSource) {
      options.warnings.push({
        code: 'INVALID_ROLE_SOURCE',
        message: `Profile ${profile.name} has role_arn but neither source_profile nor credential_source; the AWS CLI fails with "Partial credentials found in assume-role". Add source_profile = PROFILE or credential_source = Environment | Ec2InstanceMetadata | EcsContainer.`,
        path: options.configPath,
      });
    }
    if (credentials.kind === 'assume-role' && credentials.sourceProfile && credentials.credentialSource) {
      options.warnings.push({
        code: 'INVALID_ROLE_SOURCE',
        message: `Profile ${profile.name} has both source_profile and credential_source; the AWS CLI refuses that. Keep one.`,
        path: options.configPath,
      });
    }
    if (
      credentials.kind === 'assume-role' &&
      credentials.sourceProfile &&
      !profileNames.has(credentials.sourceProfile)
    ) {
      warn(`Profile ${profile.name} uses source_profile ${credentials.sourceProfile}, which is not defined.`);
    }
    if (credentials.kind === 'sso' && credentials.ssoSession && !sessionNames.has(credentials.ssoSession)) {
      warn(
        `Profile ${profile.name} uses sso_session ${credentials.ssoSession}, which has no [sso-session] section.`,
      );
    }
    if (profile.services && !servicesNames.has(profile.services)) {
      warn(`Profile ${profile.name} uses services ${profile.services}, which has no [services] section.`);
    }
  }
}

const pathSettingNames: Record<keyof ProfilePaths, string> = {
  credentialProcess: 'credential_process',
  webIdentityTokenFile: 'web_identity_token_file',
  caBundle: 'ca_bundle',
};

async function resolveProfilePaths(
  profile: AwsProfileSummary,
  options: {
    homeDir: string;
    searchPath: string | undefined;
    warn: (code: AwsConfigErrorCode, message: string) => void;
  },
): Promise<ProfilePaths> {
  const resolved: ProfilePaths = {};
  for (const key of Object.keys(profile.paths) as (keyof ProfilePaths)[]) {
    let path = profile.paths[key] as string;
    const setting = pathSettingNames[key];
    if (path === '~' || path.startsWith('~/')) {
      path = join(options.homeDir, path.slice(1));
      // botocore opens these paths and runs the program as written, so `~` stays literal for the CLI.
      options.warn(
        'HOME_NOT_EXPANDED',
        `Profile ${profile.name}: ${setting} starts with \`~\`, which the AWS CLI does not expand, so it will not find ${path}. Write the full path.`,
      );
    }
    if (key === 'credentialProcess' && !path.includes('/')) {
      const found = await findOnSearchPath(path, options.searchPath);
      if (found === undefined) {
        options.warn(
          'PROGRAM_NOT_FOUND',
          `Profile ${profile.name}: the credential_process program ${path} is not on PATH; the AWS CLI will fail to run it.`,
        );
        continue;
      }
      path = found;
    }
    resolved[key] = path;
  }
  return resolved;
}

/** Finds a program the way execvp does: the first executable regular file in a PATH directory. */
async function findOnSearchPath(
  program: string,
  searchPath: string | undefined,
): Promise<string | undefined> {
  for (const directory of (searchPath ?? '').split(delimiter)) {
    // An empty or relative entry means a directory relative to the CLI's cwd, which cannot be known here.
    if (directory === '' || !isAbsolute(directory)) continue;
    const candidate = join(directory, program);
    try {
      await access(candidate, constants.X_OK);
      if ((await stat(candidate)).isFile()) return candidate;
    } catch {}
  }
  return undefined;
}

/** Drops undefined properties so results compare and serialize cleanly. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as T;
}
