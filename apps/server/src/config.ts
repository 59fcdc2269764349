import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';

/** The server's settings, read from the environment (names as the reference server had them, plus ours). */
export interface ServerConfig {
  /** Longest a command may run, in seconds (AWS_MCP_TIMEOUT, default 300). */
  timeoutSeconds: number;
  /** Most characters of output returned (AWS_MCP_MAX_OUTPUT, default 100 000). */
  maxOutputChars: number;
  /** What runs without asking (AWS_MCP_MODE, default `confirm-writes`). */
  mode: 'read-only' | 'confirm-writes' | 'full';
  /** The only local folder the CLI may read or write (AWS_MCP_WORKDIR, default ~/.cache/aws-mcp/workdir). */
  workdir: string;
  /** AWS_ENDPOINT_URL, added as `--endpoint-url` for CLIs that ignore the variable. */
  endpointUrl: string | undefined;
  /** How long a consent request waits for the person, in seconds (AWS_MCP_CONSENT_TIMEOUT, default 120). */
  consentTimeoutSeconds: number;
  sandbox: 'auto' | 'required' | 'disabled';
  sandboxCredentials: 'env' | 'aws_config' | 'both';
  transport: 'stdio';
  /** The most a tool call may ask for as `timeout`, in seconds (AWS_MCP_MAX_TIMEOUT, default 900). */
  maxTimeoutSeconds: number;
  /** A JSON policy file for @aws-mcp/command (AWS_MCP_POLICY_FILE). */
  policyFile: string | undefined;
  /** Where to append one JSON line per tool call (AWS_MCP_AUDIT_LOG); none by default. */
  auditLog: string | undefined;
  /** Mask access keys, secrets, tokens and private keys in returned output (AWS_MCP_MASK_SECRETS, default true). */
  maskSecrets: boolean;
  /** The only profiles calls may use (AWS_MCP_PROFILES, comma-separated); undefined means any. */
  profiles: string[] | undefined;
  /** Whether AWS_MCP_MODE was set, so it overrides a policy file's mode. */
  modeExplicit: boolean;
}

/** A setting that cannot be used; the message names the variable and the values it accepts. */
export class ConfigError extends Error {
  readonly code = 'INVALID_SETTING';
  readonly variable: string;

