import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import {
  checkWorkdir,
  ExecutionError,
  type StageLimitOptions,
  type StageLimits,
  stageLimitOptions,
} from '@aws-mcp/executor';
import { z } from 'zod';

/** How clients reach the server. */
export type ServerTransport = 'stdio' | 'streamable-http' | 'sse';

/** The server's settings, read from the environment and the command line (names as the reference server had them, plus ours). */
export interface ServerConfig {
  /** Longest a command may run, in seconds (AWS_MCP_TIMEOUT, default 300). */
  timeoutSeconds: number;
  /** Most characters of output returned (AWS_MCP_MAX_OUTPUT, default 40 000). */
  maxOutputChars: number;
  /** What runs without asking (AWS_MCP_MODE, default `confirm-writes`). */
  mode: 'read-only' | 'confirm-writes' | 'full';
  /** The only local folder the CLI may read or write (AWS_MCP_WORKDIR, default $XDG_CACHE_HOME or ~/.cache, then aws-mcp/workdir). */
  workdir: string;
  /** AWS_ENDPOINT_URL, added as `--endpoint-url` for CLIs that ignore the variable. */
  endpointUrl: string | undefined;
  /** The AWS CLI to run: a path, or `aws` looked up on PATH (AWS_MCP_AWS_CLI), for GUI clients without the shell's PATH. */
  awsCli: string | undefined;
  /** How long a consent request waits for the person, in seconds (AWS_MCP_CONSENT_TIMEOUT, default 120). */
  consentTimeoutSeconds: number;
  sandbox: 'auto' | 'required' | 'disabled';
  sandboxCredentials: 'env' | 'aws_config' | 'both';
  /** Stage limits to change (AWS_MCP_SANDBOX_LIMITS, e.g. `filter.addressSpaceBytes=1GiB`); the rest keep their defaults. */
  sandboxLimits: StageLimitOptions;
  /**
   * Folders and files the aws stage may read besides its minimal root (AWS_MCP_SANDBOX_READ_PATHS, `:`-separated
   * absolute paths): a CLI or a credential helper installed outside `/usr` and the homes, such as under `/opt`.
   */
  sandboxReadPaths: string[];
  /** AWS_MCP_WARM_CLI, default `off`: `on` runs the aws stage in forked children of one warm interpreter. */
  warmCli: 'on' | 'off';
  /** AWS_MCP_TRANSPORT, default `stdio`; `sse` is deprecated. */
  transport: ServerTransport;
  /** The most a tool call may ask for as `timeout`, in seconds (AWS_MCP_MAX_TIMEOUT, default 900). */
  maxTimeoutSeconds: number;
  /** How many commands run at once; more wait in a queue that counts toward their timeout (AWS_MCP_MAX_CONCURRENT, default 8). */
  maxConcurrent: number;
  /** Most targets (profile × region) one fan-out call runs (AWS_MCP_FANOUT_MAX, default 50). */
  fanOutMax: number;
  /** Cut outputs kept for re-reading and re-filtering (AWS_MCP_RESULTS_*): budgets in bytes, lifetime in seconds. */
  results: { sessionBytes: number; totalBytes: number; ttlSeconds: number };
  /** A JSON policy file for @aws-mcp/command (AWS_MCP_POLICY_FILE). */
  policyFile: string | undefined;
  /** Where to append one JSON line per tool call (AWS_MCP_AUDIT_LOG); none by default. */
  auditLog: string | undefined;
  /** Mask access keys, secrets, tokens and private keys in returned output (AWS_MCP_MASK_SECRETS, default true). */
  maskSecrets: boolean;
  /** The only profiles calls may use (AWS_MCP_PROFILES, comma-separated); undefined means any. */
  profiles: string[] | undefined;
  /** The roles calls may assume with `roleArn` (AWS_MCP_ROLES, comma-separated ARN globs); undefined means none. */
  roles: string[] | undefined;
  /** Whether AWS_MCP_MODE was set, so it overrides a policy file's mode. */
  modeExplicit: boolean;
  /** The HTTP transports' settings; read for every transport, used by the HTTP ones. */
  http: HttpConfig;
}

