import {
  type AwsContext,
  type AwsEnvironment,
  type AwsRegion,
  type AwsSetup,
  resolveAwsContext,
} from '@aws-mcp/aws-config';
import { type CliModel, isProfileAllowed, parseCommandLine } from '@aws-mcp/command';
import { type RunPipelineOptions, runPipeline } from './run-pipeline.js';

/** The part of a call that decides its targets: `profiles`/`regions` fan out, `profile`/`region` pick one. */
export interface FanOutRequest {
  /** Profile names, or one glob over the configured profiles (`"prod-*"`). */
  profiles?: string[] | string;
  /** Region codes, or `"enabled"`: the regions enabled for each profile's account. */
  regions?: string[] | 'enabled';
  profile?: string;
  region?: string;
}

/** Whether a request fans out (names `profiles` or `regions`). */
export function isFanOut(request: FanOutRequest): boolean {
  return request.profiles !== undefined || request.regions !== undefined;
}

/** One profile × region a fan-out runs in. */
export interface FanOutTarget {
  profile: string;
  /** The request named the profile, so it is forced (`--profile`); otherwise the CLI resolves its default. */
  profileChosen: boolean;
  region: string;
}

/** Why a fan-out as a whole cannot run. Nothing has started when one is returned. */
export type FanOutRefusalCode =
  | 'FANOUT_CONFLICTING_SETTING'
  | 'FANOUT_NO_TARGETS'
  | 'FANOUT_TOO_MANY_TARGETS'
  | 'FANOUT_REGIONS_UNAVAILABLE'
  | 'FANOUT_WRITE_REFUSED'
  | 'FANOUT_SECRET_OUTPUT'
  | 'UNKNOWN_PROFILE'
  | 'UNKNOWN_REGION'
  | 'PROFILE_NOT_ALLOWED'
  | 'DENIED_BY_POLICY';

/** A refusal of the whole fan-out: its code, what was wrong, and what to do instead. */
export interface FanOutRefusal {
  code: FanOutRefusalCode;
  reason: string;
  /** What to do next; empty when the reason says it. */
  advice: string;
}

/**
 * The words a fan-out's messages use for the caller's own means. The defaults name this library's options; an app
 * passes its own (its settings) so the person reads the knobs they have.
 */
export interface FanOutNames {
  /** The allowed-profiles list, in "is not in …". */
  allowlist: string;
  /** The option capping the targets of one call. */
  maxTargets: string;
  /** Where a policy rule is written. */
  policy: string;
  /** Where the configured profiles are listed. */
  profilesList: string;
  /** Where the known region codes are listed. */
  regionsList: string;
}

const defaultNames: FanOutNames = {
  allowlist: 'the profile allowlist (`allowedProfiles`)',
  maxTargets: '`maxTargets`',
  policy: 'the policy',
  profilesList: '`readAwsSetup().profiles`',
  regionsList: '`listRegions()`',
};

/** The names to use: the defaults with the caller's own. */
export function fanOutNamesOf(names: Partial<FanOutNames> | undefined): FanOutNames {
  return { ...defaultNames, ...names };
}

/** The regions enabled for a profile's account, or why they could not be read. */
export type EnabledRegions = { regions: string[]; source: string } | { error: string };

/** The targets of a fan-out, and the profiles a glob matched that the allowlist left out. */
export interface FanOutTargets {
  targets: FanOutTarget[];
  leftOut: string[];
}

/**
 * One call's AWS contexts: each profile's profile, region and credentials resolved once, against one reading of
 * the AWS files, and handed to every step (target resolution, judging, preflight, the run). `of(undefined)` is the
 * environment's own profile.
 */
export interface FanOutContexts {
  /** The one reading of the AWS files every step of the call uses. */
  setup: AwsSetup;
  env: AwsEnvironment | undefined;
  of(profile: string | undefined): AwsContext;
  /** The context a target runs with: its chosen profile's, or the environment's. */
  ofTarget(target: FanOutTarget): AwsContext;
}

/**
 * Resolves each profile's context at most once for a call (see FanOutContexts). `onResolve` is told each time a
 * context is really resolved, e.g. to show that no step resolves one again.
 */
export function createFanOutContexts({
  setup,
  env,
  onResolve,
}: {
  setup: AwsSetup;
  env?: AwsEnvironment;
  onResolve?: (profile: string | undefined) => void;
}): FanOutContexts {
  const resolved = new Map<string | undefined, AwsContext>();
  const of = (profile: string | undefined): AwsContext => {
    const known = resolved.get(profile);
    if (known !== undefined) return known;
    onResolve?.(profile);
    const aws = resolveAwsContext({ env, setup, profile });
    resolved.set(profile, aws);
    return aws;
  };
  return {
    setup,
    env,
    of,
    ofTarget: (target) => of(target.profileChosen ? target.profile : undefined),
  };
}

