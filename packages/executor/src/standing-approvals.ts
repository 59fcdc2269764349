import { randomBytes } from 'node:crypto';
import {
  type ApprovalTarget,
  bucketOwnerOption,
  type CliModel,
  type Decision,
  type Pipeline,
  type Policy,
  parseCommandLine,
  readApprovalTargets,
} from '@aws-mcp/command';
import type { JudgedAwsCommand } from './run-aws-command.js';

/**
 * Standing approvals: a person's yes to a call that asks (`confirm`) may also cover later calls of the same
 * operation on the same targets, for a session or N minutes. The classification decides which calls may never get
 * one (`classification.standingApproval`, from @aws-mcp/command); this module holds the rest: the scope rules, the
 * session's store, the match of a judged call against it, and the binding of a covered S3 call to its account.
 */

/** How long a consent lasts: this call only, this operation on these targets for the session, or N minutes. */
export type ApprovalScope = { kind: 'once' } | { kind: 'session' } | { kind: 'minutes'; minutes: number };

/** The bounds of a `minutes` approval, and a form's default. */
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

/** A standing approval a person granted, as the session lists it. */
export interface StandingApprovalRecord extends ApprovalSubject {
  /** An id to withdraw it by (`ap-` and 8 hex digits), unique in the session. */
  id: string;
  scope: 'session' | 'minutes';
  grantedAt: string;
  /** For `minutes`: when it ends (ISO 8601). A `session` approval ends with the session. */
  expiresAt?: string;
}

/** Standing approvals per session: granted by a consent, found by the next identical call, withdrawn. */
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

/** Minutes within {@link approvalMinutes}, whole. */
function boundMinutes(minutes: number): number {
  return Math.min(Math.max(Math.round(minutes), approvalMinutes.min), approvalMinutes.max);
}

/**
 * An in-memory store of standing approvals, per session object (any object the caller keys a session by): an
 * approval covers a later call only when profile, region, account, endpoint, operation and targets are all the
 * same, and only while it lasts (`now` is the clock; tests pass their own). Nothing outlives the process. A grant
 * for no targets, or for a target of another account, records nothing.
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

/** Whether a consent may offer a standing scope for a call, with the subject it would cover, or why not. */
export type StandingOffer =
  | { offer: true; subject: ApprovalSubject; because: string }
  | { offer: false; why: string };

/**
 * Decides whether a call that asks may be offered a standing approval: only a yes/no consent (not a question about
 * the output's secrets), only for a call that names its targets and whose account and region are known, never
 * when a target names another account, and only when the classification allows it or the deciding policy rule
 * says `standingApproval: true`. Never throws.
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
  /** Whether the consent asks what to do with secrets in the output (answered for one call only). */
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

/** What a judged call is offered, besides the judged call itself. */
export interface OfferStandingApprovalOptions {
  policy: Policy;
  /** The account the judged profile's credentials belong to; undefined when it could not be read. */
  account: string | undefined;
  /** Whether the consent asks what to do with secrets in the output. */
  secretsQuestion: boolean;
  /** Whether the call runs as a role it assumes: it acts outside the profile's account, so nothing is offered. */
  assumesRole?: boolean;
}

/**
 * {@link planStandingOffer} for a judged call: its targets as the CLI read them (readApprovalTargets), its
 * effective profile and region, and the line's `--endpoint-url`. Never throws.
 */