/** Where and how the HTTP transports listen. */
export interface HttpConfig {
  /** The address to listen on (AWS_MCP_HOST, default 127.0.0.1). */
  host: string;
  /** The port (AWS_MCP_PORT, default 8000); 0 picks a free one, printed at start. */
  port: number;
  /** The bearer token clients must send (AWS_MCP_AUTH_TOKEN); undefined means one is generated at start. */
  authToken: string | undefined;
  /**
   * Every token accepted (AWS_MCP_AUTH_TOKEN, then AWS_MCP_AUTH_TOKENS); a session takes requests only with the
   * token that created it. Empty when none is configured.
   */
  authTokens: string[];
  /** A new server and transport per request, no sessions (AWS_MCP_STATELESS, default false). */
  stateless: boolean;
  /** Most sessions open at once (AWS_MCP_MAX_SESSIONS, default 100). */
  maxSessions: number;
  /** A session with no open request for this long is closed, in seconds (AWS_MCP_SESSION_IDLE_TIMEOUT, default 1800). */
  sessionIdleTimeoutSeconds: number;
  /**
   * When every session slot is taken, the least recently used session idle this long (no request open, no call
   * running, no consent pending) is closed for a new client, in seconds (AWS_MCP_SESSION_EVICT_IDLE, default 300).
   */
  sessionEvictIdleSeconds: number;
  /**
   * A call whose response stream broke is canceled unless the client resumes it (Last-Event-ID) within this many
   * seconds (AWS_MCP_RESUME_GRACE, default 30).
   */
  resumeGraceSeconds: number;
  /** Largest request body accepted, in bytes (AWS_MCP_MAX_REQUEST_BYTES, default 1 MiB). */
  maxRequestBytes: number;
  /** Host header names accepted besides the loopback names and the bound host (AWS_MCP_ALLOWED_HOSTS). */
  allowedHosts: string[];
  /** Browser origins accepted besides loopback ones (AWS_MCP_ALLOWED_ORIGINS). */
  allowedOrigins: string[];
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

/** One setting: its variable, its flag and what `--help` says about it. */
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
  group: 'General' | 'Safety' | 'AWS' | 'HTTP';
}

