/** Why a command line was refused. Every refusal has exactly one code. */
export type CommandErrorCode =
  | 'EMPTY_COMMAND'
  | 'NOT_AWS'
  | 'UNBALANCED_QUOTE'
  | 'CONTROL_CHARACTER'
  | 'UNQUOTED_EXPANSION'
  | 'COMMAND_SUBSTITUTION'
  | 'COMMENT'
  | 'FORBIDDEN_OPERATOR'
  | 'ENV_ASSIGNMENT'
  | 'WRAPPER_COMMAND'
  | 'EMPTY_STAGE'
  | 'FORBIDDEN_PROGRAM'
  | 'FORBIDDEN_FILTER_OPTION'
  | 'FILTER_OPERAND'
  | 'UNSAFE_FILTER_PROGRAM'
  | 'INVALID_FILTER_PROGRAM'
  | 'INPUT_TOO_LARGE'
  | 'FILTER_UNAVAILABLE'
  | 'UNKNOWN_GLOBAL_OPTION'
  | 'MISSING_OPTION_VALUE'
  | 'FORBIDDEN_GLOBAL_OPTION'
  | 'FORBIDDEN_ENDPOINT'
  | 'URL_PARAMETER_VALUE'
  | 'FORBIDDEN_AWS_COMMAND'
  | 'LOCAL_PATH_OUTSIDE_WORKDIR'
  | 'LOCAL_PATH_HIDDEN'
  | 'WORKDIR_NOT_CONFIGURED'
  | 'PARAMETER_FILE_MISSING'
  | 'ABBREVIATED_OPTION'
  | 'AMBIGUOUS_OPTION'
  | 'UNEXPECTED_OPTION_VALUE'
  | 'UNKNOWN_COMMAND'
  | 'UNKNOWN_OPTION'
  | 'UNEXPECTED_ARGUMENT'
  | 'INVALID_CHOICE'
  | 'MISSING_PARAMETER'
  | 'INVALID_CLI_INPUT'
  | 'CLI_MODEL_UNAVAILABLE'
  | 'NOT_IN_CLI_SNAPSHOT'
  | 'INVALID_CATALOG'
  | 'CONFLICTING_SETTING'
  | 'PROFILE_NOT_ALLOWED'
  | 'INVALID_POLICY'
  | 'INVALID_ARGV'
  | 'CLI_MODEL_INVALID'
  | 'CLI_MODEL_MISMATCH'
  | 'CLI_MODEL_GENERATION_FAILED';

const marker = Symbol.for('@aws-mcp/command.CommandError');

/**
 * The one error this package throws for a refused command line or a bad policy. `code` says which rule refused,
 * `token` names the offending word when there is one, and `message` says what to do instead.
 */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  readonly code: CommandErrorCode;
  readonly token: string | undefined;

  constructor(options: { code: CommandErrorCode; message: string; token?: string; cause?: unknown }) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.token = options.token;
  }

  /** Unlike instanceof, this works when two copies of the package are loaded. */
  static isInstance(value: unknown): value is CommandError {
    return typeof value === 'object' && value !== null && (value as { [marker]?: boolean })[marker] === true;
  }

  get [marker](): boolean {
    return true;
  }
}
