import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { policyModes } from '@aws-mcp/command';
import {
  credentialsModes,
  type StageLimitOptions,
  type StageLimits,
  sandboxModes,
  stageLimitOptions,
} from '@aws-mcp/executor';
import { z } from 'zod';

/** Every way clients may reach the server; `sse` is deprecated. */
export const serverTransports = ['stdio', 'streamable-http', 'sse'] as const;

/** How clients reach the server. */
export type ServerTransport = (typeof serverTransports)[number];

/** The `--help` sections, in order. */
export const settingGroups = ['General', 'Safety', 'AWS', 'HTTP'] as const;

/** What a setting's text may be, and what it becomes. */
export interface SettingType<Value> {
  /** `value` takes text (`--flag VALUE`); `boolean` takes true or false, also as `--flag` and `--no-flag`. */
  kind: 'value' | 'boolean';
  /** What the value looks like in `--help`, e.g. `SECONDS`; empty for a boolean. */
  valueName: string;
  /** Reads a non-blank text as given (untrimmed); says what it must be ("must be …") when it is not that. */
  read(text: string): { value: Value } | { problem: string };
  /** The value as `--help` and the README print a default. */
  show(value: Value): string;
}

/** One setting: everything the schema, `--help`, the README and the config type know about it. */
export interface SettingRow<Variable extends string = string, Value = unknown> {
  variable: Variable;
  /** The long flag without `--`; mirrors the variable (`--max-output` for AWS_MCP_MAX_OUTPUT). */
  flag: string;
  group: (typeof settingGroups)[number];
  type: SettingType<Value>;
  /** The value when the setting is unset or blank; undefined when there is none. */
  default: Value | undefined;
  /** What unset means, in words, where the default value alone does not say it (`any`, `generated …`). */
  unset?: string;
  /** The one line `--help` prints (at most 70 characters, so help fits 110 columns). */
  summary: string;
  /** The README's "meaning" cell: what it does and what to know before changing it. */
  details: string;
  /** The ServerConfig field it sets (dots for nesting), or who reads it from the environment instead and why. */
  target: { config: string } | { elsewhere: string };
  /** Why its value must not be given as a flag: flags show in the process list (ps). */
  secret?: string;
}

type Reading<Value> = { value: Value } | { problem: string };

function wholeNumber(
  valueName: string,
  { minimum = 1, maximum }: { minimum?: number; maximum?: number } = {},
): SettingType<number> {
  const range =
    maximum !== undefined
      ? `a whole number from ${minimum} to ${maximum}`
      : minimum === 1
        ? 'a positive whole number'
        : `a whole number of at least ${minimum}`;
  return {
    kind: 'value',
    valueName,
    read(text) {
      const number = Number(text.trim());
      if (!Number.isInteger(number) || number < minimum || (maximum !== undefined && number > maximum)) {
        return { problem: `must be ${range}, not ${JSON.stringify(text)}.` };
      }
      return { value: number };
    },
    show: String,
  };
}

/** Case and `_`/`-` do not matter (`READ_ONLY` is `read-only`); the value read is the list's spelling. */
function readChoice<const Values extends readonly string[]>(
  values: Values,
  text: string,
): Reading<Values[number]> {
  const normalized = text.trim().toLowerCase().replaceAll('_', '-');
  const match = values.find((candidate) => candidate.replaceAll('_', '-') === normalized);
  if (match === undefined)
    return { problem: `must be one of ${values.join(', ')}, not ${JSON.stringify(text)}.` };
  return { value: match };
}

function oneOf<const Values extends readonly string[]>(values: Values): SettingType<Values[number]> {
  return {
    kind: 'value',
    valueName: values.join('|'),
    read: (text) => readChoice(values, text),
    show: String,
  };
}

function onOff(): SettingType<boolean> {
  return {
    kind: 'boolean',
    valueName: '',
    read(text) {
      const reading = readChoice(['true', 'false'], text);
      return 'problem' in reading ? reading : { value: reading.value === 'true' };
    },
    show: String,
  };
}