/** Every setting, in `--help` order. */
export const settingDefinitions: readonly SettingDefinition[] = [
  {
    variable: 'AWS_MCP_TRANSPORT',
    flag: 'transport',
    kind: 'value',
    valueName: 'stdio|streamable-http|sse',
    defaultText: 'stdio',
    description: 'How clients connect; sse is deprecated.',
    group: 'General',
  },
  {
    variable: 'AWS_MCP_TIMEOUT',
    flag: 'timeout',
    kind: 'value',
    valueName: 'SECONDS',
    defaultText: '300',
    description: 'Longest a command runs when a call names no timeout.',
    group: 'General',
  },
  {
    variable: 'AWS_MCP_MAX_TIMEOUT',
    flag: 'max-timeout',
    kind: 'value',
    valueName: 'SECONDS',
    defaultText: '900',
    description: 'The most a tool call may ask for as its timeout.',
    group: 'General',
  },
  {
    variable: 'AWS_MCP_MAX_CONCURRENT',
    flag: 'max-concurrent',
    kind: 'value',
    valueName: 'COUNT',
    defaultText: '8',
    description: 'Commands run at once; the rest queue (counted in their timeout).',
    group: 'General',
  },
  {
    variable: 'AWS_MCP_FANOUT_MAX',
    flag: 'fanout-max',
    kind: 'value',
    valueName: 'COUNT',
    defaultText: '50',
    description: 'Most targets (profile × region) one `profiles`/`regions` call runs.',
    group: 'General',
  },
  {
    variable: 'AWS_MCP_RESULTS_SESSION_BYTES',
    flag: 'results-session-bytes',
    kind: 'value',
    valueName: 'BYTES',
    defaultText: '16777216',
    description: 'Cut outputs one session keeps (masked) as aws://results/…; 0: none.',
    group: 'General',
  },
  {
    variable: 'AWS_MCP_RESULTS_TOTAL_BYTES',
    flag: 'results-total-bytes',
    kind: 'value',
    valueName: 'BYTES',
    defaultText: '67108864',
    description: 'Kept outputs of all sessions together; the oldest are dropped first.',
    group: 'General',
  },
  {
    variable: 'AWS_MCP_RESULTS_TTL',
    flag: 'results-ttl',
    kind: 'value',
    valueName: 'SECONDS',
    defaultText: '900',
    description: 'How long a kept output stays readable (it also ends with its session).',
    group: 'General',
  },
  {
    variable: 'AWS_MCP_MAX_OUTPUT',
    flag: 'max-output',
    kind: 'value',
    valueName: 'CHARS',
    defaultText: '40000',
    description: 'Most characters of output a call returns.',
    group: 'General',
  },
  {
    variable: 'AWS_MCP_WORKDIR',
    flag: 'workdir',
    kind: 'value',
    valueName: 'DIR',
    defaultText: '~/.cache/aws-mcp/workdir',
    description: 'The only local folder commands may read or write files in.',
    group: 'General',
  },
  {
    variable: 'AWS_MCP_MODE',
    flag: 'mode',
    kind: 'value',
    valueName: 'read-only|confirm-writes|full',
    defaultText: 'confirm-writes',
    description: 'What runs without asking the user.',
    group: 'Safety',
  },
  {
    variable: 'AWS_MCP_POLICY_FILE',
    flag: 'policy-file',
    kind: 'value',
    valueName: 'FILE',
    defaultText: undefined,
    description: 'A JSON policy file of allow/deny/confirm rules.',
    group: 'Safety',
  },
  {
    variable: 'AWS_MCP_PROFILES',
    flag: 'profiles',
    kind: 'value',
    valueName: 'NAME,...',
    defaultText: 'any',
    description: 'The only AWS profiles calls may use.',
    group: 'Safety',
  },
  {
    variable: 'AWS_MCP_ROLES',
    flag: 'roles',
    kind: 'value',
    valueName: 'ARN,...',
    defaultText: 'none',
    description: 'IAM roles (ARN globs, case-sensitive) a call may assume (roleArn).',
    group: 'Safety',
  },
  {
    variable: 'AWS_MCP_CONSENT_TIMEOUT',
    flag: 'consent-timeout',
    kind: 'value',
    valueName: 'SECONDS',
    defaultText: '120',
    description: 'How long a consent request waits for the user before not running.',
    group: 'Safety',
  },
  {
    variable: 'AWS_MCP_SANDBOX',
    flag: 'sandbox',
    kind: 'value',
    valueName: 'auto|required|disabled',
    defaultText: 'auto',
    description: 'Confine commands with bubblewrap; required: refuse to start without.',
    group: 'Safety',
  },
  {
    variable: 'AWS_MCP_SANDBOX_CREDENTIALS',
    flag: 'sandbox-credentials',
    kind: 'value',
    valueName: 'env|aws_config|both',
    defaultText: 'both',
    description: 'How credentials reach the sandboxed CLI.',
    group: 'Safety',
  },
  {
    variable: 'AWS_MCP_SANDBOX_LIMITS',
    flag: 'sandbox-limits',
    kind: 'value',
    valueName: 'KIND.LIMIT=N,...',
    defaultText: 'measured defaults',
    description: 'Change stage limits, e.g. filter.addressSpaceBytes=1GiB.',
    group: 'Safety',
  },
  {
    variable: 'AWS_MCP_WARM_CLI',
    flag: 'warm-cli',
    kind: 'value',
    valueName: 'on|off',
    defaultText: 'off',
    description: 'Run each aws stage as a fork of one warm CLI, same sandbox.',
    group: 'General',
  },
  {
    variable: 'AWS_MCP_SANDBOX_READ_PATHS',
    flag: 'sandbox-read-paths',
    kind: 'value',
    valueName: 'PATH:PATH...',
    defaultText: 'none',
    description: 'More paths the aws stage may read (a CLI or helper outside /usr).',
    group: 'Safety',
  },
  {
    variable: 'AWS_MCP_MASK_SECRETS',
    flag: 'mask-secrets',
    kind: 'boolean',
    valueName: '',
    defaultText: 'true',
    description: 'Mask access keys, secrets and tokens in returned output.',
    group: 'Safety',
  },
  {
    variable: 'AWS_MCP_SECRETS_DIR',
    flag: 'secrets-dir',
    kind: 'value',
    valueName: 'DIR',
    defaultText: '~/.local/share/aws-mcp/secrets',
    description: 'Where unmasked output is saved for the user; never near the workdir.',
    group: 'Safety',
  },
  {
    variable: 'AWS_MCP_AUDIT_LOG',
    flag: 'audit-log',
    kind: 'value',
    valueName: 'FILE',
    defaultText: undefined,
    description: 'Append one JSON line per tool call to this file.',
    group: 'Safety',
  },
  {
    variable: 'AWS_PROFILE',
    flag: 'profile',
    kind: 'value',
    valueName: 'NAME',
    defaultText: 'default',
    description: 'The AWS profile calls use when they name none.',
    group: 'AWS',
  },
  {
    variable: 'AWS_REGION',
    flag: 'region',
    kind: 'value',
    valueName: 'REGION',
    defaultText: "the profile's",
    description: 'The AWS region calls use when they name none.',
    group: 'AWS',
  },
  {
    variable: 'AWS_MCP_AWS_CLI',
    flag: 'aws-cli',
    kind: 'value',
    valueName: 'PATH',
    defaultText: 'aws on PATH',
    description: "The AWS CLI's path, when the client lacks your shell's PATH.",
    group: 'AWS',
  },
  {
    variable: 'AWS_ENDPOINT_URL',
    flag: 'endpoint-url',
    kind: 'value',
    valueName: 'URL',
    defaultText: undefined,
    description: 'Send every AWS request to this endpoint (an emulator, a VPC endpoint).',
    group: 'AWS',
  },
  {
    variable: 'AWS_MCP_HOST',
    flag: 'host',
    kind: 'value',
    valueName: 'ADDRESS',
    defaultText: '127.0.0.1',
    description: 'The address to listen on; a non-loopback address needs --auth-token.',
    group: 'HTTP',
  },
  {
    variable: 'AWS_MCP_PORT',
    flag: 'port',
    kind: 'value',
    valueName: 'PORT',
    defaultText: '8000',
    description: 'The port to listen on; 0 picks a free one and prints it.',
    group: 'HTTP',
  },
  {
    variable: 'AWS_MCP_AUTH_TOKEN',
    flag: 'auth-token',
    kind: 'value',
    valueName: 'TOKEN',
    defaultText: 'generated and printed at start',
    description: 'Token clients send as Bearer (16+ chars); prefer the variable.',
    group: 'HTTP',
  },
  {
    variable: 'AWS_MCP_AUTH_TOKENS',
    flag: 'auth-tokens',
    kind: 'value',
    valueName: 'TOKEN,...',
    defaultText: undefined,
    description: 'More tokens; a session answers only the token that started it.',
    group: 'HTTP',
  },
  {
    variable: 'AWS_MCP_STATELESS',
    flag: 'stateless',
    kind: 'boolean',
    valueName: '',
    defaultText: 'false',
    description: 'No sessions: a server per request, for a load balancer.',
    group: 'HTTP',
  },
  {
    variable: 'AWS_MCP_MAX_SESSIONS',
    flag: 'max-sessions',
    kind: 'value',
    valueName: 'COUNT',
    defaultText: '100',
    description: 'Most sessions open at once; more are refused with 503.',
    group: 'HTTP',
  },
  {
    variable: 'AWS_MCP_SESSION_IDLE_TIMEOUT',
    flag: 'session-idle-timeout',
    kind: 'value',
    valueName: 'SECONDS',
    defaultText: '1800',
    description: 'Close a session with no open request for this long.',
    group: 'HTTP',
  },
  {
    variable: 'AWS_MCP_SESSION_EVICT_IDLE',
    flag: 'session-evict-idle',
    kind: 'value',
    valueName: 'SECONDS',
    defaultText: '300',
    description: 'When full, close the least recently used session idle this long.',
    group: 'HTTP',
  },
  {
    variable: 'AWS_MCP_RESUME_GRACE',
    flag: 'resume-grace',
    kind: 'value',
    valueName: 'SECONDS',
    defaultText: '30',
    description: 'Cancel a call whose stream broke unless resumed within this.',
    group: 'HTTP',
  },
  {
    variable: 'AWS_MCP_MAX_REQUEST_BYTES',
    flag: 'max-request-bytes',
    kind: 'value',
    valueName: 'BYTES',
    defaultText: '1048576',
    description: 'Largest request body accepted; larger ones get 413.',
    group: 'HTTP',
  },
  {
    variable: 'AWS_MCP_ALLOWED_HOSTS',
    flag: 'allowed-hosts',
    kind: 'value',
    valueName: 'HOST,...',
    defaultText: 'loopback names and --host',
    description: 'Host header names accepted (DNS rebinding protection).',
    group: 'HTTP',
  },
  {
    variable: 'AWS_MCP_ALLOWED_ORIGINS',
    flag: 'allowed-origins',
    kind: 'value',
    valueName: 'ORIGIN,...',
    defaultText: 'loopback origins',
    description: 'Exact browser origins allowed (CORS), e.g. https://app.example.com.',
    group: 'HTTP',
  },
];