/** What {@link resolveFanOutTargets} needs to know about the AWS setup and the call. */
export interface ResolveFanOutOptions {
  request: FanOutRequest;
  /** `--profile` and `--region` as the command line gives them (a fan-out sets them per target). */
  line: { profile?: string; region?: string };
  configuredProfiles: readonly string[];
  allowedProfiles: readonly string[] | undefined;
  /** The profile a request that names none runs with. */
  defaultProfile: string;
  /** The region a profile runs in when the request names none (the CLI's resolution); undefined: the default. */
  regionOf(profile: string | undefined): string;
  knownRegions: readonly string[];
  /** Reads the enabled regions of a target profile's account (`regions: "enabled"` only). */
  enabledRegions(target: { profile: string; profileChosen: boolean }): Promise<EnabledRegions>;
  /** The most targets one call may have. */
  max: number;
  names?: Partial<FanOutNames>;
}

/** The target-resolution options that come from a call's contexts: profiles, the default and each one's region. */
export function targetOptionsOf(
  contexts: FanOutContexts,
): Pick<ResolveFanOutOptions, 'configuredProfiles' | 'defaultProfile' | 'regionOf'> {
  return {
    configuredProfiles: contexts.setup.profiles.map((profile) => profile.name),
    defaultProfile: contexts.of(undefined).profile.name,
    regionOf: (profile) => contexts.of(profile).region.name,
  };
}

const isRefusal = (value: object): value is FanOutRefusal => 'code' in value && 'advice' in value;

/** Whether a fan-out step returned a refusal rather than its result. */
export function isFanOutRefusal(value: object): value is FanOutRefusal {
  return isRefusal(value);
}

/** A refusal with its code, reason and advice (for the fan-out modules). */
export const refusal = (code: FanOutRefusalCode, reason: string, advice = ''): FanOutRefusal => ({
  code,
  reason,
  advice,
});

/** Each item once, in first-seen order. */
export const unique = <T>(items: readonly T[]): T[] => [...new Set(items)];

/** `1 target`, `2 targets`. */
export const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

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

type SelectedProfiles = { profiles: Array<{ profile: string; profileChosen: boolean }>; leftOut: string[] };

/** The profiles of a fan-out: the request's own, a list (each configured and allowed), or a glob over configured ones. */
function selectProfiles(options: ResolveFanOutOptions, names: FanOutNames): FanOutRefusal | SelectedProfiles {
  const { request, configuredProfiles, allowedProfiles, defaultProfile } = options;
  const { profiles } = request;
  if (profiles === undefined) {
    return {
      profiles: [
        { profile: request.profile ?? defaultProfile, profileChosen: request.profile !== undefined },
      ],
      leftOut: [],
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
        `\`profiles: ${JSON.stringify(profiles)}\` matches no configured profile${leftOut.length > 0 ? ` that ${names.allowlist} allows` : ''}${configured}.`,
        `Read ${names.profilesList} and give a list or another glob.`,
      );
    }
    return { profiles: allowed.map((profile) => ({ profile, profileChosen: true })), leftOut };
  }
  if (profiles.length === 0) {
    return refusal(
      'FANOUT_NO_TARGETS',
      '`profiles` is an empty list.',
      'Name at least one profile, or leave `profiles` out.',
    );
  }
  const listed = unique(profiles);
  const notAllowed = listed.filter((name) => !isProfileAllowed(allowedProfiles, name));
  if (notAllowed.length > 0) {
    return refusal(
      'PROFILE_NOT_ALLOWED',
      `${notAllowed.map((name) => `\`${name}\``).join(', ')} ${notAllowed.length === 1 ? 'is' : 'are'} not in ${names.allowlist} (${(allowedProfiles ?? []).join(', ')}).`,
      'Leave them out of `profiles`.',
    );
  }
  const unknown = listed.filter((name) => !configuredProfiles.includes(name));
  if (unknown.length > 0) {
    return refusal(
      'UNKNOWN_PROFILE',
      `there is no profile ${unknown.map((name) => `\`${name}\``).join(', ')} in the AWS files${configured}.`,
      `Read ${names.profilesList} for the configured profiles.`,
    );
  }
  return { profiles: listed.map((profile) => ({ profile, profileChosen: true })), leftOut: [] };
}

function tooMany(count: number, detail: string, max: number, names: FanOutNames): FanOutRefusal {
  return refusal(
    'FANOUT_TOO_MANY_TARGETS',
    `this fan-out has ${count} targets (${detail}); at most ${max} run in one call (${names.maxTargets}).`,
    `Narrow \`profiles\` or \`regions\`, or split the work into several calls; the user can raise ${names.maxTargets}.`,
  );
}

/**
 * The targets of a fan-out: every profile (the request's, a list, or a glob over configured profiles) × every
 * region (the profile's own, a list, or the account's enabled regions). Refuses, before any command starts, when
 * arguments conflict (FANOUT_CONFLICTING_SETTING), a profile is unknown or not allowed, a region is unknown, a glob
 * matches nothing (FANOUT_NO_TARGETS), the enabled regions cannot be read (FANOUT_REGIONS_UNAVAILABLE) or there are
 * more than `max` targets (FANOUT_TOO_MANY_TARGETS); with a region list the count is checked before any lookup.
 */
