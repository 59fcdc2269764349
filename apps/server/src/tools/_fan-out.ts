import { randomBytes } from 'node:crypto';
import { type Decision, isProfileAllowed, type Pipeline, parseCommandLine } from '@aws-mcp/command';
import { auditEntryOf, ExecutionError, maskSecrets, runPipeline, secretOutputOf } from '@aws-mcp/executor';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, ResourceLink } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { formatStagesForPerson } from '../_escape-text.js';
import type { AuditEntry } from '../audit-log.js';
import type { ServerContext } from '../server-context.js';
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

/** The part of a call that decides its targets. */
export interface FanOutRequest {
  profiles?: string[] | string;
  regions?: string[] | 'enabled';
  profile?: string;
  region?: string;
}

/** Whether a call fans out (names `profiles` or `regions`). */
export function isFanOut(request: FanOutRequest): boolean {
  return request.profiles !== undefined || request.regions !== undefined;
}

/** One profile × region a fan-out runs in. */
export interface FanOutTarget {
  profile: string;
  /** The call named the profile, so it is forced (`--profile`); otherwise the CLI resolves the server's default. */
  profileChosen: boolean;
  region: string;
}

/** A refusal of the whole fan-out, in the shape the pipeline tool returns refusals. */
export interface FanOutRefusal {
  code: RefusalCode;
  text: string;
  reason: string;
}

/** The regions enabled for a profile's account, or why they could not be read. */
export type EnabledRegions = { regions: string[]; source: string } | { error: string };

/** The targets of a fan-out, and what the person should know about how they were chosen. */
export interface FanOutTargets {
  targets: FanOutTarget[];
  /** E.g. the profiles a glob matched that the allowlist leaves out. */
  notes: string[];
}

const isRefusal = (value: object): value is FanOutRefusal => 'code' in value && 'text' in value;

function refusal(code: RefusalCode, reason: string, advice = ''): FanOutRefusal {
  return { code, reason, text: `Refused (${code}): ${reason}${advice === '' ? '' : ` ${advice}`}` };
}

const unique = <T>(items: readonly T[]): T[] => [...new Set(items)];

/** Fan-out arguments that contradict each other or the command line. */
function checkConflicts(request: FanOutRequest, line: { profile?: string; region?: string }) {
  const code = 'FANOUT_CONFLICTING_SETTING';
  if (request.profiles !== undefined && request.profile !== undefined) {
    return refusal(code, 'the call gives both `profile` and `profiles`.', 'Give one: `profiles` fans out.');
  }
  if (request.regions !== undefined && request.region !== undefined) {
    return refusal(code, 'the call gives both `region` and `regions`.', 'Give one: `regions` fans out.');
  }
  for (const name of ['profile', 'region'] as const) {
    const value = line[name];
    if (value === undefined) continue;
    return refusal(
      code,
      `\`--${name} ${value}\` is on the command line of a fan-out, which sets the ${name} per target.`,
      `Leave \`--${name}\` out and name it with the \`${name}\` or \`${name}s\` argument.`,
    );
  }
  return undefined;
}

