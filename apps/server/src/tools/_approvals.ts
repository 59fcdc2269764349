import { randomBytes } from 'node:crypto';
import {
  type ApprovalTarget,
  bucketOwnerOption,
  type Decision,
  type Policy,
  parseCommandLine,
  readApprovalTargets,
} from '@aws-mcp/command';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { ServerContext } from '../server-context.js';
import type { ConsentPlan, JudgedCall } from './aws-cli-pipeline.js';

/** How long a consent lasts: this call only, this operation on these targets for the session, or N minutes. */
export type ApprovalScope = { kind: 'once' } | { kind: 'session' } | { kind: 'minutes'; minutes: number };

/** The bounds of a `minutes` approval, and the form's default. */
export const approvalMinutes = { min: 1, max: 240, default: 30 } as const;

/** What a standing approval is for: one operation on these targets, under one profile, region and account. */
export interface ApprovalSubject {
  /** `service:operation`, e.g. `dynamodb:put-item`. */
  action: string;
  targets: readonly ApprovalTarget[];
  profile: string;
  region: string;
  /** The 12-digit account the profile's credentials belong to. */
  account: string;
  /** The `--endpoint-url` on the line, when there is one: an approval never follows a call elsewhere. */
  endpoint?: string;
}

/** A standing approval a person granted through the consent form, as the session lists it. */
export interface StandingApprovalRecord extends ApprovalSubject {
  /** An id to withdraw it by (`ap-` and 8 hex digits), unique in the session. */
  id: string;
  scope: 'session' | 'minutes';
  grantedAt: string;
  /** For `minutes`: when it ends (ISO 8601). A `session` approval ends with the session. */
  expiresAt?: string;
}

/** Standing approvals per session: granted by the consent form, found by the next identical call, withdrawn. */
export interface ApprovalStore {
  /** Records a standing approval for `session`; a `once` scope records nothing and returns undefined. */
  grant(session: object, subject: ApprovalSubject, scope: ApprovalScope): StandingApprovalRecord | undefined;
  /** The session's live approval covering exactly this subject, or undefined. */
  find(session: object, subject: ApprovalSubject): StandingApprovalRecord | undefined;
  /** The session's live approvals, oldest first (expired ones are dropped). */
  list(session: object): StandingApprovalRecord[];
  /** Removes one approval by id, or every one (`all`); returns what was removed (empty when nothing matched). */
  withdraw(session: object, id: string): StandingApprovalRecord[];
  /** Forgets every approval of a session that ended. */
  endSession(session: object): void;
}

function subjectKey(subject: ApprovalSubject): string {
  return JSON.stringify([
    subject.profile,
    subject.region,
    subject.account,
    subject.endpoint ?? null,
    subject.action,
    subject.targets.map((target) => [target.member, target.value]),
  ]);
}

/** Whether every target that names an account names this one: an approval never covers another account's resource. */
function staysInAccount(subject: ApprovalSubject): boolean {
  return subject.targets.every(
    (target) => target.account === undefined || target.account === subject.account,
  );
}

/** Minutes within the form's bounds, whole. */
export function boundMinutes(minutes: number): number {
  return Math.min(Math.max(Math.round(minutes), approvalMinutes.min), approvalMinutes.max);
}

/**
 * An in-memory store of standing approvals, per session object (one McpServer per session): an approval covers a
 * later call only when profile, region, account, endpoint, operation and targets are all the same, and only while
 * it lasts (`now` is the clock; tests pass their own). Nothing outlives the process.
 */