export async function resolveFanOutTargets(
  options: ResolveFanOutOptions,
): Promise<FanOutTargets | FanOutRefusal> {
  const { request, max } = options;
  const names = fanOutNamesOf(options.names);
  const conflict = checkConflicts(request, options.line);
  if (conflict !== undefined) return conflict;
  const selected = selectProfiles(options, names);
  if (isRefusal(selected)) return selected;
  const { profiles, leftOut } = selected;
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
        `Read ${names.regionsList} for the list.`,
      );
    }
    const count = profiles.length * regions.length;
    if (count > max) {
      const detail = `${plural(profiles.length, 'profile')} × ${plural(regions.length, 'region')}`;
      return tooMany(count, detail, max, names);
    }
    return {
      targets: profiles.flatMap((profile) => regions.map((region) => ({ ...profile, region }))),
      leftOut,
    };
  }
  if (request.regions === 'enabled') {
    if (profiles.length > max) {
      const detail = `${plural(profiles.length, 'profile')}, each in at least one region`;
      return tooMany(profiles.length, detail, max, names);
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
      const detail = `the enabled regions of ${plural(profiles.length, 'profile')}`;
      return tooMany(targets.length, detail, max, names);
    }
    return { targets, leftOut };
  }
  if (profiles.length > max) return tooMany(profiles.length, plural(profiles.length, 'profile'), max, names);
  return {
    targets: profiles.map((profile) => ({
      ...profile,
      region: request.region ?? options.regionOf(profile.profileChosen ? profile.profile : undefined),
    })),
    leftOut,
  };
}

/** Region opt-in states that mean "enabled", by the operation that reports them. */
const enabledStates = {
  'account list-regions': ['ENABLED', 'ENABLED_BY_DEFAULT'],
  'ec2 describe-regions': ['opt-in-not-required', 'opted-in'],
} as const;

const regionListings = [
  [
    'account list-regions',
    'aws account list-regions --region-opt-status-contains ENABLED ENABLED_BY_DEFAULT --output json',
  ],
  ['ec2 describe-regions', 'aws ec2 describe-regions --output json'],
] as const;

/** The last line of a CLI's error output, or its exit code. */
function lastErrorLine(stderr: string, exitCode: number | undefined): string {
  return stderr.trim().split('\n').pop() || `aws exited ${exitCode ?? 'without a code'}`;
}

/** What {@link readEnabledRegions} needs: the target, its resolved context, the CLI model and how to run. */
export interface ReadEnabledRegionsOptions {
  target: { profile: string; profileChosen: boolean };
  /** The target's context (FanOutContexts.of), for its region and credential files. */
  aws: AwsContext;
  model: CliModel;
  /** The known regions with their partitions (listRegions). */
  knownRegions: readonly AwsRegion[];
  /** How to run the lookup (sandbox, limiter, endpoint); its profile, region and profile files are the target's. */
  run: RunPipelineOptions;
}

/**
 * Reads the regions enabled for a profile's account with that profile: `aws account list-regions` where the
 * installed CLI has it, else (or when it fails) `aws ec2 describe-regions`. Keeps only enabled regions of the
 * profile's partition, filtering the answer itself since an emulator may ignore the request's filter. Never throws.
 */
export async function readEnabledRegions(options: ReadEnabledRegionsOptions): Promise<EnabledRegions> {
  const { target, aws, model, knownRegions } = options;
  try {
    const region = aws.region.name;
    const partition = knownRegions.find((item) => item.code === region)?.partition ?? 'aws';
    const inPartition = new Set(
      knownRegions.filter((item) => item.partition === partition).map((item) => item.code),
    );
    const failures: string[] = [];
    for (const [source, line] of regionListings) {
      let pipeline: ReturnType<typeof parseCommandLine>;
      try {
        pipeline = parseCommandLine(line, { model });
      } catch {
        // This CLI does not have the operation (v2.9 has no account list-regions).
        continue;
      }
      const result = await runPipeline(pipeline, {
        ...options.run,
        profile: target.profileChosen ? target.profile : undefined,
        region,
        profileFiles: aws.profileFiles,
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
 * A cache of enabled regions by profile (e.g. one per session): a profile's account is asked once; a failed
 * lookup is not kept, so the next call asks again. `context` (e.g. the call's resolved AWS context) is passed to
 * `read` on a miss.
 */
export function createEnabledRegionsLookup<Context = void>(
  read: (target: { profile: string; profileChosen: boolean }, context: Context) => Promise<EnabledRegions>,
): (target: { profile: string; profileChosen: boolean }, context: Context) => Promise<EnabledRegions> {
  const cache = new Map<string, Promise<EnabledRegions>>();
  return (target, context) => {
    const key = target.profileChosen ? `profile ${target.profile}` : 'the default';
    const cached = cache.get(key);
    if (cached !== undefined) return cached;
    const found = read(target, context);
    cache.set(key, found);
    found.then((value) => {
      if ('error' in value) cache.delete(key);
    });
    return found;
  };
}

/** How a target reads in messages and headers. */
export function describeFanOutTarget(target: FanOutTarget, account?: string): string {
  return `profile ${target.profile} · region ${target.region}${account === undefined ? '' : ` · account ${account}`}`;
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
