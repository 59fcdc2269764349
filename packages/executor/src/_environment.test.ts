import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { version } from '../package.json';
import { buildAwsEnvironment, buildFilterEnvironment } from './_environment.js';

const serverEnvironment = {
  PATH: '/usr/bin:/bin',
  HOME: '/home/user',
  LANG: 'C.UTF-8',
  LC_CTYPE: 'C.UTF-8',
  TZ: 'UTC',
  AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'secret-value',
  AWS_SESSION_TOKEN: 'token-value',
  AWS_PROFILE: 'dev',
  AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
  AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000',
  AWS_MCP_HTTP_TOKEN: 'server-token',
  AWS_MCP_MODE: 'full',
  AWS_DATA_PATH: '/tmp/models',
  NODE_OPTIONS: '--inspect',
  GITHUB_TOKEN: 'ghp_example',
  PAGER: 'less',
};

describe('buildAwsEnvironment', () => {
  it('passes the AWS variables by name and never the server settings or unrelated secrets', () => {
    const env = buildAwsEnvironment(serverEnvironment, { credentialsMode: 'both' });
    expect(env).toEqual({
      PATH: '/usr/bin:/bin',
      HOME: '/home/user',
      LANG: 'C.UTF-8',
      LC_CTYPE: 'C.UTF-8',
      TZ: 'UTC',
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret-value',
      AWS_SESSION_TOKEN: 'token-value',
      AWS_PROFILE: 'dev',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000',
      AWS_EXECUTION_ENV: `aws-mcp-${version}`,
      AWS_PAGER: '',
      AWS_CLI_AUTO_PROMPT: 'off',
    });
  });

  it('passes AWS_DEFAULT_OUTPUT, which the CLI reads for a line without --output', () => {
    const env = buildAwsEnvironment(
      { ...serverEnvironment, AWS_DEFAULT_OUTPUT: 'text' },
      { credentialsMode: 'both' },
    );
    expect(env.AWS_DEFAULT_OUTPUT).toBe('text');
  });

  it('marks the calls as aws-mcp’s, after an execution environment already set', () => {
    const env = buildAwsEnvironment(
      { ...serverEnvironment, AWS_EXECUTION_ENV: 'CloudShell' },
      { credentialsMode: 'both', agentVersion: '2.0.0' },
    );
    expect(env.AWS_EXECUTION_ENV).toBe('CloudShell-aws-mcp-2.0.0');
  });

  it('leaves the credential variables out in aws_config mode', () => {
    const env = buildAwsEnvironment(serverEnvironment, { credentialsMode: 'aws_config' });
    expect(Object.keys(env)).not.toContain('AWS_SECRET_ACCESS_KEY');
    expect(Object.keys(env)).not.toContain('AWS_ACCESS_KEY_ID');
    expect(env.AWS_PROFILE).toBe('dev');
  });

  it('sets the chosen profile and region where both CLI versions read them', () => {
    const env = buildAwsEnvironment(
      { ...serverEnvironment, AWS_DEFAULT_PROFILE: 'old' },
      { credentialsMode: 'env', profile: 'prod', region: 'eu-west-1' },
    );
    expect(env).toMatchObject({
      AWS_PROFILE: 'prod',
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1',
    });
    expect(env.AWS_DEFAULT_PROFILE).toBeUndefined();
  });
});

describe('buildFilterEnvironment', () => {
  it('passes only PATH, locale and time zone, and a home that does not exist', () => {
    expect(buildFilterEnvironment(serverEnvironment)).toEqual({
      PATH: '/usr/bin:/bin',
      LANG: 'C.UTF-8',
      LC_CTYPE: 'C.UTF-8',
      TZ: 'UTC',
      HOME: '/nonexistent',
    });
  });

  it('keeps jq from loading ~/.jq from the account home (jq falls back to getpwuid without HOME)', () => {
    // The real jq with a planted ~/.jq in the home it is given: with the filter environment it is never read.
    const home = mkdtempSync(join(tmpdir(), 'jq-home-'));
    try {
      writeFileSync(join(home, '.jq'), 'def planted: "loaded from ~/.jq";');
      const run = (env: Record<string, string>) =>
        spawnSync('jq', ['-n', 'planted'], { env, encoding: 'utf8' });
      // The planted module is what jq reads from a home it is given: the test can see it.
      expect(run({ ...buildFilterEnvironment(process.env), HOME: home }).stdout).toContain('loaded');
      const filtered = run(buildFilterEnvironment({ ...process.env, HOME: home }));
      expect(filtered.stdout).toBe('');
      expect(filtered.stderr).toMatch(/planted\/0 is not defined/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
