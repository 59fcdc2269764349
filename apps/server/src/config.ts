import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { PolicyMode } from '@aws-mcp/command';
import { checkWorkdir, ExecutionError } from '@aws-mcp/executor';
import { isLoopbackHost } from '@aws-mcp/mcp-http';
import {
  buildSettingsSchema,
  type DescribeSetting,
  describeDefault,
  type ServerTransport,
  type SettingRow,
  type SettingValues,
  settingRows,
} from './_settings.js';

export type { ServerTransport } from './_settings.js';

/**
 * The server's settings, read from the environment and the command line. Each field is one row of settingRows
 * (`_settings.ts`), which says what it does, its variable, flag and default; a test checks the two agree.
 */
export interface ServerConfig {
  /** AWS_MCP_TIMEOUT, in seconds. */
  timeoutSeconds: SettingValues['AWS_MCP_TIMEOUT'];
  /** AWS_MCP_MAX_OUTPUT, in characters. */
  maxOutputChars: SettingValues['AWS_MCP_MAX_OUTPUT'];
  /**
   * AWS_MCP_MODE: the mode the person chose; undefined when unset, and then the policy file or the sandbox
   * decides (choosePolicyMode). The mode in force is the context's `policy.mode`.
   */
  mode: SettingValues['AWS_MCP_MODE'];
  /** AWS_MCP_WORKDIR, resolved; unset, under $XDG_CACHE_HOME or ~/.cache. */
  workdir: string;
  /** AWS_ENDPOINT_URL. */
  endpointUrl: SettingValues['AWS_ENDPOINT_URL'];
  /** AWS_MCP_AWS_CLI. */
  awsCli: SettingValues['AWS_MCP_AWS_CLI'];
  /** AWS_MCP_CONSENT_TIMEOUT, in seconds. */
  consentTimeoutSeconds: SettingValues['AWS_MCP_CONSENT_TIMEOUT'];
  /** AWS_MCP_SANDBOX. */
  sandbox: SettingValues['AWS_MCP_SANDBOX'];
  /** AWS_MCP_SANDBOX_CREDENTIALS. */
  sandboxCredentials: SettingValues['AWS_MCP_SANDBOX_CREDENTIALS'];
  /** AWS_MCP_SANDBOX_LIMITS: the stage limits to change; the rest keep their defaults. */
  sandboxLimits: SettingValues['AWS_MCP_SANDBOX_LIMITS'];
  /** AWS_MCP_SANDBOX_READ_PATHS. */
  sandboxReadPaths: SettingValues['AWS_MCP_SANDBOX_READ_PATHS'];
  /** AWS_MCP_WARM_CLI. */
  warmCli: SettingValues['AWS_MCP_WARM_CLI'];
  /** AWS_MCP_TRANSPORT. */
  transport: ServerTransport;
  /** AWS_MCP_MAX_TIMEOUT, in seconds. */
  maxTimeoutSeconds: SettingValues['AWS_MCP_MAX_TIMEOUT'];
  /** AWS_MCP_MAX_CONCURRENT. */
  maxConcurrent: SettingValues['AWS_MCP_MAX_CONCURRENT'];
  /** AWS_MCP_FANOUT_MAX. */
  fanOutMax: SettingValues['AWS_MCP_FANOUT_MAX'];
  /** AWS_MCP_RESULTS_SESSION_BYTES, _TOTAL_BYTES and _TTL (seconds). */
  results: {
    sessionBytes: SettingValues['AWS_MCP_RESULTS_SESSION_BYTES'];
    totalBytes: SettingValues['AWS_MCP_RESULTS_TOTAL_BYTES'];
    ttlSeconds: SettingValues['AWS_MCP_RESULTS_TTL'];
  };
  /** AWS_MCP_POLICY_FILE. */
  policyFile: SettingValues['AWS_MCP_POLICY_FILE'];
  /** AWS_MCP_AUDIT_LOG. */
  auditLog: SettingValues['AWS_MCP_AUDIT_LOG'];
  /** AWS_MCP_MASK_SECRETS. */
  maskSecrets: SettingValues['AWS_MCP_MASK_SECRETS'];
  /** AWS_MCP_PROFILES; undefined means any. */
  profiles: SettingValues['AWS_MCP_PROFILES'] | undefined;
  /** AWS_MCP_ROLES; undefined means none (roleArn is off). */
  roles: SettingValues['AWS_MCP_ROLES'] | undefined;
  /** The HTTP transports' settings; read for every transport, used by the HTTP ones. */
  http: HttpConfig;
}

