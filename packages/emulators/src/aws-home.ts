import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EmulatorCredentials } from './emulator.js';

/** One profile of a sandbox home: its name and region. */
export interface SandboxProfile {
  name: string;
  region: string;
}

/**
 * Makes a throwaway HOME with `~/.aws/config` and `~/.aws/credentials`, so tests and the demo never read or
 * touch the real user's AWS setup: one profile (`profile`, `region`), or several (`profiles`), all with
 * `credentials`. Returns the environment variables that point at it.
 */
export async function createAwsSandboxHome(options: {
  credentials: EmulatorCredentials;
  region?: string;
  profile?: string;
  profiles?: SandboxProfile[];
}): Promise<{ home: string; env: Record<string, string>; remove(): Promise<void> }> {
  const home = await mkdtemp(join(tmpdir(), 'aws-mcp-home-'));
  const awsDir = join(home, '.aws');
  await mkdir(awsDir);
  const profiles = options.profiles ?? [
    { name: options.profile ?? 'default', region: options.region ?? 'us-east-1' },
  ];
  const configFile = join(awsDir, 'config');
  const credentialsFile = join(awsDir, 'credentials');
  await writeFile(
    configFile,
    profiles
      .map(
        ({ name, region }) =>
          `${name === 'default' ? '[default]' : `[profile ${name}]`}\nregion = ${region}\noutput = json\n`,
      )
      .join('\n'),
  );
  await writeFile(
    credentialsFile,
    profiles
      .map(
        ({ name }) =>
          `[${name}]\naws_access_key_id = ${options.credentials.accessKeyId}\n` +
          `aws_secret_access_key = ${options.credentials.secretAccessKey}\n`,
      )
      .join('\n'),
    { mode: 0o600 },
  );
  return {
    home,
    env: { HOME: home, AWS_CONFIG_FILE: configFile, AWS_SHARED_CREDENTIALS_FILE: credentialsFile },
    remove: () => rm(home, { recursive: true, force: true }),
  };
}
