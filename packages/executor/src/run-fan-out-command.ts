import type { AwsContext } from '@aws-mcp/aws-config';
import type { Pipeline } from '@aws-mcp/command';
import {
  checkFanOutDecisions,
  type FanOutJudged,
  type FanOutRun,
  type FanOutStop,
  type JudgeFanOutOptions,
  judgeFanOutTargets,
  readFanOutAccounts,
  runFanOutTargets,
} from './fan-out.js';
import {
  type EnabledRegions,
  type FanOutContexts,
  type FanOutNames,
  type FanOutRefusal,
  type FanOutRequest,
  type FanOutTarget,
  isFanOutRefusal,
  resolveFanOutTargets,
  saveNameForTarget,
  splitOutputCap,
  targetOptionsOf,
} from './fan-out-targets.js';
import { describeFanOutStops, type FanOutStopReason } from './fan-out-texts.js';
import { type AwsCommandAuditEntry, auditEntryOf, auditFieldsOf } from './run-aws-command.js';
import type { PipelineResult, RunPipelineOptions } from './run-pipeline.js';
import { secretOutputOf } from './secret-output.js';
import {
  type ApprovalBinding,
  type ApprovalScope,
  type ConfirmFanOutWithStandingApprovalOptions,
  confirmFanOutWithStandingApproval,
  type FanOutStandingOffer,
  type StandingApprovalRecord,
} from './standing-approvals.js';

/** How the one confirmation of a fan-out ended: whether it may run, the answer, and any approvals that covered it. */
export interface FanOutConsent {
  granted: boolean;
  /** The answer as the audit records it (e.g. `accepted`, `declined`, `standing approval`). */
  answer: string;
  /** The standing approval that covered each target, in target order, when approvals covered every target. */
  approvals?: ReadonlyArray<StandingApprovalRecord | undefined>;
  /** With a standing offer: the scope the person chose (a yes with one grants an approval per target). */
  scope?: ApprovalScope;
}

/** The consent of a fan-out that live standing approvals covered on every target: nobody was asked. */
export interface FanOutCoveredConsent extends FanOutConsent {
  granted: true;
  answer: 'standing approval';
  /** The first target's approval (as a single call reports the one that covered it). */
  approval: StandingApprovalRecord;
  approvals: StandingApprovalRecord[];
}

/** What the confirm step is asked about: every target, the one whose decision asks, and each profile's account. */
export interface FanOutConfirmRequest<J extends FanOutJudged> {
  judged: readonly J[];
  /** The first target whose decision is `confirm` (else the first target): its reason is what is asked. */
  asking: J;
  accounts: ReadonlyMap<string, string>;
  /** With `standing`: whether the consent may offer a scope, with one subject per target. */
  offer?: FanOutStandingOffer;
}

/** A target's run as runFanOutCommand hands it to `settle`: with the approval that covered it, if one did. */
export type FanOutCommandRun<J extends FanOutJudged> = FanOutRun<J & { approval?: StandingApprovalRecord }>;

/** An audit entry of a fan-out: a whole call refused, checked or declined, or one target's end. */
export interface FanOutAuditEntry extends Omit<AwsCommandAuditEntry, 'status'> {
  status: AwsCommandAuditEntry['status'] | 'checked';
  /** The answer of the one confirmation, when one was asked (and, for a target, when it ran). */
  consent?: string;
  /** The id of the standing approval that covered this target. */
  approval?: string;
}

/** What an audit entry is about: the judged target or the call's deciding one, and a target's settled value. */
export interface FanOutAuditAbout<J extends FanOutJudged, T> {
  judged?: J;
  /** For a target: what `settle` made of its run; `ran` says whether its pipeline started. */
  settled?: T;
  ran?: FanOutCommandRun<J>;
}

/** Options of {@link runFanOutCommand}. */
export interface RunFanOutCommandOptions<
  J extends FanOutJudged,
  T,
  C extends FanOutConsent,
  S extends FanOutStopReason = FanOutStopReason,