/** The profiles of a fan-out: the call's own, a list (each configured and allowed), or a glob over configured ones. */
function selectProfiles({
  request,
  configuredProfiles,
  allowedProfiles,
  defaultProfile,
}: Pick<ResolveFanOutOptions, 'request' | 'configuredProfiles' | 'allowedProfiles' | 'defaultProfile'>):
  | FanOutRefusal
  | { profiles: Array<{ profile: string; profileChosen: boolean }>; notes: string[] } {
  const { profiles } = request;
  if (profiles === undefined) {
    return {
      profiles: [
        { profile: request.profile ?? defaultProfile, profileChosen: request.profile !== undefined },
      ],
      notes: [],
    };
  }
  const configured = ` (configured: ${configuredProfiles.join(', ') || 'none'})`;
  if (typeof profiles === 'string') {
    // Profile names are case-sensitive, as the allowlist matches them.
    const matched = configuredProfiles.filter((name) => isProfileAllowed([profiles], name));
    const allowed = matched.filter((name) => isProfileAllowed(allowedProfiles, name));
    const leftOut = matched.filter((name) => !allowed.includes(name));
    if (allowed.length === 0) {
      return refusal(
        'FANOUT_NO_TARGETS',
        `\`profiles: ${JSON.stringify(profiles)}\` matches no configured profile${leftOut.length > 0 ? ' the server’s allowlist allows' : ''}${configured}.`,
        'Read aws://config/profiles and give a list or another glob.',
      );
    }
    return {
      profiles: allowed.map((profile) => ({ profile, profileChosen: true })),
      notes:
        leftOut.length === 0
          ? []
          : [`Left out (not in the server’s profile allowlist): ${leftOut.join(', ')}.`],
    };
  }
  if (profiles.length === 0) {
    return refusal(
      'FANOUT_NO_TARGETS',
      '`profiles` is an empty list.',
      'Name at least one profile, or leave `profiles` out.',
    );
  }
  const names = unique(profiles);
  const notAllowed = names.filter((name) => !isProfileAllowed(allowedProfiles, name));
  if (notAllowed.length > 0) {
    return refusal(
      'PROFILE_NOT_ALLOWED',
      `${notAllowed.map((name) => `\`${name}\``).join(', ')} ${notAllowed.length === 1 ? 'is' : 'are'} not in the server's allowlist (${(allowedProfiles ?? []).join(', ')}).`,
      'Leave them out of `profiles`.',
    );
  }
  const unknown = names.filter((name) => !configuredProfiles.includes(name));
  if (unknown.length > 0) {
    return refusal(
      'UNKNOWN_PROFILE',
      `there is no profile ${unknown.map((name) => `\`${name}\``).join(', ')} in the AWS files${configured}.`,
      'Read aws://config/profiles for the configured profiles.',
    );
  }
  return { profiles: names.map((profile) => ({ profile, profileChosen: true })), notes: [] };
}

function tooMany(count: number, detail: string, max: number): FanOutRefusal {
  return refusal(
    'FANOUT_TOO_MANY_TARGETS',
    `this fan-out has ${count} targets (${detail}); at most ${max} run in one call (AWS_MCP_FANOUT_MAX).`,
    'Narrow `profiles` or `regions`, or split the work into several calls; the user can raise AWS_MCP_FANOUT_MAX.',
  );
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/** What {@link resolveFanOutTargets} needs to know about the server and the call. */
export interface ResolveFanOutOptions {
  request: FanOutRequest;
  /** `--profile` and `--region` as the command line gives them. */
  line: { profile?: string; region?: string };
  configuredProfiles: readonly string[];
  allowedProfiles: readonly string[] | undefined;
  /** The profile a call that names none runs with. */
  defaultProfile: string;
  /** The region a profile runs in when the call names none (the CLI's resolution); undefined: the default profile. */
  regionOf(profile: string | undefined): string;
  knownRegions: readonly string[];
  /** Reads the enabled regions of a target profile's account (`regions: "enabled"` only). */
  enabledRegions(target: { profile: string; profileChosen: boolean }): Promise<EnabledRegions>;
  /** AWS_MCP_FANOUT_MAX. */
  max: number;
}

/**
 * The targets of a fan-out call: every profile (the call's, a list, or a glob over configured profiles) × every
 * region (the profile's own, a list, or the account's enabled regions). Refuses, before any command starts, when
 * arguments conflict (FANOUT_CONFLICTING_SETTING), a profile is unknown or not allowed, a region is unknown, a glob
 * matches nothing (FANOUT_NO_TARGETS), the enabled regions cannot be read (FANOUT_REGIONS_UNAVAILABLE) or there are
 * more than `max` targets (FANOUT_TOO_MANY_TARGETS); with a region list the count is checked before any lookup.
 */
export async function resolveFanOutTargets(
  options: ResolveFanOutOptions,
): Promise<FanOutTargets | FanOutRefusal> {
  const { request, max } = options;
  const conflict = checkConflicts(request, options.line);
  if (conflict !== undefined) return conflict;
  const selected = selectProfiles(options);
  if (isRefusal(selected)) return selected;
  const { profiles, notes } = selected;
  if (Array.isArray(request.regions)) {
    if (request.regions.length === 0) {
      return refusal(
        'FANOUT_NO_TARGETS',
        '`regions` is an empty list.',
        'Name at least one region, or leave `regions` out.',
      );
    }
    const regions = unique(request.regions);
    const unknown = regions.filter((region) => !options.knownRegions.includes(region));
    if (unknown.length > 0) {
      return refusal(
        'UNKNOWN_REGION',
        `${unknown.map((region) => `\`${region}\``).join(', ')} ${unknown.length === 1 ? 'is not a known region code' : 'are not known region codes'}.`,
        'Read aws://config/regions for the list.',
      );
    }
    const count = profiles.length * regions.length;
    if (count > max) {
      return tooMany(
        count,
        `${plural(profiles.length, 'profile')} × ${plural(regions.length, 'region')}`,
        max,
      );
    }
    return {
      targets: profiles.flatMap((profile) => regions.map((region) => ({ ...profile, region }))),
      notes,
    };
  }
  if (request.regions === 'enabled') {
    if (profiles.length > max) {
      return tooMany(
        profiles.length,
        `${plural(profiles.length, 'profile')}, each in at least one region`,
        max,
      );
    }
    const enabled = await Promise.all(profiles.map((profile) => options.enabledRegions(profile)));
    const failed = enabled.flatMap((found, index) =>
      'error' in found ? [`${profiles[index]?.profile}: ${found.error}`] : [],
    );
    if (failed.length > 0) {
      return refusal(
        'FANOUT_REGIONS_UNAVAILABLE',
        `the enabled regions could not be read (${failed.join('; ')}).`,
        'Give `regions` as a list of region codes instead.',
      );
    }
    const targets = profiles.flatMap((profile, index) => {
      const found = enabled[index] as { regions: string[] };
      return found.regions.map((region) => ({ ...profile, region }));
    });
    if (targets.length > max) {
      return tooMany(targets.length, `the enabled regions of ${plural(profiles.length, 'profile')}`, max);
    }
    return { targets, notes };
  }
  if (profiles.length > max) return tooMany(profiles.length, plural(profiles.length, 'profile'), max);
  return {
    targets: profiles.map((profile) => ({
      ...profile,
      region: request.region ?? options.regionOf(profile.profileChosen ? profile.profile : undefined),
    })),
    notes,
  };
}

/** Region opt-in states that mean "enabled", by the operation that reports them. */
const enabledStates = {
  'account list-regions': ['ENABLED', 'ENABLED_BY_DEFAULT'],
  'ec2 describe-regions': ['opt-in-not-required', 'opted-in'],
} as const;

const listRegionsLine =
  'aws account list-regions --region-opt-status-contains ENABLED ENABLED_BY_DEFAULT --output json';
const describeRegionsLine = 'aws ec2 describe-regions --output json';

/** The last line of a CLI's error output, or its exit code. */
function lastErrorLine(stderr: string, exitCode: number | undefined): string {
  return stderr.trim().split('\n').pop() || `aws exited ${exitCode ?? 'without a code'}`;
}

/**
 * Reads the regions enabled for a profile's account with that profile, through the executor (sandbox, limiter)
 * like the caller-identity lookup: `aws account list-regions` where the installed CLI has it, else (or when it
 * fails) `aws ec2 describe-regions`. Keeps only enabled regions of the profile's partition, filtering the answer
 * itself since an emulator may ignore the request's filter. Never throws.
 */
export async function readEnabledRegions(
  context: ServerContext,
  { profile, profileChosen }: { profile: string; profileChosen: boolean },
): Promise<EnabledRegions> {
  try {
    const model = await context.cliModel();
    const region = context.awsContext(profileChosen ? profile : undefined).region.name;
    const { regions: known } = await context.regions();
    const partition = known.find((item) => item.code === region)?.partition ?? 'aws';
    const inPartition = new Set(
      known.filter((item) => item.partition === partition).map((item) => item.code),
    );
    const failures: string[] = [];
    for (const [source, line] of [
      ['account list-regions', listRegionsLine],
      ['ec2 describe-regions', describeRegionsLine],
    ] as const) {
      let pipeline: ReturnType<typeof parseCommandLine>;
      try {
        pipeline = parseCommandLine(line, { model });
      } catch {
        // This CLI does not have the operation (v2.9 has no account list-regions).
        continue;
      }
      const result = await runPipeline(pipeline, {
        ...context.runOptions(profileChosen ? profile : undefined),
        profile: profileChosen ? profile : undefined,
        region,
        timeoutMs: 30_000,
      });
      if (result.status !== 'success') {
        failures.push(`${source}: ${lastErrorLine(result.stderr, result.exitCode)}`);
        continue;
      }
      const parsed = JSON.parse(result.output) as {
        Regions?: Array<{ RegionName?: string; RegionOptStatus?: string; OptInStatus?: string }>;
      };
      const states: readonly string[] = enabledStates[source];
      const regions = (parsed.Regions ?? [])
        .filter((item) => states.includes(item.RegionOptStatus ?? item.OptInStatus ?? ''))
        .map((item) => item.RegionName ?? '')
        .filter((name) => inPartition.has(name))
        .sort();
      return { regions, source };
    }
    return { error: failures.join('; ') || 'this CLI can list regions with neither command' };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * A per-session cache of enabled regions by profile: a profile's account is asked once per session; a failed
 * lookup is not kept, so the next call asks again.
 */
export function createEnabledRegionsLookup(
  read: (target: { profile: string; profileChosen: boolean }) => Promise<EnabledRegions>,
): (target: { profile: string; profileChosen: boolean }) => Promise<EnabledRegions> {
  const cache = new Map<string, Promise<EnabledRegions>>();
  return (target) => {
    const key = target.profileChosen ? `profile ${target.profile}` : 'the default';
    const cached = cache.get(key);
    if (cached !== undefined) return cached;
    const found = read(target);
    cache.set(key, found);
    found.then((value) => {
      if ('error' in value) cache.delete(key);
    });
    return found;
  };
}

/** How a target reads in messages and headers. */
export function describeTarget(target: FanOutTarget, account?: string): string {
  return `profile ${target.profile} · region ${target.region}${account === undefined ? '' : ` · account ${account}`}`;
}

/** A policy rule, as JSON for the policy file, that would let a write fan out to these targets. */
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
 * the rule that would allow it); a read whose output carries secrets only with `saveOutputTo`
 * (FANOUT_SECRET_OUTPUT). Otherwise says whether one consent is needed (any target's decision is `confirm`).
 */
export function checkFanOutDecisions({
  judged,
  secretMembers,
  saveOutputTo,
}: {
  judged: ReadonlyArray<{ target: FanOutTarget; decision: Decision }>;
  secretMembers: readonly string[];
  saveOutputTo: string | undefined;
}): FanOutRefusal | { asks: boolean } {
  const first = judged[0]?.decision;
  if (first === undefined) return refusal('FANOUT_NO_TARGETS', 'the fan-out has no targets.');
  const { action, accessClass, reason } = first.classification;
  const total = judged.length;
  const denied = judged.filter((item) => item.decision.action === 'deny');
  if (denied.length > 0) {
    const which = denied
      .map((item) => `${describeTarget(item.target)} (${item.decision.rule}: ${item.decision.reason})`)
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
        .map((item) => `${describeTarget(item.target)} (decided by ${item.decision.rule})`)
        .join('; ');
      return refusal(
        'FANOUT_WRITE_REFUSED',
        `\`${action}\` is a write (${reason}); a fan-out runs a write only where a policy rule allows it for every ` +
          `target, and ${uncovered.length} of ${total} targets have none: ${which}.`,
        `A rule in the policy file (AWS_MCP_POLICY_FILE) that would allow it: ${suggestAllowRule(
          action,
          judged.map((item) => item.target),
        )}. Without one, run it once per target (no \`profiles\`/\`regions\`), where the user is asked.`,
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

