/** Names of settings whose values are secret or carry secrets (keys, tokens, a credential_process command line). */
const secretSettingName = /key|secret|token|password|credential_process/i;

/** True when a setting's value must never leave this package. */
export function isSecretSettingName(name: string): boolean {
  return secretSettingName.test(name);
}

/** Copies a setting map without the secret-named settings. */
export function withoutSecrets(settings: Record<string, string>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(settings)) {
    if (!isSecretSettingName(key)) result[key] = value;
  }
  return result;
}

/**
 * Splits a command line into words the way Python's `shlex.split` does on POSIX (botocore runs
 * credential_process that way). Returns undefined for an unbalanced quote.
 */
export function splitShellWords(text: string): string[] | undefined {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let index = 0; index < text.length; index++) {
    const char = text[index] as string;
    if (quote === "'") {
      if (char === "'") quote = undefined;
      else word += char;
      continue;
    }
    if (quote === '"') {
      if (char === '"') quote = undefined;
      else if (char === '\\' && index + 1 < text.length && '\\"$`\n'.includes(text[index + 1] as string)) {
        word += text[++index];
      } else word += char;
      continue;
    }
    if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (char === "'" || char === '"') quote = char;
    else if (char === '\\' && index + 1 < text.length) word += text[++index];
    else word += char;
  }
  if (quote !== undefined) return undefined;
  if (inWord) words.push(word);
  return words;
}
