import { policyModes } from '@aws-mcp/command';
import { credentialsModes, sandboxModes } from '@aws-mcp/executor';
import { describe, expect, it } from 'vitest';
import { type SettingRow, settingRows } from './_settings.js';
import { formatHelp, readCommandLine } from './cli-flags.js';
import { ConfigError, readServerConfig, settingDefinitions } from './config.js';

describe('readCommandLine', () => {
  it.each([
    [['--timeout', '60'], { AWS_MCP_TIMEOUT: '60' }],
    [['--timeout=60'], { AWS_MCP_TIMEOUT: '60' }],
    [['--max-output', '500'], { AWS_MCP_MAX_OUTPUT: '500' }],
    [['--mode', 'read-only'], { AWS_MCP_MODE: 'read-only' }],
    [
      ['--transport', 'streamable-http', '--port', '0'],
      { AWS_MCP_TRANSPORT: 'streamable-http', AWS_MCP_PORT: '0' },
    ],
    [
      ['--sandbox', 'disabled', '--sandbox-credentials', 'env'],
      { AWS_MCP_SANDBOX: 'disabled', AWS_MCP_SANDBOX_CREDENTIALS: 'env' },
    ],
    [
      ['--workdir', '/tmp/w', '--policy-file', 'p.json', '--audit-log', 'a.jsonl'],
      { AWS_MCP_WORKDIR: '/tmp/w', AWS_MCP_POLICY_FILE: 'p.json', AWS_MCP_AUDIT_LOG: 'a.jsonl' },
    ],
    [['--no-mask-secrets'], { AWS_MCP_MASK_SECRETS: 'false' }],
    [['--mask-secrets'], { AWS_MCP_MASK_SECRETS: 'true' }],
    [['--stateless'], { AWS_MCP_STATELESS: 'true' }],
    [['--stateless', '--no-stateless'], { AWS_MCP_STATELESS: 'false' }],
    [
      ['--host', '::1', '--max-sessions', '3', '--session-idle-timeout', '60'],
      { AWS_MCP_HOST: '::1', AWS_MCP_MAX_SESSIONS: '3', AWS_MCP_SESSION_IDLE_TIMEOUT: '60' },
    ],
    [
      ['--profiles', 'dev,prod', '--max-timeout', '60', '--consent-timeout', '10'],
      { AWS_MCP_PROFILES: 'dev,prod', AWS_MCP_MAX_TIMEOUT: '60', AWS_MCP_CONSENT_TIMEOUT: '10' },
    ],
    [
      ['--endpoint-url', 'http://127.0.0.1:4566', '--profile', 'dev', '--region', 'eu-west-1'],
      { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566', AWS_PROFILE: 'dev', AWS_REGION: 'eu-west-1' },
    ],
    [['--timeout', '1', '--timeout', '2'], { AWS_MCP_TIMEOUT: '2' }],
  ])('reads %j', (argv, settings) => {
    expect(readCommandLine(argv)).toMatchObject({ action: 'run', settings, warnings: [] });
  });

  it.each([
    ['--auth-token', 'AWS_MCP_AUTH_TOKEN'],
    ['--auth-tokens', 'AWS_MCP_AUTH_TOKENS'],
  ])('warns that a token given as %s is visible in the process list', (flag, variable) => {
    const commandLine = readCommandLine([flag, 'a-long-enough-token']);
    expect(commandLine.settings).toEqual({ [variable]: 'a-long-enough-token' });
    expect(commandLine.warnings).toEqual([
      `${flag} is visible to other local users in the process list (ps); set ${variable} instead.`,
    ]);
  });

  it.each([
    [['--help'], 'help'],
    [['-h'], 'help'],
    [['--port', 'x', '--help'], 'help'],
    [['--version'], 'version'],
    [['-v'], 'version'],
    [[], 'run'],
  ])('%j asks for %s', (argv, action) => {
    expect(readCommandLine(argv).action).toBe(action);
  });

  it.each([
    [['--bogus'], 'Unknown option --bogus. Run aws-mcp-server --help for the options.'],
    [['-x'], 'Unknown option -x. Run aws-mcp-server --help for the options.'],
    [['--timeout'], '--timeout needs a value. Run aws-mcp-server --help for the options.'],
    [['--timeout='], '--timeout needs a value (SECONDS). Run aws-mcp-server --help for the options.'],
    // A dash-led value is read as another option: say how to write it, and nothing about a --no- form.
    [
      ['--timeout', '-1'],
      '--timeout needs a value (SECONDS); one that starts with "-" must be written --timeout=VALUE. Run aws-mcp-server --help for the options.',
    ],
    [
      ['--stateless=false'],
      '--stateless takes no value; use --stateless or --no-stateless. Run aws-mcp-server --help for the options.',
    ],
    [
      ['s3'],
      'Unexpected argument "s3": every setting is a --flag. Run aws-mcp-server --help for the options.',
    ],
  ])('refuses %j in one line', (argv, message) => {
    let thrown: unknown;
    try {
      readCommandLine(argv);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect(thrown).toMatchObject({ code: 'INVALID_SETTING', message });
  });

  it('says what --timeout=-1 must be, without a --no-timeout that does not exist', () => {
    const commandLine = readCommandLine(['--timeout=-1']);
    expect(() =>
      readServerConfig({ HOME: '/home/someone', ...commandLine.settings }, { flags: commandLine.flags }),
    ).toThrow('--timeout (AWS_MCP_TIMEOUT) must be a positive whole number, not "-1".');
  });

  it('names the flag in a message about its value', () => {
    const commandLine = readCommandLine(['--mode', 'yolo']);
    expect(() =>
      readServerConfig({ HOME: '/home/someone', ...commandLine.settings }, { flags: commandLine.flags }),
    ).toThrow('--mode (AWS_MCP_MODE) must be one of read-only, confirm-writes, full, not "yolo".');
  });
});

describe('formatHelp', () => {
  const help = formatHelp();

  it.each(settingDefinitions.map((definition) => [definition.flag, definition]))(
    'lists --%s with its variable and default',
    (_flag, definition) => {
      const usage = definition.kind === 'boolean' ? `--[no-]${definition.flag}` : `--${definition.flag} <`;
      expect(help).toContain(usage);
      expect(help).toContain(
        `[${definition.variable}, ${definition.defaultText === undefined ? 'no default' : `default: ${definition.defaultText}`}]`,
      );
    },
  );

  it("shows each choice setting's values from the package that owns them", () => {
    expect(help).toContain(`--mode <${policyModes.join('|')}>`);
    expect(help).toContain(`--sandbox <${sandboxModes.join('|')}>`);
    expect(help).toContain(`--sandbox-credentials <${credentialsModes.join('|')}>`);
  });

  it.each(
    (settingRows as readonly SettingRow[])
      .filter((row) => typeof row.default === 'number')
      .map((row) => [row.flag, String(row.default)]),
  )('prints --%s default from its value (%s)', (flag, text) => {
    const lines = help.split('\n');
    const usage = lines.findIndex((line) => line.startsWith(`  --${flag} <`));
    expect(lines.slice(usage, usage + 3).join('\n')).toContain(`, default: ${text}]`);
  });

  it('fits a terminal of 110 columns and names --help and --version', () => {
    expect(help.split('\n').filter((line) => line.length > 110)).toEqual([]);
    expect(help).toMatch(/^ {2}-h, --help +Show this help\.$/m);
    expect(help).toMatch(/^ {2}-v, --version +Show the version\.$/m);
  });
});