/**
 * The file one target's unmasked output is saved as: `NAME-PROFILE-REGION` before the extension
 * (`keys.json` → `keys-dev-eu-west-1.json`), characters outside `[A-Za-z0-9_-]` of the profile as `_`.
 */
export function saveNameForTarget(name: string, target: FanOutTarget): string {
  const dot = name.lastIndexOf('.');
  const [stem, extension] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  return `${stem}-${target.profile.replaceAll(/[^A-Za-z0-9_-]/g, '_')}-${target.region}${extension}`;
}

/** Each target's share of the output cap: the cap split evenly, at least one character. */
export function splitOutputCap(cap: number, targets: number): number {
  return Math.max(1, Math.floor(cap / Math.max(1, targets)));
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
  const parsed = outcomes.filter((outcome) => outcome.structured.jsonOutput === 'parsed');
  const anyCut = outcomes.some((outcome) => outcome.structured.jsonOutput === 'cut');
  const anyJudged = outcomes.some((outcome) => outcome.structured.jsonOutput !== undefined);
  const json = parsed.map(({ target, account, structured }) => ({
    profile: target.profile,
    region: target.region,
    account: account ?? null,
    output: structured.json,
  }));
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
      ...(parsed.length > 0 ? { json } : {}),
      ...(anyJudged ? { jsonOutput: anyCut ? 'cut' : parsed.length > 0 ? 'parsed' : 'not json' } : {}),
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

/** Judges every target with the one-call steps; the targets that cannot run, each with its refusal. */
async function judgeTargets(
  context: ServerContext,
  steps: FanOutSteps,
  pipeline: Pipeline,
  targets: readonly FanOutTarget[],
): Promise<{ judged: JudgedTarget[]; stops: Array<{ target: FanOutTarget; stop: Stop }> }> {
  const judged: JudgedTarget[] = [];
  const stops: Array<{ target: FanOutTarget; stop: Stop }> = [];
  for (const target of targets) {
    const one = await steps.judgeCall(context, pipeline, {
      profile: target.profileChosen ? target.profile : undefined,
      region: target.region,
    });
    if ('refusal' in one) {
      stops.push({ target, stop: one });
      continue;
    }
    const blocked = await steps.preflight(context, one);
    if (blocked !== undefined) stops.push({ target, stop: blocked });
    else judged.push({ target, judged: one });
  }
  return { judged, stops };
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
}: {
  server: McpServer;
  context: ServerContext;
  judged: readonly JudgedTarget[];
  asking: JudgedTarget;
  plan: ConsentPlan;
  accounts: ReadonlyMap<string, string>;
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
  });
}

