/** Why reading the AWS setup failed or needs attention. Every error and warning has exactly one code. */
export type AwsConfigErrorCode =
  | 'FILE_MISSING'
  | 'FILE_UNREADABLE'
  | 'MALFORMED_LINE'
  | 'MALFORMED_SECTION'
  | 'DUPLICATE_SECTION'
  | 'DUPLICATE_KEY'
  | 'NOT_A_PROFILE'
  | 'UNKNOWN_REFERENCE'
  | 'INVALID_ROLE_SOURCE'
  | 'HOME_NOT_EXPANDED'
  | 'PROGRAM_NOT_FOUND'
  | 'CONFLICTING_ENVIRONMENT'
  | 'PROFILE_NOT_FOUND'
  | 'BOTOCORE_DATA_NOT_FOUND'
  | 'MALFORMED_ENDPOINTS';

const marker = Symbol.for('@aws-mcp/aws-config.AwsConfigError');

/**
 * The one error this package throws. `code` says what went wrong; `path` and `line` (1-based) point at the file
 * and line when there is one. Messages never quote a line of the file, so they never carry a secret.
 */
export class AwsConfigError extends Error {
  override readonly name = 'AwsConfigError';
  readonly code: AwsConfigErrorCode;
  readonly path: string | undefined;
  readonly line: number | undefined;

  constructor(options: {
    code: AwsConfigErrorCode;
    message: string;
    path?: string;
    line?: number;
    cause?: unknown;
  }) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.path = options.path;
    this.line = options.line;
  }

  /** Unlike instanceof, this works when two copies of the package are loaded. */
  static isInstance(value: unknown): value is AwsConfigError {
    return typeof value === 'object' && value !== null && (value as { [marker]?: boolean })[marker] === true;
  }

  get [marker](): boolean {
    return true;
  }
}
