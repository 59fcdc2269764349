import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandError, loadSnapshotCliModel, parseCommandLine } from '@aws-mcp/command';
import { describe, expect, it } from 'vitest';
import { type AuditEntry, formatAuditLine, openAuditLog } from './audit-log.js';

const model = loadSnapshotCliModel(1);
const secret = 'hunter2-Zx9';

function auditLineOf(line: string): string {
  const pipeline = parseCommandLine(line, { model, workdir: '/tmp/audit-workdir' });
  return formatAuditLine({
    time: 't',
    session: undefined,
    tool: 'aws_cli_pipeline',
    argv: [pipeline.aws.redactedArgv],
    status: 'success',
  });
}

describe('formatAuditLine', () => {
  it.each([
    ['ssm put-parameter --value', `aws ssm put-parameter --name p --type SecureString --value ${secret}`],
    [
      'secretsmanager --secret-string',
      `aws secretsmanager create-secret --name app --secret-string ${secret}`,
    ],
    [
      'secretsmanager --secret-string=',
      `aws secretsmanager put-secret-value --secret-id app --secret-string=${secret}`,
    ],
    ['kms encrypt --plaintext', `aws kms encrypt --key-id k --plaintext ${secret}`],
    [
      'rds --master-user-password',
      `aws rds create-db-instance --db-instance-identifier d --db-instance-class c --engine mysql --master-user-password ${secret}`,
    ],
    ['iam --password', `aws iam create-login-profile --user-name u --password ${secret}`],
    [
      'iam --old-password/--new-password',
      `aws iam change-password --old-password ${secret} --new-password ${secret}x`,
    ],
    [
      'lambda --environment',
      `aws lambda update-function-configuration --function-name f --environment Variables={DB_PASS=${secret}}`,
    ],
    [
      'codebuild --environment-variables-override',
      `aws codebuild start-build --project-name p --environment-variables-override name=K,value=${secret}`,
    ],
    [
      'ecs run-task --overrides',
      `aws ecs run-task --task-definition t --overrides '{"containerOverrides":[{"name":"a","environment":[{"name":"K","value":"${secret}"}]}]}'`,
    ],
    [
      'ecs --container-definitions environment',
      `aws ecs register-task-definition --family f --container-definitions '[{"name":"a","image":"i","environment":[{"name":"K","value":"${secret}"}]}]'`,
    ],
    ['--cli-input-json', `aws ssm put-parameter --cli-input-json '{"Name":"p","Value":"${secret}"}'`],
  ])('redacts %s', (_name, line) => {
    const logged = auditLineOf(line);
    expect(logged).not.toContain(secret);
    expect(logged).toContain('[redacted]');
  });

  it.each([
    `aws ssm put-parameter --name p --val ${secret}`,
    `aws secretsmanager create-secret --name app --secret-str ${secret}`,
    `aws rds create-db-instance --db-instance-identifier d --db-instance-class c --engine mysql --master-user-pass ${secret}`,
  ])(
    'an abbreviated secret option is refused before anything is logged, and the refusal does not quote its value: %s',
    (line) => {
      let refusal: unknown;
      try {
        parseCommandLine(line, { model, workdir: '/tmp/audit-workdir' });
      } catch (error) {
        refusal = error;
      }
      expect(CommandError.isInstance(refusal) && refusal.code).toBe('ABBREVIATED_OPTION');
      expect((refusal as Error).message).not.toContain(secret);
    },
  );

  it('keeps what is not secret, and the names of files', () => {
    const logged = JSON.parse(
      auditLineOf('aws secretsmanager create-secret --name app --secret-string file://secret.json'),
    );
    expect(logged.argv[0]).toEqual([
      'aws',
      'secretsmanager',
      'create-secret',
      '--name=app',
      '--secret-string=file://secret.json',
    ]);
  });

  it('writes hidden characters as escapes, so the line shows what ran and reads back to it', () => {
    const entry = {
      time: 't',
      session: undefined,
      tool: 'aws_cli_pipeline',
      argv: [
        ['aws', 's3', 'rm', 's3://b/report\u202etxt.exe', '\u0301x', 'tag\u{E0041}', 'soft\u00adhyphen'],
      ],
      status: 'success',
    };
    const line = formatAuditLine(entry);
    expect(line).toContain('s3://b/report\\u202etxt.exe');
    expect(line).toContain('"\\u0301x"');
    expect(line).toContain('tag\\udb40\\udc41');
    expect(line).toContain('soft\\u00adhyphen');
    expect(line).toMatch(/^[\x20-\x7e]*$/);
    expect(JSON.parse(line)).toEqual(JSON.parse(JSON.stringify(entry)));
  });

  it('masks a secret the parse did not redact (the masking engine behind it)', () => {
    const key = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    const line = formatAuditLine({
      time: 't',
      session: undefined,
      tool: 'aws_cli_pipeline',
      argv: [
        ['aws', 's3', 'ls'],
        ['grep', `aws_secret_access_key=${key}`],
      ],
      status: 'success',
    });
    expect(line).not.toContain(key);
  });
});

describe('openAuditLog', () => {
  const entry = (status: string): AuditEntry => ({
    time: 't',
    session: 's1',
    tool: 'aws_cli_pipeline',
    status,
  });

  async function writeAndRead(write: (log: Awaited<ReturnType<typeof openAuditLog>>) => void) {
    const folder = await mkdtemp(join(tmpdir(), 'audit-log-'));
    try {
      const log = await openAuditLog(join(folder, 'audit.jsonl'));
      write(log);
      await log.close();
      const text = await readFile(log.path, 'utf8');
      return text
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as AuditEntry);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  }

  it('writes the account once it is known, keeping the order of the entries, and close waits for it', async () => {
    let tell: (account: string | undefined) => void = () => {};
    const account = new Promise<string | undefined>((resolve) => {
      tell = resolve;
    });
    const lines = await writeAndRead((log) => {
      log.write(entry('first'));
      log.write(
        { ...entry('second'), requestIds: [{ operation: 'ListQueues', requestId: 'R-1' }] },
        { account },
      );
      log.write(entry('third'));
      setTimeout(() => tell('123456789012'), 50);
    });
    expect(lines).toEqual([
      entry('first'),
      {
        ...entry('second'),
        account: '123456789012',
        requestIds: [{ operation: 'ListQueues', requestId: 'R-1' }],
      },
      entry('third'),
    ]);
  });

  it('leaves the account out when it is unknown or its lookup failed', async () => {
    const lines = await writeAndRead((log) => {
      log.write(entry('unknown'), { account: Promise.resolve(undefined) });
      log.write(entry('failed'), { account: Promise.reject(new Error('no STS')) });
    });
    expect(lines).toEqual([entry('unknown'), entry('failed')]);
  });
});
