import { randomBytes } from 'node:crypto';
import type { AwsContext } from '@aws-mcp/aws-config';
import type { Pipeline } from '@aws-mcp/command';
import {
  type ApprovalSubject,
  auditEntryOf,
  checkFanOutDecisions as checkDecisions,
  confirmFanOutWithStandingApproval,
  createFanOutContexts,
  describeFanOutTarget as describeTarget,
  type EnabledRegions,
  ExecutionError,
  type FanOutContexts,
  type FanOutNames,
  type FanOutRun,
  type FanOutStop,
  type FanOutTarget,
  isFanOutRefusal,
  judgeFanOutTargets,
  type FanOutRefusal as LibraryRefusal,
  maskSecrets,
  mergeFanOutJson,
  type ResolveFanOutOptions,
  readEnabledRegions as readRegions,
  resolveFanOutTargets as resolveTargets,
  runFanOutTargets,
  type StandingApprovalRecord,
  saveNameForTarget,
  secretOutputOf,
  splitOutputCap,
  targetOptionsOf,
} from '@aws-mcp/executor';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, ResourceLink } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { formatStagesForPerson } from '../_escape-text.js';
import type { AuditEntry } from '../audit-log.js';
import type { ServerContext } from '../server-context.js';
import { applyApprovalBinding } from './_approvals.js';
import { buildConsentText, type ConsentOutcome, type ConsentTarget, requestConsent } from './_consent.js';
import {
  describeKeptNote,
  type KeptField,
  keepCutOutput,
  keptFieldSchema,
  linkKeptResult,
} from './_kept-results.js';
import type { RefusalCode } from './_refusals.js';
import { errorResult, textResult } from './_results.js';
import type {
  ConsentPlan,
  FanOutSteps,
  JudgedCall,
  PipelineOutput,
  Stop,
  ToolExtra,
  ToolInput,
} from './aws-cli-pipeline.js';

/** The tool arguments that run one command for several profiles or regions. */
export const fanOutInputSchema = {
  profiles: z
    .union([z.array(z.string()), z.string()])
    .optional()
    .describe('Fan out: profile names, or a glob (`"prod-*"`).'),
  regions: z
    .union([z.array(z.string()), z.literal('enabled')])
    .optional()
    .describe('Fan out: region codes, or `"enabled"`. One result per target.'),
};

/** The server's means in the executor's fan-out messages: its settings and resources. */
const serverFanOutNames: FanOutNames = {
  allowlist: "the server's allowlist",
  maxTargets: 'AWS_MCP_FANOUT_MAX',
  policy: 'the policy file (AWS_MCP_POLICY_FILE)',
  profilesList: 'aws://config/profiles',
  regionsList: 'aws://config/regions',
};

/** A refusal of the whole fan-out, in the shape the pipeline tool returns refusals. */
export interface FanOutRefusal {
  code: RefusalCode;
  text: string;
  reason: string;
}

/** The targets of a fan-out, and what the person should know about how they were chosen. */
export interface FanOutTargets {
  targets: FanOutTarget[];
  /** E.g. the profiles a glob matched that the allowlist leaves out. */
  notes: string[];
}

const isRefusal = (value: object): value is FanOutRefusal => 'code' in value && 'text' in value;

/** The executor's refusal as the tool's: `Refused (CODE): reason advice`. */
function asToolRefusal({ code, reason, advice }: LibraryRefusal): FanOutRefusal {
  return { code, reason, text: `Refused (${code}): ${reason}${advice === '' ? '' : ` ${advice}`}` };
}

const unique = <T>(items: readonly T[]): T[] => [...new Set(items)];

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

export { createEnabledRegionsLookup, isFanOut } from '@aws-mcp/executor';

/**
 * The executor's target resolution (resolveFanOutTargets) in the server's words: its settings and resources in
 * the messages, the profiles a glob left out as a note.
 */
