const safeWord = /^[A-Za-z0-9_\-.,:/=@%+^]+$/;

/** Escapes control, bidirectional and other invisible characters so what a person reads is what runs. */
function escapeInvisible(text: string): string {
  return text.replace(
    // C0/C1 controls, DEL, zero-width and bidirectional marks, line/paragraph separators, BOM.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
    /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g,
    (char) => {
      const code = char.charCodeAt(0);
      if (char === '\n') return '\\n';
      if (char === '\t') return '\\t';
      if (char === '\r') return '\\r';
      return code <= 0xff
        ? `\\x${code.toString(16).padStart(2, '0')}`
        : `\\u${code.toString(16).padStart(4, '0')}`;
    },
  );
}

/**
 * Quotes one word so the command parser reads it back unchanged: plain when safe, else single quotes (inside
 * which nothing is special), with `'` written as `'\''`.
 */
export function quoteWord(word: string): string {
  if (word !== '' && safeWord.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Quotes an argv as one command line that the command parser reads back to the same argv. */
export function quoteArgv(argv: readonly string[]): string {
  return argv.map(quoteWord).join(' ');
}

/**
 * Renders stages for a person, e.g. in a consent prompt or a log: quoted like a shell line, with control and
 * bidirectional characters shown as escapes so nothing hides what runs. Not meant to be parsed back.
 */
export function formatArgvForDisplay(stages: readonly (readonly string[])[]): string {
  return stages.map((argv) => argv.map((word) => escapeInvisible(quoteWord(word))).join(' ')).join(' | ');
}
