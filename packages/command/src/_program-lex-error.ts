/**
 * Why a filter program cannot be read the way its own interpreter (jq, gawk) reads it; the filter check turns it
 * into an `INVALID_FILTER_PROGRAM` refusal.
 */
export class ProgramLexError extends Error {
  override readonly name = 'ProgramLexError';
  /** Where in the program (0-based) the lexer stopped. */
  readonly offset: number;

  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}
