import { generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSnapshotCliModel, parseCommandLine } from '@aws-mcp/command';
import type { MotoEmulator } from '@aws-mcp/emulators';
import {
  bubblewrapMissing,
  describeWithBubblewrap,
  type EmulatedAws,
  startEmulatedAws,
} from '@aws-mcp/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findExecutable } from './_find-executable.js';
import { createBubblewrapSandbox } from './bubblewrap-sandbox.js';
import { ExecutionError } from './execution-error.js';
import { type PipelineResult, type RunPipelineOptions, runPipeline } from './run-pipeline.js';
import { noSandbox } from './sandbox.js';
import { secretOutputOf } from './secret-output.js';

// Every case runs the real CLI against moto in the real bubblewrap sandbox (skipped where it cannot run), but
// the one that says it runs unconfined.
const debianAws = '/usr/bin/aws';

let aws: EmulatedAws<MotoEmulator>;
let moto: MotoEmulator;
let workdir: string;
let vaults: string;
let options: RunPipelineOptions;
/** What the CLI returns when nothing is masked: the oracle for what must not come back. */
let sessionSecrets: string[];
let accessKeyId: string;

function run(command: string, extra: Partial<RunPipelineOptions> = {}): Promise<PipelineResult> {
  return runPipeline(parseCommandLine(command), { ...options, ...extra });
}

function reverse(text: string): string {
  return [...text].reverse().join('');
}

/** Every spelling of a secret a transformation could return: as is, reversed, case-changed, base64, any piece. */
function findSpelling(output: string, secret: string): string | undefined {
  const decoded = (output.match(/[A-Za-z0-9+/]{16,}={0,2}/g) ?? []).map((run) =>
    Buffer.from(run, 'base64').toString('latin1'),
  );
  const haystacks = [output, reverse(output), ...decoded].map((text) => text.toLowerCase());
  for (let start = 0; start + 12 <= secret.length; start += 4) {
    const piece = secret.slice(start, start + 12).toLowerCase();
    if (haystacks.some((text) => text.includes(piece))) return piece;
  }
  return undefined;
}

function expectNoSecret(result: PipelineResult, secrets: string[]): void {
  for (const text of [result.output, result.stderr, result.filterStderr]) {
    for (const secret of secrets) expect(findSpelling(text, secret)).toBeUndefined();
  }
}

// For the blocks that run the CLI (describeWithBubblewrap), which are skipped where bubblewrap cannot run.
beforeAll(async () => {
  if (bubblewrapMissing !== undefined) return;
  aws = await startEmulatedAws();
  moto = aws.emulator;
  workdir = await mkdtemp(join(tmpdir(), 'secrets-workdir-'));
  vaults = await mkdtemp(join(tmpdir(), 'secrets-vaults-'));
  options = {
    cwd: workdir,
    env: { PATH: process.env.PATH, LANG: 'C.UTF-8', ...aws.homeEnv, AWS_MAX_ATTEMPTS: '1' },
    endpointUrl: moto.endpoint,
    timeoutMs: 60_000,
    sandbox: createBubblewrapSandbox({ bwrapPath: findExecutable('bwrap', process.env.PATH) as string }),
  };
  const shown = await run('aws sts get-session-token --output json', { secrets: 'show' });
  const credentials = (JSON.parse(shown.output) as { Credentials: Record<string, string> }).Credentials;
  sessionSecrets = [credentials.SecretAccessKey as string, credentials.SessionToken as string];
  accessKeyId = credentials.AccessKeyId as string;
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  await writeFile(join(workdir, 'cloudfront-key.pem'), privateKey);
  expect(sessionSecrets.every((secret) => secret.length >= 40)).toBe(true);
});

afterAll(async () => {
  await aws?.stop();
  if (workdir !== undefined) await rm(workdir, { recursive: true, force: true });
  if (vaults !== undefined) await rm(vaults, { recursive: true, force: true });
});

