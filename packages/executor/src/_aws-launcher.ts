import { realpathSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { readPythonFromShebang } from '@aws-mcp/command';
import { launcherSource } from './_aws-launcher-source.js';
import { findExecutable } from './_find-executable.js';
import type { AwsRequestId } from './run-pipeline.js';

/** The file descriptor the launcher writes its report to (the aws stage's fourth stdio entry). */
export const launcherReportFd = 3;

/** What the launcher is told: the command's operation, its secret member paths, whether to mask or reveal. */
export interface LauncherConfig {
  /** The CLI operation name (`get-session-token`): only the response of this operation is masked. */
  operation: string;
  paths: string[];
  /** `mask`: replace the members by `[MASKED]` before `--query` and formatting; `reveal`: leave them, report them. */
  mode: 'mask' | 'reveal';
  /** Also report the masked responses (for the masked view of a saved output). */
  views: boolean;
}

/** What the launcher reports when the CLI exits. */
export interface LauncherReport {
  masked: number;
  members: string[];
  /** With `mode: 'reveal'`: the secret values the response carried (to mask them in stderr). */
  values: string[];
  /** With `views`: each masked response of the command's operation. */
  views: unknown[];
  /** The request ids of the command's own calls (any operation, not the credential chain's), at most 100. */
  requestIds: AwsRequestId[];
  /** The `--starting-token` that resumes a `--max-items` listing, taken before `--query` (which drops it in v1). */
  nextToken?: string;
}

function readRequestIds(value: unknown): AwsRequestId[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((each: Partial<AwsRequestId>) =>
    typeof each?.operation === 'string' && typeof each.requestId === 'string'
      ? [
          {
            operation: each.operation,
            requestId: each.requestId,
            ...(typeof each.hostId === 'string' ? { hostId: each.hostId } : {}),
          },
        ]
      : [],
  );
}

/**
 * The Python interpreter that runs an `aws` script (pip, pipx, Debian's or Homebrew's package), through symbolic
 * links, read from disk without running anything (a pyenv shim is resolved to its version's script before, see
 * resolvePyenvShim). Undefined for a frozen binary (the v2 installer's bundle), a shim, or anything else that is
 * not a Python script: then the launcher cannot be used.
 */
export function findCliPython(awsFile: string, env: NodeJS.ProcessEnv): string | undefined {
  let real: string;
  try {
    real = realpathSync(awsFile);
  } catch {
    return undefined;
  }
  const interpreter = readPythonFromShebang(real);
  if (interpreter === undefined) return undefined;
  return findExecutable(interpreter, isAbsolute(interpreter) ? undefined : env.PATH);
}

/**
 * The command line that runs the CLI through the launcher: `python -c <launcher> <config> <aws arguments…>`. The
 * launcher's source travels as an argument, so nothing has to be bound into a sandbox.
 */
export function buildLauncherCommand(
  python: string,
  config: LauncherConfig,
  awsArguments: string[],
): { file: string; args: string[] } {
  const configText = JSON.stringify({ ...config, reportFd: launcherReportFd });
  return { file: python, args: ['-c', launcherSource, configText, ...awsArguments] };
}

/** Reads the launcher's report line; undefined when there is none (the CLI was killed) or it is not one. */
export function parseLauncherReport(text: string): LauncherReport | undefined {
  const line = text.split('\n').find((each) => each.startsWith('{'));
  if (line === undefined) return undefined;
  try {
    const report = JSON.parse(line) as Partial<LauncherReport>;
    return {
      masked: typeof report.masked === 'number' ? report.masked : 0,
      members: Array.isArray(report.members) ? report.members.filter((each) => typeof each === 'string') : [],
      values: Array.isArray(report.values) ? report.values.filter((each) => typeof each === 'string') : [],
      views: Array.isArray(report.views) ? report.views : [],
      requestIds: readRequestIds(report.requestIds),
      ...(typeof report.nextToken === 'string' && report.nextToken !== ''
        ? { nextToken: report.nextToken }
        : {}),
    };
  } catch {
    return undefined;
  }
}
