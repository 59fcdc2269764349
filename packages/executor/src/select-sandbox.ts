import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { findExecutable } from './_find-executable.js';
import { buildCapabilityArguments, createBubblewrapSandbox } from './bubblewrap-sandbox.js';
import { ExecutionError } from './execution-error.js';
import {
  type KeptCapability,
  keptCapabilityTable,
  noSandbox,
  type Sandbox,
  type StageLimitOptions,
} from './sandbox.js';
import { createSeatbeltSandbox, sandboxExecPath } from './seatbelt-sandbox.js';

/** Every way to choose a sandbox: the best available, one or nothing, or none on purpose. */
export const sandboxModes = ['auto', 'required', 'disabled'] as const;

/** How to choose a sandbox: the best available, one or nothing, or none on purpose. */
export type SandboxMode = (typeof sandboxModes)[number];

/** The sandbox chosen, and why, in words a person can act on. */
export interface SandboxSelection {
  sandbox: Sandbox;
  mode: SandboxMode;
  /** e.g. "bubblewrap 0.8.0" or "none: bubblewrap is not installed (sudo apt-get install bubblewrap)". */
  description: string;
  /** When no sandbox confines the commands although one was wanted: why. */
  unavailableReason: string | undefined;
}

/** Starts bwrap once as a stage starts, keeping `keep` past the drop of every capability. */
/** What one short run of bwrap printed and how it ended (`exitCode` null: killed, or it never started). */
interface ProbeRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/**
 * One short run of bwrap through Node's execFile, not execa: start-up waits for the probe, and execa's first
 * call costs about twice as much. Never rejects; a bwrap that could not start has its error as stderr.
 */
function runBubblewrap(bwrapPath: string, args: string[], env?: NodeJS.ProcessEnv): Promise<ProbeRun> {
  return new Promise((resolve) => {
    execFile(bwrapPath, args, { timeout: 10_000, encoding: 'utf8', env }, (error, stdout, stderr) => {
      if (error === null) return resolve({ exitCode: 0, stdout, stderr });
      const exitCode = typeof error.code === 'number' ? error.code : null;
      resolve({ exitCode, stdout, stderr: stderr === '' && exitCode === null ? error.message : stderr });
    });
  });
}

function startBubblewrap(bwrapPath: string, env: NodeJS.ProcessEnv, keep: readonly KeptCapability[]) {
  return runBubblewrap(
    bwrapPath,
    [
      '--unshare-user',
      '--unshare-pid',
      '--disable-userns',
      ...buildCapabilityArguments(keep),
      '--die-with-parent',
      '--ro-bind',
      '/',
      '/',
      '--',
      'true',
    ],
    { PATH: env.PATH ?? '' },
  );
}

async function probeBubblewrap(env: NodeJS.ProcessEnv): Promise<{
  bwrapPath?: string;
  failure?: string;
  version?: string;
  capabilitiesOff?: string;
}> {
  const bwrapPath = findExecutable('bwrap', env.PATH);
  if (bwrapPath === undefined) {
    return { failure: 'bubblewrap is not installed (install it: `sudo apt-get install bubblewrap`)' };
  }
  // Keeping every capability a stage may keep, so one start answers both; a bwrap that refuses that (a setuid
  // install run by another user than root) is asked again with none.
  // Its version is asked at the same time: the two starts overlap, and start-up waits for one instead of two.
  const versionRun = runBubblewrap(bwrapPath, ['--version']);
  const keeping = await startBubblewrap(bwrapPath, env, Object.keys(keptCapabilityTable) as KeptCapability[]);
  const probe = keeping.exitCode === 0 ? keeping : await startBubblewrap(bwrapPath, env, []);
  if (probe.exitCode !== 0) {
    const reason = probe.stderr.trim().split('\n')[0] ?? '';
    const hint = /setting up uid map|Operation not permitted|No permissions|user namespace/i.test(reason)
      ? 'unprivileged user namespaces are disabled on this machine'
      : 'it could not start a sandbox';
    return { failure: `bubblewrap is installed but ${hint} (${reason || `exit ${probe.exitCode}`})` };
  }
  const version = await versionRun;
  return {
    bwrapPath,
    version: version.stdout.trim() || 'bubblewrap',
    ...(probe === keeping
      ? {}
      : {
          capabilitiesOff: `bubblewrap keeps no capability (${keeping.stderr.trim().split('\n')[0] || `exit ${keeping.exitCode}`})`,
        }),
  };
}

/**
 * Chooses the sandbox for `mode` on this machine: bubblewrap on Linux (checked by starting one, which also learns
 * whether it can keep the capabilities of keptCapabilityTable; see createBubblewrapSandbox's `capabilitiesOff`), seatbelt on
 * macOS (when /usr/bin/sandbox-exec exists; `fileExists` can be replaced in tests), none on Windows. `required` throws ExecutionError `SANDBOX_UNAVAILABLE` with the reason when no
 * sandbox works; `auto` falls back to none and says why in `unavailableReason`, never silently. `limits` changes
 * the stage limits of a bubblewrap sandbox (see createBubblewrapSandbox; a bad value throws `INVALID_OPTIONS`).
 */
export async function selectSandbox({
  mode,
  env = process.env,
  platform = process.platform,
  fileExists = existsSync,
  limits,
}: {
  mode: SandboxMode;
  limits?: StageLimitOptions;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  fileExists?: (path: string) => boolean;
}): Promise<SandboxSelection> {
  if (mode === 'disabled') {
    return {
      sandbox: noSandbox,
      mode,
      description: 'none (sandbox mode `disabled`)',
      unavailableReason: undefined,
    };
  }
  let failure: string;
  if (platform === 'linux') {
    const probe = await probeBubblewrap(env);
    if (probe.bwrapPath !== undefined) {
      return {
        sandbox: createBubblewrapSandbox({
          bwrapPath: probe.bwrapPath,
          limits,
          ...(probe.capabilitiesOff === undefined ? {} : { capabilitiesOff: probe.capabilitiesOff }),
        }),
        mode,
        description: probe.version ?? 'bubblewrap',
        unavailableReason: undefined,
      };
    }
    failure = probe.failure ?? 'bubblewrap did not start';
  } else if (platform === 'darwin') {
    if (fileExists(sandboxExecPath)) {
      return {
        sandbox: createSeatbeltSandbox(),
        mode,
        description: `seatbelt (${sandboxExecPath})`,
        unavailableReason: undefined,
      };
    }
    failure = `seatbelt is unavailable: ${sandboxExecPath} does not exist`;
  } else if (platform === 'win32') {
    failure = 'there is no sandbox backend on Windows';
  } else {
    failure = `there is no sandbox backend for ${platform} yet`;
  }
  if (mode === 'required') {
    throw new ExecutionError({
      code: 'SANDBOX_UNAVAILABLE',
      message: `The sandbox mode is \`required\`, but ${failure}. Fix that, or choose the mode \`auto\` to run unconfined.`,
    });
  }
  return { sandbox: noSandbox, mode, description: `none: ${failure}`, unavailableReason: failure };
}