describeWithBubblewrap('runPipeline masks secret members inside the CLI', () => {
  it.each([
    ['values(Credentials)', "aws sts get-session-token --query 'values(Credentials)'"],
    ['values(Credentials) as text', "aws sts get-session-token --query 'values(Credentials)' --output text"],
    ['--output text', 'aws sts get-session-token --output text'],
    ['--output table --color on', 'aws sts get-session-token --output table --color on'],
    ['--query Credentials', 'aws sts get-session-token --output json --query Credentials'],
    ['an escaped name', `aws sts get-session-token --query 'Credentials."S\\u0065cretAccessKey"'`],
    ['a renamed member', "aws sts get-session-token --query '{a: Credentials.SecretAccessKey}'"],
    [
      'jq ascii_downcase',
      "aws sts get-session-token --output json | jq -r '.Credentials.SessionToken | ascii_downcase'",
    ],
    [
      'jq @base64',
      "aws sts get-session-token --output json | jq -r '.Credentials.SecretAccessKey | @base64'",
    ],
    ['jq @base64 of all', "aws sts get-session-token --output json | jq -r '.. | strings | @base64'"],
    ['cut -c1-40', 'aws sts get-session-token --output text | cut -c1-40'],
    ['cut of the secret column', 'aws sts get-session-token --output text | cut -f4'],
    ['rev', 'aws sts get-session-token --output text | rev'],
  ])('returns no spelling of the session secrets under %s', async (_, command) => {
    const result = await run(command);
    expect(result.status).toBe('success');
    expectNoSecret(result, sessionSecrets);
    expect(result.secrets.members).toEqual(['Credentials.SecretAccessKey', 'Credentials.SessionToken']);
    expect(result.secrets.masked).toBeGreaterThanOrEqual(2);
  });

  it('keeps what is not secret: the access key id and the expiration', async () => {
    const result = await run('aws sts get-session-token --output text');
    expect(result.output).toContain(accessKeyId);
    expect(result.output).toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d/);
    expect(result.output.match(/\[MASKED\]/g)).toHaveLength(2);
  });

  it('returns the secrets with secrets: show (so the cases above can fail)', async () => {
    const result = await run('aws sts get-session-token --output text | rev', { secrets: 'show' });
    expect(findSpelling(result.output, sessionSecrets[0] as string)).toBeDefined();
    expect(result.secrets).toEqual({
      masked: 0,
      members: ['Credentials.SecretAccessKey', 'Credentials.SessionToken'],
    });
  });

  it('masks a decrypted SecureString parameter', async () => {
    const value = 'correct-horse-battery-staple-4821';
    const put = await run(
      `aws ssm put-parameter --name /app/db-password --type SecureString --value ${value} --overwrite`,
    );
    expect(put.status).toBe('success');
    for (const command of [
      'aws ssm get-parameter --name /app/db-password --with-decryption',
      'aws ssm get-parameter --name /app/db-password --with-decryption --query Parameter.Value --output text',
      "aws ssm get-parameter --name /app/db-password --with-decryption | jq -r '.Parameter.Value | ascii_upcase'",
    ]) {
      const result = await run(command);
      expect(result.status).toBe('success');
      expectNoSecret(result, [value]);
      expect(result.secrets.members).toEqual(['Parameter.Value']);
    }
    const shown = await run('aws ssm get-parameter --name /app/db-password --with-decryption', {
      secrets: 'show',
    });
    expect(shown.output).toContain(value);
  });

  it('masks every page of a paginated read', async () => {
    const values = ['first-secure-value-1234', 'second-secure-value-5678'];
    for (const [index, value] of values.entries()) {
      const put = await run(
        `aws ssm put-parameter --name /paged/p${index} --type SecureString --value ${value}`,
      );
      expect(put.status).toBe('success');
    }
    const result = await run(
      'aws ssm get-parameters-by-path --path /paged --with-decryption --page-size 1 --output text',
    );
    expect(result.status).toBe('success');
    expectNoSecret(result, values);
    expect(result.output).toContain('/paged/p1');
    expect(result.secrets.masked).toBe(2);
    expect(result.secrets.members).toEqual(['Parameters[].Value']);
  });

  it('masks a secret value and keeps its name and the dates of list-secrets', async () => {
    const secret = '{"username":"app","password":"Tr0ub4dor&3-secret-value"}';
    const created = await run(`aws secretsmanager create-secret --name app/db --secret-string '${secret}'`);
    expect(created.stderr).toBe('');
    expect(created.status).toBe('success');
    for (const command of [
      'aws secretsmanager get-secret-value --secret-id app/db',
      'aws secretsmanager get-secret-value --secret-id app/db --output text',
      'aws secretsmanager get-secret-value --secret-id app/db --query SecretString --output text',
      "aws secretsmanager get-secret-value --secret-id app/db | jq -r '.SecretString | ascii_downcase'",
    ]) {
      const result = await run(command);
      expect(result.status, `${command}: ${result.stderr}${result.filterStderr}`).toBe('success');
      expectNoSecret(result, ['Tr0ub4dor&3-secret-value']);
      expect(result.output).not.toContain('"username"');
      expect(result.secrets.members).toEqual(['SecretString']);
    }
    const listed = await run('aws secretsmanager list-secrets --output text');
    expect(listed.output).toContain('app/db');
    // Its dates (as moto sends them: seconds since 1970) stay, and so does the name after them.
    expect(listed.output).toMatch(/\tarn:aws:secretsmanager:\S+\t\d{10}(\.\d+)?\t\d{10}(\.\d+)?\tapp\/db\n/);
    expect(listed.output).not.toContain('[MASKED]');
  });

  it('masks a generated password alike in JSON and text (get-random-password), and shows it when asked', async () => {
    const shown = await run('aws secretsmanager get-random-password --password-length 40 --output text', {
      secrets: 'show',
    });
    const password = shown.output.trim();
    expect(password).toHaveLength(40);
    for (const output of ['json', 'text', 'table']) {
      const result = await run(`aws secretsmanager get-random-password --output ${output}`);
      expect(result.status, result.stderr).toBe('success');
      expect(result.output).toContain('[MASKED]');
      expect(result.secrets.members).toEqual(['RandomPassword']);
    }
  });

  it('masks the secret of create-access-key and keeps its id, and a lone id in list-access-keys', async () => {
    expect((await run('aws iam create-user --user-name bob')).status).toBe('success');
    const created = await run('aws iam create-access-key --user-name bob --output json');
    const key = (JSON.parse(created.output) as { AccessKey: Record<string, string> }).AccessKey;
    expect(key.SecretAccessKey).toBe('[MASKED]');
    expect(key.AccessKeyId).toMatch(/^AKIA[A-Z0-9]{16}$/);
    const listed = await run('aws iam list-access-keys --user-name bob --output text');
    expect(listed.output).toContain(key.AccessKeyId);
    expect(listed.secrets.masked).toBe(0);
  });

  it('leaves the response of a nested call alone: the credentials a profile assumes for the command', async () => {
    // The role is assumed by the CLI's credential provider while the command's own AssumeRole is signed. Had the
    // launcher masked that inner response, the provider would cache (and sign with) `[MASKED]`.
    const config = options.env?.AWS_CONFIG_FILE as string;
    await writeFile(
      config,
      `${await readFile(config, 'utf8')}\n[profile ops]\nrole_arn = arn:aws:iam::123456789012:role/ops\n` +
        'source_profile = default\nregion = us-east-1\n',
    );
    const result = await run(
      'aws sts assume-role --role-arn arn:aws:iam::123456789012:role/report --role-session-name report --profile ops',
      // Unconfined, so the provider's cache lands in the test home; AWS_ENDPOINT_URL sends its call to moto too.
      { sandbox: noSandbox, env: { ...options.env, AWS_ENDPOINT_URL: moto.endpoint } },
    );
    expect(result.status, result.stderr).toBe('success');
    expect(result.output).toContain('"SecretAccessKey": "[MASKED]"');
    const cache = join(aws.home, '.aws', 'cli', 'cache');
    const [entry] = await readdir(cache);
    const cached = JSON.parse(await readFile(join(cache, entry as string), 'utf8')) as {
      Credentials: { SecretAccessKey: string; SessionToken: string };
    };
    expect(cached.Credentials.SecretAccessKey).not.toBe('[MASKED]');
    expect(cached.Credentials.SecretAccessKey.length).toBeGreaterThanOrEqual(16);
    expect(cached.Credentials.SessionToken).not.toBe('[MASKED]');
  });

  it('masks the private key of create-key-pair, and a saved run keeps it (AWS returns it once)', async () => {
    const masked = await run('aws ec2 create-key-pair --key-name masked-key --output text');
    expect(masked.output).not.toContain('PRIVATE KEY');
    expect(masked.output).toContain('masked-key');
    expect(masked.secrets.members).toEqual(['KeyMaterial']);
    const saveTo = join(vaults, 'key.pem');
    const saved = await run("aws ec2 create-key-pair --key-name saved-key | jq -r '.KeyMaterial'", {
      secrets: { saveTo },
    });
    expect(await readFile(saveTo, 'utf8')).toMatch(
      /^-----BEGIN RSA PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END/,
    );
    expect(saved.output).not.toContain('PRIVATE KEY-----\n');
    expect(saved.output).toContain('saved-key');
  });

  it('masks a blob member (the plaintext data key of kms generate-data-key) and keeps the ciphertext', async () => {
    const created = await run('aws kms create-key --query KeyMetadata.KeyId --output text');
    const keyId = created.output.trim();
    const command = `aws kms generate-data-key --key-id ${keyId} --key-spec AES_256 --output json`;
    const shown = JSON.parse((await run(command, { secrets: 'show' })).output) as Record<string, string>;
    expect(shown.Plaintext).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    const masked = await run(command);
    const response = JSON.parse(masked.output) as Record<string, string>;
    expect(response.Plaintext).toBe('[MASKED]');
    expect(response.CiphertextBlob?.length).toBeGreaterThan(40);
    expect(masked.secrets.members).toEqual(['Plaintext']);
  });

  it('never masks help text', async () => {
    const result = await run('aws sts get-session-token help');
    expect(result.output).toContain('SecretAccessKey');
    expect(result.output).not.toContain('[MASKED]');
  });
});

