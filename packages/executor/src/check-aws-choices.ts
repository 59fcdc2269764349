import { isProfileAllowed } from '@aws-mcp/command';
import { type FanOutNames, fanOutNamesOf } from './fan-out-targets.js';

/** Why a call's own profile or region choice cannot be used. Nothing has been judged or run. */
export type AwsChoiceRefusalCode = 'PROFILE_NOT_ALLOWED' | 'UNKNOWN_PROFILE' | 'UNKNOWN_REGION';

/** A refused choice: its code, what was wrong (`reason`), and the whole message with what to do next. */
export interface AwsChoiceRefusal {
  code: AwsChoiceRefusalCode;
  reason: string;
  message: string;
}

/** The words the messages use for the caller's means (the fan-out's names: the allowlist, where lists are). */
export type AwsChoiceNames = Pick<FanOutNames, 'allowlist' | 'profilesList' | 'regionsList'>;

/** What checking a call's `profile` and `region` choices needs: the choices, and the data to check them against. */
export interface CheckAwsChoicesOptions {
  profile?: string;
  region?: string;
  /** The policy's `allowedProfiles` (globs); undefined allows every profile. */
  allowedProfiles: readonly string[] | undefined;
  /** The profile names the AWS files configure (readAwsSetup().profiles). */
  profiles: readonly string[];
  /** The known region codes; read only when a region was chosen. */
  regions: () => readonly string[] | Promise<readonly string[]>;
  names?: Partial<AwsChoiceNames>;
}

/**
 * Checks a call's own profile and region (not the line's `--profile`/`--region`): the profile must be allowed and
 * configured in the AWS files, the region a known code. Returns the first refusal (PROFILE_NOT_ALLOWED, then
 * UNKNOWN_PROFILE, then UNKNOWN_REGION), or undefined when both may be used.
 */
export async function checkAwsChoices(
  options: CheckAwsChoicesOptions,
): Promise<AwsChoiceRefusal | undefined> {
  const { profile, allowedProfiles, profiles } = options;
  const names = fanOutNamesOf(options.names);
  if (profile !== undefined) {
    if (!isProfileAllowed(allowedProfiles, profile)) {
      const reason = `profile \`${profile}\` is not in ${names.allowlist} (${(allowedProfiles ?? []).join(', ')}).`;
      return { code: 'PROFILE_NOT_ALLOWED', reason, message: reason };
    }
    if (!profiles.includes(profile)) {
      const reason =
        `there is no profile \`${profile}\` in the AWS files` +
        `${profiles.length > 0 ? ` (configured: ${profiles.join(', ')})` : ''}.`;
      return {
        code: 'UNKNOWN_PROFILE',
        reason,
        message: `${reason} Read ${names.profilesList}, or leave \`profile\` out.`,
      };
    }
  }
  return checkAwsRegion({ region: options.region, regions: options.regions, names: options.names });
}

/** What checking one region needs: the region, where it was given (for the message), the known codes. */
export interface CheckAwsRegionOptions {
  region: string | undefined;
  /** Where the region came from, e.g. "`--region` on the command line"; undefined for the call's own choice. */
  where?: string;
  regions: () => readonly string[] | Promise<readonly string[]>;
  names?: Partial<AwsChoiceNames>;
}

/**
 * Checks a region against the known codes; an unknown one is refused (UNKNOWN_REGION) with up to five codes of
 * the same partition prefix (`eu-…`) as examples. Undefined when no region was given or it is known.
 */
export async function checkAwsRegion(options: CheckAwsRegionOptions): Promise<AwsChoiceRefusal | undefined> {
  const { region, where } = options;
  if (region === undefined) return undefined;
  const regions = await options.regions();
  if (regions.includes(region)) return undefined;
  const close = regions.filter((known) => known.startsWith(region.split('-')[0] ?? '')).slice(0, 5);
  const named = `\`${region}\`${where === undefined ? '' : ` (${where})`} is not a known region code`;
  return {
    code: 'UNKNOWN_REGION',
    reason: `${named}.`,
    message:
      `${named}${close.length > 0 ? ` (e.g. ${close.join(', ')})` : ''}; ` +
      `read ${fanOutNamesOf(options.names).regionsList} for the list.`,
  };
}
