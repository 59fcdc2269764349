/** What went wrong, as a code to branch on. */
export type McpHttpErrorCode = 'LISTEN_FAILED';

/** A failure of `startMcpHttpServer`; `message` says what happened and what to change. */
export class McpHttpError extends Error {
  readonly code: McpHttpErrorCode;

  constructor({ code, message, cause }: { code: McpHttpErrorCode; message: string; cause?: unknown }) {
    super(message, { cause });
    this.name = 'McpHttpError';
    this.code = code;
  }
}
