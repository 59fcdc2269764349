import { findCliPython } from './_aws-launcher.js';
import { listAwsStagePaths, listCliInstallPaths, listHomes, resolvePyenvShim } from './_aws-paths.js';
import { buildAwsEnvironment, type CredentialsMode } from './_environment.js';
import { findExecutable } from './_find-executable.js';
import { createWarmCli, type WarmCli } from './_warm-cli.js';
import type { Sandbox } from './sandbox.js';

export type { WarmCli, WarmCliStatus } from './_warm-cli.js';

/** What planWarmCli needs: the sandbox and the environment the calls run with, and their working directories. */
export interface PlanWarmCliOptions {
  sandbox: Sandbox;
  env: NodeJS.ProcessEnv;
  /** The working directories calls may run in (bound writable into the warm sandbox). */
  workdirs: string[];
  credentialsMode?: CredentialsMode;
  /** The AWS CLI to run. Default: `aws` found on PATH. */
  awsCli?: string;
  /** Further paths every call may read (RunPipelineOptions.readOnlyPaths). */
  readOnlyPaths?: string[];
}

/**
 * A warm CLI for the installed `aws` when its Python can be found (a pip, pipx, Debian or Homebrew install), with
 * the binds a cold aws stage gets for these settings; else the reason every call runs cold (a frozen binary, no
 * CLI, a sandbox other than bubblewrap). Starts nothing: the interpreter starts with the first call, and again
 * when the CLI's version files or the AWS config and credentials files change.
 */
export function planWarmCli(options: PlanWarmCliOptions): { warmCli: WarmCli } | { reason: string } {
  // Between calls the interpreter empties /tmp and ~/.aws of what they left: only private ones may be emptied.
  if (options.sandbox.name !== 'bubblewrap') {
    return {
      reason: `the ${options.sandbox.name} sandbox gives no private /tmp and home to share between calls`,
    };
  }
  const found = findExecutable(options.awsCli ?? 'aws', options.env.PATH);
  if (found === undefined) return { reason: 'no AWS CLI was found' };
  const awsFile = resolvePyenvShim(found, options.env, process.cwd());
  const python = findCliPython(awsFile, options.env);
  if (python === undefined) return { reason: `${awsFile} is not a Python script (a frozen binary)` };
  const homes = listHomes(options.env);
  const paths = listAwsStagePaths(options.env, options.credentialsMode ?? 'both');
  const env = buildAwsEnvironment(options.env, { credentialsMode: options.credentialsMode ?? 'both' });
  return {
    warmCli: createWarmCli({
      python,
      awsFile,
      sandbox: options.sandbox,
      env,
      readOnlyPaths: [
        ...paths.readOnly,
        ...listCliInstallPaths(awsFile, homes),
        ...listCliInstallPaths(python, homes),
        ...(options.readOnlyPaths ?? []),
      ],
      writablePaths: options.workdirs,
      watchedFiles: paths.readOnly,
    }),
  };
}
