import type { AwsStage } from './_aws-stage.js';

/** One resource a call names: the member or argument that names it, its value, and its account when it says. */
export interface ApprovalTarget {
  /** The API member (`TableName`, `QueueUrl`, `FunctionName`) or, for a customization, the argument (`paths`). */
  member: string;
  value: string;
  /**
   * The 12-digit account an ARN or a queue URL names, or that `--expected-bucket-owner` gives a bucket; undefined
   * for names without one (a bucket, a table).
   */
  account?: string;
  /**
   * For a bucket: the installed CLI gives this command `--expected-bucket-owner`, so a call can be bound to the
   * bucket's owner (S3 refuses it for a bucket another account owns).
   */
  bindsOwner?: true;
}

/** The option that makes S3 refuse a request for a bucket another account owns. */
export const bucketOwnerOption = '--expected-bucket-owner';

/** Whether the installed CLI's argument table gives the stage's command `--expected-bucket-owner`. */
function acceptsBucketOwner(stage: AwsStage): boolean {
  return (
    stage.reading?.command?.actions.some((action) => action.options.includes(bucketOwnerOption)) === true
  );
}

/** Top-level API members that name a resource: by exact name, or by how the name ends (with a list's `s`). */
const namedMembers = new Set(['Bucket', 'Key', 'VersionId', 'QueueUrl', 'TableName', 'FunctionName']);
const resourceSuffix = /(Arn|Name|Id|Identifier)s?$/;

/** Members that end like a resource name but carry per-call data, so they are no target, with why. */
const notTargets: Readonly<Record<string, string>> = {
  MessageGroupId: 'groups SQS messages; each call may give another',
  MessageDeduplicationId: 'deduplicates one SQS message',
  ClientRequestId: 'an idempotency token',
  RequestId: 'an idempotency token',
  UploadId:
    'names one multipart upload of the bucket and key, made anew for every object: bound to it, an approval of ' +
    '`complete-multipart-upload` would cover that one call and nothing after it',
};

const arnPattern = /^arn:[^:]+:[^:]*:[^:]*:(\d{12})?:/;

/** The account an ARN (`arn:aws:sqs:us-east-1:123456789012:q`) or a queue URL (`…/123456789012/q`) names. */
function findAccount(value: string): string | undefined {
  const arn = arnPattern.exec(value);
  if (arn !== null) return arn[1];
  if (/^https?:\/\//.test(value) && URL.canParse(value)) {
    const first = new URL(value).pathname.split('/')[1] ?? '';
    if (/^\d{12}$/.test(first)) return first;
  }
  return undefined;
}

/** A `Bucket` target gets the account `--expected-bucket-owner` names, and says whether the CLI can bind it. */
function bindBuckets(stage: AwsStage, targets: ApprovalTarget[]): void {
  const owner = stage.parameters.ExpectedBucketOwner;
  const binds = acceptsBucketOwner(stage);
  for (const target of targets) {
    if (target.member !== 'Bucket') continue;
    // Any value, even one that is no account id, so a bucket named with another owner is never this account's.
    if (typeof owner === 'string') target.account = owner;
    if (binds) target.bindsOwner = true;
  }
}

function toTargets(member: string, value: unknown): ApprovalTarget[] {
  const values = Array.isArray(value) ? value : [value];
  return values
    .filter((each): each is string => typeof each === 'string' && each !== '')
    .map((each) => {
      const account = findAccount(each);
      return account === undefined ? { member, value: each } : { member, value: each, account };
    });
}

/**
 * The resources a call names, for scoping an approval to them: for an API operation its top-level request members
 * that name a resource (`Bucket`, `Key`, `QueueUrl`, `TableName`, `FunctionName`, and members ending in `Arn`,
 * `Name`, `Id` or `Identifier`, lists included), as the CLI read them from the line and `--cli-input-json`; for a
 * customization its `s3://` paths and arguments ending in `-name`, `-arn` or `-id`. A `Bucket` carries the
 * account `--expected-bucket-owner` gives, and `bindsOwner` where the CLI has that option. Sorted, so the same call
 * always gives the same list. Empty when the call names none.
 */
export function readApprovalTargets(stage: AwsStage): ApprovalTarget[] {
  const targets: ApprovalTarget[] = [];
  if (stage.reading?.command?.kind === 'customization') {
    for (const argument of stage.arguments) {
      const s3Paths = argument.values.filter((value) => value.startsWith('s3://'));
      if (s3Paths.length > 0) targets.push(...toTargets(argument.name, s3Paths));
      else if (/(^|-)(name|arn|id|bucket)$/.test(argument.name))
        targets.push(...toTargets(argument.name, argument.values));
    }
  } else {
    for (const [member, value] of Object.entries(stage.parameters)) {
      if (Object.hasOwn(notTargets, member)) continue;
      if (namedMembers.has(member) || resourceSuffix.test(member)) targets.push(...toTargets(member, value));
    }
    bindBuckets(stage, targets);
  }
  const order = (left: string, right: string) => (left < right ? -1 : left > right ? 1 : 0);
  return targets.sort((left, right) => order(left.member, right.member) || order(left.value, right.value));
}
