import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type SettingRow, settingRows } from './_settings.js';
import {
  ConfigError,
  choosePolicyMode,
  readServerConfig,
  type ServerConfig,
  settingDefinitions,
} from './config.js';

const home = { HOME: '/home/someone' };

function readError(env: NodeJS.ProcessEnv, flags?: Record<string, string>): ConfigError {
  try {
    readServerConfig(env, { flags });
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('no ConfigError');
}

describe('readServerConfig', () => {
  it('has safe defaults for every setting', () => {
    expect(readServerConfig(home)).toEqual({
      timeoutSeconds: 300,
      maxTimeoutSeconds: 900,
      maxConcurrent: 8,
      fanOutMax: 50,
      maxOutputChars: 40_000,
      consentTimeoutSeconds: 120,
      // Unset, the mode is the policy file's or the sandbox's call (choosePolicyMode), so the config says none.
      mode: undefined,
      sandbox: 'auto',
      sandboxCredentials: 'both',
      sandboxLimits: {},
      sandboxReadPaths: [],
      transport: 'stdio',
      warmCli: 'on',
      workdir: '/home/someone/.cache/aws-mcp/workdir',
      endpointUrl: undefined,
      awsCli: undefined,
      policyFile: undefined,
      auditLog: undefined,
      maskSecrets: true,
      profiles: undefined,
      results: { sessionBytes: 16 * 1024 * 1024, totalBytes: 64 * 1024 * 1024, ttlSeconds: 900 },
      roles: undefined,
      http: {
        host: '127.0.0.1',
        port: 8000,
        authToken: undefined,
        authTokens: [],
        stateless: false,
        maxSessions: 100,
        sessionIdleTimeoutSeconds: 1800,
        sessionEvictIdleSeconds: 300,
        resumeGraceSeconds: 30,
        maxRequestBytes: 1_048_576,
        allowedHosts: [],
        allowedOrigins: [],
      },
    });
  });

  it.each([
    ['AWS_MCP_TIMEOUT', '60', { timeoutSeconds: 60 }],
    ['AWS_MCP_MAX_TIMEOUT', '1200', { maxTimeoutSeconds: 1200 }],
    ['AWS_MCP_MAX_OUTPUT', ' 5000 ', { maxOutputChars: 5000 }],
    ['AWS_MCP_CONSENT_TIMEOUT', '30', { consentTimeoutSeconds: 30 }],
    ['AWS_MCP_FANOUT_MAX', '12', { fanOutMax: 12 }],
    ['AWS_MCP_MODE', 'read-only', { mode: 'read-only' }],
    ['AWS_MCP_MODE', 'READ_ONLY', { mode: 'read-only' }],
    ['AWS_MCP_MODE', ' ', { mode: undefined }],
    ['AWS_MCP_SANDBOX', 'required', { sandbox: 'required' }],
    ['AWS_MCP_SANDBOX_CREDENTIALS', 'aws_config', { sandboxCredentials: 'aws_config' }],
    ['AWS_MCP_SANDBOX_CREDENTIALS', 'aws-config', { sandboxCredentials: 'aws_config' }],
    ['AWS_MCP_TRANSPORT', 'streamable-http', { transport: 'streamable-http' }],
    ['AWS_MCP_TRANSPORT', 'sse', { transport: 'sse' }],
    ['AWS_MCP_WORKDIR', '/tmp/work/../work', { workdir: '/tmp/work' }],
    ['AWS_ENDPOINT_URL', 'http://127.0.0.1:4566', { endpointUrl: 'http://127.0.0.1:4566' }],
    ['AWS_MCP_POLICY_FILE', '/etc/aws-mcp/policy.json', { policyFile: '/etc/aws-mcp/policy.json' }],
    ['AWS_MCP_AUDIT_LOG', '/var/log/aws-mcp.jsonl', { auditLog: '/var/log/aws-mcp.jsonl' }],
    ['AWS_MCP_MASK_SECRETS', 'false', { maskSecrets: false }],
    ['AWS_MCP_PROFILES', ' dev, prod ,', { profiles: ['dev', 'prod'] }],
    ['AWS_MCP_PROFILES', ' , ', { profiles: undefined }],
    ['AWS_MCP_ROLES', 'arn:aws:iam::*:role/Audit*, ', { roles: ['arn:aws:iam::*:role/Audit*'] }],
  ])('reads %s=%j', (variable, value, expected) => {
    expect(readServerConfig({ ...home, [variable]: value })).toMatchObject(expected);
  });

  it.each([
    ['AWS_MCP_HOST', '::1', { host: '::1' }],
    ['AWS_MCP_PORT', '0', { port: 0 }],
    ['AWS_MCP_PORT', '65535', { port: 65_535 }],
    [
      'AWS_MCP_AUTH_TOKEN',
      '0123456789abcdef',
      { authToken: '0123456789abcdef', authTokens: ['0123456789abcdef'] },
    ],
    [
      'AWS_MCP_AUTH_TOKENS',
      'first-token-0123456, second-token-0123456',
      { authToken: 'first-token-0123456', authTokens: ['first-token-0123456', 'second-token-0123456'] },
    ],
    ['AWS_MCP_SESSION_EVICT_IDLE', '2', { sessionEvictIdleSeconds: 2 }],
    ['AWS_MCP_RESUME_GRACE', '5', { resumeGraceSeconds: 5 }],
    ['AWS_MCP_STATELESS', 'TRUE', { stateless: true }],
    ['AWS_MCP_MAX_SESSIONS', '5', { maxSessions: 5 }],
    ['AWS_MCP_SESSION_IDLE_TIMEOUT', '60', { sessionIdleTimeoutSeconds: 60 }],
    ['AWS_MCP_MAX_REQUEST_BYTES', '4096', { maxRequestBytes: 4096 }],
    [
      'AWS_MCP_ALLOWED_HOSTS',
      'MCP.example.com, mcp.internal:9000',
      { allowedHosts: ['mcp.example.com', 'mcp.internal:9000'] },
    ],
    ['AWS_MCP_ALLOWED_ORIGINS', 'https://app.example.com', { allowedOrigins: ['https://app.example.com'] }],
  ])('reads the HTTP setting %s=%j', (variable, value, expected) => {
    expect(readServerConfig({ ...home, [variable]: value }).http).toMatchObject(expected);
  });

  it('puts the default working directory under XDG_CACHE_HOME when it is set', () => {
    expect(readServerConfig({ ...home, XDG_CACHE_HOME: '/var/cache/me' }).workdir).toBe(
      '/var/cache/me/aws-mcp/workdir',
    );
  });

  it('starts on a non-loopback address when a token is configured', () => {
    const config = readServerConfig({
      ...home,
      AWS_MCP_TRANSPORT: 'streamable-http',
      AWS_MCP_HOST: '0.0.0.0',
      AWS_MCP_AUTH_TOKEN: 'a-long-enough-token',
    });
    expect(config.http).toMatchObject({ host: '0.0.0.0', authToken: 'a-long-enough-token' });
  });

  it.each([
    ['AWS_MCP_TIMEOUT', '0', 'AWS_MCP_TIMEOUT must be a positive whole number, not "0".'],
    ['AWS_MCP_TIMEOUT', '1.5', 'AWS_MCP_TIMEOUT must be a positive whole number, not "1.5".'],
    ['AWS_MCP_MAX_OUTPUT', 'lots', 'AWS_MCP_MAX_OUTPUT must be a positive whole number, not "lots".'],
    ['AWS_MCP_FANOUT_MAX', '0', 'AWS_MCP_FANOUT_MAX must be a positive whole number, not "0".'],
    ['AWS_MCP_TIMEOUT', '1000', 'AWS_MCP_TIMEOUT must be at most AWS_MCP_MAX_TIMEOUT (900), not 1000.'],
    ['AWS_MCP_MODE', 'yolo', 'AWS_MCP_MODE must be one of read-only, confirm-writes, full, not "yolo".'],
    ['AWS_MCP_SANDBOX', 'off', 'AWS_MCP_SANDBOX must be one of auto, required, disabled, not "off".'],
    [
      'AWS_MCP_SANDBOX_CREDENTIALS',
      'files',
      'AWS_MCP_SANDBOX_CREDENTIALS must be one of env, aws_config, both, not "files".',
    ],
    [
      'AWS_MCP_TRANSPORT',
      'http',
      'AWS_MCP_TRANSPORT must be one of stdio, streamable-http, sse, not "http".',
    ],
    ['AWS_MCP_MASK_SECRETS', 'no', 'AWS_MCP_MASK_SECRETS must be one of true, false, not "no".'],
    ['AWS_MCP_STATELESS', '1', 'AWS_MCP_STATELESS must be one of true, false, not "1".'],
    ['AWS_MCP_PORT', '65536', 'AWS_MCP_PORT must be a whole number from 0 to 65535, not "65536".'],
    ['AWS_MCP_PORT', '-1', 'AWS_MCP_PORT must be a whole number from 0 to 65535, not "-1".'],
    ['AWS_MCP_MAX_SESSIONS', '0', 'AWS_MCP_MAX_SESSIONS must be a positive whole number, not "0".'],
    [
      'AWS_MCP_MAX_REQUEST_BYTES',
      '100',
      'AWS_MCP_MAX_REQUEST_BYTES must be a whole number of at least 1024, not "100".',
    ],
    [
      'AWS_ENDPOINT_URL',
      '127.0.0.1:4566',
      'AWS_ENDPOINT_URL must be a URL such as http://127.0.0.1:4566, not "127.0.0.1:4566".',
    ],
    [
      'AWS_MCP_ROLES',
      'ReadOnly',
      'AWS_MCP_ROLES must list role ARNs or ARN globs such as arn:aws:iam::123456789012:role/ReadOnly*, not "ReadOnly".',
    ],
    [
      'AWS_MCP_WORKDIR',
      '/',
      'AWS_MCP_WORKDIR is refused: The working directory / is the root folder; the aws stage may write there, so confinement would mean nothing. Use a dedicated folder, e.g. one under ~/.cache.',
    ],
    [
      'AWS_MCP_WORKDIR',
      '/home/someone/',
      'AWS_MCP_WORKDIR is refused: The working directory /home/someone is a home folder; the aws stage may write there, so confinement would mean nothing. Use a dedicated folder, e.g. one under ~/.cache.',
    ],
    // A parent of HOME passed start-up before, then every command failed with UNSAFE_WORKDIR: one check now.
    [
      'AWS_MCP_WORKDIR',
      '/home',
      'AWS_MCP_WORKDIR is refused: The working directory /home is a parent of the home folder /home/someone; the aws stage may write there, so confinement would mean nothing. Use a dedicated folder, e.g. one under ~/.cache.',
    ],
    [
      'AWS_MCP_HOST',
      'http://example.com',
      'AWS_MCP_HOST must be an IP address or a host name such as 127.0.0.1, not "http://example.com".',
    ],
    [
      'AWS_MCP_AUTH_TOKEN',
      'short',
      'AWS_MCP_AUTH_TOKEN must be at least 16 characters without spaces (for example `openssl rand -hex 32`).',
    ],
    [
      'AWS_MCP_ALLOWED_ORIGINS',
      'app.example.com',
      'AWS_MCP_ALLOWED_ORIGINS must list origins such as https://app.example.com (scheme, host, optional port), not "app.example.com".',
    ],
    ...['https://*.example.com', 'null', '*'].map((origin) => [
      'AWS_MCP_ALLOWED_ORIGINS',
      origin,
      `AWS_MCP_ALLOWED_ORIGINS must list origins such as https://app.example.com (scheme, host, optional port), not ${JSON.stringify(origin)}.`,
    ]),
    [
      'AWS_MCP_AUTH_TOKENS',
      'long-enough-token-1,short',
      'AWS_MCP_AUTH_TOKENS must list tokens of at least 16 characters without spaces, separated by commas.',
    ],
  ])('refuses %s=%j with one line naming it', (variable, value, message) => {
    const error = readError({ ...home, [variable]: value });
    expect(error).toMatchObject({ code: 'INVALID_SETTING', variable, message });
  });

  it.each([['0.0.0.0'], ['192.168.1.10'], ['my-host.example.com']])(
    'refuses to serve HTTP on %s without a configured token',
    (host) => {
      const error = readError({ ...home, AWS_MCP_TRANSPORT: 'streamable-http', AWS_MCP_HOST: host });
      expect(error.variable).toBe('AWS_MCP_AUTH_TOKEN');
      expect(error.message).toBe(
        `AWS_MCP_AUTH_TOKEN (or --auth-token) must be set when AWS_MCP_HOST is ${host}, not a loopback address: anyone who can reach the port could spend your AWS credentials.`,
      );
    },
  );

  it('names the flag when the bad value came from the command line', () => {
    expect(readError({ ...home, AWS_MCP_PORT: 'abc' }, { AWS_MCP_PORT: '--port' }).message).toBe(
      '--port (AWS_MCP_PORT) must be a whole number from 0 to 65535, not "abc".',
    );
    expect(
      readError(
        { ...home, AWS_MCP_TIMEOUT: '50', AWS_MCP_MAX_TIMEOUT: '10' },
        { AWS_MCP_MAX_TIMEOUT: '--max-timeout' },
      ).message,
    ).toBe('AWS_MCP_TIMEOUT must be at most --max-timeout (AWS_MCP_MAX_TIMEOUT) (10), not 50.');
  });
});

describe('AWS_MCP_SANDBOX_LIMITS', () => {
  const read = (value: string) => readServerConfig({ HOME: '/home/someone', AWS_MCP_SANDBOX_LIMITS: value });
  it.each([
    ['', {}],
    ['filter.addressSpaceBytes=1GiB', { filter: { addressSpaceBytes: 1024 ** 3 } }],
    [
      'aws.processes=1024, filter.cpuSeconds=30,filter.temporaryBytes=64MiB',
      { aws: { processes: 1024 }, filter: { cpuSeconds: 30, temporaryBytes: 64 * 1024 ** 2 } },
    ],
  ])('reads %j', (value, limits) => {
    expect(read(value).sandboxLimits).toEqual(limits);
  });

  it.each([
    'filter.memory=1GiB',
    'shell.processes=4',
    'filter.processes=1GiB',
    'filter.processes=-1',
    'filter.processes=0',
    'filter.processes',
  ])('refuses %j, naming what it takes', (value) => {
    expect(() => read(value)).toThrow(ConfigError);
    expect(() => read(value)).toThrow(/^AWS_MCP_SANDBOX_LIMITS must /);
  });
});

describe('settingDefinitions', () => {
  it('gives every variable the schema reads a flag that mirrors its name', () => {
    const flags = settingDefinitions.map((definition) => definition.flag);
    expect(new Set(flags).size).toBe(flags.length);
    for (const definition of settingDefinitions) {
      if (definition.variable.startsWith('AWS_MCP_')) {
        expect(definition.flag).toBe(
          definition.variable.slice('AWS_MCP_'.length).toLowerCase().replaceAll('_', '-'),
        );
      }
    }
  });
});

describe('choosePolicyMode', () => {
  it.each([
    [undefined, undefined, true, 'confirm-writes'],
    [undefined, undefined, false, 'read-only'],
    [undefined, 'full', false, 'full'],
    [undefined, 'read-only', true, 'read-only'],
    ['full', 'read-only', true, 'full'],
    ['confirm-writes', undefined, false, 'confirm-writes'],
  ] as const)('chosen %s, policy file %s, sandboxed %s: %s', (chosen, fromFile, sandboxed, mode) => {
    expect(choosePolicyMode({ chosen, fromFile, sandboxed })).toBe(mode);
  });

  it('is, with nothing chosen and a sandbox, the default --help and the README name', () => {
    const help = settingDefinitions.find((definition) => definition.variable === 'AWS_MCP_MODE');
    expect(choosePolicyMode({ chosen: undefined, fromFile: undefined, sandboxed: true })).toBe(
      help?.defaultText,
    );
  });
});

describe('ServerConfig and settingRows', () => {
  const rows = settingRows as readonly SettingRow[];
  const folder = mkdtempSync(join(tmpdir(), 'aws-mcp-config-test-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));
  /** A value other than the default for every setting, so each row can be seen to reach its field. */
  const examples: Record<string, string> = {
    AWS_MCP_TRANSPORT: 'sse',
    AWS_MCP_TIMEOUT: '60',
    AWS_MCP_MAX_TIMEOUT: '1000',
    AWS_MCP_MAX_CONCURRENT: '2',
    AWS_MCP_FANOUT_MAX: '3',
    AWS_MCP_RESULTS_SESSION_BYTES: '0',
    AWS_MCP_RESULTS_TOTAL_BYTES: '1024',
    AWS_MCP_RESULTS_TTL: '60',
    AWS_MCP_MAX_OUTPUT: '500',
    AWS_MCP_WORKDIR: join(folder, 'work'),
    AWS_MCP_WARM_CLI: 'off',
    AWS_MCP_MODE: 'full',
    AWS_MCP_POLICY_FILE: '/etc/aws-mcp/policy.json',
    AWS_MCP_PROFILES: 'dev',
    AWS_MCP_ROLES: 'arn:aws:iam::*:role/Audit',
    AWS_MCP_CONSENT_TIMEOUT: '10',
    AWS_MCP_SANDBOX: 'disabled',
    AWS_MCP_SANDBOX_CREDENTIALS: 'env',
    AWS_MCP_SANDBOX_LIMITS: 'aws.processes=64',
    AWS_MCP_SANDBOX_READ_PATHS: folder,
    AWS_MCP_MASK_SECRETS: 'false',
    AWS_MCP_SECRETS_DIR: join(folder, 'secrets'),
    AWS_MCP_AUDIT_LOG: '/var/log/aws-mcp.jsonl',
    AWS_PROFILE: 'dev',
    AWS_REGION: 'eu-west-1',
    AWS_MCP_AWS_CLI: '/usr/bin/aws',
    AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
    AWS_MCP_HOST: '::1',
    AWS_MCP_PORT: '0',
    AWS_MCP_AUTH_TOKEN: 'a-long-enough-token',
    AWS_MCP_AUTH_TOKENS: 'another-long-token',
    AWS_MCP_STATELESS: 'true',
    AWS_MCP_MAX_SESSIONS: '4',
    AWS_MCP_SESSION_IDLE_TIMEOUT: '60',
    AWS_MCP_SESSION_EVICT_IDLE: '5',
    AWS_MCP_RESUME_GRACE: '5',
    AWS_MCP_MAX_REQUEST_BYTES: '4096',
    AWS_MCP_ALLOWED_HOSTS: 'mcp.example.com',
    AWS_MCP_ALLOWED_ORIGINS: 'https://app.example.com',
  };
  const at = (config: ServerConfig, path: string) =>
    path.split('.').reduce<unknown>((value, key) => (value as Record<string, unknown>)[key], config);

  it('has an example for every row', () => {
    expect(Object.keys(examples).sort()).toEqual(rows.map((row) => row.variable).sort());
  });

  it.each(rows.map((row) => [row.variable, row]))('%s reaches the field its row names', (variable, row) => {
    const defaults = readServerConfig(home);
    const config = readServerConfig({ ...home, [variable]: examples[variable] });
    if ('config' in row.target) {
      expect(at(config, row.target.config)).not.toEqual(at(defaults, row.target.config));
    } else {
      // Read from the environment elsewhere (row.target.elsewhere): the config does not carry it.
      expect(config).toEqual(defaults);
    }
  });

  it('has a row for every field, and a field for every row that names one', () => {
    const targets = rows.flatMap((row) => ('config' in row.target ? [row.target.config] : []));
    const fields = (value: object, prefix: string): string[] =>
      Object.entries(value).flatMap(([key, field]) =>
        targets.includes(`${prefix}${key}`) ||
        typeof field !== 'object' ||
        field === null ||
        Array.isArray(field)
          ? [`${prefix}${key}`]
          : fields(field, `${prefix}${key}.`),
      );
    expect(fields(readServerConfig(home), '').sort()).toEqual([...targets].sort());
  });
});