/** Where and how the HTTP transports listen (the HTTP rows of settingRows). */
export interface HttpConfig {
  /** AWS_MCP_HOST. */
  host: SettingValues['AWS_MCP_HOST'];
  /** AWS_MCP_PORT; 0 picks a free one, printed at start. */
  port: SettingValues['AWS_MCP_PORT'];
  /** The first accepted token (AWS_MCP_AUTH_TOKEN, else AWS_MCP_AUTH_TOKENS'); undefined: one is generated at start. */
  authToken: string | undefined;
  /** Every token accepted, AWS_MCP_AUTH_TOKEN's first; a session takes requests only with the token that created it. */
  authTokens: string[];
  /** AWS_MCP_STATELESS. */
  stateless: SettingValues['AWS_MCP_STATELESS'];
  /** AWS_MCP_MAX_SESSIONS. */
  maxSessions: SettingValues['AWS_MCP_MAX_SESSIONS'];
  /** AWS_MCP_SESSION_IDLE_TIMEOUT, in seconds. */
  sessionIdleTimeoutSeconds: SettingValues['AWS_MCP_SESSION_IDLE_TIMEOUT'];
  /** AWS_MCP_SESSION_EVICT_IDLE, in seconds. */
  sessionEvictIdleSeconds: SettingValues['AWS_MCP_SESSION_EVICT_IDLE'];
  /** AWS_MCP_RESUME_GRACE, in seconds. */
  resumeGraceSeconds: SettingValues['AWS_MCP_RESUME_GRACE'];
  /** AWS_MCP_MAX_REQUEST_BYTES. */
  maxRequestBytes: SettingValues['AWS_MCP_MAX_REQUEST_BYTES'];
  /** AWS_MCP_ALLOWED_HOSTS, lowercased: Host names accepted besides the loopback names and the bound host. */
  allowedHosts: SettingValues['AWS_MCP_ALLOWED_HOSTS'];
  /** AWS_MCP_ALLOWED_ORIGINS: browser origins accepted besides loopback ones. */
  allowedOrigins: SettingValues['AWS_MCP_ALLOWED_ORIGINS'];
}

/** A setting that cannot be used; the message names the variable (or flag) and the values it accepts. */
export class ConfigError extends Error {
  readonly code = 'INVALID_SETTING';
  readonly variable: string;

  constructor({ variable, message, cause }: { variable: string; message: string; cause?: unknown }) {
    super(message, { cause });
    this.name = 'ConfigError';
    this.variable = variable;
  }
}

/** One setting as `--help` shows it: its variable, its flag and its default in words. */
export interface SettingDefinition {
  variable: string;
  /** The long flag without `--`. Boolean settings also take `--no-<flag>`. */
  flag: string;
  kind: 'value' | 'boolean';
  /** What the value looks like in `--help`, e.g. `SECONDS`. */
  valueName: string;
  /** The default as `--help` shows it; undefined for none. */
  defaultText: string | undefined;
  description: string;
  group: SettingRow['group'];
}

/** Every setting, in `--help` order: settingRows as `--help` prints them. */
export const settingDefinitions: readonly SettingDefinition[] = (settingRows as readonly SettingRow[]).map(
  (row) => ({
    variable: row.variable,
    flag: row.flag,
    kind: row.type.kind,
    valueName: row.type.valueName,
    defaultText: describeDefault(row)?.replaceAll('`', ''),
    description: row.summary,
    group: row.group,
  }),
);

/**
 * The mode in force: the one the person chose (AWS_MCP_MODE), else the policy file's, else `confirm-writes` —
 * or `read-only` when no sandbox confines the commands, so writes never run unconfined unless someone chose so.
 */
export function choosePolicyMode({
  chosen,
  fromFile,
  sandboxed,
}: {
  chosen: PolicyMode | undefined;
  fromFile: PolicyMode | undefined;
  sandboxed: boolean;
}): PolicyMode {
  return chosen ?? fromFile ?? (sandboxed ? 'confirm-writes' : 'read-only');
}

/**
 * Reads the settings from `env`. `flags` maps a variable to the flag it was given as (see readCommandLine), so a
 * message names what the user typed. Throws ConfigError naming the first bad setting and what it accepts, so the
 * server refuses to start with one clear line instead of running with a setting it guessed.
 */
