import { type CliModel, type Decision, type Pipeline, parseCommandLine } from '@aws-mcp/command';
import type { AwsCliStatus } from './check-aws-cli.js';
import { ExecutionError } from './execution-error.js';
import {
  describeFanOutTarget,
  type FanOutContexts,
  type FanOutNames,
  type FanOutRefusal,
  type FanOutTarget,
  fanOutNamesOf,
  refusal,
  splitOutputCap,
  unique,
} from './fan-out-targets.js';
import {
  type JudgeAwsCommandOptions,
  type JudgedAwsCommand,
  judgeAwsCommand,
  preflightAwsCommand,
  runOptionsOf,
} from './run-aws-command.js';
import { type PipelineResult, type RunPipelineOptions, runPipeline } from './run-pipeline.js';

/** A target judged for its own profile and region, ready to run. */
export interface FanOutJudged {
  target: FanOutTarget;
  judged: JudgedAwsCommand;
}

/**
 * A target that cannot run: the CommandError its judging threw, or the ExecutionError preflight returned (a
 * policy deny is `DENIED`), with what was judged when it got that far.
 */
export interface FanOutStop {
  target: FanOutTarget;
  error: unknown;
  judged?: JudgedAwsCommand;
}

/** What judging every target needs: the judge's options (without the per-target parts), the contexts, the CLI. */
export interface JudgeFanOutOptions
  extends Omit<JudgeAwsCommandOptions, 'choices' | 'setup' | 'env' | 'aws'> {
  /** The call's contexts: each target is judged with its profile's one resolution and the one reading of the files. */
  contexts: FanOutContexts;
  /** The installed CLI's status for preflight, or how to read it (read once, when the targets are preflighted). */
  awsCli: AwsCliStatus | Promise<AwsCliStatus> | (() => Promise<AwsCliStatus>);
}

/**
 * Judges and preflights one parsed command for every target with the one-call steps (judgeAwsCommand,
 * preflightAwsCommand): the allowlist, the policy and the SSO check apply per target, each with the target's
 * profile context resolved once for the call (`contexts`). Returns the targets that may go on and those that
 * cannot, each with its own error; never throws for a target's refusal.
 */
export async function judgeFanOutTargets(
  pipeline: Pipeline,
  targets: readonly FanOutTarget[],
  options: JudgeFanOutOptions,
): Promise<{ judged: FanOutJudged[]; stops: FanOutStop[] }> {
  const { contexts, awsCli: status, ...judge } = options;
  const awsCli = typeof status === 'function' ? status() : status;
  const judged: FanOutJudged[] = [];
  const stops: FanOutStop[] = [];
  for (const target of targets) {
    let one: JudgedAwsCommand;
    try {
      one = judgeAwsCommand(pipeline, {
        ...judge,
        setup: contexts.setup,
        env: contexts.env,
        aws: contexts.ofTarget(target),
        choices: { profile: target.profileChosen ? target.profile : undefined, region: target.region },
      });
    } catch (error) {
      stops.push({ target, error });
      continue;
    }
    const blocked = await preflightAwsCommand(one, { awsCli, setup: contexts.setup });
    if (blocked !== undefined) stops.push({ target, error: blocked, judged: one });
    else judged.push({ target, judged: one });
  }
  return { judged, stops };
}

/** A policy rule, as JSON for a policy, that would let a write fan out to these targets. */
function suggestAllowRule(action: string, targets: readonly FanOutTarget[]): string {
  return JSON.stringify({
    effect: 'allow',
    actions: [action],
    profiles: unique(targets.map((target) => target.profile)),
    regions: unique(targets.map((target) => target.region)),
  });
}

/**
 * Whether a fan-out may go on, judged per target: no target denied by the policy (DENIED_BY_POLICY, naming
 * them); a write only where a policy rule (not the mode) allows it for every target (FANOUT_WRITE_REFUSED, with
 * the rule that would allow it); a read whose output carries secrets only when each target's output is saved
 * (FANOUT_SECRET_OUTPUT). Otherwise says whether one confirmation is needed (any target's decision is `confirm`).
 */
