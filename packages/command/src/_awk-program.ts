import { tokenizeAwk } from './_awk-lexer.js';
import { readProgram, unsafeProgram } from './_filter-program.js';

/** Names an awk program may not use outside strings, regexes and comments, with the reason a refusal gives. */
const awkForbiddenNames: Record<string, string> = {
  system: 'awk may not run commands; put the command in its own call',
  getline: 'awk reads only its input stream',
};

/** gawk directives after `@`; any other `@name` is an indirect call, which could reach `system` by a string. */
const awkDirectives: Record<string, string> = {
  include: 'awk may not load source files',
  load: 'awk may not load extensions',
  namespace: 'awk programs stay in the default namespace',
};

/** Operators that redirect or pipe, wherever they stand, with the reason a refusal gives. */
const awkForbiddenOperators: Record<string, [string, string]> = {
  '|&': ['|&', 'awk may not start coprocesses'],
  '>>': ['print >>', 'output redirection is not allowed; print to stdout'],
};

/** Tokens after which a newline does not end a statement (gawk's grammar allows a newline there). */
const awkContinuations = new Set([',', '&&', '||', '?', ':', '{', 'do', 'else']);

/**
 * Judges an awk program by gawk's own tokens: no `system`, `getline`, pipes, coprocesses, `@` directives or
 * indirect calls, and no `>` redirection in a print statement (a `>` inside parentheses there is a comparison).
 */
export function checkAwkProgram(program: string): void {
  const tokens = readProgram('awk', program, tokenizeAwk);
  // gawk's own rule: in a print statement, a `>` outside parentheses is a redirection.
  let inPrint = false;
  let printParens = 0;
  let previous = '';
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index] as (typeof tokens)[number];
    if (token.kind === 'name') {
      const name = token.text.slice(token.text.lastIndexOf(':') + 1);
      const reason = awkForbiddenNames[name];
      if (reason !== undefined) throw unsafeProgram('awk', name, reason);
      if (name === 'print' || name === 'printf') {
        inPrint = true;
        printParens = 0;
      }
    } else if (token.kind === 'punct') {
      const operator = awkForbiddenOperators[token.text];
      if (operator !== undefined) throw unsafeProgram('awk', operator[0], operator[1]);
      if (token.text === '@') {
        const next = tokens[index + 1];
        const directive = next?.kind === 'name' ? next.text : '';
        throw unsafeProgram(
          'awk',
          `@${directive}`,
          awkDirectives[directive] ??
            'indirect function calls are not allowed; call the function by its name',
        );
      }
      if (token.text === '|') {
        throw inPrint && printParens <= 0
          ? unsafeProgram(
              'awk',
              'print |',
              'awk may not pipe its output to commands; the output is returned to you',
            )
          : unsafeProgram('awk', '|', 'awk may not read from commands; it reads only its input stream');
      }
      if (token.text === '(') printParens++;
      else if (token.text === ')') printParens--;
      else if (token.text === '>' && inPrint && printParens <= 0) {
        throw unsafeProgram(
          'awk',
          'print >',
          'output redirection is not allowed; print to stdout (wrap a comparison in parentheses: print (a > b))',
        );
      } else if (token.text === ';' || token.text === '}') inPrint = false;
    } else if (token.kind === 'newline' && !awkContinuations.has(previous)) {
      inPrint = false;
    }
    if (token.kind !== 'comment' && token.kind !== 'newline') {
      previous = token.kind === 'punct' || token.kind === 'name' ? token.text : '';
    }
  }
}