describeWithBubblewrap('runPipeline masks inside the CLI v2 too (Debian, /usr/bin/aws)', () => {
  it.skipIf(!existsSync(debianAws)).each([
    ['values(Credentials) as text', "aws sts get-session-token --query 'values(Credentials)' --output text"],
    ['--output table --color on', 'aws sts get-session-token --output table --color on'],
    ['a renamed member', "aws sts get-session-token --query '{a: Credentials.SecretAccessKey}'"],
    ['rev', 'aws sts get-session-token --output text | rev'],
    [
      'jq @base64',
      "aws sts get-session-token --output json | jq -r '.Credentials.SecretAccessKey | @base64'",
    ],
  ])('returns no spelling of the session secrets under %s', async (_, command) => {
    const result = await run(command, { awsCli: debianAws });
    expect(result.status).toBe('success');
    expectNoSecret(result, sessionSecrets);
    expect(result.secrets.members).toEqual(['Credentials.SecretAccessKey', 'Credentials.SessionToken']);
  });

  it.skipIf(!existsSync(debianAws))('returns them with secrets: show', async () => {
    const result = await run('aws sts get-session-token --output text', {
      awsCli: debianAws,
      secrets: 'show',
    });
    expect(result.output).toContain(sessionSecrets[0]);
  });
});

