/**
 * Words that keep a setting's value inside this package when they appear anywhere in its name (any case), one row
 * each with its reason. Deliberately wider than the CLI's own credential settings (command's `secretConfigKeys`,
 * an exact list for refusing `aws configure get` and learning values to mask): a reader of the user's files keeps
 * back any value named like a secret, including settings of a newer CLI, a plugin or a service section it does
 * not know, so a name it has never seen fails closed.
 */
export const secretSettingWords: readonly { word: string; reason: string }[] = [
  { word: 'key', reason: 'access keys and other keys (`aws_secret_access_key`, `aws_access_key_id`)' },
  { word: 'secret', reason: "secrets of any kind (`aws_secret_access_key`, a plugin's `client_secret`)" },
  { word: 'token', reason: 'session and security tokens (`aws_session_token`, `aws_security_token`)' },
  { word: 'password', reason: 'passwords a plugin or tool keeps in the files' },
  { word: 'credential_process', reason: 'its command line may carry a secret argument' },
];

const secretSettingName = new RegExp(secretSettingWords.map((row) => row.word).join('|'), 'i');

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