export function offerStandingApproval(
  judged: JudgedAwsCommand,
  { policy, account, secretsQuestion, assumesRole = false }: OfferStandingApprovalOptions,
): StandingOffer {
  if (assumesRole) return { offer: false, why: 'it runs as an assumed role' };
  return planStandingOffer({
    decision: judged.decision,
    policy,
    targets: readApprovalTargets(judged.pipeline.aws),
    profile: judged.profile,
    region: judged.region,
    account,
    endpoint: judged.pipeline.aws.globals.endpointUrl,
    secretsQuestion,
  });
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

/** A judged call bound to an approval's account: what runs instead, and its redacted argv for the audit. */
export interface ApprovalBinding {
  /** The account the call is bound to (`--expected-bucket-owner`). */
  account: string;
  pipeline: Pipeline;
  /** Every stage's redacted argv, the bound aws stage first. */
  redactedArgv: string[][];
}

/** How to read the bound line again: the installed CLI's model and the working directory. */
export interface BindingParseOptions {
  model: CliModel;
  workdir: string;
}

/** Whether a call under this approval would be bound: a bucket target the CLI can bind, and no owner on the line. */
function needsOwnerBinding(judged: JudgedAwsCommand, approval: ApprovalSubject): boolean {
  const binds = approval.targets.some((target) => target.member === 'Bucket' && target.bindsOwner === true);
  return binds && judged.pipeline.aws.parameters.ExpectedBucketOwner === undefined;
}

/**
 * Binds a call an approval covers (or that granted it) to the approval's account where the CLI can: a command whose
 * bucket target `bindsOwner` (its argument table has `--expected-bucket-owner`) and whose line names no owner gets
 * `--expected-bucket-owner <account>`, read again by the CLI's own parser, so S3 refuses the call for a same-named
 * bucket another account owns. Returns what runs instead, or undefined when nothing changes. Throws CommandError
 * only if the CLI's parser refuses the bound line.
 */
export function bindToApprovalAccount(
  judged: JudgedAwsCommand,
  approval: ApprovalSubject,
  options: BindingParseOptions,
): ApprovalBinding | undefined {
  if (!needsOwnerBinding(judged, approval)) return undefined;
  const { aws, filters } = judged.pipeline;
  const pipeline = parseCommandLine(
    {
      args: [...aws.argv, `${bucketOwnerOption}=${approval.account}`],
      pipe: filters.map((stage) => stage.argv),
    },
    options,
  );
  return {
    account: approval.account,
    pipeline,
    redactedArgv: [pipeline.aws.redactedArgv, ...judged.redactedArgv.slice(1)],
  };
}

/** A person's answer to a consent that may carry a standing scope (`once` or none: this call only). */
export interface StandingAnswer {
  granted: boolean;
  scope?: ApprovalScope;
}

/** What {@link confirmWithStandingApproval} needs besides the judged call. */
export interface ConfirmWithStandingApprovalOptions<Answer extends StandingAnswer>
  extends OfferStandingApprovalOptions {
  store: ApprovalStore;
  /** The session the approvals belong to (the object the store keys it by). */
  session: object;
  /** The installed CLI's model, asked for only when a call is bound (see bindToApprovalAccount). */
  model: () => CliModel | Promise<CliModel>;
  workdir: string;
  /** Asks the person, offering a standing scope where `offer.offer` is true; called only when nothing covers it. */
  ask: (offer: StandingOffer) => Promise<Answer>;
}

/** How a call that asks was confirmed: covered by a standing approval, or answered (and maybe granting one). */
export type StandingConfirmation<Answer extends StandingAnswer> =
  | { covered: StandingApprovalRecord; binding?: ApprovalBinding }
  | { answer: Answer; offer: StandingOffer; granted?: StandingApprovalRecord; binding?: ApprovalBinding };

/**
 * The confirm step with standing approvals, for a judged call that asks: a live approval of the session that covers
 * it confirms it without asking; otherwise `ask` is asked with the offer, and a yes with a standing scope grants an
 * approval. Both the covered call and the granting call come back with `binding` where the approval binds a
 * bucket's owner: the caller runs `binding.pipeline` instead of the judged one, so even the first call is bound to
 * the account the consent showed. Rejects only with what `ask` rejects with, or a CommandError from binding.
 */
export async function confirmWithStandingApproval<Answer extends StandingAnswer>(
  judged: JudgedAwsCommand,
  options: ConfirmWithStandingApprovalOptions<Answer>,
): Promise<StandingConfirmation<Answer>> {
  const { store, session, workdir } = options;
  const bind = async (approval: StandingApprovalRecord) =>
    needsOwnerBinding(judged, approval)
      ? bindToApprovalAccount(judged, approval, { model: await options.model(), workdir })
      : undefined;
  const offer = offerStandingApproval(judged, options);
  const covering = offer.offer ? store.find(session, offer.subject) : undefined;
  if (covering !== undefined) {
    const binding = await bind(covering);
    return binding === undefined ? { covered: covering } : { covered: covering, binding };
  }
  const answer = await options.ask(offer);
  const granted =
    answer.granted && offer.offer && answer.scope !== undefined
      ? store.grant(session, offer.subject, answer.scope)
      : undefined;
  if (granted === undefined) return { answer, offer };
  const binding = await bind(granted);
  return binding === undefined ? { answer, offer, granted } : { answer, offer, granted, binding };
}

/** Whether a standing approval would cover a call that asks: `unknown` when the account could not be read. */
export interface StandingCheck {
  covered: 'yes' | 'no' | 'unknown';
  /** The standing approval that covers it. */
  id?: string;
  expiresAt?: string;
  /** Why none covers it, or why that is unknown. */
  why?: string;
}

/** What {@link checkStandingApproval} needs besides the judged call. */
export interface CheckStandingApprovalOptions {
  store: ApprovalStore;
  session: object;
  policy: Policy;
  /** The account of a profile's credentials (e.g. a cached caller identity); `error` says why there is none. */
  lookupAccount: (profile: string) => Promise<{ account?: string; error?: string }>;
  /** How long the lookup may take before the answer is `unknown`. */
  timeoutMs: number;
  secretsQuestion: boolean;
  assumesRole?: boolean;
}

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
 * For a call that would ask, checked without running it: whether one of the session's standing approvals would
 * cover it, as {@link confirmWithStandingApproval} decides. The account is looked up only when an approval names
 * this operation, profile, region, endpoint and targets, and within `timeoutMs`; a lookup that fails or takes
 * longer gives `unknown`, never `yes`. Never rejects.
 */
export async function checkStandingApproval(
  judged: JudgedAwsCommand,
  options: CheckStandingApprovalOptions,
): Promise<StandingCheck> {
  const { store, session, lookupAccount, timeoutMs } = options;
  if (options.assumesRole === true) {
    return { covered: 'no', why: 'it runs as an assumed role, which no standing approval covers' };
  }
  const { decision, profile, region, pipeline } = judged;
  const targets = readApprovalTargets(pipeline.aws);
  const endpoint = pipeline.aws.globals.endpointUrl;
  const approvals = store.list(session);
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
    lookupAccount(profile).catch((error: unknown) => ({ account: undefined, error: String(error) })),
    after(timeoutMs),
  ]);
  if (identity?.account === undefined) {
    const why =
      identity === undefined
        ? `the account of profile ${profile} was not read within the call's timeout`
        : `the account of profile ${profile} could not be read (${identity.error ?? 'no account in the answer'})`;
    return { covered: 'unknown', why };
  }
  const offer = offerStandingApproval(judged, { ...options, account: identity.account });
  if (!offer.offer) return { covered: 'no', why: offer.why };
  const covering = store.find(session, offer.subject);
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