describeWithBubblewrap('runPipeline masks the whole output of a command that computes its secret', () => {
  it.each([
    ['s3 presign', 'aws s3 presign s3://bucket/key'],
    ['s3 presign | cut', 'aws s3 presign s3://bucket/key | cut -c1-60'],
    ['s3 presign | rev', 'aws s3 presign s3://bucket/key | rev'],
    ['configure get', 'aws configure get aws_secret_access_key'],
  ])('%s returns only [MASKED]', async (_, command) => {
    const shown = await run(command.split(' | ')[0] as string, { secrets: 'show' });
    expect(shown.output.trim().length).toBeGreaterThan(8);
    const result = await run(command);
    expect(result.output.trim()).toMatch(command.endsWith('rev') ? /^\]DEKSAM\[$/ : /^\[MASKED\]$/);
    expect(result.secrets.members).toEqual(['*']);
    expect(findSpelling(result.output, shown.output.trim())).toBeUndefined();
  });

  // The commands mask-secrets.ts once listed itself, now read from the classification (`secretOutput: ['*']`).
  it.each([
    ['s3 presign', 'aws s3 presign s3://bucket/key'],
    ['eks get-token', 'aws eks get-token --cluster-name demo'],
    [
      'rds generate-db-auth-token',
      'aws rds generate-db-auth-token --hostname db.example --port 5432 --username u',
    ],
    ['ecr get-login-password', 'aws ecr get-login-password'],
    [
      'cloudfront sign',
      'aws cloudfront sign --url https://d111111abcdef8.cloudfront.net/x --key-pair-id APKAEXAMPLE ' +
        '--private-key file://cloudfront-key.pem --date-less-than 2030-01-01',
    ],
    ['configure get', 'aws configure get aws_secret_access_key'],
    ['configure get of a profile', 'aws configure get default.aws_secret_access_key'],
  ])('%s is masked whole, with or without the launcher', async (_, command) => {
    const shown = await run(command, { secrets: 'show' });
    expect(shown.status).toBe('success');
    expect(shown.output.trim().length).toBeGreaterThan(20);
    for (const maskInCli of [true, false]) {
      const result = await run(command, { maskInCli });
      expect(result.output.trim()).toMatch(/^\[MASKED\](\n\[MASKED\])*$/);
      expect(result.secrets.members).toEqual(['*']);
    }
  });

  it('returns a presigned URL intact with secrets: show', async () => {
    const result = await run('aws s3 presign s3://bucket/key', { secrets: 'show' });
    expect(result.output).toMatch(/^https?:\/\/\S*\bSignature=\S+/);
  });
});

