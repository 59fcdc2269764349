// Cases for Stryker's mutants of the classifiers (`classify.ts`, `_classify-rules.ts`, `_classification.ts`;
// docs/testing.md, "Mutation testing"): each row is the whole classification a person is shown for a command (its
// class, action, reason, API operations and secret members), through the real parse on the snapshot model.
import { describe, expect, it } from 'vitest';
import {
  type Catalog,
  type Classification,
  classifyAwsStage,
  loadSnapshotCatalog,
  parseCommandLine,
} from '../src/index.js';

/** What a person is shown of a classification (the standing approval is judged apart, in approval-risk.test.ts). */
function shown(classification: Classification) {
  const { accessClass, action, reason, known, apiActions, secretOutput } = classification;
  return { accessClass, action, reason, known, apiActions, secretOutput };
}

function classify(line: string, catalog?: Catalog) {
  return shown(classifyAwsStage(parseCommandLine(line, { workdir: '/w' }).aws, catalog));
}

const byName = (operation: string) =>
  `\`${operation}\` reads by its name (\`describe-\`, \`list-\`, \`get-\` …)`;
const notReadOnly = (operation: string) => `\`${operation}\` is not known to be read-only by its name`;
const s3Copy = [
  's3api:head-object',
  's3api:copy-object',
  's3api:create-multipart-upload',
  's3api:upload-part-copy',
  's3api:complete-multipart-upload',
];
const s3Upload = [
  's3api:put-object',
  's3api:create-multipart-upload',
  's3api:upload-part',
  's3api:complete-multipart-upload',
];
const cloudformationDeploy = [
  'cloudformation:describe-stacks',
  'cloudformation:get-template-summary',
  'cloudformation:create-change-set',
  'cloudformation:describe-change-set',
  'cloudformation:execute-change-set',
];

