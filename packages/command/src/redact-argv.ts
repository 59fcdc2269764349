/**
 * Redaction of argv that the parse did not read with the CLI's tables: filter stages, and lines kept for a person
 * or a log. (The aws stage's own redaction is `AwsStage.redactedArgv`, from the CLI's argument tables.)
 */
import { isSecretOptionName } from './secret-words.js';

/**
 * The argv with the values of secret-bearing options replaced by `[redacted]`: every option `secretOptionWords`
 * names (`--secret-string`, any option naming a password, token, secret, private key or credentials,
 * `--cli-input-json`/`--cli-input-yaml`, `--user-data`, `--value` …), whatever the program; unlike the aws
 * stage's, an option naming a secret (`--secret-id`) is redacted too. `file://` references are kept: they name a
 * file, not its content.
 */
export function redactArgv(argv: string[]): string[] {
  const redacted: string[] = [];
  let redactNext = false;
  for (const word of argv) {
    if (redactNext) {
      redacted.push(word.startsWith('file://') || word.startsWith('fileb://') ? word : '[redacted]');
      redactNext = false;
      continue;
    }
    const equals = word.indexOf('=');
    const name = equals > 0 && word.startsWith('--') ? word.slice(0, equals) : word;
    if (isSecretOptionName(name)) {
      if (equals > 0 && word.startsWith('--')) {
        const value = word.slice(equals + 1);
        redacted.push(
          `${name}=${value.startsWith('file://') || value.startsWith('fileb://') ? value : '[redacted]'}`,
        );
      } else {
        redacted.push(word);
        redactNext = true;
      }
      continue;
    }
    redacted.push(word);
  }
  return redacted;
}