describeWithBubblewrap('runPipeline with a CLI whose Python cannot be imported (maskInCli: false)', () => {
  it.each([
    ['--query', "aws sts get-session-token --query 'values(Credentials)'"],
    ['--output table', 'aws sts get-session-token --output table'],
    ['--output text', 'aws sts get-session-token --output text'],
  ])('refuses %s on a call with secret output, saying what to do instead', async (_, command) => {
    const attempt = run(command, { maskInCli: false });
    await expect(attempt).rejects.toSatisfy(
      (error) => ExecutionError.isInstance(error) && error.code === 'SECRET_OUTPUT_UNMASKABLE',
    );
    await expect(attempt).rejects.toThrow(/jq/);
  });

  // v1 has no YAML output; the frozen binary this simulates is a v2, so these ask Debian's v2 with its own model.
  it.skipIf(!existsSync(debianAws)).each([
    ['--output yaml', 'aws sts get-session-token --output yaml'],
    ['--output yaml-stream', 'aws sts get-session-token --output yaml-stream'],
  ])('refuses %s on a call with secret output (CLI v2)', async (_, command) => {
    const pipeline = parseCommandLine(command, { model: loadSnapshotCliModel(2) });
    const attempt = runPipeline(pipeline, { ...options, awsCli: debianAws, maskInCli: false });
    await expect(attempt).rejects.toSatisfy(
      (error) => ExecutionError.isInstance(error) && error.code === 'SECRET_OUTPUT_UNMASKABLE',
    );
    await expect(attempt).rejects.toThrow(/`--output yaml(-stream)?`\. Use `--output json`/);
  });

  it.each([
    ['plain', 'aws sts get-session-token'],
    ['jq ascii_downcase', "aws sts get-session-token | jq -r '.Credentials.SessionToken | ascii_downcase'"],
    ['jq @base64', "aws sts get-session-token | jq -r '.Credentials.SecretAccessKey | @base64'"],
    ['rev', "aws sts get-session-token | jq -r '.Credentials[]' | rev"],
  ])('masks the JSON by member before any filter: %s', async (_, command) => {
    const result = await run(command, { maskInCli: false });
    expect(result.status).toBe('success');
    expectNoSecret(result, sessionSecrets);
    expect(result.awsArgv).toContain('--output');
    expect(result.secrets.members).toEqual(['Credentials.SecretAccessKey', 'Credentials.SessionToken']);
  });

  it('still allows --query on a call without secret output', async () => {
    const result = await run('aws sts get-caller-identity --query Account --output text', {
      maskInCli: false,
    });
    expect(result.status).toBe('success');
    expect(result.output.trim()).toMatch(/^\d{12}$/);
  });
});