/** One target of a fan-out as its confirm step sees it: the call judged for that target, and its account. */
export interface FanOutApprovalTarget {
  judged: JudgedAwsCommand;
  /** The account of the target's profile; undefined when it could not be read. */
  account: string | undefined;
}

/** Whether a fan-out's one consent may offer a standing scope: one subject per target, or why not. */
export type FanOutStandingOffer =
  | { offer: true; subjects: ApprovalSubject[]; because: string }
  | { offer: false; why: string };

/**
 * {@link offerStandingApproval} for every target of a fan-out: a scope is offered only when every target may get
 * one (each its own subject: its profile, region and account); otherwise why not, naming the first target that
 * may not. Never throws.
 */
export function offerFanOutStandingApproval(
  targets: readonly FanOutApprovalTarget[],
  options: Omit<OfferStandingApprovalOptions, 'account'>,
): FanOutStandingOffer {
  if (targets.length === 0) return { offer: false, why: 'the fan-out has no targets' };
  const subjects: ApprovalSubject[] = [];
  let because = '';
  for (const { judged, account } of targets) {
    const offer = offerStandingApproval(judged, { ...options, account });
    if (!offer.offer) {
      return {
        offer: false,
        why: `profile ${judged.profile}, region ${judged.region ?? 'unknown'}: ${offer.why}`,
      };
    }
    subjects.push(offer.subject);
    because = offer.because;
  }
  return { offer: true, subjects, because };
}

/** What {@link confirmFanOutWithStandingApproval} needs besides the targets. */
export interface ConfirmFanOutWithStandingApprovalOptions<Answer extends StandingAnswer>
  extends Omit<ConfirmWithStandingApprovalOptions<Answer>, 'account' | 'ask'> {
  /** Asks the person once for every target; called only when not every target is covered. */
  ask: (offer: FanOutStandingOffer) => Promise<Answer>;
}

/** How a fan-out that asks was confirmed; `bindings` has one entry per target, in the targets' order. */
export type FanOutStandingConfirmation<Answer extends StandingAnswer> =
  | { covered: StandingApprovalRecord[]; bindings: Array<ApprovalBinding | undefined> }
  | {
      answer: Answer;
      offer: FanOutStandingOffer;
      granted?: StandingApprovalRecord[];
      bindings: Array<ApprovalBinding | undefined>;
    };

/**
 * The confirm step of a fan-out with standing approvals: when live approvals of the session cover every target,
 * it is confirmed without asking; otherwise `ask` is asked once, and a yes with a standing scope grants one
 * approval per target (each bound to its own profile, region and account, so a later call on any one of them is
 * covered too). Covered and granting targets come back bound to their account where the approval binds a bucket's
 * owner (`bindings[i]` for `targets[i]`). Rejects only with what `ask` rejects with, or a CommandError from binding.
 */
export async function confirmFanOutWithStandingApproval<Answer extends StandingAnswer>(
  targets: readonly FanOutApprovalTarget[],
  options: ConfirmFanOutWithStandingApprovalOptions<Answer>,
): Promise<FanOutStandingConfirmation<Answer>> {
  const { store, session, workdir } = options;
  const bindAll = async (approvals: ReadonlyArray<StandingApprovalRecord | undefined>) => {
    const bindings: Array<ApprovalBinding | undefined> = [];
    for (const [index, { judged }] of targets.entries()) {
      const approval = approvals[index];
      bindings.push(
        approval !== undefined && needsOwnerBinding(judged, approval)
          ? bindToApprovalAccount(judged, approval, { model: await options.model(), workdir })
          : undefined,
      );
    }
    return bindings;
  };
  const offer = offerFanOutStandingApproval(targets, options);
  if (offer.offer) {
    const covering = offer.subjects.map((subject) => store.find(session, subject));
    if (covering.every((record) => record !== undefined)) {
      return { covered: covering, bindings: await bindAll(covering) };
    }
  }
  const answer = await options.ask(offer);
  const { scope } = answer;
  if (!answer.granted || !offer.offer || scope === undefined || scope.kind === 'once') {
    return { answer, offer, bindings: targets.map(() => undefined) };
  }
  const records = offer.subjects.map((subject) => store.grant(session, subject, scope));
  const granted = records.filter((record) => record !== undefined);
  return { answer, offer, granted, bindings: await bindAll(records) };
}