> {
  /** `profiles`/`regions` (and `profile`/`region`) as the call gives them. */
  request: FanOutRequest;
  /** The call's contexts (createFanOutContexts): one reading of the AWS files, one resolution per profile. */
  contexts: FanOutContexts;
  /** Judging's options: the policy (its `allowedProfiles` also limit the targets), workdir, catalog, role, CLI. */
  judge: Omit<JudgeFanOutOptions, 'contexts'>;
  knownRegions: readonly string[];
  /** Reads a profile's enabled regions (`regions: "enabled"`), given its context. Default: none can be read. */
  enabledRegions?: (
    target: { profile: string; profileChosen: boolean },
    aws: AwsContext,
  ) => Promise<EnabledRegions>;
  /** The most targets one call may have. */
  maxTargets: number;
  /** The words the messages use for the caller's options (see FanOutNames). */
  names?: Partial<FanOutNames>;
  /** Where each target's unmasked output is saved (per target, see saveNameForTarget). */
  saveOutputTo?: string;
  /** Judge and check only: nothing runs, nobody is asked, no account is read. */
  check?: boolean;
  /** Adds the caller's fields to a judged target (e.g. what its result shows); `saveTo` is its own save name. */
  prepare?: (one: FanOutJudged, saveTo: string | undefined) => J;
  /** A stopped target in the caller's words. Default: the error's code and message. */
  describeStop?: (stop: FanOutStop) => S | Promise<S>;
  /** A profile's account (e.g. a cached caller identity). Default: readFanOutAccounts with `options`. */
  lookupAccount?: (profile: string) => Promise<string | undefined>;
  /** The one confirmation for every target, asked when any target's decision is `confirm`. Without it: declined. */
  confirm?: (request: FanOutConfirmRequest<J>) => Promise<C>;
  /**
   * The session's standing approvals (confirmFanOutWithStandingApproval), given the judged targets: when live ones
   * cover every target it runs unasked (a FanOutCoveredConsent), each target bound to its approval's account where
   * the CLI can; otherwise `confirm` is asked with the offer, and a yes with a scope grants one per target.
   */
  standing?: (judged: readonly J[]) => Omit<ConfirmFanOutWithStandingApprovalOptions<C>, 'ask'>;
  /** Makes a target run what its approval bound it to. Default: the judged pipeline and redacted argv. */
  bind?: (one: J, binding: ApprovalBinding) => void;
  /** The run options every target shares; `maxOutputChars` is the whole call's cap, split between the targets. */
  options: RunPipelineOptions;
  /** A target's own options over the shared ones. */
  optionsOf?: (one: J) => Partial<RunPipelineOptions>;
  /** Runs one target instead of runPipeline. */
  run?: (one: J, options: RunPipelineOptions) => Promise<PipelineResult>;
  /** What is kept of each target as it finishes (default: the run itself). */
  settle?: (
    ran: FanOutCommandRun<J>,
    about: { account: string | undefined; consent: C | FanOutCoveredConsent | undefined },
  ) => T | Promise<T>;
  /** Told how the call ended (refused, checked, declined) or, after settle, how each target ended. */
  audit?: (entry: FanOutAuditEntry, about: FanOutAuditAbout<J, T>) => void;
  /** Told as each target finishes (after settle and audit), with the count so far. */
  onTargetDone?: (settled: T, progress: { target: FanOutTarget; finished: number; total: number }) => void;
}

/** How runFanOutCommand ended: refused before judging, stopped by some targets, checked, declined, or run. */
export type FanOutCommandOutcome<
  J extends FanOutJudged,
  T,
  C extends FanOutConsent,
  S extends FanOutStopReason = FanOutStopReason,
> =
  | { status: 'refused'; refusal: FanOutRefusal; judged?: J }
  /** Some targets cannot run: one refusal naming each (describeFanOutStops), and each stop as described. */
  | { status: 'stopped'; refusal: { code: S['code']; reason: string; advice: string }; stops: S[] }
  | { status: 'checked'; judged: J[]; asks: boolean; leftOut: string[]; perTargetCap: number }
  | { status: 'declined'; consent: C | undefined; asking: J }
  | {
      status: 'ran';
      outcomes: T[];
      judged: J[];
      leftOut: string[];
      perTargetCap: number;
      accounts: ReadonlyMap<string, string>;
      consent: C | FanOutCoveredConsent | undefined;
    };

const defaultStop = ({ target, error }: FanOutStop): FanOutStopReason => {
  const code = (error as { code?: unknown }).code;
  return {
    target,
    code: typeof code === 'string' ? code : 'ERROR',
    reason: error instanceof Error ? error.message : String(error),
  };
};

/**
 * The steps before anyone is asked: the targets resolved, each judged and preflighted, the fan-out rules checked.
 * Returns the call's end (`refused` or `stopped`, audited) or the judged targets, prepared, with the verdict.
 */
async function judgeFanOutCall<
  J extends FanOutJudged,
  T,
  C extends FanOutConsent,
  S extends FanOutStopReason,
