import type { AwsContext } from '@aws-mcp/aws-config';
import { formatStagesForPerson, type Pipeline } from '@aws-mcp/command';
import {
  type ConsentOutcome,
  createFanOutContexts,
  describeFanOutCheck,
  describeFinishedTarget,
  describeFanOutTarget as describeTarget,
  type EnabledRegions,
  ExecutionError,
  type FanOutCommandRun,
  type FanOutConfirmRequest,
  type FanOutNames,
  type FanOutStop,
  type FanOutStopReason,
  type FanOutTarget,
  type FanOutOutcome as LibraryOutcome,
  type FanOutRefusal as LibraryRefusal,
  listFanOutConsentTargets,
  maskSecrets,
  mergeFanOutResults,
  readEnabledRegions as readRegions,
  runFanOutCommand,
} from '@aws-mcp/executor';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, ResourceLink } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { AuditEntry } from '../audit-log.js';
import type { ServerContext } from '../server-context.js';
import { applyApprovalBinding } from './_approvals.js';
import { buildConsentText, requestConsent } from './_consent.js';
import {
  describeKeptNote,
  type KeptField,
  keepCutOutput,
  keptFieldSchema,
  linkKeptResult,
} from './_kept-results.js';
import type { RefusalCode } from './_refusals.js';
import { errorResult, nothingRan, textResult } from './_results.js';
import type {
  ConsentPlan,
  FanOutSteps,
  JudgedCall,
  PipelineOutput,
  Stop,
  ToolExtra,
  ToolInput,
} from './aws-cli-pipeline.js';