describe('classifyAwsStage: the classification a person is shown', () => {
  it.each<[string, ReturnType<typeof shown>]>([
    [
      'aws ec2 help',
      {
        accessClass: 'read',
        action: 'ec2:',
        reason: 'help and version requests only read the CLI itself',
        known: true,
        apiActions: [],
        secretOutput: [],
      },
    ],
    [
      'aws --version',
      {
        accessClass: 'read',
        action: ':',
        reason: 'help and version requests only read the CLI itself',
        known: true,
        apiActions: [],
        secretOutput: [],
      },
    ],
    [
      'aws ec2 describe-instances help',
      {
        accessClass: 'read',
        action: 'ec2:describe-instances',
        reason: 'help and version requests only read the CLI itself',
        known: true,
        apiActions: [],
        secretOutput: [],
      },
    ],
    [
      'aws ec2 run-instances --image-id ami-1 --dry-run --generate-cli-skeleton',
      {
        accessClass: 'read',
        action: 'ec2:run-instances',
        reason: '`--generate-cli-skeleton` prints a template and sends no request',
        known: true,
        apiActions: [],
        secretOutput: [],
      },
    ],
    [
      'aws ec2 run-instances --image-id ami-1 --dry-run',
      {
        accessClass: 'read',
        action: 'ec2:run-instances',
        reason: '`--dry-run` only checks permissions',
        known: true,
        apiActions: ['ec2:run-instances'],
        secretOutput: [],
      },
    ],
    [
      'aws ec2 run-instances --image-id ami-1 --no-dry-run',
      {
        accessClass: 'write',
        action: 'ec2:run-instances',
        reason: notReadOnly('run-instances'),
        known: true,
        apiActions: ['ec2:run-instances'],
        secretOutput: [],
      },
    ],
    // A read keeps its own reason with --dry-run.
    [
      'aws ec2 describe-instances --dry-run',
      {
        accessClass: 'read',
        action: 'ec2:describe-instances',
        reason: byName('describe-instances'),
        known: true,
        apiActions: ['ec2:describe-instances'],
        secretOutput: [],
      },
    ],
    [
      'aws s3 rm s3://b/k --dryrun',
      {
        accessClass: 'read',
        action: 's3:rm',
        reason: '`--dryrun` only shows what would happen',
        known: true,
        apiActions: ['s3api:delete-object'],
        secretOutput: [],
      },
    ],
    [
      'aws s3 rm s3://b/k',
      {
        accessClass: 'write',
        action: 's3:rm',
        reason: 'deletes S3 objects',
        known: true,
        apiActions: ['s3api:delete-object'],
        secretOutput: [],
      },
    ],
    // The hand-kept table keeps lambda get-function a sensitive read; list-functions stays a read.
    [
      'aws lambda get-function --function-name f',
      {
        accessClass: 'sensitive-read',
        action: 'lambda:get-function',
        reason: 'returns environment variables and a code download URL',
        known: true,
        apiActions: ['lambda:get-function'],
        secretOutput: ['Configuration.Environment.Variables'],
      },
    ],
    [
      'aws lambda list-functions',
      {
        accessClass: 'read',
        action: 'lambda:list-functions',
        reason: byName('list-functions'),
        known: true,
        apiActions: ['lambda:list-functions'],
        secretOutput: ['Functions[].Environment.Variables'],
      },
    ],
    [
      'aws kms decrypt --ciphertext-blob fileb://c.bin',
      {
        accessClass: 'sensitive-read',
        action: 'kms:decrypt',
        reason: '`decrypt` returns the decrypted plaintext and changes nothing (reviewed override)',
        known: true,
        apiActions: ['kms:decrypt'],
        secretOutput: ['Plaintext'],
      },
    ],
    [
      'aws secretsmanager get-secret-value --secret-id s',
      {
        accessClass: 'sensitive-read',
        action: 'secretsmanager:get-secret-value',
        reason:
          '`get-secret-value` returns a secret as its answer (a credential, token, key or access URL at the top of the output): `SecretBinary`',
        known: true,
        apiActions: ['secretsmanager:get-secret-value'],
        secretOutput: ['SecretBinary', 'SecretString'],
      },
    ],
    [
      'aws ssm get-parameter --name x --with-decryption',
      {
        accessClass: 'sensitive-read',
        action: 'ssm:get-parameter',
        reason: '`WithDecryption: true` makes it return `Parameter.Value`',
        known: true,
        apiActions: ['ssm:get-parameter'],
        secretOutput: ['Parameter.Value'],
      },
    ],
    ...['aws ssm get-parameter --name x', 'aws ssm get-parameter --name x --no-with-decryption'].map(
      (line): [string, ReturnType<typeof shown>] => [
        line,
        {
          accessClass: 'read',
          action: 'ssm:get-parameter',
          reason: byName('get-parameter'),
          known: true,
          apiActions: ['ssm:get-parameter'],
          secretOutput: [],
        },
      ],
    ),
    // A service alias is resolved in the action.
    [
      'aws runtime.sagemaker invoke-endpoint --endpoint-name e --body x out.json',
      {
        accessClass: 'write',
        action: 'sagemaker-runtime:invoke-endpoint',
        reason: notReadOnly('invoke-endpoint'),
        known: true,
        apiActions: ['sagemaker-runtime:invoke-endpoint'],
        secretOutput: [],
      },
    ],
    // Customizations: their arguments by name, flags as booleans, `paths` as a list giving the direction.
    [
      'aws s3 cp s3://b/k s3://c/k',
      {
        accessClass: 'write',
        action: 's3:cp',
        reason: 'copies between the local disk and S3 (put or get) or within S3 (copy)',
        known: true,
        apiActions: s3Copy,
        secretOutput: [],
      },
    ],
    [
      'aws s3 cp s3://b/k k --recursive',
      {
        accessClass: 'read',
        action: 's3:cp',
        reason: 'copies between the local disk and S3 (put or get) or within S3 (copy)',
        known: true,
        apiActions: ['s3api:head-object', 's3api:get-object', 's3api:list-objects-v2'],
        secretOutput: [],
      },
    ],
    [
      'aws s3 cp k s3://b/k',
      {
        accessClass: 'write',
        action: 's3:cp',
        reason: 'copies between the local disk and S3 (put or get) or within S3 (copy)',
        known: true,
        apiActions: s3Upload,
        secretOutput: [],
      },
    ],
    [
      'aws s3 mv s3://b/k s3://c/k',
      {
        accessClass: 'write',
        action: 's3:mv',
        reason: 'copies like `s3 cp`, then deletes the source (an S3 object or the local file)',
        known: true,
        apiActions: [...s3Copy, 's3api:delete-object'],
        secretOutput: [],
      },
    ],
    [
      'aws s3 sync s3://b s3://c --delete',
      {
        accessClass: 'write',
        action: 's3:sync',
        reason:
          'lists both sides, then copies what differs like `s3 cp`; `--delete` deletes what the source lacks',
        known: true,
        apiActions: ['s3api:list-objects-v2', ...s3Copy, 's3api:delete-object'],
        secretOutput: [],
      },
    ],
    [
      'aws s3 rb s3://b --force',
      {
        accessClass: 'write',
        action: 's3:rb',
        reason: 'deletes a bucket; `--force` first deletes every object in it',
        known: true,
        apiActions: ['s3api:delete-bucket', 's3api:list-objects-v2', 's3api:delete-object'],
        secretOutput: [],
      },
    ],
    [
      'aws s3 rb s3://b',
      {
        accessClass: 'write',
        action: 's3:rb',
        reason: 'deletes a bucket; `--force` first deletes every object in it',
        known: true,
        apiActions: ['s3api:delete-bucket'],
        secretOutput: [],
      },
    ],
    [
      'aws cloudformation deploy --template-file t.yaml --stack-name s --s3-bucket b',
      {
        accessClass: 'write',
        action: 'cloudformation:deploy',
        reason: 'creates and executes a change set',
        known: true,
        apiActions: [...cloudformationDeploy, ...s3Upload],
        secretOutput: [],
      },
    ],
    [
      'aws cloudformation deploy --template-file t.yaml --stack-name s',
      {
        accessClass: 'write',
        action: 'cloudformation:deploy',
        reason: 'creates and executes a change set',
        known: true,
        apiActions: cloudformationDeploy,
        secretOutput: [],
      },
    ],
    [
      'aws emr describe-cluster --cluster-id j-1',
      {
        accessClass: 'read',
        action: 'emr:describe-cluster',
        reason: 'describes a cluster with its instance groups or fleets and bootstrap actions',
        known: true,
        apiActions: [
          'emr:describe-cluster',
          'emr:list-instance-groups',
          'emr:list-instance-fleets',
          'emr:list-bootstrap-actions',
        ],
        secretOutput: [],
      },
    ],
    [
      'aws ecr get-login-password',
      {
        accessClass: 'sensitive-read',
        action: 'ecr:get-login-password',
        reason: 'prints a registry password',
        known: true,
        apiActions: ['ecr:get-authorization-token'],
        secretOutput: ['*'],
      },
    ],
    [
      'aws configure get region',
      {
        accessClass: 'read',
        action: 'configure:get',
        reason: 'reads one value of the local configuration',
        known: true,
        apiActions: [],
        secretOutput: [],
      },
    ],
    // A secret's name makes `configure get` print a secret (validatePipeline refuses the secret keys before).
    [
      'aws configure get aws_session_token',
      {
        accessClass: 'sensitive-read',
        action: 'configure:get',
        reason: 'reads one value of the local configuration',
        known: true,
        apiActions: [],
        secretOutput: ['*'],
      },
    ],
    [
      'aws configure list',
      {
        accessClass: 'read',
        action: 'configure:list',
        reason: 'shows the local configuration, with the keys masked',
        known: true,
        apiActions: [],
        secretOutput: [],
      },
    ],
  ])('%s', (line, expected) => {
    expect(classify(line)).toEqual(expected);
  });

  it('treats a command the catalog does not know as a write, naming the catalog', () => {
    const catalog = loadSnapshotCatalog();
    const withoutEc2: Catalog = {
      version: catalog.version,
      source: catalog.source,
      serviceNames: catalog.serviceNames.filter((name) => name !== 'ec2'),
      aliases: catalog.aliases,
      describe: (service) => catalog.describe(service),
      getService: (service) => (service === 'ec2' ? undefined : catalog.getService(service)),
    };
    // A nested command is named by its whole path.
    expect(classify('aws ec2 wait instance-running --instance-ids i-1', withoutEc2)).toEqual({
      accessClass: 'write',
      action: 'ec2:wait',
      reason: `\`aws ec2 wait instance-running\` is not in the command catalog (CLI ${catalog.version}), so it is treated as a write`,
      known: false,
      apiActions: [],
      secretOutput: [],
    });
    expect(classify('aws ec2 describe-instances', withoutEc2)).toEqual({
      accessClass: 'write',
      action: 'ec2:describe-instances',
      reason: `\`aws ec2 describe-instances\` is not in the command catalog (CLI ${catalog.version}), so it is treated as a write`,
      known: false,
      apiActions: [],
      secretOutput: [],
    });
  });

  it('judges the standing approval once, when first read', () => {
    const classification = classifyAwsStage(parseCommandLine('aws s3 rm s3://b/k').aws);
    const first = classification.standingApproval;
    expect(first).toEqual({
      allowed: false,
      risk: 'destructive',
      rule: 'destructive:delete',
      reason: 'it deletes or terminates something (`s3api:delete-object`)',
    });
    expect(classification.standingApproval).toBe(first);
    expect(Object.keys(classification)).toContain('standingApproval');
  });
});
