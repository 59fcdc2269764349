import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCommandLine } from '@aws-mcp/command';
import { createAwsSandboxHome, type MotoEmulator, type SandboxProfile, startMoto } from '@aws-mcp/emulators';
import type { WarmCli } from '../_warm-cli.js';
import { type PipelineResult, type RunPipelineOptions, runPipeline } from '../run-pipeline.js';
import type { Sandbox } from '../sandbox.js';
import { planWarmCli } from '../warm-cli.js';

/** moto, a throwaway AWS home, a working directory and a warm CLI planned for them, for the warm CLI's tests. */
export interface WarmHarness {
  moto: MotoEmulator;
  home: Awaited<ReturnType<typeof createAwsSandboxHome>>;
  workdir: string;
  /** What a cold call runs with; `warm` adds the warm CLI. */
  options: RunPipelineOptions;
  warmCli: WarmCli;
  cold(command: string, extra?: Partial<RunPipelineOptions>): Promise<PipelineResult>;
  warm(command: string, extra?: Partial<RunPipelineOptions>): Promise<PipelineResult>;
  stop(): Promise<void>;
}

/** Starts moto and plans (never starts) the warm CLI under `sandbox`; `env` is added to the calls' environment. */
export async function startWarmHarness({
  sandbox,
  name,
  profiles,
  env: extraEnv = () => ({}),
  path = process.env.PATH,
}: {
  sandbox: Sandbox;
  /** The working directory's prefix, for a test's leftovers to be recognized. */
  name: string;
  profiles?: SandboxProfile[];
  env?: (moto: MotoEmulator) => Record<string, string>;
  /** The calls' PATH, where both find `aws` (moto is found on this process's own). */
  path?: string;
}): Promise<WarmHarness> {
  const moto = await startMoto();
  const home = await createAwsSandboxHome({
    credentials: moto.credentials,
    ...(profiles === undefined ? { region: 'us-east-1' } : { profiles }),
  });
  const workdir = await mkdtemp(join(tmpdir(), `${name}-`));
  const env = {
    PATH: path,
    LANG: 'C.UTF-8',
    ...home.env,
    AWS_MAX_ATTEMPTS: '1',
    ...extraEnv(moto),
  };
  const options: RunPipelineOptions = {
    cwd: workdir,
    env,
    endpointUrl: moto.endpoint,
    timeoutMs: 60_000,
    sandbox,
  };
  const planned = planWarmCli({ sandbox, env, workdirs: [workdir] });
  if (!('warmCli' in planned)) throw new Error(planned.reason);
  const { warmCli } = planned;
  return {
    moto,
    home,
    workdir,
    options,
    warmCli,
    cold: (command, extra = {}) => runPipeline(parseCommandLine(command), { ...options, ...extra }),
    warm: (command, extra = {}) => runPipeline(parseCommandLine(command), { ...options, warmCli, ...extra }),
    async stop() {
      await warmCli.stop();
      await moto.stop();
      await home.remove();
      await rm(workdir, { recursive: true, force: true });
    },
  };
}

/**
 * What a caller sees of a result, with the values that differ between two runs of the same command normalized:
 * moto's "now" times (a session's expiry, a resource's creation) and the ids it makes up for a resource it shows
 * without storing (the default user's UserId).
 */
export function readSeen(result: PipelineResult) {
  return {
    status: result.status,
    exitCode: result.exitCode,
    output: result.output
      .replace(/\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)?/g, 'TIME')
      .replace(/\b[a-z0-9]{20}\b/g, 'MOTO-ID')
      .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g, 'UUID'),
    stderr: result.stderr,
    filterStderr: result.filterStderr,
    maskedSecrets: result.maskedSecrets,
  };
}