export function readServerConfig(
  env: NodeJS.ProcessEnv,
  { flags = {} }: { flags?: Readonly<Record<string, string>> } = {},
): ServerConfig {
  const describe: DescribeSetting = (variable) =>
    flags[variable] === undefined ? variable : `${flags[variable]} (${variable})`;
  const fail = (variable: string, message: string): never => {
    throw new ConfigError({ variable, message: `${describe(variable)} ${message}` });
  };
  const parsed = buildSettingsSchema(describe).safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError({
      variable: String(issue?.path[0] ?? ''),
      message: issue?.message ?? 'Invalid setting.',
    });
  }
  const settings = parsed.data;
  if (settings.AWS_MCP_TIMEOUT > settings.AWS_MCP_MAX_TIMEOUT) {
    fail(
      'AWS_MCP_TIMEOUT',
      `must be at most ${describe('AWS_MCP_MAX_TIMEOUT')} (${settings.AWS_MCP_MAX_TIMEOUT}), not ${settings.AWS_MCP_TIMEOUT}.`,
    );
  }
  const home = resolve(env.HOME ?? homedir());
  const workdir = resolve(
    settings.AWS_MCP_WORKDIR ?? join(env.XDG_CACHE_HOME || join(home, '.cache'), 'aws-mcp', 'workdir'),
  );
  // The executor's own check, so a folder start-up accepts is never one every command is then refused in.
  try {
    checkWorkdir(workdir, env);
  } catch (error) {
    if (!ExecutionError.isInstance(error)) throw error;
    fail('AWS_MCP_WORKDIR', `is refused: ${error.message}`);
  }
  return {
    timeoutSeconds: settings.AWS_MCP_TIMEOUT,
    maxTimeoutSeconds: settings.AWS_MCP_MAX_TIMEOUT,
    maxConcurrent: settings.AWS_MCP_MAX_CONCURRENT,
    fanOutMax: settings.AWS_MCP_FANOUT_MAX,
    results: {
      sessionBytes: settings.AWS_MCP_RESULTS_SESSION_BYTES,
      totalBytes: settings.AWS_MCP_RESULTS_TOTAL_BYTES,
      ttlSeconds: settings.AWS_MCP_RESULTS_TTL,
    },
    policyFile: settings.AWS_MCP_POLICY_FILE,
    auditLog: settings.AWS_MCP_AUDIT_LOG,
    maskSecrets: settings.AWS_MCP_MASK_SECRETS,
    profiles: noneAsUndefined(settings.AWS_MCP_PROFILES),
    roles: noneAsUndefined(settings.AWS_MCP_ROLES),
    maxOutputChars: settings.AWS_MCP_MAX_OUTPUT,
    consentTimeoutSeconds: settings.AWS_MCP_CONSENT_TIMEOUT,
    mode: settings.AWS_MCP_MODE,
    sandbox: settings.AWS_MCP_SANDBOX,
    sandboxCredentials: settings.AWS_MCP_SANDBOX_CREDENTIALS,
    sandboxLimits: settings.AWS_MCP_SANDBOX_LIMITS,
    sandboxReadPaths: settings.AWS_MCP_SANDBOX_READ_PATHS,
    warmCli: settings.AWS_MCP_WARM_CLI,
    transport: settings.AWS_MCP_TRANSPORT,
    workdir,
    endpointUrl: settings.AWS_ENDPOINT_URL,
    awsCli: settings.AWS_MCP_AWS_CLI,
    http: readHttpConfig(settings, { fail, describe }),
  };
}

function noneAsUndefined(items: string[]): string[] | undefined {
  return items.length === 0 ? undefined : items;
}

function readHttpConfig(
  settings: SettingValues,
  { fail, describe }: { fail: (variable: string, message: string) => never; describe: DescribeSetting },
): HttpConfig {
  const host = settings.AWS_MCP_HOST;
  const firstToken = settings.AWS_MCP_AUTH_TOKEN;
  const authTokens = [
    ...new Set([...(firstToken === undefined ? [] : [firstToken]), ...settings.AWS_MCP_AUTH_TOKENS]),
  ];
  const authToken = authTokens[0];
  if (settings.AWS_MCP_TRANSPORT !== 'stdio' && authToken === undefined && !isLoopbackHost(host)) {
    fail(
      'AWS_MCP_AUTH_TOKEN',
      `(or --auth-token) must be set when ${describe('AWS_MCP_HOST')} is ${host}, not a loopback address: anyone who can reach the port could spend your AWS credentials.`,
    );
  }
  return {
    host,
    port: settings.AWS_MCP_PORT,
    authToken,
    authTokens,
    stateless: settings.AWS_MCP_STATELESS,
    maxSessions: settings.AWS_MCP_MAX_SESSIONS,
    sessionIdleTimeoutSeconds: settings.AWS_MCP_SESSION_IDLE_TIMEOUT,
    sessionEvictIdleSeconds: settings.AWS_MCP_SESSION_EVICT_IDLE,
    resumeGraceSeconds: settings.AWS_MCP_RESUME_GRACE,
    maxRequestBytes: settings.AWS_MCP_MAX_REQUEST_BYTES,
    allowedHosts: settings.AWS_MCP_ALLOWED_HOSTS,
    allowedOrigins: settings.AWS_MCP_ALLOWED_ORIGINS,
  };
}