export function createApprovalStore({ now = Date.now }: { now?: () => number } = {}): ApprovalStore {
  const sessions = new WeakMap<object, Map<string, StandingApprovalRecord>>();
  const live = (session: object) => {
    const approvals = sessions.get(session);
    if (approvals === undefined) return undefined;
    for (const [key, record] of approvals) {
      if (record.expiresAt !== undefined && Date.parse(record.expiresAt) <= now()) approvals.delete(key);
    }
    return approvals;
  };
  return {
    grant(session, subject, scope) {
      if (scope.kind === 'once' || !staysInAccount(subject) || subject.targets.length === 0) return undefined;
      let approvals = sessions.get(session);
      if (approvals === undefined) {
        approvals = new Map();
        sessions.set(session, approvals);
      }
      const granted = now();
      const minutes = scope.kind === 'minutes' ? boundMinutes(scope.minutes) : 0;
      const record: StandingApprovalRecord = {
        id: `ap-${randomBytes(4).toString('hex')}`,
        ...subject,
        targets: subject.targets.map((target) => ({ ...target })),
        scope: scope.kind,
        grantedAt: new Date(granted).toISOString(),
        ...(scope.kind === 'minutes'
          ? { expiresAt: new Date(granted + minutes * 60_000).toISOString() }
          : {}),
      };
      approvals.set(subjectKey(subject), record);
      return record;
    },
    find(session, subject) {
      if (!staysInAccount(subject)) return undefined;
      return live(session)?.get(subjectKey(subject));
    },
    list(session) {
      return [...(live(session)?.values() ?? [])];
    },
    withdraw(session, id) {
      const approvals = live(session);
      if (approvals === undefined) return [];
      const removed: StandingApprovalRecord[] = [];
      for (const [key, record] of approvals) {
        if (id !== 'all' && record.id !== id) continue;
        approvals.delete(key);
        removed.push(record);
      }
      return removed;
    },
    endSession(session) {
      sessions.delete(session);
    },
  };
}

/** Whether the consent form may offer a standing scope for a call, with the subject it would cover, or why not. */
export type StandingOffer =
  | { offer: true; subject: ApprovalSubject; because: string }
  | { offer: false; why: string };

/**
 * Decides whether a call that asks may be offered a standing approval: only a yes/no consent (not the secrets
 * question), only for a call that names its targets and whose account is known, never when a target names another
 * account, and only when the classification allows it or the deciding policy rule says `standingApproval: true`.
 */
export function planStandingOffer({
  decision,
  policy,
  targets,
  profile,
  region,
  account,
  endpoint,
  secretsQuestion,
}: {
  decision: Decision;
  policy: Policy;
  targets: readonly ApprovalTarget[];
  profile: string;
  region: string | undefined;
  account: string | undefined;
  endpoint: string | undefined;
  secretsQuestion: boolean;
}): StandingOffer {
  const { classification } = decision;
  if (secretsQuestion) {
    return { offer: false, why: 'it asks about secrets in its output, which is answered for one call only' };
  }
  if (decision.action !== 'confirm') return { offer: false, why: 'the policy does not ask for it' };
  if (targets.length === 0)
    return { offer: false, why: 'the call names no resource an approval could be bound to' };
  if (account === undefined || region === undefined) {
    return { offer: false, why: 'the account or region of the call is unknown' };
  }
  const foreign = targets.find((target) => target.account !== undefined && target.account !== account);
  if (foreign !== undefined) {
    return {
      offer: false,
      why: `\`${foreign.value}\` belongs to account ${foreign.account}, not ${account}`,
    };
  }
  const rule = policy.rules?.find(
    (candidate, index) => (candidate.id ?? `rules[${index}]`) === decision.rule,
  );
  const subject: ApprovalSubject = {
    action: classification.action,
    targets,
    profile,
    region,
    account,
    ...(endpoint === undefined ? {} : { endpoint }),
  };
  if (rule?.standingApproval === true) {
    return { offer: true, subject, because: `the policy rule ${decision.rule} allows standing approvals` };
  }
  if (!classification.standingApproval.allowed) {
    return { offer: false, why: classification.standingApproval.reason };
  }
  return { offer: true, subject, because: classification.standingApproval.reason };
}

/**
 * The targets as a person reads them: `TableName orders`, `paths s3://b/k`, and a bucket a covered call is bound
 * to by its owner: `Bucket b (its owner checked: --expected-bucket-owner)`.
 */
export function describeTargets(targets: readonly ApprovalTarget[]): string {
  return targets
    .map(
      (target) =>
        `${target.member} ${target.value}${target.bindsOwner === true ? ` (its owner checked: ${bucketOwnerOption})` : ''}`,
    )
    .join(', ');
}

