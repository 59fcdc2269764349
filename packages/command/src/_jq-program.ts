import { readProgram, unsafeProgram } from './_filter-program.js';
import { tokenizeJq } from './_jq-lexer.js';

/**
 * Words a jq program may not use outside strings and comments, each with the reason its refusal gives. A namespaced
 * name (`m::f`) is refused too: it calls into a module, and modules are not loaded.
 */
const jqForbiddenNames: Record<string, string> = {
  import: 'jq modules are not loaded; write the filter inline',
  include: 'jq modules are not loaded; write the filter inline',
  modulemeta: 'it reads module files from disk',
  get_search_list: 'it shows where jq looks for modules on this machine',
  get_prog_origin: 'it shows where the program was loaded from on this machine',
  get_jq_origin: 'it shows where jq is installed on this machine',
  input_filename: 'filters read only the previous stage, which has no file name',
  __loc__: 'it shows where the program was loaded from; drop `$__loc__`',
};

/** Judges a jq program by jq's own tokens, so a word inside a string or a comment never counts. */
export function checkJqProgram(program: string): void {
  const tokens = readProgram('jq', program, tokenizeJq);
  for (const token of tokens) {
    if (token.kind !== 'ident' && token.kind !== 'binding') continue;
    const shown = token.kind === 'binding' ? `$${token.text}` : token.text;
    if (token.text.includes('::')) {
      throw unsafeProgram('jq', shown, 'module functions are not available because modules are not loaded');
    }
    const reason = jqForbiddenNames[token.text];
    if (reason === undefined || (token.kind === 'binding' && token.text !== '__loc__')) continue;
    throw unsafeProgram(
      'jq',
      shown,
      token.kind === 'binding' ? reason : `${reason} (as text or an object key, quote it: "${token.text}")`,
    );
  }
}
