import type { Decision } from '@aws-mcp/command';

const marker = Symbol.for('@aws-mcp/executor.ExecutionError');

/**
 * Why a pipeline could not run, or (with `reject: true`) why it failed. Without `reject`, a pipeline that ran
 * and failed is a result, not an error.
 */
export type ExecutionErrorCode =
  | 'AWS_CLI_MISSING'
  | 'GAWK_MISSING'
  | 'GNU_SED_MISSING'
  | 'FILTER_UNAVAILABLE'
  | 'SANDBOX_UNAVAILABLE'
  | 'INVALID_OPTIONS'
  | 'UNSAFE_WORKDIR'
  // The folder unmasked output is saved in (secrets-folder.ts): too near the workdir, or not a private folder.
  | 'SECRETS_DIR_NEAR_WORKDIR'
  | 'SECRETS_DIR_UNUSABLE'
  | 'SAVE_TO_INVALID'
  | 'SAVE_TO_EXISTS'
  | 'SECRET_OUTPUT_UNMASKABLE'
  | 'ARTIFACTS_UNCONFINED'
  | 'DENIED'
  | 'SSO_SESSION_EXPIRED'
  // The call's own profile or region choice (check-aws-choices.ts, checked by runAwsCommand's preflight).
  | 'PROFILE_NOT_ALLOWED'
  | 'UNKNOWN_PROFILE'
  | 'UNKNOWN_REGION'
  // A paged call's page too large to take its next token out (paging.ts runPagedPipeline).
  | 'PAGE_TOO_LARGE'
  | 'SPAWN_FAILED'
  | 'COMMAND_FAILED'
  | 'TIMED_OUT'
  | 'CANCELED';

/** The fields an ExecutionError is built from; all but `code` and `message` are optional. */
export interface ExecutionErrorOptions {
  code: ExecutionErrorCode;
  message: string;
  program?: string;
  decision?: Decision;
  exitCode?: number;
  signal?: string;
  timedOut?: boolean;
  canceled?: boolean;
  durationMs?: number;
  argv?: string[];
  /** For `SAVE_TO_INVALID`, `SAVE_TO_EXISTS` and the `SECRETS_DIR_*` codes: the file or folder that was refused. */
  path?: string;
  /** Why, in one sentence without the remedy (the message has both), where the two differ. */
  reason?: string;
  cause?: unknown;
}

/**
 * A pipeline that could not start (or, with `reject: true`, that failed). Carries a `code` to branch on,
 * structured fields instead of a message to parse, and the underlying error (execa's, if any) as `cause`.
 */
export class ExecutionError extends Error {
  readonly code: ExecutionErrorCode;
  /** The program that was missing or failed to start, when there is one. */
  readonly program: string | undefined;
  /** For `DENIED`: the policy's decision, with the rule that decided. */
  readonly decision: Decision | undefined;
  /** The exit code that decided the failure, when a stage ran. */
  readonly exitCode: number | undefined;
  /** The signal that ended the deciding stage, e.g. `SIGTERM`. */
  readonly signal: string | undefined;
  readonly timedOut: boolean;
  readonly canceled: boolean;
  /** Time from the call to the failure, queue wait included, when the pipeline was started. */
  readonly durationMs: number | undefined;
  /** The aws stage's argv (`['aws', …]`), when known. */
  readonly argv: string[] | undefined;
  /** For `SAVE_TO_INVALID`, `SAVE_TO_EXISTS` and the `SECRETS_DIR_*` codes: the file or folder that was refused. */
  readonly path: string | undefined;
  /** Why, in one sentence without the remedy; the message when no shorter reason was given. */
  readonly reason: string;

  constructor({
    code,
    message,
    program,
    decision,
    exitCode,
    signal,
    timedOut = false,
    canceled = false,
    durationMs,
    argv,
    path,
    reason,
    cause,
  }: ExecutionErrorOptions) {
    super(message, { cause });
    this.name = 'ExecutionError';
    this.code = code;
    this.program = program;
    this.decision = decision;
    this.exitCode = exitCode;
    this.signal = signal;
    this.timedOut = timedOut;
    this.canceled = canceled;
    this.durationMs = durationMs;
    this.argv = argv;
    this.path = path;
    this.reason = reason ?? message;
  }

  /** Unlike instanceof, this works when two copies of the package are loaded. */
  static isInstance(value: unknown): value is ExecutionError {
    return typeof value === 'object' && value !== null && (value as { [marker]?: boolean })[marker] === true;
  }

  get [marker](): boolean {
    return true;
  }
}

/** The message for a missing AWS CLI, with the ways to install it. */
export const awsCliInstallHint =
  'The AWS CLI (`aws`) was not found on PATH. Install it: `pip install awscli` (v1), ' +
  'the v2 installer from https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html, ' +
  'or `sudo apt-get install awscli` on Debian/Ubuntu.';

/** The message for a missing gawk (the `awk` filter runs as `gawk --sandbox`). */
export const gawkInstallHint =
  'The `awk` filter runs as `gawk --sandbox`, and gawk is not installed here. Install it ' +
  '(`sudo apt-get install gawk`, `sudo dnf install gawk`, `apk add gawk` or `brew install gawk`), or use `jq`.';

/** The message for a missing GNU sed (the `sed` filter runs as `sed --sandbox`, GNU sed 4.3 or later). */
export const gnuSedInstallHint =
  'The `sed` filter runs as `sed --sandbox`, which needs GNU sed 4.3 or later; the `sed` here is not GNU sed ' +
  '(or is missing), and another sed would run without that protection. Install GNU sed ' +
  '(`sudo apt-get install sed`, `apk add sed`, or `brew install gnu-sed`, which provides `gsed`), or use `jq`.';
