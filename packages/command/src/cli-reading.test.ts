import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CommandError,
  type CommandErrorCode,
  type Decision,
  type Policy,
  parseCommandLine,
  validatePipeline,
} from './index.js';

const workdir = '/home/dev/project';

function decide(line: string, policy: Policy = { mode: 'read-only' }, context = {}): Decision {
  return validatePipeline(parseCommandLine(line), policy, { workdir, ...context });
}

function refusal(line: string, policy: Policy = { mode: 'full' }): CommandError {
  try {
    decide(line, policy);
  } catch (error) {
    if (CommandError.isInstance(error)) return error;
    throw error;
  }
  throw new Error(`expected ${line} to be refused`);
}

describe('the aws stage is read with the CLI’s own tables: the attacks that got through', () => {
  it.each<[string, CommandErrorCode]>([
    // A global flag takes no value, so the OUTFILE after it is seen and confined.
    [
      'aws s3api get-object --bucket B --key K --no-paginate /root/.aws/cli/cache/0123abcd.json',
      'LOCAL_PATH_OUTSIDE_WORKDIR',
    ],
    ['aws s3api get-object --bucket B --key K --no-sign-request ../.bashrc', 'LOCAL_PATH_OUTSIDE_WORKDIR'],
    ['aws s3api get-object --bucket B --key K --no-paginate .envrc', 'LOCAL_PATH_HIDDEN'],
    ['aws --no-paginate s3api get-object --bucket B --key K ~/.bashrc', 'LOCAL_PATH_OUTSIDE_WORKDIR'],
    // argparse would read an abbreviation as the full option; only full names run.
    ['aws s3 cp --quie report.txt s3://other/x --sse AES256', 'ABBREVIATED_OPTION'],
    ['aws ec2 describe-instances --instance-id i-1', 'ABBREVIATED_OPTION'],
    ['aws s3 ls --reg eu-west-1', 'ABBREVIATED_OPTION'],
    // `configure get` with a dotted name reads the same secrets.
    ['aws configure get default.aws_secret_access_key', 'FORBIDDEN_AWS_COMMAND'],
    ['aws configure get profile.dev.aws_session_token', 'FORBIDDEN_AWS_COMMAND'],
    ['aws configure get dev.aws_access_key_id', 'FORBIDDEN_AWS_COMMAND'],
    ['aws configure get profile.X.credential_process', 'FORBIDDEN_AWS_COMMAND'],
    ['aws configure get aws_secret_access_key', 'FORBIDDEN_AWS_COMMAND'],
    // Words the CLI would not take are refused before any consent.
    ['aws ec2 list-instances', 'UNKNOWN_COMMAND'],
    ['aws ec3 describe-instances', 'UNKNOWN_COMMAND'],
    ['aws ec2 describe-instances --instance-idz i-1', 'UNKNOWN_OPTION'],
    ['aws ec2 describe-instances i-1', 'UNEXPECTED_ARGUMENT'],
    ['aws s3 cp a b c', 'UNEXPECTED_ARGUMENT'],
    ['aws ec2 describe-instances --dry-run=yes', 'UNEXPECTED_OPTION_VALUE'],
    ['aws ec2 describe-instances --max-items', 'MISSING_OPTION_VALUE'],
    ['aws s3api get-object --bucket B out.json', 'MISSING_PARAMETER'],
    ['aws --output yaml-stream s3 ls', 'INVALID_CHOICE'],
    [`aws ssm get-parameter --name P --cli-input-json '{"withDecryption":true}'`, 'INVALID_CLI_INPUT'],
    ['aws ssm get-parameter --name P --cli-input-json [1]', 'INVALID_CLI_INPUT'],
    ['aws ssm get-parameter --name P --cli-input-json file://q.json', 'INVALID_CLI_INPUT'],
  ])('%s → %s', (line, code) => {
    expect(refusal(line).code).toBe(code);
  });

  it('says what the CLI would have read and what to write instead', () => {
    expect(refusal('aws s3 cp --quie report.txt s3://other/x').message).toBe(
      'The CLI reads `--quie` as `--quiet`; write `--quiet` in full, not `--quie`.',
    );
    expect(refusal('aws ec2 list-instances').message).toContain('Did you mean `aws ec2 describe-instances`');
    expect(refusal('aws ec2 describe-instances --instance-idz i-1').message).toContain(
      'Did you mean `--instance-ids`?',
    );
  });

  it.each([
    // An optional-value option takes its value only when one follows; either way the upload is a write.
    ['aws s3 cp report.txt s3://other/x --sse AES256', 'write'],
    ['aws s3 cp report.txt s3://other/x --sse', 'write'],
    ['aws s3 cp s3://a/x s3://b/x', 'write'],
    ['aws s3 cp s3://a/x report.txt', 'read'],
    ['aws s3 sync s3://a . --exclude .* --exclude */.* --delete', 'write'],
    // --cli-input-json merges into the request as the CLI merges it, JSON escapes decoded.
    [`aws ssm get-parameter --name P --cli-input-json '{"WithDecryption":true}'`, 'sensitive-read'],
    [`aws ssm get-parameter --cli-input-json '{"Name":"P","WithDecryption":true}'`, 'sensitive-read'],
    [`aws ssm get-parameters-by-path --path /a --cli-input-json '{"WithDecryption":true}'`, 'sensitive-read'],
    [`aws ssm get-parameter-history --name P --cli-input-json '{"WithDecryption":true}'`, 'sensitive-read'],
    [`aws apigateway get-api-keys --cli-input-json '{"includeValues":true}'`, 'sensitive-read'],
    [
      `aws ec2 describe-instance-attribute --instance-id i-1 --cli-input-json '{"Attribute":"user\\u0044ata"}'`,
      'sensitive-read',
    ],
    ['aws ssm get-parameter --name P', 'read'],
    ['aws ssm get-parameter --name P --with-decryption', 'sensitive-read'],
    ['aws ssm get-parameter --name P --with-decryption --no-with-decryption', 'read'],
  ])('%s is a %s', (line, accessClass) => {
    expect(decide(line, { mode: 'full' }).classification.accessClass).toBe(accessClass);
  });

  it('a line setting a member wins over --cli-input-json, as in the CLI', () => {
    const stage = parseCommandLine(
      `aws ssm get-parameter --name P --no-with-decryption --cli-input-json '{"WithDecryption":true}'`,
    ).aws;
    expect(stage.parameters).toEqual({ Name: 'P', WithDecryption: false });
  });

  it.each([
    [
      'aws s3api get-object --key K --no-paginate --bucket B out.json',
      ['aws', '--no-paginate', 's3api', 'get-object', 'out.json', '--key=K', '--bucket=B'],
    ],
    [
      'aws s3 cp report.txt s3://b/x --exclude a --include b --exclude c --sse',
      ['aws', 's3', 'cp', 'report.txt', 's3://b/x', '--exclude=a', '--include=b', '--exclude=c', '--sse'],
    ],
    [
      'aws ec2 describe-instances --region=eu-west-1 --instance-ids i-1 i-2 --output text',
      [
        'aws',
        '--region=eu-west-1',
        '--output=text',
        'ec2',
        'describe-instances',
        '--instance-ids',
        'i-1',
        'i-2',
      ],
    ],
    [
      `aws ssm get-parameter --cli-input-json '{"Name":"P","WithDecryption":false}'`,
      ['aws', 'ssm', 'get-parameter', '--cli-input-json', '{"Name":"P","WithDecryption":false}'],
    ],
    ['aws s3 cp help', ['aws', 's3', 'cp', 'help']],
    ['aws --version', ['aws', '--version']],
  ])('runs the argv rebuilt from the reading: %s', (line, argv) => {
    expect(parseCommandLine(line).aws.argv).toEqual(argv);
  });

  it('redacts secret values in the argv for logs, and only those', () => {
    const stage = parseCommandLine(
      'aws secretsmanager put-secret-value --secret-id s --secret-string hunter2 --client-request-token t',
    ).aws;
    expect(stage.redactedArgv).toEqual([
      'aws',
      'secretsmanager',
      'put-secret-value',
      '--secret-id=s',
      '--secret-string=[redacted]',
      '--client-request-token=[redacted]',
    ]);
    expect(stage.argv).toContain('--secret-string=hunter2');
  });
});