export async function resolveFanOutTargets(
  options: ResolveFanOutOptions,
): Promise<FanOutTargets | FanOutRefusal> {
  const resolved = await resolveTargets({ ...options, names: serverFanOutNames });
  if (isFanOutRefusal(resolved)) return asToolRefusal(resolved);
  const { targets, leftOut } = resolved;
  return {
    targets,
    notes:
      leftOut.length === 0
        ? []
        : [`Left out (not in the server’s profile allowlist): ${leftOut.join(', ')}.`],
  };
}

/** The executor's fan-out decision check (checkFanOutDecisions) in the server's words. */
export function checkFanOutDecisions(
  options: Omit<Parameters<typeof checkDecisions>[0], 'names'>,
): FanOutRefusal | { asks: boolean } {
  const verdict = checkDecisions({ ...options, names: serverFanOutNames });
  return isFanOutRefusal(verdict) ? asToolRefusal(verdict) : verdict;
}

/**
 * Reads the regions enabled for a profile's account with the executor's lookup (sandbox, limiter, the server's
 * run options), with the target's context as the call resolved it. Never throws.
 */
export async function readEnabledRegions(
  context: ServerContext,
  target: { profile: string; profileChosen: boolean },
  aws: AwsContext,
): Promise<EnabledRegions> {
  try {
    return await readRegions({
      target,
      aws,
      model: await context.cliModel(),
      knownRegions: (await context.regions()).regions,
      run: { ...context.runOptions(aws), timeoutMs: 30_000 },
    });
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

/** One target's result in `structuredContent.fanOut.targets`. */
export const fanOutTargetSchema = z.object({
  profile: z.string(),
  region: z.string(),
  account: z.string().optional().describe('The account the profile’s credentials belong to, when known.'),
  status: z.enum(['success', 'error', 'timeout', 'canceled', 'refused', 'checked']),
  exitCode: z.number().int().optional(),
  output: z.string().describe('This target’s output, cut to its share of the output cap.'),
  stderr: z.string(),
  truncated: z.boolean(),
  totalChars: z.number().int(),
  durationMs: z.number(),
  maskedSecrets: z.number().int(),
  secrets: z
    .object({
      handling: z.enum(['masked', 'shown', 'saved']),
      masked: z.number().int(),
      members: z.array(z.string()),
      saved: z.object({ name: z.string(), bytes: z.number().int() }).optional(),
    })
    .optional(),
  jsonOutput: z.enum(['parsed', 'not json', 'cut']).optional(),
  kept: keptFieldSchema
    .optional()
    .describe('For a cut output: whether this target’s whole (masked) output was kept, and where.'),
  resultId: z
    .string()
    .optional()
    .describe('This target’s kept output: read aws://results/{id} or pass it as `fromResult`.'),
  code: z.string().optional().describe('For a target that did not run: which rule refused it.'),
  reason: z.string().optional(),
  suggestion: z.string().optional(),
});

/** A target's result as the pipeline tool's one-call formatting gives it, with the target's labels. */
export type FanOutTargetResult = z.infer<typeof fanOutTargetSchema>;

/** The `fanOut` field of a fan-out's `structuredContent`. */
export const fanOutOutputSchema = z
  .object({
    targets: z.array(fanOutTargetSchema),
    succeeded: z.number().int(),
    failed: z.number().int(),
    outputCapPerTarget: z
      .number()
      .int()
      .describe('Each target’s share of the output cap: the cap split evenly between the targets.'),
    notes: z.array(z.string()),
  })
  .describe(
    'With `profiles` or `regions`: one result per target (failures per target), in target order; `json` then ' +
      'holds the merged array of {profile, region, account, output} of the targets whose output is whole JSON.',
  );

/** One finished (or refused) target: its labels, its text as a one-call result would read, its fields. */
export interface FanOutOutcome {
  target: FanOutTarget;
  account: string | undefined;
  text: string;
  structured: Omit<FanOutTargetResult, 'profile' | 'region' | 'account'> & { json?: unknown };
}

/** What a merged fan-out returns: the text a model reads, the structured fields, and whether anything succeeded. */
export interface MergedFanOut {
  text: string;
  anySucceeded: boolean;
  structured: {
    status: 'success' | 'error';
    output: string;
    stderr: string;
    truncated: boolean;
    totalChars: number;
    durationMs: number;
    maskedSecrets: number;
    json?: unknown;
    jsonOutput?: 'parsed' | 'not json' | 'cut';
    fanOut: z.infer<typeof fanOutOutputSchema>;
  };
}

/** How the targets were counted, for the first line: `6 targets (2 profiles × 3 regions)`. */
function describeTargets(targets: readonly FanOutTarget[]): string {
  const profiles = unique(targets.map((target) => target.profile)).length;
  const regions = unique(targets.map((target) => target.region)).length;
  return `${plural(targets.length, 'target')} (${plural(profiles, 'profile')}, ${plural(regions, 'region')})`;
}

/**
 * Merges the targets' results: a text with a header per target (`=== #3fa9c1 2/6 · profile dev · region eu-west-1 ·
 * account 123456789012 · success ===`, the tag random per call) above that target's own result, one structured result per target, and for
 * JSON outputs `json`, the array of `{profile, region, account, output}` of the targets whose output parsed whole
 * (`jsonOutput` is `cut` when any was cut, `not json` when none parsed). `status` is `success` only when every
 * target succeeded.
 */
export function mergeFanOut({
  outcomes,
  cap,
  perTargetCap,
  notes,
  durationMs,
  tag,
}: {
  outcomes: readonly FanOutOutcome[];
  cap: number;
  perTargetCap: number;
  notes: readonly string[];
  durationMs: number;
  /** A per-call random tag in every header, so a line in some output cannot pass for one. */
  tag: string;
}): MergedFanOut {
  const total = outcomes.length;
  const succeeded = outcomes.filter((outcome) => outcome.structured.status === 'success').length;
  const failed = total - succeeded;
  const summary =
    `Ran on ${describeTargets(outcomes.map((outcome) => outcome.target))}: ${succeeded} succeeded` +
    `${failed === 0 ? '' : `, ${failed} failed or did not run`}. Each target’s output is capped at ${perTargetCap} ` +
    `characters (the ${cap}-character cap split between ${plural(total, 'target')}). Each target’s result follows ` +
    `its header, tagged ${tag}; a line without that tag is part of an output.`;
  const sections = outcomes.map((outcome, index) =>
    [
      `=== ${tag} ${index + 1}/${total} · ${describeTarget(outcome.target, outcome.account)} · ${outcome.structured.status} ===`,
      outcome.text,
    ].join('\n'),
  );
  const text = [[summary, ...notes].join('\n'), ...sections].join('\n\n');
  const targets: FanOutTargetResult[] = outcomes.map(({ target, account, structured }) => {
    const { json: _json, ...fields } = structured;
    return {
      profile: target.profile,
      region: target.region,
      ...(account === undefined ? {} : { account }),
      ...fields,
    };
  });
  // The executor merges the JSON outputs ({profile, region, account, output}).
  const merged = mergeFanOutJson(
    outcomes.map(({ target, account, structured }) => ({
      target,
      account,
      json: structured.json,
      jsonOutput: structured.jsonOutput,
    })),
  );
  return {
    text,
    anySucceeded: succeeded > 0,
    structured: {
      status: failed === 0 ? 'success' : 'error',
      output: text,
      stderr: '',
      truncated: outcomes.some((outcome) => outcome.structured.truncated),
      totalChars: outcomes.reduce((sum, outcome) => sum + outcome.structured.totalChars, 0),
      durationMs,
      maskedSecrets: outcomes.reduce((sum, outcome) => sum + outcome.structured.maskedSecrets, 0),
      ...merged,
      fanOut: { targets, succeeded, failed, outputCapPerTarget: perTargetCap, notes: [...notes] },
    },
  };
}

/** The handler's audit writer; `accountOf` names the profile whose account the line records, where it does. */
type AuditWrite = (entry: Omit<AuditEntry, 'time' | 'session' | 'tool'>, accountOf?: string) => void;

/** A target judged for its profile and region, ready to run. */
interface JudgedTarget {
  target: FanOutTarget;
  judged: JudgedCall;
}

const unknownAccount = 'unknown (the caller identity could not be read)';

/** The fields of a call that started no process. */
const nothingRan = {
  output: '',
  stderr: '',
  truncated: false,
  totalChars: 0,
  durationMs: 0,
  maskedSecrets: 0,
} as const;

/** A target's own choices: its profile when the call named it, and its region. */
const choicesOf = (target: FanOutTarget) => ({
  profile: target.profileChosen ? target.profile : undefined,
  region: target.region,
});

/** A target the executor could not judge or preflight, as the tool's refusal of it. */
async function stopOf(context: ServerContext, steps: FanOutSteps, stop: FanOutStop): Promise<Stop> {
  if (ExecutionError.isInstance(stop.error) && stop.judged !== undefined) {
    return steps.preflightStop(stop.error, steps.withServerFields(stop.judged, choicesOf(stop.target)));
  }
  return steps.commandErrorStop(context, stop.error);
}

/**
 * Judges and preflights every target with the executor's steps (judgeFanOutTargets), each with its profile's one
 * resolution in `contexts`; the targets that cannot run, each with its refusal.
 */
async function judgeTargets(
  context: ServerContext,
  steps: FanOutSteps,
  pipeline: Pipeline,
  { targets, contexts }: { targets: readonly FanOutTarget[]; contexts: FanOutContexts },
): Promise<{ judged: JudgedTarget[]; stops: Array<{ target: FanOutTarget; stop: Stop }> }> {
  const { choices: _choices, setup: _setup, env: _env, ...judge } = steps.judgeOptionsOf(context, {});
  const found = await judgeFanOutTargets(pipeline, targets, { ...judge, contexts, awsCli: context.awsCli });
  return {
    judged: found.judged.map(({ target, judged: one }) => ({
      target,
      judged: steps.withServerFields(one, choicesOf(target)),
    })),
    stops: await Promise.all(
      found.stops.map(async (stop) => ({ target: stop.target, stop: await stopOf(context, steps, stop) })),
    ),
  };
}

/** One refusal for a fan-out some of whose targets cannot run, naming each with its own reason. */
function describeStops(stops: ReadonlyArray<{ target: FanOutTarget; stop: Stop }>, total: number) {
  const first = stops[0]?.stop as Stop;
  const which = stops.map(({ target, stop }) => `${describeTarget(target)}: ${stop.refusal.reason}`);
  const reason = `${stops.length} of ${total} targets cannot run (${which.join('; ')})`;
  return {
    refusal: {
      code: first.refusal.code,
      reason,
      text: `Refused (${first.refusal.code}): ${reason}. Nothing ran; leave those targets out, or fix what each names.`,
    },
    fields: first.fields,
  };
}

/** The consent form's list of targets, with each profile's account. */
function listConsentTargets(judged: readonly JudgedTarget[], accounts: ReadonlyMap<string, string>) {
  return judged.map(
    ({ target, judged: one }): ConsentTarget => ({
      profile: one.profile,
      region: one.region ?? target.region,
      account: accounts.get(one.profile) ?? unknownAccount,
    }),
  );
}

/** The result of `check: true` on a fan-out: every target with its decision, and the one consent text. */
function describeFanOutCheck({
  judged,
  asks,
  canAsk,
  sandbox,
  notes,
  perTargetCap,
}: {
  judged: readonly JudgedTarget[];
  asks: boolean;
  canAsk: boolean;
  sandbox: string;
  notes: readonly string[];
  perTargetCap: number;
}): CallToolResult {
  const head = (judged.find(({ judged: one }) => one.decision.action === 'confirm') ??
    judged[0]) as JudgedTarget;
  const { decision, auditBase, decided } = head.judged;
  const consentText = asks
    ? buildConsentText({
        decision,
        stages: auditBase.argv,
        account: '',
        question: undefined,
        sandbox,
        targets: listConsentTargets(judged, new Map()).map((target) => ({
          ...target,
          account: 'looked up when the command runs',
        })),
      })
    : undefined;
  const what = !asks
    ? 'It would run on every target without asking.'
    : canAsk
      ? `It would run only after the user agrees once for all targets. The user would see:\n\n${consentText}`
      : `It needs the user's consent, which this client cannot ask for, so it would be refused (CONSENT_UNAVAILABLE). The consent text:\n\n${consentText}`;
  const text = maskSecrets(
    [
      'Checked, not run:',
      `  ${formatStagesForPerson(auditBase.argv)}`,
      `Access: ${decision.classification.accessClass} (${decision.classification.action}). On ${plural(judged.length, 'target')}:`,
      ...judged.map(
        ({ target, judged: one }) =>
          `  ${describeTarget(target)}: ${one.decision.action} (${one.decision.rule})`,
      ),
      ...notes,
      what,
    ].join('\n'),
  ).text;
  const structured = {
    status: 'checked' as const,
    ...nothingRan,
    ...decided,
    check: {
      argv: auditBase.argv,
      asks,
      ...(consentText === undefined ? {} : { consentText: maskSecrets(consentText).text }),
    },
    fanOut: {
      targets: judged.map(({ target }) => ({
        profile: target.profile,
        region: target.region,
        status: 'checked' as const,
        ...nothingRan,
      })),
      succeeded: 0,
      failed: 0,
      outputCapPerTarget: perTargetCap,
      notes: [...notes],
    },
  };
  return textResult(text, structured);
}

/** A target's one-call tool result as a fan-out outcome. */
function toOutcome(
  target: FanOutTarget,
  account: string | undefined,
  tool: CallToolResult,
  kept?: KeptField,
): FanOutOutcome {
  const block = tool.content[0];
  const fields = tool.structuredContent as PipelineOutput;
  return {
    target,
    account,
    text: block?.type === 'text' ? block.text : '',
    structured: {
      status: fields.status === 'checked' ? 'refused' : fields.status,
      exitCode: fields.exitCode,
      output: fields.output,
      stderr: fields.stderr,
      truncated: fields.truncated,
      totalChars: fields.totalChars,
      durationMs: fields.durationMs,
      maskedSecrets: fields.maskedSecrets,
      ...(fields.secrets === undefined ? {} : { secrets: fields.secrets }),
      ...(fields.jsonOutput === undefined ? {} : { jsonOutput: fields.jsonOutput, json: fields.json }),
      ...(fields.suggestion === undefined ? {} : { suggestion: fields.suggestion }),
      ...(kept === undefined ? {} : { kept, ...(kept.kept ? { resultId: kept.resultId } : {}) }),
    },
  };
}

/**
 * The targets' kept outputs, checked again once every target finished (a later target's output may have pushed
 * an earlier one out of the session's budget), each noted under its target's output, with a link to each.
 */
function noteKeptOutputs(
  server: McpServer,
  context: ServerContext,
  outcomes: readonly FanOutOutcome[],
): { outcomes: FanOutOutcome[]; links: ResourceLink[] } {
  const links: ResourceLink[] = [];
  const noted = outcomes.map((outcome) => {
    let kept = outcome.structured.kept;
    if (kept === undefined) return outcome;
    if (kept.kept && context.results.get(server, kept.resultId) === undefined) {
      kept = { kept: false, reason: 'a later target’s output took its place in the session’s budget' };
    }
    if (kept.kept)
      links.push(linkKeptResult(kept, `The whole output of ${describeTarget(outcome.target)} (masked)`));
    const { resultId: _, ...structured } = outcome.structured;
    return {
      ...outcome,
      text: `${outcome.text}\n\n${describeKeptNote(kept)}`,
      structured: { ...structured, kept, ...(kept.kept ? { resultId: kept.resultId } : {}) },
    };
  });
  return { outcomes: noted, links };
}

/**
 * Sends `notifications/progress` as the targets of a fan-out finish, when the request asked for them (a progress
 * token): the count of finished targets out of all, and which one finished how. Undefined without a token.
 */
function reportFinishedTargets(
  extra: ToolExtra,
  total: number,
): ((outcome: FanOutOutcome) => void) | undefined {
  const progressToken = extra._meta?.progressToken;
  if (progressToken === undefined) return undefined;
  let finished = 0;
  return (outcome) => {
    finished += 1;
    extra
      .sendNotification({
        method: 'notifications/progress',
        params: {
          progressToken,
          progress: finished,
          total,
          message: `${finished}/${total} targets finished: ${describeTarget(outcome.target)} · ${outcome.structured.status}`,
        },
      })
      .catch(() => {});
  };
}

/** The account of each profile the targets run with (cached caller identities); a profile whose is unknown has none. */
async function lookUpAccounts(
  context: ServerContext,
  judged: readonly JudgedTarget[],
): Promise<Map<string, string>> {
  const profiles = unique(judged.map(({ judged: one }) => one.profile));
  const identities = await Promise.all(profiles.map((profile) => context.lookupAccount(profile)));
  return new Map(
    identities.flatMap((identity, index) =>
      identity.account === undefined ? [] : [[profiles[index] as string, identity.account] as const],
    ),
  );
}

/** The one consent of a fan-out: the deciding target's reason, every target listed with its account. */
function askOnce({
  server,
  context,
  judged,
  asking,
  plan,
  accounts,
  standing,
}: {
  server: McpServer;
  context: ServerContext;
  judged: readonly JudgedTarget[];
  asking: JudgedTarget;
  plan: ConsentPlan;
  accounts: ReadonlyMap<string, string>;
  /** One subject per target, when every target may get a standing approval: the form then offers a scope. */
  standing?: readonly ApprovalSubject[];
}): Promise<ConsentOutcome> {
  if (!plan.form.canAsk) {
    return Promise.resolve({ granted: false, answer: 'unsupported', detail: plan.form.why });
  }
  const { decision, profile, region, stages } = asking.judged;
  return requestConsent({
    server,
    account: '',
    decision: { ...decision, profile, region },
    stages,
    timeoutMs: context.config.consentTimeoutSeconds * 1000,
    sandbox: plan.sandbox,
    targets: listConsentTargets(judged, accounts),
    // The secrets question and a scope never share one form (the single call's rule).
    standing: plan.question === undefined ? standing : undefined,
  });
}

/**
 * The confirm step of a fan-out with the session's standing approvals (the executor's
 * confirmFanOutWithStandingApproval): when live approvals cover every target it runs unasked, each target bound to
 * its approval's account where the CLI can; otherwise the one consent is asked, offering a scope when every target
 * may get one, and a yes with a scope grants one approval per target (its own profile, region and account).
 */
async function confirmFanOut({
  server,
  context,
  judged,
  asking,
  plans,
  accounts,
}: {
  server: McpServer;
  context: ServerContext;
  judged: readonly JudgedTarget[];
  asking: JudgedTarget;
  plans: readonly ConsentPlan[];
  accounts: ReadonlyMap<string, string>;
}): Promise<{ consent: ConsentOutcome; approvals: ReadonlyArray<StandingApprovalRecord | undefined> }> {
  const confirmed = await confirmFanOutWithStandingApproval(
    judged.map(({ judged: one }) => ({ judged: one, account: accounts.get(one.profile) })),
    {
      store: context.approvals,
      session: server,
      policy: context.policy,
      secretsQuestion: plans.some((plan) => plan.question !== undefined),
      model: () => context.cliModel(),
      workdir: context.config.workdir,
      ask: (offer) =>
        askOnce({
          server,
          context,
          judged,
          asking,
          plan: plans[0] as ConsentPlan,
          accounts,
          standing: offer.offer ? offer.subjects : undefined,
        }),
    },
  );
  judged.forEach(({ judged: one }, index) => {
    applyApprovalBinding(one, confirmed.bindings[index]);
  });
  if (!('covered' in confirmed)) return { consent: confirmed.answer, approvals: [] };
  return {
    consent: { granted: true, answer: 'standing approval', approval: confirmed.covered[0] },
    approvals: confirmed.covered,
  };
}

/** A judged target with its consent plan, as the executor's runner hands it back. */
interface PlannedTarget extends JudgedTarget {
  plan: ConsentPlan;
  /** The standing approval that covered this target, when one did. */
  approval?: StandingApprovalRecord;
}

/**
 * What is kept of one finished target: its one-call result (formatted by the pipeline tool's steps), audited, its
 * cut output kept; a pipeline that could not start is that target's refusal only.
 */
async function settleTarget({
  server,
  context,
  steps,
  audit,
  ran,
  account,
  consent,
}: {
  server: McpServer;
  context: ServerContext;
  steps: FanOutSteps;
  audit: AuditWrite;
  ran: FanOutRun<PlannedTarget>;
  account: string | undefined;
  consent: ConsentOutcome | undefined;
}): Promise<FanOutOutcome> {
  const { target, judged, plan } = ran;
  if (ran.error !== undefined) {
    const { error } = ran;
    audit({
      ...judged.auditBase,
      ...auditEntryOf(judged, { error: error.code, durationMs: ran.durationMs }),
    });
    const reason = maskSecrets(error.message).text;
    return {
      target,
      account,
      text: `${error.code}: ${reason}`,
      structured: { status: 'refused', ...nothingRan, code: error.code, reason },
    };
  }
  const { result } = ran;
  const secretsOption = steps.secretsOptionOf(context, plan.plan);
  const formatted = await steps.formatRun(context, judged, {
    result,
    secretsOption,
    consent,
    canAsk: plan.form.canAsk,
  });
  audit(
    {
      ...judged.auditBase,
      // The executor's builder, as for a single call.
      ...auditEntryOf(judged, { result }),
      consent: consent?.answer,
      ...(ran.approval === undefined ? {} : { approval: ran.approval.id }),
      secrets: formatted.secrets.handling,
      ...(formatted.secrets.saved === undefined ? {} : { savedAs: formatted.secrets.saved.name }),
    },
    judged.profile,
  );
  // Kept now, not after the merge: the store's budget, not every target's whole output, is what stays in memory.
  const kept = keepCutOutput(server, context, {
    result,
    label: `${formatStagesForPerson(judged.auditBase.argv)} (${describeTarget(target)})`,
  });
  return toOutcome(target, account, formatted.tool, kept);
}

/**
 * Runs one parsed call on every target of its `profiles`/`regions`, composing the one-call steps: resolves the
 * targets, judges each for its own profile and region (allowlist, policy, SSO), refuses the whole call before any
 * command starts when one cannot run or the fan-out rules say no, asks one consent listing every target when any
 * needs it, then runs the targets in parallel under the executor's concurrency limit, each with its share of the
 * output cap and its own save file, and merges the results (see mergeFanOut). A target's cut output is kept for
 * the session as a single call's is (`aws://results/{id}`, linked); with a progress token, a progress notification
 * follows each finished target (see reportFinishedTargets).
 */
export async function runFanOut({
  server,
  context,
  input,
  pipeline,
  extra,
  audit,
  steps,
  enabledRegions,
  started,
}: {
  server: McpServer;
  context: ServerContext;
  input: ToolInput;
  pipeline: Pipeline;
  extra: ToolExtra;
  audit: AuditWrite;
  steps: FanOutSteps;
  /** The session's cached lookup of enabled regions (see createEnabledRegionsLookup). */
  enabledRegions: (
    target: { profile: string; profileChosen: boolean },
    aws: AwsContext,
  ) => Promise<EnabledRegions>;
  started: number;
}): Promise<CallToolResult> {
  const { config } = context;
  const refuse = (
    refusal: FanOutRefusal,
    fields?: Partial<PipelineOutput>,
    base?: JudgedCall['auditBase'],
  ): CallToolResult => {
    audit({ ...base, status: 'refused', error: refusal.code });
    return steps.refused(refusal, fields);
  };
  // One reading of the AWS files and one resolution per profile, for every step of this call.
  const contexts = createFanOutContexts({ setup: context.setup(), env: context.env });
  const resolved = await resolveFanOutTargets({
    request: input,
    line: pipeline.aws.globals,
    ...targetOptionsOf(contexts),
    allowedProfiles: context.policy.allowedProfiles,
    knownRegions: (await context.regions()).regions.map((region) => region.code),
    enabledRegions: (target) =>
      enabledRegions(target, contexts.of(target.profileChosen ? target.profile : undefined)),
    max: config.fanOutMax,
  });
  if (isRefusal(resolved)) return refuse(resolved);
  const { targets, notes } = resolved;
  const { judged, stops } = await judgeTargets(context, steps, pipeline, { targets, contexts });
  if (stops.length > 0) {
    const { refusal: stopped, fields } = describeStops(stops, targets.length);
    return refuse(stopped, fields);
  }
  const head = judged[0] as JudgedTarget;
  const verdict = checkFanOutDecisions({
    judged: judged.map(({ target, judged: one }) => ({ target, decision: one.decision })),
    secretMembers: secretOutputOf(pipeline).members,
    saveOutputTo: input.saveOutputTo,
  });
  if (isRefusal(verdict)) return refuse(verdict, head.judged.decided, head.judged.auditBase);
  const plans = judged.map(({ target, judged: one }) =>
    steps.planConsent(
      server,
      context,
      one,
      input.saveOutputTo === undefined ? undefined : saveNameForTarget(input.saveOutputTo, target),
    ),
  );
  const first = plans[0] as ConsentPlan;
  const cap = Math.min(input.maxOutput ?? config.maxOutputChars, config.maxOutputChars);
  const perTargetCap = splitOutputCap(cap, judged.length);
  if (input.check === true) {
    audit({ ...head.judged.auditBase, status: 'checked' });
    return describeFanOutCheck({
      judged,
      asks: verdict.asks,
      canAsk: first.form.canAsk,
      sandbox: first.sandbox,
      notes,
      perTargetCap,
    });
  }
  const accounts = await lookUpAccounts(context, judged);
  let consent: ConsentOutcome | undefined;
  let approvals: ReadonlyArray<StandingApprovalRecord | undefined> = [];
  if (verdict.asks) {
    const asking = judged.find(({ judged: one }) => one.decision.action === 'confirm') ?? head;
    ({ consent, approvals } = await confirmFanOut({ server, context, judged, asking, plans, accounts }));
    if (!consent.granted) {
      audit({ ...asking.judged.auditBase, status: 'refused', consent: consent.answer });
      return steps.refused(steps.describeConsentRefusal(consent, asking.judged.decision, first.stateless), {
        ...asking.judged.decided,
        consent: consent.answer,
      });
    }
  }
  // The targets' own running-time reports would not make one increasing count; finished targets do.
  const quiet: ToolExtra = { ...extra, _meta: undefined };
  const finished = reportFinishedTargets(extra, judged.length);
  // The executor runs the targets in parallel (each with its share of the cap), the server formats each one.
  const ran = await runFanOutTargets<FanOutOutcome, PlannedTarget>(
    judged.map((one, index) => ({
      ...one,
      plan: plans[index] as ConsentPlan,
      ...(approvals[index] === undefined ? {} : { approval: approvals[index] }),
    })),
    {
      options: { ...context.runOptions(null), maxOutputChars: cap },
      run: (one, options) =>
        steps.runJudged(context, one.judged, {
          input: { timeout: input.timeout, maxOutput: options.maxOutputChars },
          extra: quiet,
          secrets: steps.secretsOptionOf(context, one.plan.plan),
        }),
      settle: async (one) => {
        const outcome = await settleTarget({
          server,
          context,
          steps,
          audit,
          ran: one,
          account: accounts.get(one.judged.profile),
          consent,
        });
        finished?.(outcome);
        return outcome;
      },
    },
  );
  const { outcomes, links } = noteKeptOutputs(server, context, ran);
  const merged = mergeFanOut({
    outcomes,
    cap,
    perTargetCap,
    notes,
    durationMs: Date.now() - started,
    tag: `#${randomBytes(3).toString('hex')}`,
  });
  const structured = {
    ...merged.structured,
    ...head.judged.decided,
    ...(consent === undefined ? {} : { consent: consent.answer }),
  };
  const tool = merged.anySucceeded
    ? textResult(merged.text, structured)
    : errorResult(merged.text, structured);
  return links.length === 0 ? tool : { ...tool, content: [...tool.content, ...links] };
}
