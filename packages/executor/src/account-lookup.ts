import { type RunAwsCommandOptions, runAwsCommand } from './run-aws-command.js';

/** Who the credentials of a profile belong to; `error` says why it is unknown. */
export interface AccountIdentity {
  profile: string;
  account?: string;
  arn?: string;
  userId?: string;
  error?: string;
}

/** A profile's caller identity, looked up once and kept for a while. */
export interface AccountLookup {
  /** The identity of `profile`, from the cache while it is fresh, else looked up now. Never rejects. */
  lookup(profile: string): Promise<AccountIdentity>;
}

export interface CreateAccountLookupOptions {
  /**
   * The options the lookup runs `aws sts get-caller-identity` with (policy, model, setup, …), asked at each lookup
   * that runs; `profile` is set by the lookup. A rejection (no CLI model yet) is that lookup's `error`.
   */
  runOptions: () => RunAwsCommandOptions | Promise<RunAwsCommandOptions>;
  /** How long an identity is kept. Default: 5 minutes. */
  ttlMs?: number;
  /** How long a failed lookup (expired credentials, no STS on an emulator) is kept. Default: 1 minute. */
  errorTtlMs?: number;
  /** How long one lookup may run. Default: 15 s. */
  timeoutMs?: number;
}

/**
 * Looks up the caller identity of a profile (`aws sts get-caller-identity`) through runAwsCommand, the flow every
 * command takes (parsed with the model, judged by the policy, preflighted), and keeps it `ttlMs`, a failure
 * `errorTtlMs` from when it failed. Lookups of one profile at once share one run. Never throws: a failure is an identity with `error`
 * (the CLI's last stderr line, or the refusal's message).
 */
export function createAccountLookup({
  runOptions,
  ttlMs = 5 * 60_000,
  errorTtlMs = 60_000,
  timeoutMs = 15_000,
}: CreateAccountLookupOptions): AccountLookup {
  const cache = new Map<string, { at: number; ttlMs: number; identity: Promise<AccountIdentity> }>();
  const read = async (profile: string): Promise<AccountIdentity> => {
    try {
      const result = await runAwsCommand('aws sts get-caller-identity --output json', {
        ...(await runOptions()),
        profile,
        timeoutMs,
      });
      if (result.status !== 'success') {
        return { profile, error: result.stderr.trim().split('\n').pop() || `aws exited ${result.exitCode}` };
      }
      const identity = JSON.parse(result.output) as { Account?: string; Arn?: string; UserId?: string };
      return { profile, account: identity.Account, arn: identity.Arn, userId: identity.UserId };
    } catch (error) {
      return { profile, error: error instanceof Error ? error.message : String(error) };
    }
  };
  return {
    lookup(profile) {
      const cached = cache.get(profile);
      if (cached !== undefined && Date.now() - cached.at < cached.ttlMs) return cached.identity;
      const entry = { at: Date.now(), ttlMs, identity: read(profile) };
      cache.set(profile, entry);
      void entry.identity.then((identity) => {
        if (identity.error === undefined) return;
        // Kept from when it failed, not from when it started.
        entry.at = Date.now();
        entry.ttlMs = errorTtlMs;
      });
      return entry.identity;
    },
  };
}
