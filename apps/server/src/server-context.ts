import type { AwsCliStatus, RunPipelineOptions, Sandbox } from '@aws-mcp/executor';
import type { ServerConfig } from './config.js';

/** What the tools share: the settings, the AWS CLI check and the base options of every run. */
export interface ServerContext {
  config: ServerConfig;
  /** Started when the server starts, awaited by the first call that needs the CLI, so start-up never waits. */
  awsCli: Promise<AwsCliStatus>;
  /** Options every pipeline runs with; a call adds its profile, region, timeout and caps. */
  runOptions(): RunPipelineOptions;
  /** The profile a call runs with when it names none. */
  defaultProfile(): string | undefined;
  /** The region a call runs with when it names none. */
  defaultRegion(): string | undefined;
}

/** Builds the context from the settings and the environment the children's variables are picked from. */
export function createServerContext({
  config,
  env,
  awsCli,
  sandbox,
}: {
  config: ServerConfig;
  env: NodeJS.ProcessEnv;
  awsCli: Promise<AwsCliStatus>;
  sandbox: Sandbox;
}): ServerContext {
  return {
    config,
    awsCli,
    runOptions: () => ({
      cwd: config.workdir,
      env,
      endpointUrl: config.endpointUrl,
      sandbox,
      credentialsMode: config.sandboxCredentials,
    }),
    defaultProfile: () => env.AWS_PROFILE || env.AWS_DEFAULT_PROFILE || undefined,
    defaultRegion: () => env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined,
  };
}