>(
  pipeline: Pipeline,
  settings: RunFanOutCommandOptions<J, T, C, S>,
): Promise<FanOutCommandOutcome<J, T, C, S> | { judged: J[]; asks: boolean; leftOut: string[] }> {
  const { contexts, judge, names, audit, saveOutputTo } = settings;
  const refuse = (refusal: FanOutRefusal, judged?: J): FanOutCommandOutcome<J, T, C, S> => {
    audit?.(auditEntryOf(judged?.judged, { error: refusal.code }), { judged });
    return { status: 'refused', refusal, ...(judged === undefined ? {} : { judged }) };
  };
  const resolved = await resolveFanOutTargets({
    request: settings.request,
    line: pipeline.aws.globals,
    ...targetOptionsOf(contexts),
    allowedProfiles: judge.policy.allowedProfiles,
    knownRegions: settings.knownRegions,
    enabledRegions: (target) =>
      settings.enabledRegions === undefined
        ? Promise.resolve({ error: 'no enabled-regions lookup was given' })
        : settings.enabledRegions(target, contexts.of(target.profileChosen ? target.profile : undefined)),
    max: settings.maxTargets,
    names,
  });
  if (isFanOutRefusal(resolved)) return refuse(resolved);
  const { targets, leftOut } = resolved;
  const found = await judgeFanOutTargets(pipeline, targets, { ...judge, contexts });
  if (found.stops.length > 0) {
    const describe = settings.describeStop ?? (defaultStop as (stop: FanOutStop) => S);
    const stops = await Promise.all(found.stops.map((stop) => describe(stop)));
    const refusal = describeFanOutStops(stops, targets.length) as {
      code: S['code'];
      reason: string;
      advice: string;
    };
    audit?.(auditEntryOf(undefined, { error: refusal.code }), {});
    return { status: 'stopped', refusal, stops };
  }
  const prepare = settings.prepare ?? ((one: FanOutJudged) => one as J);
  const judged = found.judged.map((one) =>
    prepare(one, saveOutputTo === undefined ? undefined : saveNameForTarget(saveOutputTo, one.target)),
  );
  const head = judged[0];
  const verdict = checkFanOutDecisions({
    judged: judged.map(({ target, judged: one }) => ({ target, decision: one.decision })),
    secretMembers: secretOutputOf(pipeline).members,
    saveOutputTo,
    names,
  });
  if (isFanOutRefusal(verdict)) return refuse(verdict, head);
  return { judged, asks: verdict.asks, leftOut };
}

/** Runs the confirmed targets under the limiter, settling, auditing and reporting each as it finishes. */
async function runConfirmedTargets<
  J extends FanOutJudged,
  T,
  C extends FanOutConsent,
  S extends FanOutStopReason,
>(
  judged: readonly J[],
  {
    consent,
    accounts,
  }: { consent: C | FanOutCoveredConsent | undefined; accounts: ReadonlyMap<string, string> },
  settings: RunFanOutCommandOptions<J, T, C, S>,
): Promise<T[]> {
  const { audit } = settings;
  const approvals = consent?.approvals ?? [];
  let finished = 0;
  return runFanOutTargets<T, J & { approval?: StandingApprovalRecord }>(
    judged.map((one, index) => {
      const approval = approvals[index];
      return approval === undefined ? one : { ...one, approval };
    }),
    {
      options: settings.options,
      optionsOf: settings.optionsOf,
      run: settings.run,
      settle: async (ran) => {
        const settle = settings.settle ?? ((one: FanOutCommandRun<J>) => one as unknown as T);
        const settled = await settle(ran, { account: accounts.get(ran.judged.profile), consent });
        audit?.(auditOfTarget(ran, consent), { judged: ran, settled, ran });
        finished += 1;
        settings.onTargetDone?.(settled, { target: ran.target, finished, total: judged.length });
        return settled;
      },
    },
  );
}

/**
 * Runs one parsed command on every target of a fan-out (`profiles`/`regions`), as runAwsCommand runs one: resolves
 * the targets, judges and preflights each for its own profile and region, refuses the whole call before anything
 * starts when a target cannot run (`stopped`) or the fan-out rules say no (`refused`: checkFanOutDecisions), asks
 * one `confirm` for every target when any needs it (`declined` when it says no), then runs the targets in parallel
 * under the limiter, each with its share of the output cap and its own save file, telling `audit` and
 * `onTargetDone` as each finishes. Resolves with the outcome; rejects only with what a callback rejects with, or
 * an error that is not an ExecutionError from a target's run.
 */
export async function runFanOutCommand<
  J extends FanOutJudged = FanOutJudged,
  T = FanOutCommandRun<J>,
  C extends FanOutConsent = FanOutConsent,
  S extends FanOutStopReason = FanOutStopReason,
