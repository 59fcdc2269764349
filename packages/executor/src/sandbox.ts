import { ExecutionError } from './execution-error.js';

/**
 * The capabilities a stage may keep past the sandbox's drop of all of them, and why. Only the warm interpreter asks,
 * for its per-call mounts (warm-server.py's enter_own_mounts): it keeps them in bubblewrap's nested user namespace,
 * which owns none of the sandbox's namespaces, so it cannot mount in its own and every mount a new one inherits is
 * locked (read-only stays read-only). Each forked child drops them, and every other, before anything of the call runs.
 */
export const keptCapabilityTable = {
  CAP_SYS_ADMIN:
    "each warm child makes a mount namespace of its own (unshare) and mounts fresh /tmp, /var/tmp, /dev/shm and homes there, as a cold stage's bubblewrap gives it",
  CAP_SETPCAP:
    "each warm child then drops every capability from its bounding set (PR_CAPBSET_DROP), which only CAP_SETPCAP may, so that it ends with a cold stage's none",
} as const satisfies Record<string, string>;

/** A capability a stage may keep (see keptCapabilityTable). */
export type KeptCapability = keyof typeof keptCapabilityTable;

/** One stage, as the sandbox is asked to confine it. */
export interface SandboxStage {
  /** `aws` gets the AWS files and the working directory; `filter` gets neither, and no network. */
  kind: 'aws' | 'filter';
  /** Absolute path of the program. */
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** Paths the stage may read (AWS files, the CLI's install); only for the aws stage. */
  readOnlyPaths: string[];
  /** Paths the stage may write (the working directory); only for the aws stage. */
  writablePaths: string[];
  /**
   * Folders the stage writes to through a private copy made for the call (the CLI's caches): only the entries
   * named in `keep` are merged back afterwards. A sandbox without `bindsPrivateCopies` gets them writable instead.
   */
  privateCopies?: PrivateCopyRequest[];
  /** Writable binds of a host folder onto another path (the private copies), for a sandbox that `bindsPrivateCopies`. */
  privateBinds?: Array<{ source: string; target: string }>;
  /**
   * Of `readOnlyPaths`, the files made for this call alone (the role's throwaway config): a sandbox shows them as
   * any other; the warm CLI, whose sandbox cannot, gives the call a copy in its own folder and names that instead.
   */
  callFiles?: string[];
  /**
   * Capabilities to keep past the sandbox's drop of all of them (keptCapabilityTable says which may, and why); only
   * for the aws stage. Without it the stage keeps none. A sandbox that cannot grant them refuses the stage.
   */
  keepCapabilities?: readonly KeptCapability[];
}

/**
 * The capabilities `stage` asks to keep, each once, in the table's order; empty without `keepCapabilities`. Throws
 * ExecutionError `INVALID_OPTIONS` for a name keptCapabilityTable lacks (bubblewrap's `ALL` too), or for a filter
 * stage asking for any.
 */
export function checkKeptCapabilities(stage: SandboxStage): KeptCapability[] {
  const asked: readonly string[] = stage.keepCapabilities ?? [];
  const unknown = asked.find((name) => !Object.hasOwn(keptCapabilityTable, name));
  if (unknown !== undefined) {
    throw new ExecutionError({
      code: 'INVALID_OPTIONS',
      message: `A stage may keep only ${Object.keys(keptCapabilityTable).join(' and ')}, not ${unknown}.`,
      reason: `the capability ${unknown} is not one a stage may keep`,
    });
  }
  if (asked.length > 0 && stage.kind !== 'aws') {
    throw new ExecutionError({
      code: 'INVALID_OPTIONS',
      message: `A ${stage.kind} stage keeps no capabilities; only the aws stage may keep ${asked.join(' and ')}.`,
    });
  }
  return (Object.keys(keptCapabilityTable) as KeptCapability[]).filter((name) => asked.includes(name));
}

/** The names of the CLI cache entries that may come back from a call's private copy (aws-config's setup). */
export interface CliCacheNames {
  /** Entries of `~/.aws/cli/cache` (assumed roles, SSO role credentials). */
  cli: readonly string[];
  /** Entries of `~/.aws/sso/cache` (SSO tokens). */
  sso: readonly string[];
}

/** A folder a stage writes through a private copy, and the entry names that may come back from it. */
export interface PrivateCopyRequest {
  target: string;
  keep: readonly string[];
}

/** What a stage can exhaust, as a message names it. */
export type StageLimitName = 'memory' | 'cpu time' | 'open files' | 'processes' | 'temporary space';

/** The bounds one stage runs under. Each is per stage; `addressSpaceBytes`, `cpuSeconds`, `openFiles` per process. */
export interface StageLimits {
  /** Address space of each process (RLIMIT_AS), in bytes: mapped memory, not only resident. */
  addressSpaceBytes: number;
  /** CPU time of each process (RLIMIT_CPU), in seconds: SIGXCPU then, SIGKILL 5 seconds later. */
  cpuSeconds: number;
  /** Open file descriptors of each process (RLIMIT_NOFILE). */
  openFiles: number;
  /** Processes and threads of the whole stage together (a `pids` cgroup). */
  processes: number;
  /** Size of each private tmpfs the stage gets (/tmp, /var/tmp, /dev/shm, each home), in bytes. */
  temporaryBytes: number;
}

/** The names of the stage limits, in the order the table of defaults lists them. */
export const stageLimitOptions = [
  'addressSpaceBytes',
  'cpuSeconds',
  'openFiles',
  'processes',
  'temporaryBytes',
] as const satisfies ReadonlyArray<keyof StageLimits>;

/** Limits to change, per kind of stage; what is left out keeps its default. */
export interface StageLimitOptions {
  aws?: Partial<StageLimits>;
  filter?: Partial<StageLimits>;
}

/** The limits a wrapped stage runs under (only those that could be applied), to name the one it reached. */
export interface AppliedStageLimits {
  kind: SandboxStage['kind'];
  values: Partial<StageLimits>;
}

/** A limit this machine cannot apply, and why: for the server to say at start. */
export interface StageLimitOff {
  limit: StageLimitName;
  option: keyof StageLimits;
  reason: string;
}

/** How a stage ended, as the executor saw it. */
export interface StageEnding {
  exitCode: number | undefined;
  signal: string | undefined;
  stderr: string;
}

/** A limit a stage reached: its name for messages, the option that sets it, and its value. */
export interface ExceededStageLimit {
  limit: StageLimitName;
  option: keyof StageLimits;
  value: number;
}

/** A limit a stage of a pipeline reached, as the result reports it: which stage, which limit, and what to do. */
export interface StageLimitReport extends ExceededStageLimit {
  /** The stage's program as written, e.g. `jq`. */
  stage: string;
  /** The kind of stage, so `limits[kind][option]` is what raises it. */
  kind: SandboxStage['kind'];
  /** e.g. "jq was stopped by the sandbox's memory limit (512 MiB): …". */
  message: string;
}

/** A confined command line: what to spawn instead of the stage's own program. */
export interface SandboxedCommand {
  file: string;
  args: string[];
  cwd: string;
  /** The environment to run with, when the backend changes the stage's (e.g. a private TMPDIR). */
  env?: Record<string, string>;
  /** The limits the stage runs under, to name the one a failed stage reached; absent when none apply. */
  limits?: AppliedStageLimits;
  /**
   * True when a signal that kills the stage's program comes back as exit status 128 + N instead (bubblewrap's
   * init reports its child so), to be mapped back to the signal.
   */
  signalsAsExitStatus?: boolean;
  /** The capabilities the stage keeps (its `keepCapabilities`, as the backend granted them); absent when none. */
  keptCapabilities?: readonly KeptCapability[];
}

/** An OS sandbox backend. `wrap` never spawns anything; it returns the command that runs the stage confined. */
export interface Sandbox {
  readonly name: 'bubblewrap' | 'seatbelt' | 'none';
  /**
   * The stage limits this backend cannot apply on this machine, and why; empty when all apply. Absent for a
   * backend that applies no limits at all.
   */
  readonly limitsOff?: readonly StageLimitOff[];
  /** True when `wrap` honours `privateBinds`, so a stage can write a private copy at a folder's own path. */
  readonly bindsPrivateCopies?: boolean;
  wrap(stage: SandboxStage): SandboxedCommand;
}

/**
 * Runs stages as they are, unconfined. Chosen only when the sandbox mode is `disabled` or `auto` finds none. It drops
 * no capability, so it keeps none either: a stage's `keepCapabilities` is checked and granted nothing.
 */
export const noSandbox: Sandbox = {
  name: 'none',
  wrap: (stage) => {
    checkKeptCapabilities(stage);
    return { file: stage.file, args: stage.args, cwd: stage.cwd };
  },
};