/**
 * Binds a call a standing approval covers to the approval's account where the CLI can: a command whose bucket
 * target `bindsOwner` (its argument table has `--expected-bucket-owner`) and whose line names no owner gets
 * `--expected-bucket-owner <account>`, read again by the CLI's own parser, so S3 refuses the call for a same-named
 * bucket another account owns. Replaces the judged call's pipeline, stages and audit argv in place (what runs and
 * what the audit log records); returns the account it bound to, or undefined when nothing changed.
 */
export async function bindToApprovalAccount(
  context: ServerContext,
  judged: JudgedCall,
  approval: StandingApprovalRecord,
): Promise<string | undefined> {
  const { aws, filters } = judged.pipeline;
  const binds = approval.targets.some((target) => target.member === 'Bucket' && target.bindsOwner === true);
  if (!binds || aws.parameters.ExpectedBucketOwner !== undefined) return undefined;
  const pipeline = parseCommandLine(
    {
      args: [...aws.argv, `${bucketOwnerOption}=${approval.account}`],
      pipe: filters.map((stage) => stage.argv),
    },
    { model: await context.cliModel(), workdir: context.config.workdir },
  );
  const redacted = [pipeline.aws.redactedArgv, ...judged.auditBase.argv.slice(1)];
  judged.pipeline = pipeline;
  judged.stages = [pipeline.aws.argv, ...pipeline.filters.map((stage) => stage.argv)];
  judged.auditBase.argv = redacted;
  if ('redactedArgv' in judged) judged.redactedArgv = redacted;
  return approval.account;
}

/** The `approval` field of a tool result: the standing approval a call ran under (or granted), without its account. */
export function summarizeApproval(record: StandingApprovalRecord, granted: boolean) {
  return {
    id: record.id,
    scope: record.scope,
    action: record.action,
    targets: record.targets.map(({ member, value }) => ({ member, value })),
    ...(record.expiresAt === undefined ? {} : { expiresAt: record.expiresAt }),
    granted,
  };
}

/** What a result says after the output about the standing approval it ran under or granted. */
export function describeApprovalNote(record: StandingApprovalRecord, granted: boolean): string {
  const what = `${record.action} on ${describeTargets(record.targets)}`;
  const until = record.expiresAt === undefined ? 'for this session' : `until ${record.expiresAt}`;
  const owner = record.targets.some((target) => target.bindsOwner === true)
    ? ` Calls it covers carry \`${bucketOwnerOption} ${record.account}\`, so S3 refuses them for a bucket another account owns.`
    : '';
  return granted
    ? `The user approved ${what} ${until} (standing approval ${record.id}): the same call on the same targets runs without asking; anything else is asked again.${owner} aws_withdraw_approvals withdraws it.`
    : `Ran without asking under standing approval ${record.id} (the user approved ${what} ${until}).${owner} aws_withdraw_approvals withdraws it.`;
}

/** What `check: true` says about standing approvals for a call that would ask. */
export const standingCheckSchema = z
  .object({
    covered: z.enum(['yes', 'no', 'unknown']),
    id: z.string().optional().describe('The standing approval that covers it.'),
    expiresAt: z.string().optional(),
    why: z.string().optional().describe('Why none covers it, or why that is unknown.'),
  })
  .describe(
    'Whether a standing approval of this session would cover the call, so the user would not be asked.',
  );

/** Whether a standing approval would cover a checked call: `unknown` when the account could not be read. */
export type StandingCheck = z.infer<typeof standingCheckSchema>;

const sameTargets = (left: readonly ApprovalTarget[], right: readonly ApprovalTarget[]) =>
  left.length === right.length &&
  left.every(
    (target, index) => target.member === right[index]?.member && target.value === right[index]?.value,
  );

/** Resolves `undefined` after `ms`, without holding the process open. */
function after(ms: number): Promise<undefined> {
  return new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms).unref());
}