export function checkFanOutDecisions({
  judged,
  secretMembers,
  saveOutputTo,
  names: given,
}: {
  judged: ReadonlyArray<{ target: FanOutTarget; decision: Decision }>;
  secretMembers: readonly string[];
  /** Where each target's unmasked output is saved (see saveNameForTarget); undefined: nowhere. */
  saveOutputTo: string | undefined;
  names?: Partial<FanOutNames>;
}): FanOutRefusal | { asks: boolean } {
  const names = fanOutNamesOf(given);
  const first = judged[0]?.decision;
  if (first === undefined) return refusal('FANOUT_NO_TARGETS', 'the fan-out has no targets.');
  const { action, accessClass, reason } = first.classification;
  const total = judged.length;
  const denied = judged.filter((item) => item.decision.action === 'deny');
  if (denied.length > 0) {
    const which = denied
      .map((item) => `${describeFanOutTarget(item.target)} (${item.decision.rule}: ${item.decision.reason})`)
      .join('; ');
    return refusal(
      'DENIED_BY_POLICY',
      `the policy denies \`${action}\` for ${denied.length} of ${total} targets: ${which}`,
      'Leave those targets out; nothing ran.',
    );
  }
  if (accessClass === 'write') {
    const uncovered = judged.filter(
      (item) => item.decision.action !== 'allow' || item.decision.rule.startsWith('mode:'),
    );
    if (uncovered.length > 0) {
      const which = uncovered
        .map((item) => `${describeFanOutTarget(item.target)} (decided by ${item.decision.rule})`)
        .join('; ');
      const rule = suggestAllowRule(
        action,
        judged.map((item) => item.target),
      );
      return refusal(
        'FANOUT_WRITE_REFUSED',
        `\`${action}\` is a write (${reason}); a fan-out runs a write only where a policy rule allows it for every ` +
          `target, and ${uncovered.length} of ${total} targets have none: ${which}.`,
        `A rule in ${names.policy} that would allow it: ${rule}. Without one, run it once per target (no \`profiles\`/\`regions\`), where the user is asked.`,
      );
    }
  }
  if (secretMembers.length > 0 && saveOutputTo === undefined) {
    const members = secretMembers.includes('*') ? 'its whole output' : secretMembers.join(', ');
    return refusal(
      'FANOUT_SECRET_OUTPUT',
      `\`${action}\` returns secrets (${members}); a fan-out runs it only when each target's output is saved.`,
      'Give `saveOutputTo: "NAME"`: each target’s unmasked output goes to its own file (NAME-PROFILE-REGION) only the user opens, and you get it masked.',
    );
  }
  return { asks: judged.some((item) => item.decision.action === 'confirm') };
}

/** One target's run: its result, or the ExecutionError that kept its pipeline from starting. */
export type FanOutRun<J extends FanOutJudged = FanOutJudged> = J &
  ({ result: PipelineResult; error?: undefined } | { error: ExecutionError; durationMs: number });

/**
 * How {@link runFanOutTargets} runs each target and what it keeps of each. `J` is the caller's judged target
 * (FanOutJudged with its own fields), handed back to `optionsOf`, `run` and `settle`.
 */
export interface RunFanOutTargetsOptions<T, J extends FanOutJudged = FanOutJudged> {
  /**
   * The run options every target shares (sandbox, limiter, timeout, the call's whole output cap as
   * `maxOutputChars`); each target runs with its judged profile, region and profile files, and its share of the cap.
   */
  options: RunPipelineOptions;
  /** A target's own options over the shared ones (e.g. its own `secrets.saveTo`). */
  optionsOf?: (one: J) => Partial<RunPipelineOptions>;
  /** Runs one target instead of runPipeline (given the options above, resolved for the target). */
  run?: (one: J, options: RunPipelineOptions) => Promise<PipelineResult>;
  /**
   * Called as each target finishes, in finishing order; what it returns is what is kept of that target (so a
   * caller can format a result and let the whole output go). Default: the run itself.
   */
  settle?: (ran: FanOutRun<J>) => T | Promise<T>;
}

/**
 * Runs the judged targets in parallel, under the run options' limiter, each with the same validated command and
 * its own profile, region and credential files (from the one resolution its judging used), its share of the
 * output cap (splitOutputCap) and its own options. A target whose pipeline cannot start is that target's failure
 * only; the others run on. Resolves with one entry per target, in target order.
 */
