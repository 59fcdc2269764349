import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EmulatorCredentials } from './emulator.js';

/**
 * Makes a throwaway HOME with `~/.aws/config` and `~/.aws/credentials` for one profile, so tests and the demo
 * never read or touch the real user's AWS setup. Returns the environment variables that point at it.
 */
export async function createAwsSandboxHome(options: {
  credentials: EmulatorCredentials;
  region?: string;
  profile?: string;
}): Promise<{ home: string; env: Record<string, string>; remove(): Promise<void> }> {
  const home = await mkdtemp(join(tmpdir(), 'aws-mcp-home-'));
  const awsDir = join(home, '.aws');
  await mkdir(awsDir);
  const profile = options.profile ?? 'default';
  const configSection = profile === 'default' ? '[default]' : `[profile ${profile}]`;
  const configFile = join(awsDir, 'config');
  const credentialsFile = join(awsDir, 'credentials');
  await writeFile(configFile, `${configSection}\nregion = ${options.region ?? 'us-east-1'}\noutput = json\n`);
  await writeFile(
    credentialsFile,
    `[${profile}]\naws_access_key_id = ${options.credentials.accessKeyId}\n` +
      `aws_secret_access_key = ${options.credentials.secretAccessKey}\n`,
    { mode: 0o600 },
  );
  return {
    home,
    env: { HOME: home, AWS_CONFIG_FILE: configFile, AWS_SHARED_CREDENTIALS_FILE: credentialsFile },
    remove: () => rm(home, { recursive: true, force: true }),
  };
}