  constructor({ variable, message }: { variable: string; message: string }) {
    super(message);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}

function positiveInteger(variable: string, fallback: number) {
  return z
    .string()
    .optional()
    .transform((value, context) => {
      if (value === undefined || value.trim() === '') return fallback;
      const number = Number(value);
      if (!Number.isInteger(number) || number <= 0) {
        context.addIssue({
          code: 'custom',
          message: `${variable} must be a positive whole number, not ${JSON.stringify(value)}.`,
        });
        return z.NEVER;
      }
      return number;
    });
}

function choice<const Values extends readonly [string, ...string[]]>(
  variable: string,
  values: Values,
  fallback: Values[number],
) {
  return z
    .string()
    .optional()
    .transform((value, context): Values[number] => {
      if (value === undefined || value.trim() === '') return fallback;
      const normalized = value.trim().toLowerCase().replaceAll('_', '-');
      const match = values.find((candidate) => candidate.replaceAll('_', '-') === normalized);
      if (match === undefined) {
        context.addIssue({
          code: 'custom',
          message: `${variable} must be one of ${values.join(', ')}, not ${JSON.stringify(value)}.`,
        });
        return z.NEVER;
      }
      return match;
    });
}

const environmentSchema = z.object({
  AWS_MCP_TIMEOUT: positiveInteger('AWS_MCP_TIMEOUT', 300),
  AWS_MCP_MAX_OUTPUT: positiveInteger('AWS_MCP_MAX_OUTPUT', 100_000),
  AWS_MCP_CONSENT_TIMEOUT: positiveInteger('AWS_MCP_CONSENT_TIMEOUT', 120),
  AWS_MCP_MODE: choice('AWS_MCP_MODE', ['read-only', 'confirm-writes', 'full'], 'confirm-writes'),
  AWS_MCP_SANDBOX: choice('AWS_MCP_SANDBOX', ['auto', 'required', 'disabled'], 'auto'),
  AWS_MCP_SANDBOX_CREDENTIALS: choice('AWS_MCP_SANDBOX_CREDENTIALS', ['env', 'aws_config', 'both'], 'both'),
  AWS_MCP_TRANSPORT: choice('AWS_MCP_TRANSPORT', ['stdio'], 'stdio'),
  AWS_MCP_WORKDIR: z.string().optional(),
  AWS_MCP_MAX_TIMEOUT: positiveInteger('AWS_MCP_MAX_TIMEOUT', 900),
  AWS_MCP_POLICY_FILE: z.string().optional(),
  AWS_MCP_AUDIT_LOG: z.string().optional(),
  AWS_MCP_MASK_SECRETS: choice('AWS_MCP_MASK_SECRETS', ['true', 'false'], 'true'),
  AWS_MCP_PROFILES: z.string().optional(),
  AWS_ENDPOINT_URL: z.string().optional(),
});

/**
 * Reads the settings from `env`. Throws ConfigError naming the first bad variable and what it accepts, so the
 * server can refuse to start with one clear line instead of running with a setting it guessed.
 */
export function readServerConfig(env: NodeJS.ProcessEnv): ServerConfig {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError({
      variable: String(issue?.path[0] ?? ''),
      message: issue?.message ?? 'Invalid setting.',
    });
  }
  const settings = parsed.data;
  const endpointUrl = settings.AWS_ENDPOINT_URL?.trim() || undefined;
  if (endpointUrl !== undefined && !URL.canParse(endpointUrl)) {
    throw new ConfigError({
      variable: 'AWS_ENDPOINT_URL',
      message: `AWS_ENDPOINT_URL must be a URL such as http://127.0.0.1:4566, not ${JSON.stringify(endpointUrl)}.`,
    });
  }
  if (settings.AWS_MCP_TIMEOUT > settings.AWS_MCP_MAX_TIMEOUT) {
    throw new ConfigError({
      variable: 'AWS_MCP_TIMEOUT',
      message: `AWS_MCP_TIMEOUT (${settings.AWS_MCP_TIMEOUT}) must not exceed AWS_MCP_MAX_TIMEOUT (${settings.AWS_MCP_MAX_TIMEOUT}).`,
    });
  }
  const workdir = resolve(
    settings.AWS_MCP_WORKDIR?.trim() ||
      join(env.XDG_CACHE_HOME || join(env.HOME ?? homedir(), '.cache'), 'aws-mcp', 'workdir'),
  );
  if (workdir === '/' || workdir === resolve(env.HOME ?? homedir())) {
    throw new ConfigError({
      variable: 'AWS_MCP_WORKDIR',
      message: `AWS_MCP_WORKDIR must be a dedicated folder, not ${workdir}: the CLI may write anywhere inside it.`,
    });
  }
  const profiles = settings.AWS_MCP_PROFILES?.split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  return {
    timeoutSeconds: settings.AWS_MCP_TIMEOUT,
    maxTimeoutSeconds: settings.AWS_MCP_MAX_TIMEOUT,
    policyFile: settings.AWS_MCP_POLICY_FILE?.trim() || undefined,
    auditLog: settings.AWS_MCP_AUDIT_LOG?.trim() || undefined,
    maskSecrets: settings.AWS_MCP_MASK_SECRETS === 'true',
    profiles: profiles === undefined || profiles.length === 0 ? undefined : profiles,
    modeExplicit: (env.AWS_MCP_MODE ?? '').trim() !== '',
    maxOutputChars: settings.AWS_MCP_MAX_OUTPUT,
    consentTimeoutSeconds: settings.AWS_MCP_CONSENT_TIMEOUT,
    mode: settings.AWS_MCP_MODE,
    sandbox: settings.AWS_MCP_SANDBOX,
    sandboxCredentials: settings.AWS_MCP_SANDBOX_CREDENTIALS,
    transport: settings.AWS_MCP_TRANSPORT,
    workdir: resolve(
      settings.AWS_MCP_WORKDIR?.trim() || join(env.HOME ?? homedir(), '.cache', 'aws-mcp', 'workdir'),
    ),
    endpointUrl,
  };
}
