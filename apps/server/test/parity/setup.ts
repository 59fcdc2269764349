import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { MotoEmulator, SandboxProfile } from '@aws-mcp/emulators';
import {
  type ConnectedClient,
  type Consent,
  connectStdioClient,
  type EmulatedAws,
} from '@aws-mcp/test-support';
import { serverEntry } from '../http-harness.js';

const execProgram = promisify(execFile);

/** What the raw CLI runs with: the emulated home and endpoint, a UTF-8 locale, one attempt, and `path`. */
export function createRawEnv(aws: EmulatedAws<MotoEmulator>, path: string): Record<string, string> {
  return { LANG: 'C.UTF-8', ...aws.env, PATH: path, AWS_MAX_ATTEMPTS: '1' };
}

/**
 * Starts the built server over stdio with `env` (the raw side's, so both see the same home and endpoint),
 * working in `workdir` and asking before writes.
 */
export function connectWorkloadServer({
  env,
  workdir,
  name,
  consent,
}: {
  env: Record<string, string>;
  workdir: string;
  name: string;
  consent?: Consent;
}): Promise<ConnectedClient> {
  return connectStdioClient({
    args: [serverEntry],
    env: { ...env, AWS_MCP_WORKDIR: workdir, AWS_MCP_MODE: 'confirm-writes' },
    name,
    ...(consent === undefined ? {} : { consent }),
  });
}

/** The first EC2 read in a region makes moto create its default VPC: done for every profile's region first. */
export async function createDefaultVpcs(
  env: Record<string, string>,
  profiles: SandboxProfile[],
): Promise<void> {
  await Promise.all(
    profiles.map((profile) =>
      execProgram('aws', ['--region', profile.region, 'ec2', 'describe-vpcs'], { env }),
    ),
  );
}
