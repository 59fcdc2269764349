import type { AwsCliStatus } from './check-aws-cli.js';

/** A successful AWS CLI check. */
export type AvailableAwsCli = Extract<AwsCliStatus, { available: true }>;

/** How long after a failed AWS CLI check the next one may start, unless `retryAfterMs` says otherwise. */
export const defaultAwsCliRetryMs = 10_000;

/** The AWS CLI check as a long-running program keeps it: the latest status, and the first success whenever it comes. */
export interface AwsCliWatch {
  /**
   * The kept success; else the check under way; else, once `retryAfterMs` passed since the last check ended, a new
   * check; else the last failure. Never rejects.
   */
  current(): Promise<AwsCliStatus>;
  /** Settles with the first successful check (the first one or a later one); never rejects. */
  available: Promise<AvailableAwsCli>;
}

/** The words of the sentence a failed check's message ends with. */
export interface AwsCliWatchNames {
  /** Who checks again, as the sentence's subject. */
  checker: string;
  /** How the CLI's path is set; a changed one is not picked up by a later check. */
  awsCliSetting: string;
}

const defaultNames: AwsCliWatchNames = { checker: 'The watch', awsCliSetting: '`awsCli`' };

export interface WatchAwsCliOptions {
  /** One check, usually `() => checkAwsCli({ … })`. A rejection counts as a failed check. */
  check: () => Promise<AwsCliStatus>;
  /** Default: {@link defaultAwsCliRetryMs}. */
  retryAfterMs?: number;
  names?: Partial<AwsCliWatchNames>;
  /**
   * `now` (the default) checks at once; `first-read` waits for the first `current()`, so that a program's start-up
   * does not share its CPU with the CLI's (`available` settles only after that read).
   */
  firstCheck?: 'now' | 'first-read';
}

/**
 * Runs `check` now (or at the first `current()`, see `firstCheck`), keeps a success, and checks again after a failure when asked at least `retryAfterMs` after it
 * ended, never two checks at once: a CLI installed (or repaired) while the program runs, or a check that timed out
 * on a busy machine, is found by a later call without a restart. A failure's message ends with a sentence saying
 * when it is checked again (in `names`' words); a `check` that rejects is a failure saying why. Never throws.
 */
export function watchAwsCli({
  check,
  retryAfterMs = defaultAwsCliRetryMs,
  names,
  firstCheck = 'now',
}: WatchAwsCliOptions): AwsCliWatch {
  const { checker, awsCliSetting } = { ...defaultNames, ...names };
  let found!: (status: AvailableAwsCli) => void;
  const available = new Promise<AvailableAwsCli>((resolve) => {
    found = resolve;
  });
  const again =
    ` ${checker} checks again at the next call from ${retryAfterMs / 1000} s after this check, so a CLI ` +
    `installed or repaired meanwhile is found without a restart (a changed ${awsCliSetting} takes one).`;
  let kept: AvailableAwsCli | undefined;
  let endedAt: number | undefined;
  const run = (): Promise<AwsCliStatus> => {
    endedAt = undefined;
    return check()
      .catch(
        (error: unknown): AwsCliStatus => ({
          available: false,
          path: undefined,
          message: `The AWS CLI could not be checked (${error instanceof Error ? error.message : String(error)}).`,
        }),
      )
      .then((status) => {
        endedAt = Date.now();
        if (status.available) {
          kept = status;
          found(status);
          return status;
        }
        return { ...status, message: `${status.message}${again}` };
      });
  };
  let latest: Promise<AwsCliStatus> | undefined = firstCheck === 'now' ? run() : undefined;
  return {
    current() {
      if (kept !== undefined) return Promise.resolve(kept);
      // endedAt is unset while a check runs: every caller then waits for that one.
      if (latest === undefined || (endedAt !== undefined && Date.now() - endedAt >= retryAfterMs))
        latest = run();
      return latest;
    },
    available,
  };
}