// The fan-out flow is the executor's (runFanOutCommand); this file holds its schemas, the consent form and the
// tool's result.

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
export const serverFanOutNames: FanOutNames = {
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

/** The executor's refusal as the tool's: `Refused (CODE): reason advice`. */
export function asToolRefusal({ code, reason, advice }: LibraryRefusal): FanOutRefusal {
  return { code, reason, text: `Refused (${code}): ${reason}${advice === '' ? '' : ` ${advice}`}` };
}

/** The profiles a glob matched that the allowlist leaves out, as the note the person reads. */
export function leftOutNotes(leftOut: readonly string[]): string[] {
  return leftOut.length === 0
    ? []
    : [`Left out (not in the server’s profile allowlist): ${leftOut.join(', ')}.`];
}

export { createEnabledRegionsLookup, isFanOut } from '@aws-mcp/executor';

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
export type FanOutOutcome = LibraryOutcome<
  Omit<FanOutTargetResult, 'profile' | 'region' | 'account'> & { json?: unknown }
>;

/** The handler's audit writer; `accountOf` names the profile whose account the line records, where it does. */
type AuditWrite = (entry: Omit<AuditEntry, 'time' | 'session' | 'tool'>, accountOf?: string) => void;

/** A target judged with the server's fields and its consent plan. */
interface PlannedTarget {
  target: FanOutTarget;
  judged: JudgedCall;
  plan: ConsentPlan;
}

/** A stopped target as the tool refuses it, with the fields its refusal shows. */
type StopReason = FanOutStopReason<RefusalCode> & { fields: Stop['fields'] };

const unknownAccount = 'unknown (the caller identity could not be read)';

/** A target's own choices: its profile when the call named it, and its region. */
const choicesOf = (target: FanOutTarget) => ({
  profile: target.profileChosen ? target.profile : undefined,
  region: target.region,
});

/** A target the executor could not judge or preflight, as the tool's refusal of it. */
async function stopOf(context: ServerContext, steps: FanOutSteps, stop: FanOutStop): Promise<StopReason> {
  const { refusal, fields } =
    ExecutionError.isInstance(stop.error) && stop.judged !== undefined
      ? steps.preflightStop(stop.error, steps.withServerFields(stop.judged, choicesOf(stop.target)))
      : await steps.commandErrorStop(context, stop.error);
  return { target: stop.target, code: refusal.code, reason: refusal.reason, fields };
}

/** The result of `check: true` on a fan-out: every target with its decision, and the one consent text. */
function checkResult({
  judged,
  asks,
  notes,
  perTargetCap,
}: {
  judged: readonly PlannedTarget[];
  asks: boolean;
  notes: readonly string[];
  perTargetCap: number;
}): CallToolResult {
  const { form, sandbox } = (judged[0] as PlannedTarget).plan;
  const head = (judged.find(({ judged: one }) => one.decision.action === 'confirm') ??
    judged[0]) as PlannedTarget;
  const { decision, auditBase, decided } = head.judged;
  const consentText = asks
    ? buildConsentText({
        decision,
        stages: auditBase.argv,
        account: '',
        question: undefined,
        sandbox,
        targets: listFanOutConsentTargets(judged, {
          accounts: new Map(),
          unknown: 'looked up when the command runs',
        }),
      })
    : undefined;
  const what = !asks
    ? 'It would run on every target without asking.'
    : form.canAsk
      ? `It would run only after the user agrees once for all targets. The user would see:\n\n${consentText}`
      : `It needs the user's consent, which this client cannot ask for, so it would be refused (CONSENT_UNAVAILABLE). The consent text:\n\n${consentText}`;
  const command = formatStagesForPerson(auditBase.argv);
  const text = maskSecrets([...describeFanOutCheck({ command, judged, notes }), what].join('\n')).text;
  return textResult(text, {
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
  });
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
function reportFinishedTargets(extra: ToolExtra) {
  const progressToken = extra._meta?.progressToken;
  if (progressToken === undefined) return undefined;
  return (outcome: FanOutOutcome, progress: { target: FanOutTarget; finished: number; total: number }) => {
    extra
      .sendNotification({
        method: 'notifications/progress',
        params: {
          progressToken,
          progress: progress.finished,
          total: progress.total,
          message: describeFinishedTarget({ ...progress, status: outcome.structured.status }),
        },
      })
      .catch(() => {});
  };
}

/**
 * The one consent form of a fan-out: the deciding target's reason, every target listed with its account, a scope
 * offered when every target may get one (never beside the secrets question, as for a single call).
 */
async function askOnce(
  server: McpServer,
  context: ServerContext,
  { judged, asking, accounts, offer }: FanOutConfirmRequest<PlannedTarget>,
): Promise<ConsentOutcome> {
  const { plan } = judged[0] as PlannedTarget;
  if (!plan.form.canAsk) return { granted: false, answer: 'unsupported', detail: plan.form.why };
  const { decision, profile, region, stages } = asking.judged;
  return requestConsent({
    server,
    account: '',
    decision: { ...decision, profile, region },
    stages,
    timeoutMs: context.config.consentTimeoutSeconds * 1000,
    sandbox: plan.sandbox,
    targets: listFanOutConsentTargets(judged, { accounts, unknown: unknownAccount }),
    standing: plan.question === undefined && offer?.offer === true ? offer.subjects : undefined,
  });
}

/**
 * What is kept of one finished target: its one-call result (formatted by the pipeline tool's steps), its cut
 * output kept for the session; a pipeline that could not start is that target's refusal only.
 */
async function settleTarget(
  server: McpServer,
  context: ServerContext,
  steps: FanOutSteps,
  ran: FanOutCommandRun<PlannedTarget>,
  { account, consent }: { account: string | undefined; consent: ConsentOutcome | undefined },
): Promise<FanOutOutcome> {
  const { target, judged, plan } = ran;
  if (ran.error !== undefined) {
    const { code } = ran.error;
    const reason = maskSecrets(ran.error.message).text;
    return {
      target,
      account,
      text: `${code}: ${reason}`,
      structured: { status: 'refused', ...nothingRan, code, reason },
    };
  }
  const { result } = ran;
  const formatted = await steps.formatRun(context, judged, {
    result,
    secretsOption: steps.secretsOptionOf(context, plan.plan),
    consent,
    canAsk: plan.form.canAsk,
  });
  // Kept now, not after the merge: the store's budget, not every target's whole output, is what stays in memory.
  const kept = keepCutOutput(server, context, {
    result,
    label: `${formatStagesForPerson(judged.auditBase.argv)} (${describeTarget(target)})`,
  });
  return toOutcome(target, account, formatted.tool, kept);
}

/**
 * Runs one parsed call on every target of its `profiles`/`regions` with the executor's flow (runFanOutCommand:
 * targets, judging, the fan-out rules, one consent, the runs under the limiter, each with its share of the output
 * cap and its own save file), composing the one-call steps for the server's fields, refusals, consent form and
 * formatting, and merges the results (mergeFanOutResults). A target's cut output is kept for the session as a
 * single call's is (`aws://results/{id}`, linked); with a progress token, a progress notification follows each
 * finished target.
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
  const cap = Math.min(input.maxOutput ?? config.maxOutputChars, config.maxOutputChars);
  const { choices: _choices, setup: _setup, env: _env, ...judge } = steps.judgeOptionsOf(context, {});
  // The targets' own running-time reports would not make one increasing count; finished targets do.
  const quiet: ToolExtra = { ...extra, _meta: undefined };
  const outcome = await runFanOutCommand<PlannedTarget, FanOutOutcome, ConsentOutcome, StopReason>(pipeline, {
    request: input,
    // One reading of the AWS files and one resolution per profile, for every step of this call.
    contexts: createFanOutContexts({ setup: context.setup(), env: context.env }),
    judge: { ...judge, awsCli: context.awsCli },
    knownRegions: (await context.regions()).regions.map((region) => region.code),
    enabledRegions,
    maxTargets: config.fanOutMax,
    names: serverFanOutNames,
    saveOutputTo: input.saveOutputTo,
    check: input.check,
    prepare: ({ target, judged }, saveTo) => {
      const one = steps.withServerFields(judged, choicesOf(target));
      return { target, judged: one, plan: steps.planConsent(server, context, one, saveTo) };
    },
    describeStop: (stop) => stopOf(context, steps, stop),
    lookupAccount: async (profile) => (await context.lookupAccount(profile)).account,
    confirm: (request) => askOnce(server, context, request),
    standing: (judged) => ({
      store: context.approvals,
      session: server,
      policy: context.policy,
      secretsQuestion: judged.some((one) => one.plan.question !== undefined),
      model: () => context.cliModel(),
      workdir: context.config.workdir,
    }),
    // What runs is bound to the approval's account where the CLI can (--expected-bucket-owner), stages and audit too.
    bind: (one, binding) => applyApprovalBinding(one.judged, binding),
    options: { ...context.runOptions(null), maxOutputChars: cap },
    run: (one, options) =>
      steps.runJudged(context, one.judged, {
        input: { timeout: input.timeout, maxOutput: options.maxOutputChars },
        extra: quiet,
        secrets: steps.secretsOptionOf(context, one.plan.plan),
      }),
    settle: (ran, about) => settleTarget(server, context, steps, ran, about),
    audit: (entry, { ran, settled }) => {
      const secrets = ran?.error === undefined ? settled?.structured.secrets : undefined;
      if (ran === undefined || secrets === undefined) return audit(entry);
      const savedAs = secrets.saved === undefined ? {} : { savedAs: secrets.saved.name };
      audit({ ...entry, secrets: secrets.handling, ...savedAs }, ran.judged.profile);
    },
    onTargetDone: reportFinishedTargets(extra),
  });
  switch (outcome.status) {
    case 'refused':
      return steps.refused(asToolRefusal(outcome.refusal), outcome.judged?.judged.decided);
    case 'stopped': {
      const { code, reason, advice } = outcome.refusal;
      return steps.refused(
        { code, reason, text: `Refused (${code}): ${reason}. ${advice}` },
        outcome.stops[0]?.fields,
      );
    }
    case 'checked':
      return checkResult({ ...outcome, notes: leftOutNotes(outcome.leftOut) });
    case 'declined': {
      const { asking } = outcome;
      const consent = outcome.consent as ConsentOutcome;
      const refusal = steps.describeConsentRefusal(consent, asking.judged.decision, asking.plan.stateless);
      return steps.refused(refusal, { ...asking.judged.decided, consent: consent.answer });
    }
  }
  const { consent, perTargetCap } = outcome;
  const { outcomes, links } = noteKeptOutputs(server, context, outcome.outcomes);
  const merged = mergeFanOutResults({
    outcomes,
    cap,
    perTargetCap,
    notes: leftOutNotes(outcome.leftOut),
    durationMs: Date.now() - started,
  });
  const structured = {
    ...merged.structured,
    ...(outcome.judged[0] as PlannedTarget).judged.decided,
    ...(consent === undefined ? {} : { consent: consent.answer }),
  };
  const tool = merged.anySucceeded
    ? textResult(merged.text, structured)
    : errorResult(merged.text, structured);
  return links.length === 0 ? tool : { ...tool, content: [...tool.content, ...links] };
}