/** Reads a setting's name for messages: the flag when the value came from the command line. */
type Describe = (variable: string) => string;

function wholeNumber(
  describe: Describe,
  variable: string,
  { fallback, minimum = 1, maximum }: { fallback: number; minimum?: number; maximum?: number },
) {
  return z
    .string()
    .optional()
    .transform((value, context) => {
      if (value === undefined || value.trim() === '') return fallback;
      const number = Number(value.trim());
      if (!Number.isInteger(number) || number < minimum || (maximum !== undefined && number > maximum)) {
        const range =
          maximum !== undefined
            ? `a whole number from ${minimum} to ${maximum}`
            : minimum === 1
              ? 'a positive whole number'
              : `a whole number of at least ${minimum}`;
        context.addIssue({
          code: 'custom',
          message: `${describe(variable)} must be ${range}, not ${JSON.stringify(value)}.`,
        });
        return z.NEVER;
      }
      return number;
    });
}

function choice<const Values extends readonly [string, ...string[]]>(
  describe: Describe,
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
          message: `${describe(variable)} must be one of ${values.join(', ')}, not ${JSON.stringify(value)}.`,
        });
        return z.NEVER;
      }
      return match;
    });
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function buildSchema(describe: Describe) {
  return z.object({
    AWS_MCP_TIMEOUT: wholeNumber(describe, 'AWS_MCP_TIMEOUT', { fallback: 300 }),
    AWS_MCP_MAX_OUTPUT: wholeNumber(describe, 'AWS_MCP_MAX_OUTPUT', { fallback: 40_000 }),
    AWS_MCP_CONSENT_TIMEOUT: wholeNumber(describe, 'AWS_MCP_CONSENT_TIMEOUT', { fallback: 120 }),
    AWS_MCP_MODE: choice(describe, 'AWS_MCP_MODE', ['read-only', 'confirm-writes', 'full'], 'confirm-writes'),
    AWS_MCP_SANDBOX: choice(describe, 'AWS_MCP_SANDBOX', ['auto', 'required', 'disabled'], 'auto'),
    AWS_MCP_SANDBOX_CREDENTIALS: choice(
      describe,
      'AWS_MCP_SANDBOX_CREDENTIALS',
      ['env', 'aws_config', 'both'],
      'both',
    ),
    AWS_MCP_SANDBOX_LIMITS: z.string().optional(),
    AWS_MCP_SANDBOX_READ_PATHS: z.string().optional(),
    AWS_MCP_WARM_CLI: choice(describe, 'AWS_MCP_WARM_CLI', ['on', 'off'], 'off'),
    AWS_MCP_TRANSPORT: choice(describe, 'AWS_MCP_TRANSPORT', ['stdio', 'streamable-http', 'sse'], 'stdio'),
    AWS_MCP_WORKDIR: z.string().optional(),
    AWS_MCP_MAX_TIMEOUT: wholeNumber(describe, 'AWS_MCP_MAX_TIMEOUT', { fallback: 900 }),
    AWS_MCP_MAX_CONCURRENT: wholeNumber(describe, 'AWS_MCP_MAX_CONCURRENT', { fallback: 8 }),
    AWS_MCP_FANOUT_MAX: wholeNumber(describe, 'AWS_MCP_FANOUT_MAX', { fallback: 50 }),
    AWS_MCP_RESULTS_SESSION_BYTES: wholeNumber(describe, 'AWS_MCP_RESULTS_SESSION_BYTES', {
      fallback: 16 * 1024 * 1024,
      minimum: 0,
    }),
    AWS_MCP_RESULTS_TOTAL_BYTES: wholeNumber(describe, 'AWS_MCP_RESULTS_TOTAL_BYTES', {
      fallback: 64 * 1024 * 1024,
      minimum: 0,
    }),
    AWS_MCP_RESULTS_TTL: wholeNumber(describe, 'AWS_MCP_RESULTS_TTL', { fallback: 900 }),
    AWS_MCP_POLICY_FILE: z.string().optional(),
    AWS_MCP_AUDIT_LOG: z.string().optional(),
    AWS_MCP_SECRETS_DIR: z.string().optional(),
    AWS_MCP_MASK_SECRETS: choice(describe, 'AWS_MCP_MASK_SECRETS', ['true', 'false'], 'true'),
    AWS_MCP_PROFILES: z.string().optional(),
    AWS_MCP_ROLES: z.string().optional(),
    AWS_ENDPOINT_URL: z.string().optional(),
    AWS_MCP_AWS_CLI: z.string().optional(),
    AWS_MCP_HOST: z.string().optional(),
    AWS_MCP_PORT: wholeNumber(describe, 'AWS_MCP_PORT', { fallback: 8000, minimum: 0, maximum: 65_535 }),
    AWS_MCP_AUTH_TOKEN: z.string().optional(),
    AWS_MCP_AUTH_TOKENS: z.string().optional(),
    AWS_MCP_STATELESS: choice(describe, 'AWS_MCP_STATELESS', ['true', 'false'], 'false'),
    AWS_MCP_MAX_SESSIONS: wholeNumber(describe, 'AWS_MCP_MAX_SESSIONS', { fallback: 100 }),
    AWS_MCP_SESSION_IDLE_TIMEOUT: wholeNumber(describe, 'AWS_MCP_SESSION_IDLE_TIMEOUT', { fallback: 1800 }),
    AWS_MCP_SESSION_EVICT_IDLE: wholeNumber(describe, 'AWS_MCP_SESSION_EVICT_IDLE', { fallback: 300 }),
    AWS_MCP_RESUME_GRACE: wholeNumber(describe, 'AWS_MCP_RESUME_GRACE', { fallback: 30 }),
    AWS_MCP_MAX_REQUEST_BYTES: wholeNumber(describe, 'AWS_MCP_MAX_REQUEST_BYTES', {
      fallback: 1024 * 1024,
      minimum: 1024,
    }),
    AWS_MCP_ALLOWED_HOSTS: z.string().optional(),
    AWS_MCP_ALLOWED_ORIGINS: z.string().optional(),
  });
}

