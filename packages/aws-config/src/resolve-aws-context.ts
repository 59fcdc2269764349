import type { AwsConfigErrorCode } from './aws-config-error.js';
import type { AwsEnvironment, AwsProfileSummary, AwsSetup, ProfileCredentials } from './read-aws-setup.js';

/** The region used when nothing sets one, as the reference server did. */
export const DEFAULT_REGION = 'us-east-1';

/** Where the AWS CLI will get credentials from for the current context. */
export type CredentialOrigin =
  | { source: 'environment'; hasSessionToken: boolean }
  | { source: 'profile'; profile: string; credentials: ProfileCredentials }
  | { source: 'web-identity-environment'; roleArn?: string; webIdentityTokenFile: string }
  | {
      source: 'container';
      via: 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI' | 'AWS_CONTAINER_CREDENTIALS_FULL_URI';
    }
  /** Nothing else matched, so the CLI will ask the EC2 instance metadata service, which may or may not answer. */
  | { source: 'instance-role'; disabled: boolean };

/** The profile, region and credential source the AWS CLI would use, each with what decided it. */
export interface AwsContext {
  profile: {
    name: string;
    /** `chosen`: the caller named it (a tool argument or `--profile`), which beats the environment as in the CLI. */
    source: 'chosen' | 'AWS_DEFAULT_PROFILE' | 'AWS_PROFILE' | 'default';
    /** False when the name matches no profile in either file (the CLI then fails with ProfileNotFound). */
    exists: boolean;
  };
  region: { name: string; source: 'AWS_REGION' | 'AWS_DEFAULT_REGION' | 'profile' | 'default' };
  credentials: CredentialOrigin;
  /**
   * The files the profile's credential chain needs besides the AWS files (each credential_process program,
   * web_identity_token_file and ca_bundle along its source_profile chain), as facts for the executor, which alone
   * decides what the aws stage sees (`profileFiles` of its run options; none with credentials from variables).
   */
  profileFiles: string[];
  warnings: Array<{ code: AwsConfigErrorCode; message: string }>;
}

/**
 * Works out the current profile, region and credential source from the environment and a setup read by
 * readAwsSetup. Profile: AWS_DEFAULT_PROFILE, then AWS_PROFILE, then `default`, as the installed CLI v1 does
 * (botocore's `profile` session variable lists both in that order; a variable set to an empty string still wins and
 * names a profile that does not exist). Region:
 * AWS_REGION, then AWS_DEFAULT_REGION, then the profile, then us-east-1. The CLI v1 reads only AWS_DEFAULT_REGION,
 * so pass the resolved region to it explicitly. `profile` is a profile the caller chose (`--profile`, a tool
 * argument): it replaces the environment's, and the region then comes from that profile unless a variable sets
 * one, exactly as `aws --profile NAME` resolves it. Never throws; problems are listed in `warnings`.
 */
export function resolveAwsContext(options: {
  env?: AwsEnvironment;
  setup: AwsSetup;
  profile?: string;
}): AwsContext {
  const env = options.env ?? process.env;
  const { setup } = options;
  const warnings: AwsContext['warnings'] = [];
  const profile: Omit<AwsContext['profile'], 'exists'> =
    options.profile === undefined
      ? resolveProfileName(env, warnings)
      : { name: options.profile, source: 'chosen' };
  const summary = setup.profiles.find((item) => item.name === profile.name);
  if (summary === undefined && profile.source !== 'default') {
    warnings.push({
      code: 'PROFILE_NOT_FOUND',
      message:
        profile.name === ''
          ? `${profile.source === 'chosen' ? 'The chosen profile' : profile.source} is set but empty; the AWS CLI then looks for a profile named "" and fails with ProfileNotFound. Unset it or name a profile.`
          : `${profile.source === 'chosen' ? 'The call' : profile.source} names profile ${profile.name}, which is in neither AWS file; the AWS CLI will fail with ProfileNotFound.`,
    });
  }
  return {
    profile: { ...profile, exists: summary !== undefined },
    region: resolveRegion(env, summary),
    credentials: resolveCredentials(env, summary),
    profileFiles: collectProfileFiles(setup, summary),
    warnings,
  };
}

function resolveProfileName(
  env: AwsEnvironment,
  warnings: AwsContext['warnings'],
): Omit<AwsContext['profile'], 'exists'> {
  // botocore's EnvironmentProvider takes a variable that is set, even to an empty string (then ProfileNotFound).
  const legacy = env.AWS_DEFAULT_PROFILE;
  const current = env.AWS_PROFILE;
  if (legacy !== undefined && current !== undefined && legacy !== current) {
    warnings.push({
      code: 'CONFLICTING_ENVIRONMENT',
      message: `AWS_DEFAULT_PROFILE (${legacy}) and AWS_PROFILE (${current}) differ; the AWS CLI uses AWS_DEFAULT_PROFILE. Unset one.`,
    });
  }
  if (legacy !== undefined) return { name: legacy, source: 'AWS_DEFAULT_PROFILE' };
  if (current !== undefined) return { name: current, source: 'AWS_PROFILE' };
  return { name: 'default', source: 'default' };
}

function resolveRegion(env: AwsEnvironment, profile: AwsProfileSummary | undefined): AwsContext['region'] {
  if (env.AWS_REGION) return { name: env.AWS_REGION, source: 'AWS_REGION' };
  if (env.AWS_DEFAULT_REGION) return { name: env.AWS_DEFAULT_REGION, source: 'AWS_DEFAULT_REGION' };
  if (profile?.region) return { name: profile.region, source: 'profile' };
  return { name: DEFAULT_REGION, source: 'default' };
}

function resolveCredentials(env: AwsEnvironment, profile: AwsProfileSummary | undefined): CredentialOrigin {
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    return {
      source: 'environment',
      hasSessionToken: Boolean(env.AWS_SESSION_TOKEN || env.AWS_SECURITY_TOKEN),
    };
  }
  if (profile !== undefined && profile.credentials.kind !== 'none') {
    return { source: 'profile', profile: profile.name, credentials: profile.credentials };
  }
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE) {
    return {
      source: 'web-identity-environment',
      webIdentityTokenFile: env.AWS_WEB_IDENTITY_TOKEN_FILE,
      ...(env.AWS_ROLE_ARN ? { roleArn: env.AWS_ROLE_ARN } : {}),
    };
  }
  if (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) {
    return { source: 'container', via: 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI' };
  }
  if (env.AWS_CONTAINER_CREDENTIALS_FULL_URI) {
    return { source: 'container', via: 'AWS_CONTAINER_CREDENTIALS_FULL_URI' };
  }
  return { source: 'instance-role', disabled: env.AWS_EC2_METADATA_DISABLED?.toLowerCase() === 'true' };
}

function collectProfileFiles(setup: AwsSetup, profile: AwsProfileSummary | undefined): string[] {
  const paths = new Set<string>();
  const visited = new Set<string>();
  let current = profile;
  // Assume-role profiles need their source profile's files too; the visited set stops a source_profile loop.
  while (current !== undefined && !visited.has(current.name)) {
    visited.add(current.name);
    for (const path of Object.values(current.paths)) paths.add(path);
    const credentials: ProfileCredentials = current.credentials;
    const next = credentials.kind === 'assume-role' ? credentials.sourceProfile : undefined;
    current = next === undefined ? undefined : setup.profiles.find((item) => item.name === next);
  }
  return [...paths];
}
