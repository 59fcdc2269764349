import { execa } from 'execa';
import { buildAwsEnvironment } from './_environment.js';
import { findExecutable } from './_find-executable.js';
import { awsCliInstallHint } from './execution-error.js';

/** Whether the AWS CLI can run here, and which one. */
export type AwsCliStatus =
  | { available: true; path: string; version: string; majorVersion: number; versionLine: string }
  | { available: false; path: string | undefined; message: string };

/**
 * Finds the AWS CLI on PATH and asks it for its version (`aws --version`, no network). Never throws: a missing
 * or broken CLI is reported with a message that says how to install it.
 */
export async function checkAwsCli({
  env = process.env,
  awsCli = 'aws',
  timeoutMs = 30_000,
}: {
  env?: NodeJS.ProcessEnv;
  awsCli?: string;
  timeoutMs?: number;
} = {}): Promise<AwsCliStatus> {
  const path = findExecutable(awsCli, env.PATH);
  if (path === undefined) return { available: false, path, message: awsCliInstallHint };
  const result = await execa(path, ['--version'], {
    env: buildAwsEnvironment(env, { credentialsMode: 'aws_config' }),
    extendEnv: false,
    stdin: 'ignore',
    reject: false,
    timeout: timeoutMs,
  });
  // The CLI v1 on old Pythons printed its version on stderr.
  const versionLine = `${result.stdout}\n${result.stderr}`
    .split('\n')
    .find((line) => line.startsWith('aws-cli/'));
  const match = versionLine?.match(/^aws-cli\/((\d+)\.\d+\.\d+)/);
  if (result.exitCode !== 0 || versionLine === undefined || match === null || match === undefined) {
    return {
      available: false,
      path,
      message: `The AWS CLI at ${path} did not start (\`aws --version\` exited ${result.exitCode ?? result.signal}). Reinstall it. ${awsCliInstallHint}`,
    };
  }
  return {
    available: true,
    path,
    version: match[1] as string,
    majorVersion: Number(match[2]),
    versionLine: versionLine.trim(),
  };
}