>(
  pipeline: Pipeline,
  settings: RunFanOutCommandOptions<J, T, C, S>,
): Promise<FanOutCommandOutcome<J, T, C, S>> {
  const decided = await judgeFanOutCall(pipeline, settings);
  if ('status' in decided) return decided;
  const { judged, leftOut } = decided;
  const { audit } = settings;
  const first = judged[0] as J;
  const perTargetCap = splitOutputCap(settings.options.maxOutputChars ?? 100_000, judged.length);
  if (settings.check === true) {
    audit?.({ ...auditFieldsOf(first.judged), status: 'checked' }, { judged: first });
    return { status: 'checked', judged, asks: decided.asks, leftOut, perTargetCap };
  }
  const accounts = await lookUpAccounts(judged, settings);
  let consent: C | FanOutCoveredConsent | undefined;
  if (decided.asks) {
    const asking = judged.find(({ judged: one }) => one.decision.action === 'confirm') ?? first;
    consent = await confirmOnce({ judged, asking, accounts }, settings);
    if (consent === undefined || !consent.granted) {
      audit?.(
        {
          ...auditFieldsOf(asking.judged),
          status: 'refused',
          ...(consent === undefined ? {} : { consent: consent.answer }),
        },
        { judged: asking },
      );
      return { status: 'declined', consent: consent as C | undefined, asking };
    }
  }
  const outcomes = await runConfirmedTargets(judged, { consent, accounts }, settings);
  return { status: 'ran', outcomes, judged, leftOut, perTargetCap, accounts, consent };
}

/** The one confirmation: covered by the session's standing approvals (each target bound), or `confirm` asked. */
async function confirmOnce<J extends FanOutJudged, T, C extends FanOutConsent, S extends FanOutStopReason>(
  request: FanOutConfirmRequest<J>,
  settings: RunFanOutCommandOptions<J, T, C, S>,
): Promise<C | FanOutCoveredConsent | undefined> {
  const { confirm, standing } = settings;
  if (confirm === undefined) return undefined;
  if (standing === undefined) return confirm(request);
  const { judged, accounts } = request;
  const confirmed = await confirmFanOutWithStandingApproval(
    judged.map(({ judged: one }) => ({ judged: one, account: accounts.get(one.profile) })),
    { ...standing(judged), ask: (offer) => confirm({ ...request, offer }) },
  );
  const bind = settings.bind ?? bindJudged;
  for (const [index, one] of judged.entries()) {
    const binding = confirmed.bindings[index];
    if (binding !== undefined) bind(one, binding);
  }
  if (!('covered' in confirmed)) return confirmed.answer;
  const { covered } = confirmed;
  return {
    granted: true,
    answer: 'standing approval',
    approval: covered[0] as StandingApprovalRecord,
    approvals: covered,
  };
}

/** A target made to run what its approval bound it to: the bound pipeline and its redacted argv. */
function bindJudged(one: FanOutJudged, binding: ApprovalBinding): void {
  one.judged.pipeline = binding.pipeline;
  one.judged.redactedArgv = binding.redactedArgv;
}

/** A target's audit entry: how its run ended, with the consent and approval it ran under. */
function auditOfTarget<J extends FanOutJudged>(
  ran: FanOutCommandRun<J>,
  consent: FanOutConsent | undefined,
): FanOutAuditEntry {
  if (ran.error !== undefined)
    return auditEntryOf(ran.judged, { error: ran.error.code, durationMs: ran.durationMs });
  return {
    ...auditEntryOf(ran.judged, { result: ran.result }),
    ...(consent === undefined ? {} : { consent: consent.answer }),
    ...(ran.approval === undefined ? {} : { approval: ran.approval.id }),
  };
}

/** Each profile's account, looked up once per profile; a profile whose account is unknown has none. */
async function lookUpAccounts<J extends FanOutJudged>(
  judged: readonly J[],
  {
    lookupAccount,
    options,
  }: { lookupAccount?: (profile: string) => Promise<string | undefined>; options: RunPipelineOptions },
): Promise<Map<string, string>> {
  if (lookupAccount === undefined) return readFanOutAccounts(judged, { options });
  const profiles = [...new Set(judged.map(({ judged: one }) => one.profile))];
  const found = await Promise.all(profiles.map((profile) => lookupAccount(profile)));
  return new Map(
    found.flatMap((account, index) =>
      account === undefined ? [] : [[profiles[index] as string, account] as const],
    ),
  );
}