/** Trimmed text; `check` says what it must be when it is not. */
function text(valueName: string, check?: (value: string) => string | undefined): SettingType<string> {
  return {
    kind: 'value',
    valueName,
    read(given) {
      const value = given.trim();
      const problem = check?.(value);
      return problem === undefined ? { value } : { problem };
    },
    show: String,
  };
}

/** Comma-separated, each item trimmed, blanks dropped; `check` says what the first bad item must be. */
function commaList(
  valueName: string,
  { check, lowercase = false }: { check?: (item: string) => string | undefined; lowercase?: boolean } = {},
): SettingType<string[]> {
  return {
    kind: 'value',
    valueName,
    read(given) {
      const items = splitList(given);
      for (const item of items) {
        const problem = check?.(item);
        if (problem !== undefined) return { problem };
      }
      return { value: lowercase ? items.map((item) => item.toLowerCase()) : items };
    },
    show: (items) => items.join(','),
  };
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** `:`-separated absolute paths that exist; the sandbox binds each read-only for the aws stage. */
function existingPaths(): SettingType<string[]> {
  return {
    kind: 'value',
    valueName: 'PATH:PATH...',
    read(given) {
      const paths = given.split(':').filter((path) => path.trim() !== '');
      for (const path of paths) {
        if (!isAbsolute(path)) {
          return { problem: `must list absolute paths separated by ":", not ${JSON.stringify(path)}.` };
        }
        if (!existsSync(path)) return { problem: `names ${JSON.stringify(path)}, which does not exist.` };
      }
      return { value: paths };
    },
    show: (paths) => paths.join(':'),
  };
}

const byteUnits: Record<string, number> = { '': 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };

/**
 * `KIND.LIMIT=N,…`: KIND `aws` or `filter`, LIMIT one of the executor's stage limits, N a positive whole number
 * (the byte limits also take KiB, MiB or GiB).
 */
function stageLimits(): SettingType<StageLimitOptions> {
  return {
    kind: 'value',
    valueName: 'KIND.LIMIT=N,...',
    read(given) {
      const limits: { aws?: Partial<StageLimits>; filter?: Partial<StageLimits> } = {};
      for (const item of splitList(given)) {
        const match = /^(aws|filter)\.([A-Za-z]+)=(\d+)\s*(KiB|MiB|GiB)?$/.exec(item);
        const option = stageLimitOptions.find((name) => name === match?.[2]);
        const unit = match?.[4] ?? '';
        if (match === null || option === undefined || (unit !== '' && !option.endsWith('Bytes'))) {
          return {
            problem: `must list KIND.LIMIT=N (KIND aws or filter, LIMIT one of ${stageLimitOptions.join(', ')}; the *Bytes limits also take KiB, MiB or GiB), not ${JSON.stringify(item)}.`,
          };
        }
        const number = Number(match[3]) * (byteUnits[unit] as number);
        if (!Number.isSafeInteger(number) || number <= 0) {
          return {
            problem: `must give ${item.split('=')[0]} a positive whole number, not ${JSON.stringify(item)}.`,
          };
        }
        const kind = match[1] as 'aws' | 'filter';
        limits[kind] = { ...limits[kind], [option]: number };
      }
      return { value: limits };
    },
    show: (limits) => JSON.stringify(limits),
  };
}

/** The shortest bearer token accepted: a guessable token would let anyone who reaches the port in. */
export const minimumTokenLength = 16;

const isToken = (token: string) => token.length >= minimumTokenLength && !/\s/.test(token);

/** A row, typed so the table keeps each variable's name, value type and whether it has a default. */
function setting<const Variable extends string, Value, const Default extends Value | undefined>(
  row: SettingRow<Variable, Value> & { default: Default },
): SettingRow<Variable, Value> & { default: Default } {
  return row;
}

const policyFileLink = '[docs/safety.md](docs/safety.md)';

/**
 * Every setting, in `--help` order: the one place a setting is declared. The schema (buildSettingsSchema), the
 * `--help` text and flags (cli-flags.ts), ServerConfig's field types and the README's settings table derive from
 * it; a test checks ServerConfig's fields and the README against it.
 */
export const settingRows = [
  setting({
    variable: 'AWS_MCP_TRANSPORT',
    flag: 'transport',
    group: 'General',
    type: oneOf(serverTransports),
    default: 'stdio',
    summary: 'How clients connect; sse is deprecated.',
    details: '`stdio`, `streamable-http`, `sse` (deprecated)',
    target: { config: 'transport' },
  }),
  setting({
    variable: 'AWS_MCP_TIMEOUT',
    flag: 'timeout',
    group: 'General',
    type: wholeNumber('SECONDS'),
    default: 300,
    summary: 'Longest a command runs when a call names no timeout.',
    details: 'seconds a command runs when a call names no `timeout`',
    target: { config: 'timeoutSeconds' },
  }),
  setting({
    variable: 'AWS_MCP_MAX_TIMEOUT',
    flag: 'max-timeout',
    group: 'General',
    type: wholeNumber('SECONDS'),
    default: 900,
    summary: 'The most a tool call may ask for as its timeout.',
    details: "the most a call's `timeout` may ask for",
    target: { config: 'maxTimeoutSeconds' },
  }),
  setting({
    variable: 'AWS_MCP_MAX_CONCURRENT',
    flag: 'max-concurrent',
    group: 'General',
    type: wholeNumber('COUNT'),
    default: 8,
    summary: 'Commands run at once; the rest queue (counted in their timeout).',
    details: 'commands at once; the rest queue, and the wait counts toward their timeout',
    target: { config: 'maxConcurrent' },
  }),
  setting({
    variable: 'AWS_MCP_FANOUT_MAX',
    flag: 'fanout-max',
    group: 'General',
    type: wholeNumber('COUNT'),
    default: 50,
    summary: 'Most targets (profile × region) one `profiles`/`regions` call runs.',
    details:
      'most targets (profile × region) one `profiles`/`regions` call runs; more are refused before anything runs',
    target: { config: 'fanOutMax' },
  }),
  setting({
    variable: 'AWS_MCP_RESULTS_SESSION_BYTES',
    flag: 'results-session-bytes',
    group: 'General',
    type: wholeNumber('BYTES', { minimum: 0 }),
    default: 16 * 1024 * 1024,
    summary: 'Cut outputs one session keeps (masked) as aws://results/…; 0: none.',
    details:
      'bytes of cut outputs one session keeps (masked) as `aws://results/{id}`; its oldest go first; `0` keeps none',
    target: { config: 'results.sessionBytes' },
  }),
  setting({
    variable: 'AWS_MCP_RESULTS_TOTAL_BYTES',
    flag: 'results-total-bytes',
    group: 'General',
    type: wholeNumber('BYTES', { minimum: 0 }),
    default: 64 * 1024 * 1024,
    summary: 'Kept outputs of all sessions together; the oldest are dropped first.',
    details:
      'bytes of kept outputs of all sessions together; the oldest go first, whichever session made them',
    target: { config: 'results.totalBytes' },
  }),
  setting({
    variable: 'AWS_MCP_RESULTS_TTL',
    flag: 'results-ttl',
    group: 'General',
    type: wholeNumber('SECONDS'),
    default: 900,
    summary: 'How long a kept output stays readable (it also ends with its session).',
    details: 'seconds a kept output stays readable (it also goes when its session ends)',
    target: { config: 'results.ttlSeconds' },
  }),
  setting({
    variable: 'AWS_MCP_MAX_OUTPUT',
    flag: 'max-output',
    group: 'General',
    type: wholeNumber('CHARS'),
    default: 40_000,
    summary: 'Most characters of output a call returns.',
    details:
      "most characters returned, start and end kept (a call's `maxOutput` can only lower it); JSON that fits whole also comes parsed in `structuredContent.json`",
    target: { config: 'maxOutputChars' },
  }),
  setting({
    variable: 'AWS_MCP_WORKDIR',
    flag: 'workdir',
    group: 'General',
    type: text('DIR'),
    default: undefined,
    unset: '`~/.cache/aws-mcp/workdir`',
    summary: 'The only local folder commands may read or write files in.',
    details:
      'the folder the CLI runs in and reads/writes local files in (unset: `$XDG_CACHE_HOME/aws-mcp/workdir` when that is set); refused at start when commands could not be confined to it (the root, a home folder or a parent of one)',
    target: { config: 'workdir' },
  }),
  setting({
    variable: 'AWS_MCP_WARM_CLI',
    flag: 'warm-cli',
    group: 'General',
    type: oneOf(['on', 'off']),
    default: 'on',
    summary: 'Run each aws stage as a fork of one warm CLI, same sandbox.',
    details:
      "`on` (the default) runs the aws stage in one warm interpreter per server inside the aws-stage sandbox, forking a child per call (about 0.2–0.4× the raw CLI's time here; see docs/BENCHMARKS.md); a call it cannot run the same way (no bubblewrap, the installer's frozen CLI, a bind only one call needs) runs cold, and `aws://config/environment` says why; `off` starts a new CLI per call",
    target: { config: 'warmCli' },
  }),
  setting({
    variable: 'AWS_MCP_MODE',
    flag: 'mode',
    group: 'Safety',
    type: oneOf(policyModes),
    // Unset, the policy file's mode applies, else confirm-writes, or read-only without a sandbox (choosePolicyMode).
    default: undefined,
    unset: '`confirm-writes`',
    summary: "What runs without asking; unset, a policy file's mode wins.",
    details:
      "`read-only`, `confirm-writes` or `full`; unset, a policy file's `mode` applies, else `confirm-writes`, or `read-only` when no sandbox confines the commands",
    target: { config: 'mode' },
  }),
  setting({
    variable: 'AWS_MCP_POLICY_FILE',
    flag: 'policy-file',
    group: 'Safety',
    type: text('FILE'),
    default: undefined,
    summary: 'A JSON policy file of allow/deny/confirm rules.',
    details: `a JSON policy: rules, profile allowlist (${policyFileLink})`,
    target: { config: 'policyFile' },
  }),
  setting({
    variable: 'AWS_MCP_PROFILES',
    flag: 'profiles',
    group: 'Safety',
    type: commaList('NAME,...'),
    default: [],
    unset: 'any',
    summary: 'The only AWS profiles calls may use.',
    details: 'comma-separated profile allowlist',
    target: { config: 'profiles' },
  }),
  setting({
    variable: 'AWS_MCP_ROLES',
    flag: 'roles',
    group: 'Safety',
    type: commaList('ARN,...', {
      check: (glob) =>
        glob.startsWith('arn:')
          ? undefined
          : `must list role ARNs or ARN globs such as arn:aws:iam::123456789012:role/ReadOnly*, not ${JSON.stringify(glob)}.`,
    }),
    default: [],
    unset: 'none',
    summary: 'IAM roles (ARN globs, case-sensitive) a call may assume (roleArn).',
    details:
      'comma-separated role ARN globs (case-sensitive) a call may assume with `roleArn`; unset, roles are off ([docs/safety.md](docs/safety.md#roles-per-call))',
    target: { config: 'roles' },
  }),
  setting({
    variable: 'AWS_MCP_CONSENT_TIMEOUT',
    flag: 'consent-timeout',
    group: 'Safety',
    type: wholeNumber('SECONDS'),
    default: 120,
    summary: 'How long a consent request waits for the user before not running.',
    details: 'seconds a consent request waits for an answer',
    target: { config: 'consentTimeoutSeconds' },
  }),
  setting({
    variable: 'AWS_MCP_SANDBOX',
    flag: 'sandbox',
    group: 'Safety',
    type: oneOf(sandboxModes),
    default: 'auto',
    summary: 'Confine commands with bubblewrap; required: refuse to start without.',
    details:
      '`auto` (bubblewrap when it works, else none and says why), `required` (refuse to start without), `disabled`',
    target: { config: 'sandbox' },
  }),
  setting({
    variable: 'AWS_MCP_SANDBOX_CREDENTIALS',
    flag: 'sandbox-credentials',
    group: 'Safety',
    type: oneOf(credentialsModes),
    default: 'both',
    summary: 'How credentials reach the sandboxed CLI.',
    details: 'how credentials reach the CLI: `env` (variables only), `aws_config` (files only), `both`',
    target: { config: 'sandboxCredentials' },
  }),
  setting({
    variable: 'AWS_MCP_SANDBOX_LIMITS',
    flag: 'sandbox-limits',
    group: 'Safety',
    type: stageLimits(),
    default: {},
    unset: 'measured defaults',
    summary: 'Change stage limits, e.g. filter.addressSpaceBytes=1GiB.',
    details:
      "change a stage's limits, `KIND.LIMIT=N,...` with `KIND` `aws` or `filter` (e.g. `filter.addressSpaceBytes=1GiB`); the limits and defaults are in the executor README's sandbox section, and a stage that hits one is named with the setting that raises it",
    target: { config: 'sandboxLimits' },
  }),
  setting({
    variable: 'AWS_MCP_SANDBOX_READ_PATHS',
    flag: 'sandbox-read-paths',
    group: 'Safety',
    type: existingPaths(),
    default: [],
    unset: 'none',
    summary: 'More paths the aws stage may read (a CLI or helper outside /usr).',
    details:
      'more paths the aws stage may read, `:`-separated absolute paths that exist: a CLI, or what a credential helper reads, outside `/usr` and the homes (a call that misses one names the path and this setting)',
    target: { config: 'sandboxReadPaths' },
  }),
  setting({
    variable: 'AWS_MCP_MASK_SECRETS',
    flag: 'mask-secrets',
    group: 'Safety',
    type: onOff(),
    default: true,
    summary: 'Mask access keys, secrets and tokens in returned output.',
    details: 'mask access keys, secrets, tokens and private keys in what is returned',
    target: { config: 'maskSecrets' },
  }),
  setting({
    variable: 'AWS_MCP_SECRETS_DIR',
    flag: 'secrets-dir',
    group: 'Safety',
    type: text('DIR'),
    default: undefined,
    unset: '`~/.local/share/aws-mcp/secrets`',
    summary: 'Where unmasked output is saved for the user; never near the workdir.',
    details:
      'where `save` and `saveOutputTo` write unmasked output for you (unset: `$XDG_DATA_HOME/aws-mcp/secrets` when that is set; 0700, files 0600); refused at start when it is, lies in, holds or sits beside the working directory',
    target: {
      elsewhere: '_secrets-folder.ts, from the environment: it is checked against the workdir at start',
    },
  }),
  setting({
    variable: 'AWS_MCP_AUDIT_LOG',
    flag: 'audit-log',
    group: 'Safety',
    type: text('FILE'),
    default: undefined,
    summary: 'Append one JSON line per tool call to this file.',
    details: 'append one JSON line per call (secret values redacted)',
    target: { config: 'auditLog' },
  }),
  setting({
    variable: 'AWS_PROFILE',
    flag: 'profile',
    group: 'AWS',
    type: text('NAME'),
    default: undefined,
    unset: 'default',
    summary: 'The AWS profile calls use when they name none.',
    details:
      'the default profile (`AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE` work as usual); a call may name another',
    target: { elsewhere: 'the AWS CLI and the AWS setup readers, from the environment, as the CLI does' },
  }),
  setting({
    variable: 'AWS_REGION',
    flag: 'region',
    group: 'AWS',
    type: text('REGION'),
    default: undefined,
    unset: "the profile's",
    summary: 'The AWS region calls use when they name none.',
    details:
      "the default region. A call that names a profile runs in that profile's `region`, as `aws --profile NAME` does — unless `AWS_REGION`/`AWS_DEFAULT_REGION` is set, which wins over every profile's region in the CLI too, so leave it out if your profiles have regions of their own",
    target: { elsewhere: 'the AWS CLI and the AWS setup readers, from the environment, as the CLI does' },
  }),
  setting({
    variable: 'AWS_MCP_AWS_CLI',
    flag: 'aws-cli',
    group: 'AWS',
    type: text('PATH'),
    default: undefined,
    unset: '`aws` on PATH',
    summary: "The AWS CLI's path, when the client lacks your shell's PATH.",
    details:
      "the AWS CLI to run: its full path, for desktop clients that start servers without your shell's PATH (on Windows `aws` finds `aws.exe` through PATHEXT)",
    target: { config: 'awsCli' },
  }),
  setting({
    variable: 'AWS_ENDPOINT_URL',
    flag: 'endpoint-url',
    group: 'AWS',
    type: text('URL', (url) =>
      URL.canParse(url)
        ? undefined
        : `must be a URL such as http://127.0.0.1:4566, not ${JSON.stringify(url)}.`,
    ),
    default: undefined,
    summary: 'Send every AWS request to this endpoint (an emulator, a VPC endpoint).',
    details: 'an endpoint such as LocalStack; added as `--endpoint-url` for CLIs that ignore the variable',
    target: { config: 'endpointUrl' },
  }),
  setting({
    variable: 'AWS_MCP_HOST',
    flag: 'host',
    group: 'HTTP',
    type: text('ADDRESS', (host) =>
      /^(\[[0-9a-fA-F:.]+\]|[0-9a-fA-F:.]+|[A-Za-z0-9.-]+)$/.test(host)
        ? undefined
        : `must be an IP address or a host name such as 127.0.0.1, not ${JSON.stringify(host)}.`,
    ),
    default: '127.0.0.1',
    summary: 'The address to listen on; a non-loopback address needs --auth-token.',
    details: 'HTTP: the address to listen on; any other than a loopback address needs a token',
    target: { config: 'http.host' },
  }),
  setting({
    variable: 'AWS_MCP_PORT',
    flag: 'port',
    group: 'HTTP',
    type: wholeNumber('PORT', { minimum: 0, maximum: 65_535 }),
    default: 8000,
    summary: 'The port to listen on; 0 picks a free one and prints it.',
    details: 'HTTP: the port (`0` picks a free one)',
    target: { config: 'http.port' },
  }),
  setting({
    variable: 'AWS_MCP_AUTH_TOKEN',
    flag: 'auth-token',
    group: 'HTTP',
    type: text('TOKEN', (token) =>
      isToken(token)
        ? undefined
        : `must be at least ${minimumTokenLength} characters without spaces (for example \`openssl rand -hex 32\`).`,
    ),
    default: undefined,
    unset: 'generated and printed at start',
    summary: 'Token clients send as Bearer (16+ chars); prefer the variable.',
    details: 'HTTP: the bearer token clients must send (prefer the variable: flags show in `ps`)',
    target: { config: 'http.authToken' },
    secret: 'a bearer token',
  }),
  setting({
    variable: 'AWS_MCP_AUTH_TOKENS',
    flag: 'auth-tokens',
    group: 'HTTP',
    type: commaList('TOKEN,...', {
      check: (token) =>
        isToken(token)
          ? undefined
          : `must list tokens of at least ${minimumTokenLength} characters without spaces, separated by commas.`,
    }),
    default: [],
    unset: 'none',
    summary: 'More tokens; a session answers only the token that started it.',
    details:
      'HTTP: more accepted tokens, comma-separated; a session takes requests only with the token that started it',
    target: { config: 'http.authTokens' },
    secret: 'bearer tokens',
  }),
  setting({
    variable: 'AWS_MCP_STATELESS',
    flag: 'stateless',
    group: 'HTTP',
    type: onOff(),
    default: false,
    summary: 'No sessions: a server per request, for a load balancer.',
    details: 'HTTP: no sessions, for several instances behind a load balancer',
    target: { config: 'http.stateless' },
  }),
  setting({
    variable: 'AWS_MCP_MAX_SESSIONS',
    flag: 'max-sessions',
    group: 'HTTP',
    type: wholeNumber('COUNT'),
    default: 100,
    summary: 'Most sessions open at once; more are refused with 503.',
    details: 'HTTP: sessions open at once',
    target: { config: 'http.maxSessions' },
  }),
  setting({
    variable: 'AWS_MCP_SESSION_IDLE_TIMEOUT',
    flag: 'session-idle-timeout',
    group: 'HTTP',
    type: wholeNumber('SECONDS'),
    default: 1800,
    summary: 'Close a session with no open request for this long.',
    details: 'HTTP: seconds before an idle session is closed',
    target: { config: 'http.sessionIdleTimeoutSeconds' },
  }),
  setting({
    variable: 'AWS_MCP_SESSION_EVICT_IDLE',
    flag: 'session-evict-idle',
    group: 'HTTP',
    type: wholeNumber('SECONDS'),
    default: 300,
    summary: 'When full, close the least recently used session idle this long.',
    details:
      'HTTP: when every session is taken, the least recently used one idle this many seconds (no call running, no consent pending) is closed for a new client',
    target: { config: 'http.sessionEvictIdleSeconds' },
  }),
  setting({
    variable: 'AWS_MCP_RESUME_GRACE',
    flag: 'resume-grace',
    group: 'HTTP',
    type: wholeNumber('SECONDS'),
    default: 30,
    summary: 'Cancel a call whose stream broke unless resumed within this.',
    details:
      'HTTP: seconds a call whose response stream broke keeps running for the client to resume it (`Last-Event-ID`); then it is canceled and its command killed',
    target: { config: 'http.resumeGraceSeconds' },
  }),
  setting({
    variable: 'AWS_MCP_MAX_REQUEST_BYTES',
    flag: 'max-request-bytes',
    group: 'HTTP',
    type: wholeNumber('BYTES', { minimum: 1024 }),
    default: 1024 * 1024,
    summary: 'Largest request body accepted; larger ones get 413.',
    details: 'HTTP: largest request body',
    target: { config: 'http.maxRequestBytes' },
  }),
  setting({
    variable: 'AWS_MCP_ALLOWED_HOSTS',
    flag: 'allowed-hosts',
    group: 'HTTP',
    type: commaList('HOST,...', { lowercase: true }),
    default: [],
    unset: 'loopback names and --host',
    summary: 'Host header names accepted (DNS rebinding protection).',
    details: 'HTTP: Host header values accepted besides these (DNS-rebinding protection)',
    target: { config: 'http.allowedHosts' },
  }),
  setting({
    variable: 'AWS_MCP_ALLOWED_ORIGINS',
    flag: 'allowed-origins',
    group: 'HTTP',
    type: commaList('ORIGIN,...', {
      // Exact origins only: a browser compares them as strings, and `*` or `null` would let any page in.
      check: (origin) =>
        URL.canParse(origin) && new URL(origin).origin === origin && !origin.includes('*')
          ? undefined
          : `must list origins such as https://app.example.com (scheme, host, optional port), not ${JSON.stringify(origin)}.`,
    }),
    default: [],
    unset: 'loopback origins',
    summary: 'Exact browser origins allowed (CORS), e.g. https://app.example.com.',
    details:
      'HTTP: browser Origin values accepted besides loopback ones; the listed origins, exact, also get CORS answers',
    target: { config: 'http.allowedOrigins' },
  }),
] as const;

type Row = (typeof settingRows)[number];

/** A row's value once read: its type's value, or undefined too when it has no default. */
type ValueOfRow<R> = R extends { type: SettingType<infer Value>; default: infer Default }
  ? [Default] extends [undefined]
    ? Value | undefined
    : Value
  : never;

/** Every setting's value once read, by variable. */
export type SettingValues = { [R in Row as R['variable']]: ValueOfRow<R> };

/** A setting's variable. */
export type SettingVariable = Row['variable'];

/** Reads a setting's name for messages: the flag as well when the value came from the command line. */
export type DescribeSetting = (variable: string) => string;

/**
 * The zod schema of the environment: one field per row, blank or unset giving the row's default, anything else
 * read by the row's type. A bad value is an issue whose message names the setting (with `describe`) and says
 * what it must be.
 */
export function buildSettingsSchema(describe: DescribeSetting): z.ZodType<SettingValues> {
  const shape: Record<string, z.ZodType> = {};
  for (const row of settingRows as readonly SettingRow[]) {
    shape[row.variable] = z
      .string()
      .optional()
      .transform((given, context) => {
        if (given === undefined || given.trim() === '') return row.default;
        const reading = row.type.read(given);
        if ('problem' in reading) {
          context.addIssue({ code: 'custom', message: `${describe(row.variable)} ${reading.problem}` });
          return z.NEVER;
        }
        return reading.value;
      });
  }
  return z.object(shape) as unknown as z.ZodType<SettingValues>;
}

/**
 * A row's default in words: the row's `unset` text, else its default value as its type prints it; undefined when
 * it has neither. Code is in backticks (the README keeps them; `--help` drops them).
 */
export function describeDefault(row: SettingRow): string | undefined {
  if (row.unset !== undefined) return row.unset;
  if (row.default === undefined) return undefined;
  return `\`${row.type.show(row.default)}\``;
}