describe('--cli-input-json file://NAME from the working directory', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'cli-input-'));
    await writeFile(join(folder, 'q.json'), '{"WithDecryption": true}');
    await mkdir(join(folder, 'sub'));
    await writeFile(join(tmpdir(), 'cli-input-outside.json'), '{"WithDecryption": true}');
    await symlink(join(tmpdir(), 'cli-input-outside.json'), join(folder, 'link.json'));
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
    await rm(join(tmpdir(), 'cli-input-outside.json'), { force: true });
  });

  it('is read, judged and inlined, so the file cannot change between judging and running', () => {
    const pipeline = parseCommandLine('aws ssm get-parameter --name P --cli-input-json file://q.json', {
      workdir: folder,
    });
    expect(pipeline.aws.parameters).toEqual({ Name: 'P', WithDecryption: true });
    expect(pipeline.aws.argv.slice(-2)).toEqual(['--cli-input-json', '{"WithDecryption":true}']);
    expect(
      validatePipeline(pipeline, { mode: 'read-only' }, { workdir: folder }).classification.accessClass,
    ).toBe('sensitive-read');
  });

  it.each<[string, CommandErrorCode]>([
    ['file://link.json', 'LOCAL_PATH_OUTSIDE_WORKDIR'],
    ['file://missing.json', 'PARAMETER_FILE_MISSING'],
    ['file://../q.json', 'LOCAL_PATH_OUTSIDE_WORKDIR'],
    ['fileb://q.json', 'INVALID_CLI_INPUT'],
    ['file://.', 'PARAMETER_FILE_MISSING'],
  ])('refuses %s (%s)', (value, code) => {
    expect(() =>
      parseCommandLine(`aws ssm get-parameter --name P --cli-input-json ${value}`, { workdir: folder }),
    ).toThrow(expect.objectContaining({ code }));
  });

  it('says a folder is no file to read (it used to throw a bare EISDIR)', () => {
    for (const line of ['aws ssm get-parameter --name P --cli-input-json file://.']) {
      expect(() => parseCommandLine(line, { workdir: folder })).toThrow(
        expect.objectContaining({
          code: 'PARAMETER_FILE_MISSING',
          message: expect.stringMatching(/^`\.` \(.+\) is a folder, not a file to read; name a file/),
        }),
      );
    }
  });
});