export async function runFanOutTargets<T = FanOutRun, J extends FanOutJudged = FanOutJudged>(
  judged: readonly J[],
  settings: RunFanOutTargetsOptions<T, J>,
): Promise<T[]> {
  const cap = settings.options.maxOutputChars ?? 100_000;
  const share = splitOutputCap(cap, judged.length);
  const run =
    settings.run ??
    ((one: FanOutJudged, options: RunPipelineOptions) => runPipeline(one.judged.pipeline, options));
  const settle = settings.settle ?? ((ran: FanOutRun<J>) => ran as unknown as T);
  return Promise.all(
    judged.map(async (one) => {
      const started = Date.now();
      const options = runOptionsOf(one.judged, {
        ...settings.options,
        maxOutputChars: share,
        ...settings.optionsOf?.(one),
      });
      let ran: FanOutRun<J>;
      try {
        ran = { ...one, result: await run(one, options) };
      } catch (error) {
        if (!ExecutionError.isInstance(error)) throw error;
        ran = { ...one, error, durationMs: Date.now() - started };
      }
      return settle(ran);
    }),
  );
}

/** What {@link readJsonOutput} found: the parsed output, and whether it was whole JSON. */
export interface JsonOutput {
  json?: unknown;
  /** `cut` when the output was too long to parse whole; absent when the run did not succeed. */
  jsonOutput?: 'parsed' | 'not json' | 'cut';
}

/**
 * The output parsed, bounded by the output cap: only an output that came whole (not cut) and is one JSON object
 * or array; `jsonOutput` says which it was. Masked values stay masked (`"[MASKED]"`).
 */
export function readJsonOutput(result: PipelineResult): JsonOutput {
  if (result.status !== 'success') return {};
  if (result.truncated) return { jsonOutput: 'cut' };
  const trimmed = result.output.trim();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return { jsonOutput: 'not json' };
  try {
    return { json: JSON.parse(trimmed), jsonOutput: 'parsed' };
  } catch {
    return { jsonOutput: 'not json' };
  }
}

/** One target's whole JSON output in a fan-out's merged array. */
export interface FanOutJsonEntry {
  profile: string;
  region: string;
  /** The account the profile's credentials belong to; null when unknown. */
  account: string | null;
  output: unknown;
}

/**
 * The merged JSON of a fan-out: `{profile, region, account, output}` of each target whose output parsed whole, in
 * target order; `jsonOutput` is `cut` when any target's was cut, `parsed` when some parsed, `not json` when none
 * did, absent when no target succeeded.
 */
export function mergeFanOutJson(
  entries: ReadonlyArray<{ target: FanOutTarget; account: string | undefined } & JsonOutput>,
): { json?: FanOutJsonEntry[]; jsonOutput?: JsonOutput['jsonOutput'] } {
  const parsed = entries.filter((entry) => entry.jsonOutput === 'parsed');
  const anyCut = entries.some((entry) => entry.jsonOutput === 'cut');
  const anyJudged = entries.some((entry) => entry.jsonOutput !== undefined);
  const json = parsed.map(({ target, account, json: output }) => ({
    profile: target.profile,
    region: target.region,
    account: account ?? null,
    output,
  }));
  return {
    ...(parsed.length > 0 ? { json } : {}),
    ...(anyJudged ? { jsonOutput: anyCut ? 'cut' : parsed.length > 0 ? 'parsed' : 'not json' } : {}),
  };
}

/**
 * The account of each profile the judged targets run with, read with that profile's own context (`aws sts
 * get-caller-identity`, once per profile, through runPipeline with `options`). A profile whose identity cannot be
 * read is left out. Never throws for a failed lookup.
 */
export async function readFanOutAccounts(
  judged: readonly FanOutJudged[],
  { options, model }: { options: RunPipelineOptions; model?: CliModel },
): Promise<Map<string, string>> {
  const byProfile = new Map<string, FanOutJudged>();
  for (const one of judged) if (!byProfile.has(one.judged.profile)) byProfile.set(one.judged.profile, one);
  const pipeline = parseCommandLine(
    'aws sts get-caller-identity --output json',
    model === undefined ? {} : { model },
  );
  const found = await Promise.all(
    [...byProfile.values()].map(async (one) => {
      try {
        const result = await runPipeline(pipeline, runOptionsOf({ ...one.judged, pipeline }, options));
        if (result.status !== 'success') return undefined;
        const account = (JSON.parse(result.output) as { Account?: string }).Account;
        return account === undefined ? undefined : ([one.judged.profile, account] as const);
      } catch {
        return undefined;
      }
    }),
  );
  return new Map(found.filter((entry) => entry !== undefined));
}
