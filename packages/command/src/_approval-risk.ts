import type { AccessClass } from './_classify-rules.js';
import { matchesGlob } from './policy.js';

/** Why a call may never be covered by a standing approval: the kind of risk a row names. */
export type ApprovalRisk = 'unknown' | 'sensitive' | 'destructive' | 'permissions' | 'credentials' | 'code';

/**
 * Whether a consent for a call may stand for later calls (this operation on these targets, for a session or N
 * minutes), and why. A policy rule with `standingApproval: true` can allow what `allowed: false` refuses.
 */
export interface StandingApproval {
  allowed: boolean;
  /** One phrase for the person: what the call does that makes a standing approval unsafe, or why it is safe. */
  reason: string;
  /** The deciding row (`destructive:delete`, `permissions:iam`), or `none` when no row refused it. */
  rule: string;
  /** The kind of risk, when refused. */
  risk?: ApprovalRisk;
}

/** What the judgement reads from a classification. */
export interface ApprovalRiskInput {
  accessClass: AccessClass;
  /** `service:operation` of the command itself. */
  action: string;
  known: boolean;
  apiActions: readonly string[];
  secretOutput: readonly string[];
  /** The request's members (botocore names), when known: a policy given at creation is a permission change. */
  parameters?: Readonly<Record<string, unknown>>;
}

/**
 * A request member that sets an access policy or grants access, whatever the operation: `Policy`, `KeyPolicy`,
 * `Attributes.Policy`, an S3 canned `ACL` or a `Grant…` list.
 */
function findPolicyMember(parameters: Readonly<Record<string, unknown>>): string | undefined {
  for (const [member, value] of Object.entries(parameters)) {
    if (/^(ACL|Grant(FullControl|Read|ReadACP|Write|WriteACP))$/.test(member)) return member;
    if (/Polic(y|ies)$/.test(member) && !/^(Redrive|Retention|Deletion|Lifecycle)/.test(member))
      return member;
    // An attribute map as written (shorthand or JSON): the key `Policy` on its own word, read loosely to fail closed.
    const text = typeof value === 'string' ? value : JSON.stringify(value ?? '');
    if (member === 'Attributes' && /(?<![A-Za-z])Policy(?![A-Za-z])/.test(text)) return 'Attributes.Policy';
  }
  return undefined;
}

/** One call a row lets through, and why. */
interface RiskException {
  action: string;
  member: string;
  value: string;
  reason: string;
}

interface RiskRow {
  id: string;
  risk: ApprovalRisk;
  /** Globs on `service:operation`, matched against the command and every API operation it performs. */
  actions: readonly string[];
  /** `changes`: only when the call changes something (a read of a policy is not a permission change). */
  when: 'always' | 'changes';
  reason: string;
  /**
   * The calls the row lets through: that command itself (not a customization performing it) with a request member
   * of exactly this value, which takes the row's risk away, and why.
   */
  unless?: readonly RiskException[];
}

/**
 * The operations that never get a standing approval unless a policy rule says so, each with why. The first
 * matching row decides, so a specific row (credentials) stands before a broad one (every IAM write).
 */
