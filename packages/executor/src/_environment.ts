import { version as executorVersion } from '../package.json';

/** AWS variables the CLI reads, passed to the aws stage by exact name (never by an `AWS_` prefix). */
const awsCredentialVariables = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_SECURITY_TOKEN',
  'AWS_CREDENTIAL_EXPIRATION',
] as const;

const awsSettingVariables = [
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_CA_BUNDLE',
  'AWS_ENDPOINT_URL',
  'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS',
  'AWS_ROLE_ARN',
  'AWS_ROLE_SESSION_NAME',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
  'AWS_EC2_METADATA_DISABLED',
  'AWS_EC2_METADATA_SERVICE_ENDPOINT',
  'AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE',
  'AWS_METADATA_SERVICE_TIMEOUT',
  'AWS_METADATA_SERVICE_NUM_ATTEMPTS',
  'AWS_STS_REGIONAL_ENDPOINTS',
  'AWS_S3_US_EAST_1_REGIONAL_ENDPOINT',
  'AWS_USE_FIPS_ENDPOINT',
  'AWS_USE_DUALSTACK_ENDPOINT',
  'AWS_MAX_ATTEMPTS',
  'AWS_RETRY_MODE',
  'AWS_REQUEST_CHECKSUM_CALCULATION',
  'AWS_RESPONSE_CHECKSUM_VALIDATION',
  'AWS_SDK_UA_APP_ID',
  'AWS_CLI_FILE_ENCODING',
  'AWS_ACCOUNT_ID',
  // The output a line without --output prints, as the raw CLI would (paging writes the same choice on the line).
  'AWS_DEFAULT_OUTPUT',
] as const;

/** What botocore keeps of a user agent value turned into `-` (CLI v2.9 would send it as is). */
function sanitizeUserAgentValue(value: string): string {
  return value.replace(/[^A-Za-z0-9!$%&'*+\-.^_`|~,]/g, '-');
}

/**
 * `AWS_EXECUTION_ENV` for a call made by aws-mcp: `aws-mcp-<version>`, which the CLI sends as
 * `exec-env/aws-mcp-<version>` in its user agent. A value the environment already set (Lambda's
 * `AWS_Lambda_python3.12`, CloudShell's) is kept in front, joined by `-`: botocore sends exactly one `exec-env/`
 * token and turns a space into `-` (CLI v2.9 would send the space, splitting the token), so both CLIs send
 * `exec-env/AWS_Lambda_python3.12-aws-mcp-<version>`.
 */
export function buildExecutionEnv(existing: string | undefined, agentVersion = executorVersion): string {
  const ours = sanitizeUserAgentValue(`aws-mcp-${agentVersion}`);
  const before = sanitizeUserAgentValue((existing ?? '').trim());
  if (before === '' || before === ours) return ours;
  return before.endsWith(`-${ours}`) ? before : `${before}-${ours}`;
}

/** Service-specific endpoints such as AWS_ENDPOINT_URL_S3; the suffix is a service id, never MCP_. */
const serviceEndpointVariable = /^AWS_ENDPOINT_URL_[A-Z0-9_]+$/;

const proxyVariables = ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy'];

const localeVariable = /^LC_[A-Z_]+$/;

/** Every way credentials may reach the aws stage: variables, the AWS files, or both. */
export const credentialsModes = ['env', 'aws_config', 'both'] as const;

/** How credentials reach the aws stage: variables, the AWS files, or both. */
export type CredentialsMode = (typeof credentialsModes)[number];

function copyNamed(
  source: NodeJS.ProcessEnv,
  names: readonly string[],
  target: Record<string, string>,
): void {
  for (const name of names) {
    const value = source[name];
    if (value !== undefined) target[name] = value;
  }
}

function copyBase(source: NodeJS.ProcessEnv, target: Record<string, string>): void {
  copyNamed(source, ['PATH', 'LANG', 'LC_ALL', 'TZ'], target);
  for (const [name, value] of Object.entries(source)) {
    if (value !== undefined && localeVariable.test(name)) target[name] = value;
  }
}

/**
 * A home no filter can read anything from. Without `HOME`, jq 1.6 falls back to the account's home
 * (`getpwuid`) and loads `~/.jq` from it as a module; outside a sandbox that is the person's real home.
 */
export const filterHome = '/nonexistent';

/**
 * The environment of a filter stage: PATH, locale and time zone only, so `$ENV` or `ENVIRON` reveal nothing,
 * and a home that does not exist.
 */
export function buildFilterEnvironment(source: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = {};
  copyBase(source, env);
  env.HOME = filterHome;
  return env;
}

/**
 * The environment of the aws stage, from an explicit list. The region is set as AWS_DEFAULT_REGION too, since
 * the CLI v1 reads only that one; the pager and auto-prompt are always off; `AWS_EXECUTION_ENV` marks the calls
 * as aws-mcp's (`agentVersion`, default this package's version; see buildExecutionEnv).
 */
export function buildAwsEnvironment(
  source: NodeJS.ProcessEnv,
  {
    region,
    profile,
    credentialsMode,
    isHelp = false,
    agentVersion,
    roleProfile,
  }: {
    region?: string;
    profile?: string;
    credentialsMode: CredentialsMode;
    isHelp?: boolean;
    agentVersion?: string;
    /** The call's throwaway role profile (RunPipelineOptions.assumeRole): it replaces the profile and config file. */
    roleProfile?: { name: string; configFile: string };
  },
): Record<string, string> {
  const env: Record<string, string> = {};
  copyBase(source, env);
  copyNamed(source, ['HOME'], env);
  copyNamed(source, proxyVariables, env);
  copyNamed(source, awsSettingVariables, env);
  for (const [name, value] of Object.entries(source)) {
    if (value !== undefined && serviceEndpointVariable.test(name)) env[name] = value;
  }
  if (credentialsMode !== 'aws_config') copyNamed(source, awsCredentialVariables, env);
  if (profile !== undefined) {
    env.AWS_PROFILE = profile;
    delete env.AWS_DEFAULT_PROFILE;
  }
  if (roleProfile !== undefined) {
    env.AWS_CONFIG_FILE = roleProfile.configFile;
    env.AWS_PROFILE = roleProfile.name;
    delete env.AWS_DEFAULT_PROFILE;
  }
  if (region !== undefined) {
    env.AWS_REGION = region;
    env.AWS_DEFAULT_REGION = region;
  }
  env.AWS_EXECUTION_ENV = buildExecutionEnv(source.AWS_EXECUTION_ENV, agentVersion);
  env.AWS_PAGER = '';
  env.AWS_CLI_AUTO_PROMPT = 'off';
  // The CLI v1 pipes help through MANPAGER/PAGER, `less -R` by default; cat never waits for a key.
  if (isHelp) env.MANPAGER = 'cat';
  return env;
}