const byteUnits: Record<string, number> = { '': 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };

/**
 * Reads `KIND.LIMIT=N,…` (KIND `aws` or `filter`, LIMIT one of the executor's stage limits, N a positive whole
 * number; the byte limits also take KiB, MiB or GiB). Calls `fail` for anything else.
 */
/** `:`-separated absolute paths that exist; the sandbox binds each read-only for the aws stage. */
function readSandboxReadPaths(
  value: string | undefined,
  fail: (variable: string, message: string) => never,
): string[] {
  const paths = (value ?? '').split(':').filter((path) => path.trim() !== '');
  for (const path of paths) {
    if (!isAbsolute(path)) {
      fail(
        'AWS_MCP_SANDBOX_READ_PATHS',
        `must list absolute paths separated by ":", not ${JSON.stringify(path)}.`,
      );
    }
    if (!existsSync(path)) {
      fail('AWS_MCP_SANDBOX_READ_PATHS', `names ${JSON.stringify(path)}, which does not exist.`);
    }
  }
  return paths;
}

function readSandboxLimits(
  value: string | undefined,
  fail: (variable: string, message: string) => never,
): StageLimitOptions {
  const limits: { aws?: Partial<StageLimits>; filter?: Partial<StageLimits> } = {};
  for (const item of list(value)) {
    const match = /^(aws|filter)\.([A-Za-z]+)=(\d+)\s*(KiB|MiB|GiB)?$/.exec(item);
    const option = stageLimitOptions.find((name) => name === match?.[2]);
    const unit = match?.[4] ?? '';
    if (match === null || option === undefined || (unit !== '' && !option.endsWith('Bytes'))) {
      fail(
        'AWS_MCP_SANDBOX_LIMITS',
        `must list KIND.LIMIT=N (KIND aws or filter, LIMIT one of ${stageLimitOptions.join(', ')}; the *Bytes limits also take KiB, MiB or GiB), not ${JSON.stringify(item)}.`,
      );
    }
    const number = Number(match[3]) * (byteUnits[unit] as number);
    if (!Number.isSafeInteger(number) || number <= 0) {
      fail(
        'AWS_MCP_SANDBOX_LIMITS',
        `must give ${item.split('=')[0]} a positive whole number, not ${JSON.stringify(item)}.`,
      );
    }
    const kind = match[1] as 'aws' | 'filter';
    limits[kind] = { ...limits[kind], [option]: number };
  }
  return limits;
}