export const approvalRiskRows: readonly RiskRow[] = [
  {
    id: 'credentials:sts',
    risk: 'credentials',
    actions: ['sts:*'],
    when: 'always',
    reason: 'it issues or describes credentials (STS)',
  },
  {
    id: 'credentials:keys',
    risk: 'credentials',
    actions: [
      'iam:create-access-key',
      'iam:*login-profile',
      'iam:*service-specific-credential',
      '*:create-api-key',
      '*:create-keys-and-certificate',
    ],
    when: 'always',
    reason: 'it issues long-term credentials (keys, passwords, certificates)',
  },
  {
    id: 'credentials:tokens',
    risk: 'credentials',
    actions: ['*:get-*token*', '*:*auth-token*', '*:*credential*', '*:*initiate-auth', '*:*login*'],
    when: 'always',
    reason: 'it issues a token, password or temporary credentials',
  },
  {
    id: 'permissions:iam',
    risk: 'permissions',
    actions: ['iam:*', 'organizations:*', 'sso-admin:*', 'identitystore:*', 'ram:*'],
    when: 'changes',
    reason: 'it changes who may do what (IAM, organizations, Identity Center, resource sharing)',
  },
  {
    id: 'permissions:policies',
    risk: 'permissions',
    actions: [
      '*:*polic*',
      '*:*permission*',
      '*:*grant*',
      '*:authorize-*',
      '*:revoke-*',
      '*:*-acl',
      '*:*-acl-*',
    ],
    when: 'changes',
    reason: 'it changes a resource policy, key policy, grant, permission or ACL',
  },
  {
    id: 'permissions:network',
    risk: 'permissions',
    actions: ['ec2:*security-group*', 'ec2:modify-*-attribute', 'ec2:*network-acl*'],
    when: 'changes',
    reason: 'it changes network access or shares a resource (security groups, network ACLs, attributes)',
  },
  {
    id: 'permissions:public-access',
    risk: 'permissions',
    actions: [
      's3api:*public-access-block*',
      's3api:put-bucket-ownership-controls',
      'sqs:set-queue-attributes',
      'sns:set-topic-attributes',
      'lambda:*function-url-config',
    ],
    when: 'changes',
    reason: 'it can open a resource to others (public access, an access policy attribute, a public URL)',
  },
  {
    id: 'destructive:delete',
    risk: 'destructive',
    actions: [
      '*:delete*',
      '*:batch-delete*',
      '*:terminate*',
      '*:remove*',
      '*:purge*',
      '*:deregister*',
      '*:schedule-key-deletion',
      // Frees the parts already uploaded; its approval names the bucket and key, not the upload (each upload has a
      // new id), so a standing one would abort anyone's upload onto that key.
      '*:abort-multipart-upload',
    ],
    when: 'changes',
    reason: 'it deletes or terminates something',
  },
  {
    id: 'destructive:items',
    risk: 'destructive',
    actions: ['dynamodb:batch-write-item', 'dynamodb:transact-write-items', 'dynamodb:execute-statement'],
    when: 'changes',
    reason: 'it can delete or replace items in bulk',
  },
  {
    id: 'destructive:s3-objects',
    risk: 'destructive',
    actions: [
      's3api:put-object',
      's3api:copy-object',
      's3api:upload-part*',
      's3api:complete-multipart-upload',
      's3api:restore-object',
      's3api:put-bucket-lifecycle*',
    ],
    when: 'changes',
    reason:
      'it writes S3 objects, replacing any object at the same key (whether one exists is not known before the call)',
    // S3 conditional writes: with IfNoneMatch '*', S3 answers PreconditionFailed when the key exists, and moto
    // 5.2.1 does so for PutObject and CompleteMultipartUpload (standing-approvals-moto.test.ts in the executor asks
    // it). CopyObject has the member too, but moto 5.2.1 copies onto an existing key anyway, so the guard is
    // unproved there and a copy stays refused; `s3 cp` has no such option.
    unless: [
      {
        action: 's3api:put-object',
        member: 'IfNoneMatch',
        value: '*',
        reason:
          "it writes a new S3 object only: with `--if-none-match '*'` S3 refuses to replace an existing one (PreconditionFailed)",
      },
      {
        action: 's3api:complete-multipart-upload',
        member: 'IfNoneMatch',
        value: '*',
        reason:
          "it completes a new S3 object only: with `--if-none-match '*'` S3 refuses to replace an existing one (PreconditionFailed)",
      },
    ],
  },
  {
    id: 'code:functions',
    risk: 'code',
    actions: [
      'lambda:create-function',
      'lambda:update-function-code',
      'lambda:update-function-configuration',
      'lambda:publish-layer-version',
      'cloudfront:*-function',
    ],
    when: 'changes',
    reason: 'it changes the code that runs (function code, layers, runtime, role)',
  },
  {
    id: 'code:commands',
    risk: 'code',
    actions: [
      'ssm:send-command',
      'ssm:start-session',
      'ssm:start-automation-execution',
      'ecs:execute-command',
      'ecs:register-task-definition',
    ],
    when: 'changes',
    reason: 'it runs commands or deploys a new image on machines',
  },
  {
    id: 'code:templates',
    risk: 'code',
    actions: ['cloudformation:*', 'serverlessrepo:*'],
    when: 'changes',
    reason: 'it deploys whatever a template names, IAM roles included',
  },
];

/**
 * Judges whether a classified call may get a standing approval: never for a command the catalog does not know, a
 * call whose command or API operations a row of {@link approvalRiskRows} names (rows marked `changes` only for
 * writes), a write that sets an access policy through a member (`sqs create-queue --attributes Policy=…`,
 * `kms create-key --policy`), nor a sensitive read or any call whose output carries secrets. Never throws.
 */
export function judgeStandingApproval(classification: ApprovalRiskInput): StandingApproval {
  if (!classification.known) {
    return {
      allowed: false,
      risk: 'unknown',
      rule: 'unknown',
      reason: 'the command catalog does not know what it does',
    };
  }
  const actions = [classification.action, ...classification.apiActions];
  let spared: string | undefined;
  for (const row of approvalRiskRows) {
    if (row.when === 'changes' && classification.accessClass !== 'write') continue;
    const exception = row.unless?.find((candidate) => isSpared(candidate, classification));
    if (exception !== undefined) {
      spared = exception.reason;
      continue;
    }
    const named = actions.find((action) => row.actions.some((glob) => matchesGlob(glob, action)));
    if (named !== undefined) {
      const via = named === classification.action ? '' : ` (\`${named}\`)`;
      return { allowed: false, risk: row.risk, rule: row.id, reason: `${row.reason}${via}` };
    }
  }
  const policyMember =
    classification.accessClass === 'write' ? findPolicyMember(classification.parameters ?? {}) : undefined;
  if (policyMember !== undefined) {
    return {
      allowed: false,
      risk: 'permissions',
      rule: 'permissions:policy-member',
      reason: `it sets an access policy or grant (\`${policyMember}\`)`,
    };
  }
  if (classification.accessClass === 'sensitive-read' || classification.secretOutput.length > 0) {
    return {
      allowed: false,
      risk: 'sensitive',
      rule: 'sensitive:secrets',
      reason: 'it reads or reveals secrets',
    };
  }
  return {
    allowed: true,
    rule: 'none',
    reason:
      spared ?? 'it neither deletes, changes permissions, issues credentials, changes code nor reads secrets',
  };
}

/** Whether a row's exception applies: the command is that operation and gives the member that exact value. */
function isSpared(unless: RiskException, classification: ApprovalRiskInput): boolean {
  return (
    classification.action === unless.action && classification.parameters?.[unless.member] === unless.value
  );
}