/**
 * For `check: true` on a call that would ask: whether one of the session's standing approvals would cover it, as
 * the real call decides (see askConsent). The account is looked up (the cached caller identity) only when an
 * approval names this operation, profile, region, endpoint and targets, and within `timeoutMs` (the call's own
 * timeout); a lookup that fails or takes longer gives `unknown`, never `yes`. Undefined for a call that would not
 * ask. Never throws.
 */
export async function checkStandingApproval({
  server,
  context,
  judged,
  consent,
  timeoutMs,
}: {
  server: McpServer;
  context: ServerContext;
  judged: JudgedCall;
  consent: ConsentPlan;
  timeoutMs: number;
}): Promise<StandingCheck | undefined> {
  if (!consent.asks) return undefined;
  if (judged.choices.role !== undefined) {
    return { covered: 'no', why: 'it runs as an assumed role, which no standing approval covers' };
  }
  const { decision, profile, region, pipeline } = judged;
  const targets = readApprovalTargets(pipeline.aws);
  const endpoint = pipeline.aws.globals.endpointUrl;
  const approvals = context.approvals.list(server);
  const candidates = approvals.filter(
    (record) =>
      record.action === decision.classification.action &&
      record.profile === profile &&
      record.region === region &&
      record.endpoint === endpoint &&
      sameTargets(record.targets, targets),
  );
  if (candidates.length === 0) {
    return {
      covered: 'no',
      why:
        approvals.length === 0
          ? 'this session has no standing approvals'
          : `no standing approval of this session is for ${decision.classification.action} on ${describeTargets(targets) || 'no named resource'} with profile ${profile} and region ${region ?? 'unknown'}`,
    };
  }
  const identity = await Promise.race([
    context.lookupAccount(profile).catch((error: unknown) => ({ account: undefined, error: String(error) })),
    after(timeoutMs),
  ]);
  if (identity?.account === undefined) {
    const why =
      identity === undefined
        ? `the account of profile ${profile} was not read within the call's timeout`
        : `the account of profile ${profile} could not be read (${identity.error ?? 'no account in the answer'})`;
    return { covered: 'unknown', why };
  }
  const offer = planStandingOffer({
    decision,
    policy: context.policy,
    targets,
    profile,
    region,
    account: identity.account,
    endpoint,
    secretsQuestion: consent.question !== undefined,
  });
  if (!offer.offer) return { covered: 'no', why: offer.why };
  const covering = context.approvals.find(server, offer.subject);
  if (covering === undefined) {
    const granted = [...new Set(candidates.map((record) => record.account))].join(', ');
    return {
      covered: 'no',
      why: `the approval for it was granted in account ${granted}; the profile's credentials are now in account ${identity.account}`,
    };
  }
  return {
    covered: 'yes',
    id: covering.id,
    ...(covering.expiresAt === undefined ? {} : { expiresAt: covering.expiresAt }),
  };
}

/**
 * A `check: true` result with what {@link checkStandingApproval} found: `check.standingApproval`, and a line after
 * the text; a covered call would not ask, so `check.asks` becomes false. The result as it was without a finding.
 */
export function withStandingCheck(tool: CallToolResult, found: StandingCheck | undefined): CallToolResult {
  if (found === undefined) return tool;
  const structured = tool.structuredContent as { check?: Record<string, unknown> } | undefined;
  const line =
    found.covered === 'yes'
      ? `A standing approval covers it: ${found.id}${found.expiresAt === undefined ? ' (for this session)' : ` (until ${found.expiresAt})`}, so it would run without asking; the consent above is what the user would see without it. aws_withdraw_approvals withdraws it.`
      : found.covered === 'unknown'
        ? `Whether a standing approval covers it is unknown: ${found.why}. The real call reads the account again and asks unless an approval covers it.`
        : `No standing approval covers it: ${found.why}.`;
  const [first, ...rest] = tool.content;
  return {
    ...tool,
    content: [
      first?.type === 'text' ? { ...first, text: `${first.text}\n\n${line}` } : { type: 'text', text: line },
      ...(first?.type === 'text' ? rest : tool.content),
    ],
    structuredContent: {
      ...structured,
      check: {
        ...structured?.check,
        ...(found.covered === 'yes' ? { asks: false } : {}),
        standingApproval: found,
      },
    },
  };
}