/** Whether `host` is a loopback address or name, so only processes on this machine can connect. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || bare === '0:0:0:0:0:0:0:1';
  return false;
}

const minimumTokenLength = 16;

/**
 * Reads the settings from `env`. `flags` maps a variable to the flag it was given as (see readCommandLine), so a
 * message names what the user typed. Throws ConfigError naming the first bad setting and what it accepts, so the
 * server refuses to start with one clear line instead of running with a setting it guessed.
 */
export function readServerConfig(
  env: NodeJS.ProcessEnv,
  { flags = {} }: { flags?: Readonly<Record<string, string>> } = {},
): ServerConfig {
  const describe: Describe = (variable) =>
    flags[variable] === undefined ? variable : `${flags[variable]} (${variable})`;
  const fail = (variable: string, message: string): never => {
    throw new ConfigError({ variable, message: `${describe(variable)} ${message}` });
  };
  const parsed = buildSchema(describe).safeParse(env);
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
    fail(
      'AWS_ENDPOINT_URL',
      `must be a URL such as http://127.0.0.1:4566, not ${JSON.stringify(endpointUrl)}.`,
    );
  }
  if (settings.AWS_MCP_TIMEOUT > settings.AWS_MCP_MAX_TIMEOUT) {
    fail(
      'AWS_MCP_TIMEOUT',
      `must be at most ${describe('AWS_MCP_MAX_TIMEOUT')} (${settings.AWS_MCP_MAX_TIMEOUT}), not ${settings.AWS_MCP_TIMEOUT}.`,
    );
  }
  const home = resolve(env.HOME ?? homedir());
  const workdir = resolve(
    settings.AWS_MCP_WORKDIR?.trim() ||
      join(env.XDG_CACHE_HOME || join(home, '.cache'), 'aws-mcp', 'workdir'),
  );
  // The executor's own check, so a folder start-up accepts is never one every command is then refused in.
  try {
    checkWorkdir(workdir, env);
  } catch (error) {
    if (!ExecutionError.isInstance(error)) throw error;
    fail('AWS_MCP_WORKDIR', `is refused: ${error.message}`);
  }
  const profiles = list(settings.AWS_MCP_PROFILES);
  const roles = list(settings.AWS_MCP_ROLES);
  const notRole = roles.find((glob) => !glob.startsWith('arn:'));
  if (notRole !== undefined) {
    fail(
      'AWS_MCP_ROLES',
      `must list role ARNs or ARN globs such as arn:aws:iam::123456789012:role/ReadOnly*, not ${JSON.stringify(notRole)}.`,
    );
  }
  const http = readHttpConfig(settings, { fail, describe, transport: settings.AWS_MCP_TRANSPORT });
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
    policyFile: settings.AWS_MCP_POLICY_FILE?.trim() || undefined,
    auditLog: settings.AWS_MCP_AUDIT_LOG?.trim() || undefined,
    maskSecrets: settings.AWS_MCP_MASK_SECRETS === 'true',
    profiles: profiles.length === 0 ? undefined : profiles,
    roles: roles.length === 0 ? undefined : roles,
    modeExplicit: (env.AWS_MCP_MODE ?? '').trim() !== '',
    maxOutputChars: settings.AWS_MCP_MAX_OUTPUT,
    consentTimeoutSeconds: settings.AWS_MCP_CONSENT_TIMEOUT,
    mode: settings.AWS_MCP_MODE,
    sandbox: settings.AWS_MCP_SANDBOX,
    sandboxCredentials: settings.AWS_MCP_SANDBOX_CREDENTIALS,
    sandboxLimits: readSandboxLimits(settings.AWS_MCP_SANDBOX_LIMITS, fail),
    sandboxReadPaths: readSandboxReadPaths(settings.AWS_MCP_SANDBOX_READ_PATHS, fail),
    warmCli: settings.AWS_MCP_WARM_CLI,
    transport: settings.AWS_MCP_TRANSPORT,
    workdir,
    endpointUrl,
    awsCli: settings.AWS_MCP_AWS_CLI?.trim() || undefined,
    http,
  };
}

