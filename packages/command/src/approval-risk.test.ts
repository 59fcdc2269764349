import { describe, expect, it } from 'vitest';
import { approvalRiskRows, judgeStandingApproval } from './_approval-risk.js';
import { classifyOperation } from './_classification.js';
import {
  classifyAwsStage,
  listCatalogOperations,
  listCatalogServices,
  loadSnapshotCatalog,
  parseCommandLine,
  parsePolicy,
  readApprovalTargets,
  validatePipeline,
} from './index.js';

const classify = (line: string) => classifyAwsStage(parseCommandLine(line).aws);
const targetsOf = (line: string) => readApprovalTargets(parseCommandLine(line).aws);

describe('classifyAwsStage: standingApproval', () => {
  it.each([
    [`aws dynamodb put-item --table-name t --item '{"id":{"S":"1"}}'`],
    ['aws sqs send-message --queue-url http://127.0.0.1:5000/123456789012/q --message-body hi'],
    ['aws sqs create-queue --queue-name q'],
    ['aws sqs create-queue --queue-name q --attributes RedrivePolicy=x'],
    ['aws s3 mb s3://bucket'],
    ['aws ssm put-parameter --name p --value v --type String'],
    ['aws ec2 create-tags --resources i-1 --tags Key=a,Value=b'],
    ['aws s3 ls s3://bucket'],
    ['aws lambda invoke --function-name f out.json'],
  ])('allows %j', (line) => {
    expect(classify(line).standingApproval).toMatchObject({ allowed: true, rule: 'none' });
  });

  it.each([
    ['aws secretsmanager get-secret-value --secret-id s', 'sensitive:secrets'],
    ['aws ssm get-parameter --name p --with-decryption', 'sensitive:secrets'],
    ['aws lambda get-function --function-name f', 'sensitive:secrets'],
    ['aws s3 presign s3://b/k', 'sensitive:secrets'],
    ['aws sts get-caller-identity', 'credentials:sts'],
    ['aws sts get-session-token', 'credentials:sts'],
    ['aws iam create-access-key --user-name u', 'credentials:keys'],
    ['aws iam create-login-profile --user-name u --password p', 'credentials:keys'],
    ['aws ecr get-authorization-token', 'credentials:tokens'],
    ['aws iam create-user --user-name u', 'permissions:iam'],
    ['aws iam attach-role-policy --role-name r --policy-arn arn:aws:iam::aws:policy/x', 'permissions:iam'],
    ['aws s3api put-bucket-policy --bucket b --policy {}', 'permissions:policies'],
    ['aws kms put-key-policy --key-id k --policy {} --policy-name default', 'permissions:policies'],
    ['aws kms create-grant --key-id k --grantee-principal p --operations Decrypt', 'permissions:policies'],
    [
      'aws lambda add-permission --function-name f --statement-id s --action a --principal p',
      'permissions:policies',
    ],
    [
      'aws ec2 authorize-security-group-ingress --group-id sg-1 --protocol tcp --port 22 --cidr 0.0.0.0/0',
      'permissions:policies',
    ],
    [
      'aws ec2 modify-snapshot-attribute --snapshot-id snap-1 --attribute createVolumePermission',
      'permissions:network',
    ],
    ['aws s3api put-bucket-acl --bucket b --acl public-read', 'permissions:policies'],
    ['aws s3api delete-public-access-block --bucket b', 'permissions:public-access'],
    [
      'aws sqs set-queue-attributes --queue-url http://h/1/q --attributes Policy=x',
      'permissions:public-access',
    ],
    ['aws sqs create-queue --queue-name q --attributes Policy=x', 'permissions:policy-member'],
    [`aws sns create-topic --name t --attributes '{"Policy":"x"}'`, 'permissions:policy-member'],
    ['aws kms create-key --policy x', 'permissions:policy-member'],
    ['aws s3api create-bucket --bucket b --acl public-read', 'permissions:policy-member'],
    [
      "aws s3api put-object --bucket b --key k --if-none-match '*' --grant-read uri=http://acs.amazonaws.com/groups/global/AllUsers",
      'permissions:policy-member',
    ],
    [
      "aws s3api put-object --bucket b --key k --if-none-match '*' --acl public-read",
      'permissions:policy-member',
    ],
    ['aws dynamodb delete-item --table-name t --key {"id":{"S":"1"}}', 'destructive:delete'],
    ['aws dynamodb batch-write-item --request-items {}', 'destructive:items'],
    ['aws ec2 terminate-instances --instance-ids i-1', 'destructive:delete'],
    ['aws sqs purge-queue --queue-url http://h/1/q', 'destructive:delete'],
    ['aws kms schedule-key-deletion --key-id k', 'destructive:delete'],
    ['aws s3api abort-multipart-upload --bucket b --key k --upload-id u', 'destructive:delete'],
    ['aws s3 rm s3://b/k', 'destructive:delete'],
    ['aws s3 mv s3://b/k s3://b/k2', 'destructive:delete'],
    ['aws s3 sync . s3://b --delete', 'destructive:delete'],
    ['aws s3 cp x.txt s3://b/k', 'destructive:s3-objects'],
    ['aws s3 cp s3://b/k s3://b/k2', 'destructive:s3-objects'],
    ['aws s3api put-object --bucket b --key k', 'destructive:s3-objects'],
    ['aws s3api put-object --bucket b --key k --if-none-match abc', 'destructive:s3-objects'],
    ['aws s3api put-object --bucket b --key k --if-match *', 'destructive:s3-objects'],
    [
      "aws s3api copy-object --bucket b --key k --copy-source b/x --if-none-match '*'",
      'destructive:s3-objects',
    ],
    ['aws s3api copy-object --bucket b --key k --copy-source b/x', 'destructive:s3-objects'],
    ['aws s3api complete-multipart-upload --bucket b --key k --upload-id u', 'destructive:s3-objects'],
    [
      'aws s3api complete-multipart-upload --bucket b --key k --upload-id u --if-none-match abc',
      'destructive:s3-objects',
    ],
    ['aws lambda update-function-code --function-name f --zip-file fileb://f.zip', 'code:functions'],
    ['aws lambda update-function-configuration --function-name f --timeout 3', 'code:functions'],
    ['aws ssm send-command --document-name AWS-RunShellScript --instance-ids i-1', 'code:commands'],
    ['aws cloudformation create-stack --stack-name s --template-body {}', 'code:templates'],
  ])('refuses %j (%s)', (line, rule) => {
    const standing = classify(line).standingApproval;
    expect(standing).toMatchObject({ allowed: false, rule });
    expect(standing.reason).not.toBe('');
  });

  it.each([
    ["aws s3api put-object --bucket b --key k --body x.txt --if-none-match '*'"],
    ['aws s3api put-object --bucket b --key k --if-none-match=*'],
    [`aws s3api put-object --cli-input-json '{"Bucket":"b","Key":"k","IfNoneMatch":"*"}'`],
  ])('allows %j: it cannot replace an existing object', (line) => {
    expect(classify(line).standingApproval).toEqual({
      allowed: true,
      rule: 'none',
      reason:
        "it writes a new S3 object only: with `--if-none-match '*'` S3 refuses to replace an existing one (PreconditionFailed)",
    });
  });

  it.each([
    ["aws s3api complete-multipart-upload --bucket b --key k --upload-id u --if-none-match '*'"],
    [
      `aws s3api complete-multipart-upload --cli-input-json '{"Bucket":"b","Key":"k","UploadId":"u","IfNoneMatch":"*"}'`,
    ],
  ])('allows %j: it cannot complete onto an existing object', (line) => {
    expect(classify(line).standingApproval).toEqual({
      allowed: true,
      rule: 'none',
      reason:
        "it completes a new S3 object only: with `--if-none-match '*'` S3 refuses to replace an existing one (PreconditionFailed)",
    });
  });

  it('refuses a command the catalog does not know', () => {
    const unknown = {
      accessClass: 'write',
      action: 'x:y',
      known: false,
      apiActions: [],
      secretOutput: [],
    } as const;
    expect(judgeStandingApproval(unknown)).toMatchObject({ allowed: false, rule: 'unknown' });
  });

  it('says which API operation of a customization decided', () => {
    expect(classify('aws s3 rm s3://b/k').standingApproval.reason).toBe(
      'it deletes or terminates something (`s3api:delete-object`)',
    );
  });

  it('refuses a download that overwrites an existing local file', () => {
    const pipeline = parseCommandLine('aws s3 cp s3://b/k package.json');
    const decision = validatePipeline(pipeline, { mode: 'confirm-writes' }, { workdir: process.cwd() });
    expect(decision.classification.standingApproval).toMatchObject({
      allowed: false,
      rule: 'destructive:local-file',
    });
  });

  it('every row names operations of the catalog', () => {
    const catalog = loadSnapshotCatalog();
    const operations = listCatalogServices(catalog).flatMap(({ service }) =>
      (listCatalogOperations(catalog, service) ?? []).map((match) => `${service}:${match.operation}`),
    );
    expect(operations.length).toBeGreaterThan(10_000);
    const unused = approvalRiskRows.flatMap((row) =>
      row.actions.filter(
        (glob) =>
          !operations.some((operation) => new RegExp(`^${glob.replaceAll('*', '.*')}$`, 'i').test(operation)),
      ),
    );
    expect(unused).toEqual([]);
  });

  it('no operation of the catalog whose name deletes, terminates or purges is allowed', () => {
    const catalog = loadSnapshotCatalog();
    const allowed: string[] = [];
    for (const { service } of listCatalogServices(catalog)) {
      for (const { operation } of listCatalogOperations(catalog, service) ?? []) {
        if (!/^(delete|terminate|purge|remove|batch-delete)-/.test(operation)) continue;
        const classified = classifyOperation({ service, operation });
        const action = `${service}:${operation}`;
        if (judgeStandingApproval({ ...classified, action }).allowed) allowed.push(action);
      }
    }
    expect(allowed).toEqual([]);
  });
});

