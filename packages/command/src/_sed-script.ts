import { unsafeProgram } from './_filter-program.js';

/**
 * Finds sed commands that run programs or touch files (e, r, R, w, W, and the s flags e and w), reading the script
 * the way GNU sed's compile.c does: addresses, `[…]` bracket expressions inside regexes (where the delimiter is
 * literal), `\cX`, labels that end at a blank, `;`, `}` or `#`, `#` comments, and a/i/c text to the first
 * unescaped newline.
 */
export function checkSedScript(script: string): void {
  const length = script.length;
  let index = 0;
  const at = (offset = 0) => script[index + offset];
  const skipBlanks = () => {
    while (at() === ' ' || at() === '\t') index++;
  };
  /** Skips a `[…]` bracket expression from just after its `[` (GNU sed's snarf_char_class). */
  const skipBracket = () => {
    if (at() === '^') index++;
    if (at() === ']') index++;
    let state = 0;
    let delimiter = '';
    for (; index < length; index++) {
      const char = script[index] as string;
      if (char === '\n') return;
      if (char === '.' || char === ':' || char === '=') {
        if (state === 1) {
          delimiter = char;
          state = 2;
          continue;
        }
        if (state === 2 && char === delimiter) {
          state = 3;
          continue;
        }
      } else if (char === '[') {
        if (state === 0) state = 1;
        continue;
      } else if (char === ']') {
        if (state === 0 || state === 1) {
          index++;
          return;
        }
        if (state === 3) state = 0;
      }
      state &= ~1;
    }
  };
  /** Skips to just after the closing `delimiter` (GNU sed's match_slash); stops at a newline, as sed does. */
  const skipDelimited = (delimiter: string, regex: boolean) => {
    while (index < length) {
      const char = script[index] as string;
      if (char === delimiter) {
        index++;
        return;
      }
      if (char === '\n') return;
      if (char === '\\') {
        index += regex && at(1) === 'c' ? 3 : 2;
        continue;
      }
      index++;
      if (char === '[' && regex) skipBracket();
    }
  };
  const skipAddress = (): boolean => {
    const char = at();
    if (char === undefined) return false;
    if (/[0-9]/.test(char)) {
      while (/[0-9~]/.test(at() ?? '')) index++;
      return true;
    }
    if (char === '$') {
      index++;
      return true;
    }
    if (char === '+' || char === '~') {
      index++;
      while (/[0-9]/.test(at() ?? '')) index++;
      return true;
    }
    if (char === '/' || char === '\\') {
      index++;
      const delimiter = char === '/' ? '/' : (script[index++] ?? '');
      skipDelimited(delimiter, true);
      while (at() === 'I' || at() === 'M') index++;
      return true;
    }
    return false;
  };
  const skipLabel = () => {
    skipBlanks();
    while (index < length && !/[\n;}# \t]/.test(script[index] as string)) index++;
  };
  while (index < length) {
    while (index < length && /[\s;]/.test(script[index] as string)) index++;
    if (index >= length) break;
    if (skipAddress()) {
      skipBlanks();
      if (at() === ',') {
        index++;
        skipBlanks();
        skipAddress();
        skipBlanks();
      }
    }
    while (at() === '!' || at() === ' ' || at() === '\t') index++;
    const command = script[index++];
    if (command === undefined) break;
    if ('erRwW'.includes(command)) {
      throw unsafeProgram('sed', command, 'sed may not run commands or read and write files');
    }
    switch (command) {
      case '#':
        while (index < length && at() !== '\n') index++;
        break;
      case ':':
      case 'b':
      case 't':
      case 'T':
      case 'v':
        skipLabel();
        break;
      case 'a':
      case 'i':
      case 'c':
        skipBlanks();
        if (at() === '\\') {
          index++;
          // `a\` then a newline starts the text on the next line; any other character is its first.
          index++;
        }
        while (index < length && at() !== '\n') index += at() === '\\' ? 2 : 1;
        break;
      case 's':
      case 'y': {
        const delimiter = script[index++];
        if (delimiter === undefined) break;
        skipDelimited(delimiter, command === 's');
        skipDelimited(delimiter, false);
        if (command === 'y') break;
        // Flags may stand apart from each other and from the command (sed's in_nonblank).
        for (;;) {
          skipBlanks();
          const flag = at();
          if (flag === 'e' || flag === 'w') {
            throw unsafeProgram('sed', `s///${flag}`, 'sed may not run commands or write files');
          }
          if (flag === undefined || !/[0-9gpiImM]/.test(flag)) break;
          index++;
        }
        break;
      }
    }
  }
}