function readHttpConfig(
  settings: z.infer<ReturnType<typeof buildSchema>>,
  {
    fail,
    describe,
    transport,
  }: { fail: (variable: string, message: string) => never; describe: Describe; transport: ServerTransport },
): HttpConfig {
  const host = settings.AWS_MCP_HOST?.trim() || '127.0.0.1';
  if (!/^(\[[0-9a-fA-F:.]+\]|[0-9a-fA-F:.]+|[A-Za-z0-9.-]+)$/.test(host)) {
    fail(
      'AWS_MCP_HOST',
      `must be an IP address or a host name such as 127.0.0.1, not ${JSON.stringify(host)}.`,
    );
  }
  const firstToken = settings.AWS_MCP_AUTH_TOKEN?.trim() || undefined;
  if (firstToken !== undefined && (firstToken.length < minimumTokenLength || /\s/.test(firstToken))) {
    fail(
      'AWS_MCP_AUTH_TOKEN',
      `must be at least ${minimumTokenLength} characters without spaces (for example \`openssl rand -hex 32\`).`,
    );
  }
  const moreTokens = list(settings.AWS_MCP_AUTH_TOKENS);
  for (const token of moreTokens) {
    if (token.length < minimumTokenLength || /\s/.test(token)) {
      fail(
        'AWS_MCP_AUTH_TOKENS',
        `must list tokens of at least ${minimumTokenLength} characters without spaces, separated by commas.`,
      );
    }
  }
  const authTokens = [...new Set([...(firstToken === undefined ? [] : [firstToken]), ...moreTokens])];
  const authToken = authTokens[0];
  if (transport !== 'stdio' && authToken === undefined && !isLoopbackHost(host)) {
    fail(
      'AWS_MCP_AUTH_TOKEN',
      `(or --auth-token) must be set when ${describe('AWS_MCP_HOST')} is ${host}, not a loopback address: anyone who can reach the port could spend your AWS credentials.`,
    );
  }
  const allowedOrigins = list(settings.AWS_MCP_ALLOWED_ORIGINS);
  for (const origin of allowedOrigins) {
    // Exact origins only: a browser compares them as strings, and `*` or `null` would let any page in.
    if (!URL.canParse(origin) || new URL(origin).origin !== origin || origin.includes('*')) {
      fail(
        'AWS_MCP_ALLOWED_ORIGINS',
        `must list origins such as https://app.example.com (scheme, host, optional port), not ${JSON.stringify(origin)}.`,
      );
    }
  }
  return {
    host,
    port: settings.AWS_MCP_PORT,
    authToken,
    authTokens,
    stateless: settings.AWS_MCP_STATELESS === 'true',
    maxSessions: settings.AWS_MCP_MAX_SESSIONS,
    sessionIdleTimeoutSeconds: settings.AWS_MCP_SESSION_IDLE_TIMEOUT,
    sessionEvictIdleSeconds: settings.AWS_MCP_SESSION_EVICT_IDLE,
    resumeGraceSeconds: settings.AWS_MCP_RESUME_GRACE,
    maxRequestBytes: settings.AWS_MCP_MAX_REQUEST_BYTES,
    allowedHosts: list(settings.AWS_MCP_ALLOWED_HOSTS).map((name) => name.toLowerCase()),
    allowedOrigins,
  };
}
