import { randomBytes } from 'node:crypto';
import type { Decision } from '@aws-mcp/command';
import { type JsonOutput, mergeFanOutJson } from './fan-out.js';
import { describeFanOutTarget, type FanOutTarget, plural, unique } from './fan-out-targets.js';

/**
 * What a person reads about the targets of a fan-out: how they were counted, which could not run, what each was
 * decided, which finished, and the merged result with a header per target. Pure; nothing here runs a command.
 */

/** How the targets were counted: `6 targets (2 profiles, 3 regions)`. */
export function describeFanOutTargets(targets: readonly FanOutTarget[]): string {
  const profiles = unique(targets.map((target) => target.profile)).length;
  const regions = unique(targets.map((target) => target.region)).length;
  return `${plural(targets.length, 'target')} (${plural(profiles, 'profile')}, ${plural(regions, 'region')})`;
}

/** One target that cannot run, in the caller's words: the code of the rule that stops it and why. */
export interface FanOutStopReason<Code extends string = string> {
  target: FanOutTarget;
  code: Code;
  reason: string;
}

/**
 * One refusal for a fan-out some of whose targets cannot run: the first stop's code, a reason naming every stopped
 * target with its own reason (`2 of 6 targets cannot run (profile a · region r: why; …)`), and the advice.
 * Undefined when nothing stops.
 */
export function describeFanOutStops<Code extends string>(
  stops: ReadonlyArray<FanOutStopReason<Code>>,
  total: number,
): { code: Code; reason: string; advice: string } | undefined {
  const first = stops[0];
  if (first === undefined) return undefined;
  const which = stops.map(({ target, reason }) => `${describeFanOutTarget(target)}: ${reason}`);
  return {
    code: first.code,
    reason: `${stops.length} of ${total} targets cannot run (${which.join('; ')})`,
    advice: 'Nothing ran; leave those targets out, or fix what each names.',
  };
}

/**
 * What a check of a fan-out says before anything would run: the command (as the caller prints it), its access, and
 * every target with its own decision and rule (`  profile a · region r: allow (mode:read-only)`), then the notes.
 */
export function describeFanOutCheck({
  command,
  judged,
  notes,
}: {
  command: string;
  judged: ReadonlyArray<{ target: FanOutTarget; judged: { decision: Decision } }>;
  notes: readonly string[];
}): string[] {
  const { accessClass, action } = judged[0]?.judged.decision.classification ?? {
    accessClass: '',
    action: '',
  };
  return [
    'Checked, not run:',
    `  ${command}`,
    `Access: ${accessClass} (${action}). On ${plural(judged.length, 'target')}:`,
    ...judged.map(
      ({ target, judged: one }) =>
        `  ${describeFanOutTarget(target)}: ${one.decision.action} (${one.decision.rule})`,
    ),
    ...notes,
  ];
}

/** A target as a consent lists it: its effective profile and region, and its account. */
export interface FanOutConsentTarget {
  profile: string;
  region: string;
  account: string;
}

/**
 * The targets a fan-out's one consent lists, with each profile's account (`accounts`), or `unknown` where the
 * account is not known.
 */
export function listFanOutConsentTargets(
  judged: ReadonlyArray<{ target: FanOutTarget; judged: { profile: string; region: string | undefined } }>,
  { accounts, unknown }: { accounts: ReadonlyMap<string, string>; unknown: string },
): FanOutConsentTarget[] {
  return judged.map(({ target, judged: one }) => ({
    profile: one.profile,
    region: one.region ?? target.region,
    account: accounts.get(one.profile) ?? unknown,
  }));
}

/** A progress message as a target finishes: `2/6 targets finished: profile a · region r · success`. */
export function describeFinishedTarget({
  target,
  finished,
  total,
  status,
}: {
  target: FanOutTarget;
  finished: number;
  total: number;
  status: string;
}): string {
  return `${finished}/${total} targets finished: ${describeFanOutTarget(target)} · ${status}`;
}

/** The fields of one target's result that the merge reads; the caller's own fields ride along. */
export interface FanOutResultFields extends JsonOutput {
  status: string;
  truncated: boolean;
  totalChars: number;
  maskedSecrets: number;
}

/** One finished (or refused) target: its labels, its text as a one-call result reads, its fields. */
export interface FanOutOutcome<Fields extends FanOutResultFields = FanOutResultFields> {
  target: FanOutTarget;
  account: string | undefined;
  text: string;
  structured: Fields;
}

/** What {@link mergeFanOutResults} returns: the text a person reads, the merged fields, whether any succeeded. */
export interface MergedFanOutResults<Fields extends FanOutResultFields = FanOutResultFields> {
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
    json?: ReturnType<typeof mergeFanOutJson>['json'];
    jsonOutput?: JsonOutput['jsonOutput'];
    fanOut: {
      /** Each target's own fields (without its parsed JSON, which is in the merged `json`), in target order. */
      targets: Array<{ profile: string; region: string; account?: string } & Omit<Fields, 'json'>>;
      succeeded: number;
      failed: number;
      outputCapPerTarget: number;
      notes: string[];
    };
  };
}

/**
 * Merges the targets' results: a text with a header per target (`=== #3fa9c1 2/6 · profile dev · region eu-west-1 ·
 * account 123456789012 · success ===`, the tag random per call unless given) above that target's own text, one
 * entry per target, and the JSON outputs merged by mergeFanOutJson. `status` is `success` only when every target
 * succeeded.
 */
export function mergeFanOutResults<Fields extends FanOutResultFields>({
  outcomes,
  cap,
  perTargetCap,
  notes,
  durationMs,
  tag = `#${randomBytes(3).toString('hex')}`,
}: {
  outcomes: ReadonlyArray<FanOutOutcome<Fields>>;
  cap: number;
  perTargetCap: number;
  notes: readonly string[];
  durationMs: number;
  /** A per-call tag in every header, so a line in some output cannot pass for one. Default: random. */
  tag?: string;
}): MergedFanOutResults<Fields> {
  const total = outcomes.length;
  const succeeded = outcomes.filter((outcome) => outcome.structured.status === 'success').length;
  const failed = total - succeeded;
  const summary =
    `Ran on ${describeFanOutTargets(outcomes.map((outcome) => outcome.target))}: ${succeeded} succeeded` +
    `${failed === 0 ? '' : `, ${failed} failed or did not run`}. Each target’s output is capped at ${perTargetCap} ` +
    `characters (the ${cap}-character cap split between ${plural(total, 'target')}). Each target’s result follows ` +
    `its header, tagged ${tag}; a line without that tag is part of an output.`;
  const sections = outcomes.map((outcome, index) =>
    [
      `=== ${tag} ${index + 1}/${total} · ${describeFanOutTarget(outcome.target, outcome.account)} · ${outcome.structured.status} ===`,
      outcome.text,
    ].join('\n'),
  );
  const text = [[summary, ...notes].join('\n'), ...sections].join('\n\n');
  const targets = outcomes.map(({ target, account, structured }) => {
    const { json: _json, ...fields } = structured;
    return {
      profile: target.profile,
      region: target.region,
      ...(account === undefined ? {} : { account }),
      ...fields,
    };
  });
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