describeWithBubblewrap('runPipeline with secrets: { saveTo }', () => {
  it('saves the unmasked output to a new 0600 file and returns a masked view', async () => {
    const saveTo = join(vaults, 'session.txt');
    const result = await run('aws sts get-session-token --output text | rev', { secrets: { saveTo } });
    expect(result.status).toBe('success');
    const saved = await readFile(saveTo, 'utf8');
    expect(saved).toContain(reverse(sessionSecrets[0] as string));
    expect((await stat(saveTo)).mode & 0o777).toBe(0o600);
    expect(result.secrets.saved).toEqual({ path: saveTo, bytes: Buffer.byteLength(saved) });
    expect(result.secrets.members).toEqual(['Credentials.SecretAccessKey', 'Credentials.SessionToken']);
    expectNoSecret(result, sessionSecrets);
    // The view is the response with its secret members masked: what is not secret stays readable.
    expect(result.output).toContain(accessKeyId);
    expect(result.output).toContain('"SecretAccessKey": "[MASKED]"');
  });

  it('saves without the launcher too, with a view masked by member', async () => {
    const saveTo = join(vaults, 'session-fallback.json');
    const result = await run('aws sts get-session-token', { secrets: { saveTo }, maskInCli: false });
    expect(await readFile(saveTo, 'utf8')).toContain(sessionSecrets[1]);
    expectNoSecret(result, sessionSecrets);
    expect(result.output).toContain(accessKeyId);
  });

  it('shows only [MASKED] when the launcher was killed before its report (the first page printed, the next hung)', async () => {
    // A page of SecureStrings bigger than Python's stdout buffer, so the CLI prints it before it asks for the next,
    // which never comes: the timeout kills the CLI, and no report says what was masked.
    const values = Array.from({ length: 40 }, (_, index) => `hung-secret-${index}-${'s'.repeat(1000)}`);
    const requests: string[] = [];
    const endpoint = createHttpServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      request.on('end', () => {
        requests.push(body);
        if ((JSON.parse(body) as { NextToken?: string }).NextToken !== undefined) return;
        response.setHeader('Content-Type', 'application/x-amz-json-1.1');
        response.end(
          JSON.stringify({
            Parameters: values.map((value, index) => ({
              Name: `/p/${index}`,
              Type: 'SecureString',
              Value: value,
            })),
            NextToken: 'next',
          }),
        );
      });
    });
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
    const { port } = endpoint.address() as AddressInfo;
    try {
      const saveTo = join(vaults, 'hung-parameters.txt');
      const result = await run('aws ssm get-parameters-by-path --path /p --with-decryption --output text', {
        secrets: { saveTo },
        endpointUrl: `http://127.0.0.1:${port}`,
        timeoutMs: 6000,
      });
      expect(result.status).toBe('timeout');
      expect(requests).toHaveLength(2);
      expect(await readFile(saveTo, 'utf8')).toContain(values[0]);
      expect(result.output.trim()).toBe('[MASKED]');
      expect(result.output).not.toContain('hung-secret');
    } finally {
      endpoint.closeAllConnections();
      endpoint.close();
    }
  });

  it('saves a computed secret whole and shows only [MASKED]', async () => {
    const saveTo = join(vaults, 'url.txt');
    const result = await run('aws s3 presign s3://bucket/key', { secrets: { saveTo } });
    expect(await readFile(saveTo, 'utf8')).toMatch(/\bSignature=/);
    expect(result.output.trim()).toBe('[MASKED]');
  });

  it('refuses a file that exists, and leaves it as it was', async () => {
    const saveTo = join(vaults, 'exists.txt');
    await writeFile(saveTo, 'mine', { mode: 0o600 });
    await expect(run('aws sts get-session-token', { secrets: { saveTo } })).rejects.toSatisfy(
      (error) => ExecutionError.isInstance(error) && error.code === 'SAVE_TO_EXISTS' && error.path === saveTo,
    );
    expect(await readFile(saveTo, 'utf8')).toBe('mine');
  });

  it.each([
    ['a relative path', () => 'session.txt', /absolute/],
    ['a missing folder', () => join(vaults, 'missing', 'session.txt'), /does not exist/],
    ['a folder others can read', () => join(vaults, 'open', 'session.txt'), /mode 0755/],
  ])('refuses %s before anything runs', async (_, path, message) => {
    await mkdir(join(vaults, 'open'), { recursive: true });
    await chmod(join(vaults, 'open'), 0o755);
    const saveTo = path();
    const attempt = run('aws sts get-session-token', { secrets: { saveTo } });
    await expect(attempt).rejects.toSatisfy(
      (error) => ExecutionError.isInstance(error) && error.code === 'SAVE_TO_INVALID',
    );
    await expect(attempt).rejects.toThrow(message);
    expect(existsSync(join(workdir, 'session.txt'))).toBe(false);
    expect(existsSync(join(vaults, 'open', 'session.txt'))).toBe(false);
  });
});

describe('secretOutputOf', () => {
  it.each([
    ['aws sts get-session-token', true, ['Credentials.SecretAccessKey', 'Credentials.SessionToken'], false],
    ['aws ssm get-parameter --name x --with-decryption', true, ['Parameter.Value'], false],
    ['aws ssm get-parameter --name x', false, [], false],
    ['aws ec2 create-key-pair --key-name k', true, ['KeyMaterial'], false],
    ['aws iam create-access-key', true, ['AccessKey.SecretAccessKey'], false],
    ['aws iam list-access-keys', false, [], false],
    ['aws s3 presign s3://b/k', true, ['*'], true],
    ['aws eks get-token --cluster-name c', true, ['*'], true],
    ['aws rds generate-db-auth-token --hostname h --port 5432 --username u', true, ['*'], true],
    ['aws ecr get-login-password', true, ['*'], true],
    ['aws configure get aws_secret_access_key', true, ['*'], true],
    ['aws configure get region', false, [], false],
    ['aws sts get-session-token help', false, [], false],
  ])('%s', (command, hasSecretOutput, members, wholeOutput) => {
    expect(secretOutputOf(parseCommandLine(command))).toEqual({ hasSecretOutput, members, wholeOutput });
  });
});
