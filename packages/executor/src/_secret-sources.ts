import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { secretConfigKeys } from '@aws-mcp/command';
import type { CredentialsMode } from './_environment.js';
import type { LearnedSecrets } from './mask-secrets.js';

/** The AWS file settings whose values are secrets (command's secretConfigKeys), and their environment variables. */
const credentialKeys = secretConfigKeys.filter((row) => row.secretValue).map((row) => row.word);
const credentialVariables = credentialKeys.map((key) => key.toUpperCase());
const credentialLine = new RegExp(`^\\s*(?:${credentialKeys.join('|')})\\s*=\\s*(\\S+)\\s*$`, 'gm');
/** Shorter values (such as an emulator's test key) would mask ordinary words. */
const minimumLength = 16;

/**
 * Teaches `learned` the credentials the aws stage can use (from the variables and the AWS files), so they are
 * masked even where they appear without a field name (`aws configure get`, a filter printing them bare).
 */
export function learnConfiguredSecrets(
  learned: LearnedSecrets,
  env: NodeJS.ProcessEnv,
  credentialsMode: CredentialsMode,
): void {
  const add = (value: string | undefined) => {
    if (value !== undefined && value.length >= minimumLength) learned.add(value);
  };
  for (const name of credentialVariables) add(env[name]);
  if (credentialsMode === 'env') return;
  const home = env.HOME ?? homedir();
  for (const file of [
    env.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials'),
    env.AWS_CONFIG_FILE || join(home, '.aws', 'config'),
  ]) {
    try {
      if (statSync(file).size > 1_048_576) continue;
      for (const match of readFileSync(file, 'utf8').matchAll(credentialLine)) add(match[1]);
    } catch {}
  }
}
