import type { AwsIniSection } from './_parse-aws-ini.js';
import { isSecretSettingName, splitShellWords, withoutSecrets } from './_words.js';
import type { AwsConfigErrorCode } from './aws-config-error.js';
import type {
  AwsFileStatus,
  AwsProfileSummary,
  AwsServicesSection,
  AwsSetupWarning,
  AwsSsoSession,
  ProfileCredentials,
  ProfilePaths,
} from './read-aws-setup.js';

/** A profile's settings from each file that defines it. */
export type ProfileSources = { config?: Record<string, string>; credentials?: Record<string, string> };

/** Sections in the config file that the CLI itself uses and that are not profiles. */
const knownOtherSections = new Set(['plugins', 'preview', 'cli']);

/**
 * Sorts the files' sections the way botocore does: profiles (merged, the credentials file's settings winning),
 * sso-sessions and services sections. A section the CLI ignores or misreads becomes a MALFORMED_SECTION or
 * NOT_A_PROFILE warning in `warnings`.
 */
export function mergeSections(options: {
  config: { status: AwsFileStatus; sections: AwsIniSection[] };
  credentials: { status: AwsFileStatus; sections: AwsIniSection[] };
  warnings: AwsSetupWarning[];
}): {
  /** Each profile's settings by the file they came from, secrets included: only for summarizeProfile. */
  raw: Map<string, ProfileSources>;
  nestedByProfile: Map<string, Record<string, Record<string, string>>>;
  ssoSessions: AwsSsoSession[];
  services: AwsServicesSection[];
} {
  const { config, credentials, warnings } = options;
  const raw = new Map<string, ProfileSources>();
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
  return { raw, nestedByProfile, ssoSessions, services };
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

/** One profile as data: how it gets credentials and which files it names, never a secret. */
export function summarizeProfile(
  name: string,
  sources: ProfileSources,
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

/** Drops undefined properties so results compare and serialize cleanly. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as T;
}