describe('readApprovalTargets', () => {
  it.each([
    [`aws dynamodb put-item --table-name t --item '{"id":{"S":"1"}}'`, [{ member: 'TableName', value: 't' }]],
    [
      'aws sqs send-message --queue-url http://127.0.0.1:5000/123456789012/q --message-body hi --message-group-id g',
      [{ member: 'QueueUrl', value: 'http://127.0.0.1:5000/123456789012/q', account: '123456789012' }],
    ],
    [
      'aws s3api put-object --bucket b --key a/k.txt',
      [
        { member: 'Bucket', value: 'b', bindsOwner: true },
        { member: 'Key', value: 'a/k.txt' },
      ],
    ],
    [
      'aws s3api put-bucket-tagging --bucket b --tagging TagSet=[] --expected-bucket-owner 111122223333',
      [{ member: 'Bucket', value: 'b', account: '111122223333', bindsOwner: true }],
    ],
    // An approval of completing uploads onto a key is for the key, not for one upload id (each upload has its own).
    [
      `aws s3api complete-multipart-upload --bucket b --key k --upload-id u1 --if-none-match '*'`,
      [
        { member: 'Bucket', value: 'b', bindsOwner: true },
        { member: 'Key', value: 'k' },
      ],
    ],
    // The CLI gives create-bucket no --expected-bucket-owner: a bucket that does not exist yet has no owner.
    ['aws s3api create-bucket --bucket b', [{ member: 'Bucket', value: 'b' }]],
    [
      'aws sns publish --topic-arn arn:aws:sns:us-east-1:111122223333:t --message m',
      [{ member: 'TopicArn', value: 'arn:aws:sns:us-east-1:111122223333:t', account: '111122223333' }],
    ],
    [
      'aws ec2 start-instances --instance-ids i-2 i-1',
      [
        { member: 'InstanceIds', value: 'i-1' },
        { member: 'InstanceIds', value: 'i-2' },
      ],
    ],
    [
      'aws rds reboot-db-instance --db-instance-identifier db1',
      [{ member: 'DBInstanceIdentifier', value: 'db1' }],
    ],
    ['aws s3 cp a.txt s3://b/k', [{ member: 'paths', value: 's3://b/k' }]],
    ['aws s3 mb s3://b', [{ member: 'path', value: 's3://b' }]],
    ['aws sqs list-queues', []],
  ])('%j names %j', (line, expected) => {
    expect(targetsOf(line)).toEqual(expected);
  });

  it('reads members given through --cli-input-json', () => {
    expect(targetsOf(`aws dynamodb put-item --cli-input-json '{"TableName":"t","Item":{}}'`)).toEqual([
      { member: 'TableName', value: 't' },
    ]);
  });
});

describe('parsePolicy: standingApproval', () => {
  it('takes a rule’s standingApproval: true', () => {
    const policy = parsePolicy({
      mode: 'confirm-writes',
      rules: [{ effect: 'confirm', actions: ['sqs:purge-queue'], standingApproval: true }],
    });
    expect(policy.rules?.[0]?.standingApproval).toBe(true);
  });

  it('refuses a value that is not a boolean, naming the field', () => {
    expect(() =>
      parsePolicy({
        mode: 'full',
        rules: [{ effect: 'confirm', classes: ['write'], standingApproval: 'yes' }],
      }),
    ).toThrow(expect.objectContaining({ code: 'INVALID_POLICY', token: 'rules[0].standingApproval' }));
  });
});
