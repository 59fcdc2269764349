/** Why a prompt could not be built. */
export type PromptErrorCode = 'INVALID_ARGUMENTS';

/** The one error this package throws: `code` says why, `message` names the argument at fault. */
export class PromptError extends Error {
  override readonly name = 'PromptError';
  readonly code: PromptErrorCode;

  constructor(options: { code: PromptErrorCode; message: string; cause?: unknown }) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
  }
}
