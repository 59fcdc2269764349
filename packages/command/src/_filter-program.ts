import { ProgramLexError } from './_program-lex-error.js';
import { CommandError } from './command-error.js';

/** The refusal of a filter program that uses `token`, with the rule's reason. */
export function unsafeProgram(filter: string, token: string, reason: string): CommandError {
  return new CommandError({
    code: 'UNSAFE_FILTER_PROGRAM',
    token,
    message: `The ${filter} program uses \`${token}\`: ${reason}.`,
  });
}

/** The program's tokens by its interpreter's own lexer; a program it cannot read is refused as INVALID_FILTER_PROGRAM. */
export function readProgram<Token>(
  filter: string,
  program: string,
  tokenize: (program: string) => Token[],
): Token[] {
  try {
    return tokenize(program);
  } catch (error) {
    if (!(error instanceof ProgramLexError)) throw error;
    throw new CommandError({
      code: 'INVALID_FILTER_PROGRAM',
      token: filter,
      message: `The ${filter} program cannot be checked: ${error.message} (at character ${error.offset + 1}).`,
    });
  }
}