describe('a download onto an existing file destroys it, so it counts as a write', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'overwrite-'));
    await writeFile(join(folder, 'Makefile'), 'all:\n');
    await writeFile(join(folder, 'report.txt'), 'kept');
    await writeFile(join(folder, 'report-1.txt'), 'kept too');
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  const judge = (line: string, mode: Policy['mode']) =>
    validatePipeline(parseCommandLine(line, { workdir: folder }), { mode }, { workdir: folder });

  it.each([
    ['aws s3 cp s3://b/k Makefile', 'Makefile', 'Makefile-1'],
    ['aws s3api get-object --bucket b --key k report.txt', 'report.txt', 'report-2.txt'],
  ])('%s is refused in read-only mode, naming the file and a new name', (line, file, fresh) => {
    const decision = judge(line, 'read-only');
    expect(decision.action).toBe('deny');
    expect(decision.classification.accessClass).toBe('write');
    expect(decision.reason).toContain(`overwrites the existing local file \`${file}\``);
    expect(decision.reason).toContain(`\`${fresh}\``);
    expect(judge(line, 'confirm-writes').action).toBe('confirm');
  });

  it('a download to a new name stays a read', () => {
    expect(judge('aws s3 cp s3://b/k fresh.txt', 'read-only').action).toBe('allow');
  });
});

describe('recursive s3 transfers with a local side never follow links', () => {
  it.each([
    "aws s3 cp dir s3://b/p --recursive --exclude '.*' --exclude '*/.*'",
    "aws s3 sync . s3://b --exclude '.*' --exclude '*/.*'",
    "aws s3 sync s3://b . --exclude '.*' --exclude '*/.*'",
  ])('%s runs with --no-follow-symlinks', (line) => {
    expect(parseCommandLine(line).aws.argv.at(-1)).toBe('--no-follow-symlinks');
  });

  it('adds nothing to a copy within S3 or of one file', () => {
    expect(parseCommandLine('aws s3 cp s3://a/k s3://b/k --recursive').aws.argv).not.toContain(
      '--no-follow-symlinks',
    );
    expect(parseCommandLine('aws s3 cp a.txt s3://b/k').aws.argv).not.toContain('--no-follow-symlinks');
  });

  it('refuses --follow-symlinks on a recursive upload', () => {
    expect(refusal("aws s3 sync . s3://b --exclude '.*' --exclude '*/.*' --follow-symlinks").code).toBe(
      'LOCAL_PATH_OUTSIDE_WORKDIR',
    );
  });
});
