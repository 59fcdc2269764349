import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createAwsSandboxHome,
  type Emulator,
  findMotoServer,
  type MotoEmulator,
  type SandboxProfile,
  startMoto,
  startS3rver,
} from '@aws-mcp/emulators';

/** Why moto-bound tests cannot run here, or undefined when `moto_server` is installed. */
export const motoMissing: string | undefined =
  findMotoServer() === undefined ? 'moto_server is not installed' : undefined;

/** An emulator with a throwaway AWS home whose profile points at it. */
export interface EmulatedAws<E extends Emulator = Emulator> {
  emulator: E;
  /** The throwaway HOME (with `.aws/config`, `.aws/credentials`, an empty `.aws/cli/cache`). */
  home: string;
  /** A working folder inside `home` (`home/work`). */
  workdir: string;
  /** HOME, AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, PATH and AWS_ENDPOINT_URL for the CLI. */
  env: Record<string, string>;
  /** HOME, AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE only: the home, for a run given its endpoint otherwise. */
  homeEnv: Record<string, string>;
  /** Stops the emulator and removes the home. */
  stop(): Promise<void>;
}

/** Where the AWS home's profiles point: one `default` profile in `region`, or `profiles` (each with its region). */
interface HomeOptions {
  region?: string;
  profiles?: SandboxProfile[];
}

/**
 * Starts moto (or s3rver with `emulator: 's3rver'`) on loopback and an AWS home for it in `region` (or with
 * `profiles`), with a working folder and the CLI's cache folder made; `motoEnv` is added to moto_server's own
 * environment (`MOTO_AMIS_PATH`, `MOTO_EC2_LOAD_DEFAULT_AMIS`). Rejects as `startMoto` does when moto_server is
 * missing.
 */
export async function startEmulatedAws(
  options?: HomeOptions & { emulator?: 'moto'; motoEnv?: Record<string, string> },
): Promise<EmulatedAws<MotoEmulator>>;
export async function startEmulatedAws(options: HomeOptions & { emulator: 's3rver' }): Promise<EmulatedAws>;
export async function startEmulatedAws({
  emulator = 'moto',
  region = 'us-east-1',
  profiles,
  motoEnv,
}: HomeOptions & {
  emulator?: 'moto' | 's3rver';
  motoEnv?: Record<string, string>;
} = {}): Promise<EmulatedAws> {
  // startMoto looks for moto_server on its env's PATH, so the environment given keeps this one's.
  const started: Emulator =
    emulator === 'moto'
      ? await startMoto({ env: { PATH: process.env.PATH, ...motoEnv } })
      : await startS3rver();
  try {
    const home = await createAwsSandboxHome({
      credentials: started.credentials,
      ...(profiles === undefined ? { region } : { profiles }),
    });
    const workdir = join(home.home, 'work');
    await mkdir(workdir);
    await mkdir(join(home.home, '.aws', 'cli', 'cache'), { recursive: true });
    return {
      emulator: started,
      home: home.home,
      workdir,
      env: { ...home.env, PATH: process.env.PATH ?? '', AWS_ENDPOINT_URL: started.endpoint },
      homeEnv: home.env,
      stop: async () => {
        await started.stop();
        await home.remove();
      },
    };
  } catch (error) {
    await started.stop();
    throw error;
  }
}
