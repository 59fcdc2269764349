import type { Decision } from '@aws-mcp/command';

const marker = Symbol.for('@aws-mcp/executor.ExecutionError');

/** Why a pipeline could not be started. A pipeline that ran and failed is a result, not an error. */
export type ExecutionErrorCode =
  | 'AWS_CLI_MISSING'
  | 'FILTER_UNAVAILABLE'
  | 'SANDBOX_UNAVAILABLE'
  | 'INVALID_OPTIONS'
  | 'DENIED'
  | 'SPAWN_FAILED';

/**
 * A pipeline that could not start. Carries a `code` to branch on and a message that says what to do; the
 * underlying error (if any) is kept as `cause`.
 */
export class ExecutionError extends Error {
  readonly code: ExecutionErrorCode;
  /** The program that was missing or failed to start, when there is one. */
  readonly program: string | undefined;
  /** For `DENIED`: the policy's decision, with the rule that decided. */
  readonly decision: Decision | undefined;

  constructor({
    code,
    message,
    program,
    decision,
    cause,
  }: { code: ExecutionErrorCode; message: string; program?: string; decision?: Decision; cause?: unknown }) {
    super(message, { cause });
    this.name = 'ExecutionError';
    this.code = code;
    this.program = program;
    this.decision = decision;
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
  'or `sudo apt-get install awscli` on Debian/Ubuntu; then restart the server.';