/** Runs one target with the one-call steps and audits it; an executor refusal is that target's result only. */
async function runTarget({
  server,
  context,
  steps,
  audit,
  target,
  judged,
  plan,
  account,
  consent,
  run,
}: {
  server: McpServer;
  context: ServerContext;
  steps: FanOutSteps;
  audit: AuditWrite;
  target: FanOutTarget;
  judged: JudgedCall;
  plan: ConsentPlan;
  account: string | undefined;
  consent: ConsentOutcome | undefined;
  run: { input: Pick<ToolInput, 'timeout' | 'maxOutput'>; extra: ToolExtra };
}): Promise<FanOutOutcome> {
  const secretsOption = steps.secretsOptionOf(context, plan.plan);
  const started = Date.now();
  try {
    const result = await steps.runJudged(context, judged, { ...run, secrets: secretsOption });
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
  } catch (error) {
    if (!ExecutionError.isInstance(error)) throw error;
    audit({
      ...judged.auditBase,
      ...auditEntryOf(judged, { error: error.code, durationMs: Date.now() - started }),
    });
    const reason = maskSecrets(error.message).text;
    return {
      target,
      account,
      text: `${error.code}: ${reason}`,
      structured: { status: 'refused', ...nothingRan, code: error.code, reason },
    };
  }
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
  enabledRegions: ResolveFanOutOptions['enabledRegions'];
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
  const resolved = await resolveFanOutTargets({
    request: input,
    line: pipeline.aws.globals,
    configuredProfiles: context.setup().profiles.map((profile) => profile.name),
    allowedProfiles: context.policy.allowedProfiles,
    defaultProfile: context.awsContext().profile.name,
    regionOf: (profile) => context.awsContext(profile).region.name,
    knownRegions: (await context.regions()).regions.map((region) => region.code),
    enabledRegions,
    max: config.fanOutMax,
  });
  if (isRefusal(resolved)) return refuse(resolved);
  const { targets, notes } = resolved;
  const { judged, stops } = await judgeTargets(context, steps, pipeline, targets);
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
  if (verdict.asks) {
    const asking = judged.find(({ judged: one }) => one.decision.action === 'confirm') ?? head;
    consent = await askOnce({ server, context, judged, asking, plan: first, accounts });
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
  const ran = await Promise.all(
    judged.map(async ({ target, judged: one }, index) => {
      const outcome = await runTarget({
        server,
        context,
        steps,
        audit,
        target,
        judged: one,
        plan: plans[index] as ConsentPlan,
        account: accounts.get(one.profile),
        consent,
        run: { input: { timeout: input.timeout, maxOutput: perTargetCap }, extra: quiet },
      });
      finished?.(outcome);
      return outcome;
    }),
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
