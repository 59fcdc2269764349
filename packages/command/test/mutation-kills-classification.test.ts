// Cases for Stryker's mutants of `_classification.ts` (docs/testing.md, "Mutation testing"): the whole classification
// of one operation, every field (the secret members, why it is sensitive, the rule that decided, whether it is
// known), for the kinds of entry the file decodes: name rules, secret outputs, inputs that turn a secret on or off
// (booleans also as text, enums in any case), reviewed overrides (and the generated rule without them), unknown
// operations, aliases and customizations. src/classification.test.ts checks the same data against botocore's
// models; mutation runs leave it out for time (run 7), so these rows hold the fields for a few operations.
import { describe, expect, it } from 'vitest';
import { classifyOperation, type OperationClassification } from '../src/_classification.js';

const rows: Array<
  [string, Record<string, unknown>, { overrides?: boolean } | undefined, OperationClassification]
> = [
  [
    'ssm:get-parameter',
    {},
    undefined,
    {
      accessClass: 'read',
      reason: '`get-parameter` reads by its name (`describe-`, `list-`, `get-` …)',
      secretOutput: [],
      apiActions: ['ssm:get-parameter'],
      rule: 'read-name',
      known: true,
    },
  ],
  [
    'ssm:get-parameter',
    { WithDecryption: true },
    undefined,
    {
      accessClass: 'sensitive-read',
      reason: '`WithDecryption: true` makes it return `Parameter.Value`',
      secretOutput: ['Parameter.Value'],
      apiActions: ['ssm:get-parameter'],
      rule: 'read-name',
      known: true,
      sensitiveBecause: { member: 'Parameter.Value', input: { member: 'WithDecryption', value: true } },
    },
  ],
  [
    'ssm:get-parameter',
    { WithDecryption: 'TRUE' },
    undefined,
    {
      accessClass: 'sensitive-read',
      reason: '`WithDecryption: true` makes it return `Parameter.Value`',
      secretOutput: ['Parameter.Value'],
      apiActions: ['ssm:get-parameter'],
      rule: 'read-name',
      known: true,
      sensitiveBecause: { member: 'Parameter.Value', input: { member: 'WithDecryption', value: true } },
    },
  ],
  [
    'ssm:get-parameter',
    { WithDecryption: 'yes' },
    undefined,
    {
      accessClass: 'read',
      reason: '`get-parameter` reads by its name (`describe-`, `list-`, `get-` …)',
      secretOutput: [],
      apiActions: ['ssm:get-parameter'],
      rule: 'read-name',
      known: true,
    },
  ],
  [
    'ec2:describe-instance-attribute',
    { Attribute: 'USERDATA' },
    undefined,
    {
      accessClass: 'sensitive-read',
      reason: '`Attribute: userData` makes it return `UserData`',
      secretOutput: ['UserData'],
      apiActions: ['ec2:describe-instance-attribute'],
      rule: 'read-name',
      known: true,
      sensitiveBecause: { member: 'UserData', input: { member: 'Attribute', value: 'userData' } },
    },
  ],
  [
    'ec2:describe-instance-attribute',
    { Attribute: 5 },
    undefined,
    {
      accessClass: 'read',
      reason: '`describe-instance-attribute` reads by its name (`describe-`, `list-`, `get-` …)',
      secretOutput: ['UserData'],
      apiActions: ['ec2:describe-instance-attribute'],
      rule: 'read-name',
      known: true,
    },
  ],
  [
    'glue:get-connection',
    {},
    undefined,
    {
      accessClass: 'sensitive-read',
      reason:
        '`get-connection` returns the connection password unless `HidePassword` is set (reviewed override)',
      secretOutput: ['Connection.ConnectionProperties.PASSWORD'],
      apiActions: ['glue:get-connection'],
      rule: 'override',
      known: true,
      sensitiveBecause: { member: 'Connection.ConnectionProperties.PASSWORD' },
    },
  ],
  [
    'glue:get-connection',
    { HidePassword: true },
    undefined,
    {
      accessClass: 'read',
      reason: '`HidePassword: true` leaves the secret out',
      secretOutput: ['Connection.ConnectionProperties.PASSWORD'],
      apiActions: ['glue:get-connection'],
      rule: 'override',
      known: true,
    },
  ],
  [
    'glue:get-connection',
    { HidePassword: 'True' },
    undefined,
    {
      accessClass: 'read',
      reason: '`HidePassword: true` leaves the secret out',
      secretOutput: ['Connection.ConnectionProperties.PASSWORD'],
      apiActions: ['glue:get-connection'],
      rule: 'override',
      known: true,
    },
  ],
  [
    'ec2:frobnicate',
    {},
    undefined,
    {
      accessClass: 'write',
      reason:
        '`aws ec2 frobnicate` is not in the classification (botocore 1.43.11), so it is treated as a write',
      secretOutput: [],
      apiActions: [],
      rule: 'unknown',
      known: false,
    },
  ],
  [
    'kms:decrypt',
    {},
    undefined,
    {
      accessClass: 'sensitive-read',
      reason: '`decrypt` returns the decrypted plaintext and changes nothing (reviewed override)',
      secretOutput: ['Plaintext'],
      apiActions: ['kms:decrypt'],
      rule: 'override',
      known: true,
      sensitiveBecause: { member: 'Plaintext' },
    },
  ],
  [
    'kms:decrypt',
    {},
    { overrides: false },
    {
      accessClass: 'write',
      reason: '`decrypt` is not known to be read-only by its name',
      secretOutput: ['Plaintext'],
      apiActions: ['kms:decrypt'],
      rule: 'write-name',
      known: true,
    },
  ],
  [
    'kms:encrypt',
    {},
    undefined,
    {
      accessClass: 'read',
      reason:
        '`encrypt` only computes ciphertext from the input; no key or resource changes (reviewed override)',
      secretOutput: [],
      apiActions: ['kms:encrypt'],
      rule: 'override',
      known: true,
    },
  ],
  [
    'sts:assume-role',
    {},
    undefined,
    {
      accessClass: 'sensitive-read',
      reason: '`assume-role` returns temporary credentials and changes nothing (reviewed override)',
      secretOutput: ['Credentials.SecretAccessKey', 'Credentials.SessionToken'],
      apiActions: ['sts:assume-role'],
      rule: 'override',
      known: true,
      sensitiveBecause: { member: 'Credentials.SecretAccessKey' },
    },
  ],
  [
    'secretsmanager:get-secret-value',
    {},
    undefined,
    {
      accessClass: 'sensitive-read',
      reason:
        '`get-secret-value` returns a secret as its answer (a credential, token, key or access URL at the top of the output): `SecretBinary`',
      secretOutput: ['SecretBinary', 'SecretString'],
      apiActions: ['secretsmanager:get-secret-value'],
      rule: 'secret-output',
      known: true,
      sensitiveBecause: { member: 'SecretBinary' },
    },
  ],
  [
    'ecr:get-login-password',
    {},
    undefined,
    {
      accessClass: 'sensitive-read',
      reason: 'prints a registry password',
      secretOutput: ['*'],
      sensitiveBecause: { member: '*' },
      apiActions: ['ecr:get-authorization-token'],
      rule: 'customization',
      known: true,
    },
  ],
  [
    'configure:get',
    { varname: 'aws_secret_access_key' },
    undefined,
    {
      accessClass: 'sensitive-read',
      reason: 'reads one value of the local configuration',
      secretOutput: ['*'],
      sensitiveBecause: { member: '*' },
      apiActions: [],
      rule: 'customization',
      known: true,
    },
  ],
  [
    'configure:get',
    { varname: 'region' },
    undefined,
    {
      accessClass: 'read',
      reason: 'reads one value of the local configuration',
      secretOutput: [],
      apiActions: [],
      rule: 'customization',
      known: true,
    },
  ],
  [
    's3:cp',
    { paths: ['a', 's3://b/k'] },
    undefined,
    {
      accessClass: 'write',
      reason: 'copies between the local disk and S3 (put or get) or within S3 (copy)',
      secretOutput: [],
      apiActions: [
        's3api:put-object',
        's3api:create-multipart-upload',
        's3api:upload-part',
        's3api:complete-multipart-upload',
      ],
      rule: 'customization',
      known: true,
    },
  ],
  [
    's3:cp',
    { paths: ['s3://b/k', 'a'] },
    undefined,
    {
      accessClass: 'read',
      reason: 'copies between the local disk and S3 (put or get) or within S3 (copy)',
      secretOutput: [],
      apiActions: ['s3api:head-object', 's3api:get-object'],
      rule: 'customization',
      known: true,
    },
  ],
  [
    's3:cp',
    {},
    undefined,
    {
      accessClass: 'write',
      reason: 'copies between the local disk and S3 (put or get) or within S3 (copy)',
      secretOutput: [],
      apiActions: [
        's3api:put-object',
        's3api:create-multipart-upload',
        's3api:upload-part',
        's3api:complete-multipart-upload',
        's3api:head-object',
        's3api:get-object',
        's3api:copy-object',
        's3api:upload-part-copy',
      ],
      rule: 'customization',
      known: true,
    },
  ],
  [
    's3:sync',
    { paths: ['.', 's3://b'], delete: true },
    undefined,
    {
      accessClass: 'write',
      reason:
        'lists both sides, then copies what differs like `s3 cp`; `--delete` deletes what the source lacks',
      secretOutput: [],
      apiActions: [
        's3api:list-objects-v2',
        's3api:put-object',
        's3api:create-multipart-upload',
        's3api:upload-part',
        's3api:complete-multipart-upload',
        's3api:delete-object',
      ],
      rule: 'customization',
      known: true,
    },
  ],
  [
    's3:sync',
    { paths: ['.', 's3://b'], delete: 'false' },
    undefined,
    {
      accessClass: 'write',
      reason:
        'lists both sides, then copies what differs like `s3 cp`; `--delete` deletes what the source lacks',
      secretOutput: [],
      apiActions: [
        's3api:list-objects-v2',
        's3api:put-object',
        's3api:create-multipart-upload',
        's3api:upload-part',
        's3api:complete-multipart-upload',
      ],
      rule: 'customization',
      known: true,
    },
  ],
  [
    'runtime.sagemaker:invoke-endpoint',
    {},
    undefined,
    {
      accessClass: 'write',
      reason: '`invoke-endpoint` is not known to be read-only by its name',
      secretOutput: [],
      apiActions: ['sagemaker-runtime:invoke-endpoint'],
      rule: 'write-name',
      known: true,
    },
  ],
  [
    'auditmanager:get-evidence-file-upload-url',
    {},
    undefined,
    {
      accessClass: 'sensitive-read',
      reason:
        '`get-evidence-file-upload-url` returns a URL that grants access by itself, its documentation says: `uploadUrl` (the documentation says "presigned Amazon S3 URL")',
      secretOutput: ['uploadUrl'],
      apiActions: ['auditmanager:get-evidence-file-upload-url'],
      rule: 'access-url-documented',
      known: true,
      sensitiveBecause: { member: 'uploadUrl' },
    },
  ],
  [
    'glue:get-connection',
    {},
    { overrides: false },
    {
      accessClass: 'sensitive-read',
      reason: '`get-connection` returns a secret unless an input asks to leave it out (`HidePassword`)',
      secretOutput: [],
      apiActions: ['glue:get-connection'],
      rule: 'secret-unless-hidden',
      known: true,
      sensitiveBecause: {},
    },
  ],
  [
    'glue:get-connection',
    { HidePassword: true },
    { overrides: false },
    {
      accessClass: 'read',
      reason: '`HidePassword: true` leaves the secret out',
      secretOutput: [],
      apiActions: ['glue:get-connection'],
      rule: 'secret-unless-hidden',
      known: true,
    },
  ],
  [
    'ec2:describe-instances',
    { Frob: true },
    undefined,
    {
      accessClass: 'read',
      reason: '`describe-instances` reads by its name (`describe-`, `list-`, `get-` …)',
      secretOutput: [],
      apiActions: ['ec2:describe-instances'],
      rule: 'read-name',
      known: true,
    },
  ],
];

describe('classifyOperation, field by field', () => {
  it.each(rows.map((row, index) => [index + 1, ...row] as const))(
    'row %i: %s with %j (options %j)',
    (_row, operation, parameters, options, expected) => {
      const [service = '', name = ''] = operation.split(':');
      expect(classifyOperation({ service, operation: name, parameters }, options)).toEqual(expected);
    },
  );
});
