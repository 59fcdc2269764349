import { homedir } from 'node:os';
import { listHomes } from './_aws-paths.js';
import { findExecutable } from './_find-executable.js';
import {
  buildRootArguments,
  isInside,
  isShownByRoot,
  readSystemLayout,
  type SystemLayout,
} from './_sandbox-root.js';
import {
  buildCgroupHelperCommand,
  buildPrlimitArguments,
  probePidsCgroup,
  resolveStageLimits,
  stageLimitTable,
} from './_stage-limits.js';
import { ExecutionError } from './execution-error.js';
import {
  checkKeptCapabilities,
  type KeptCapability,
  type Sandbox,
  type SandboxedCommand,
  type SandboxStage,
  type StageLimitOff,
  type StageLimitOptions,
  type StageLimits,
} from './sandbox.js';

/** What buildBubblewrapArguments needs to know besides the stage; createBubblewrapSandbox finds it once. */
export interface BubblewrapHost {
  /** Every home to hide: the stage's HOME, the server's HOME and os.homedir(), its home in the user database. */
  homes: string[];
  /** The host's /bin, /sbin and /lib*, as links or folders (readSystemLayout). */
  layout: SystemLayout;
  /** The limits of the stage's kind; without them the tmpfs mounts are unsized and no rlimit is set. */
  limits?: StageLimits;
  /** `prlimit`, run inside the sandbox before the stage's program to set its rlimits; without it, none are set. */
  prlimitPath?: string;
}

/**
 * The bwrap arguments that drop every capability but `keep` (checked against keptCapabilityTable by the caller):
 * bwrap applies them in order, so each `--cap-add` follows the `--cap-drop ALL`.
 */
export function buildCapabilityArguments(keep: readonly KeptCapability[]): string[] {
  return ['--cap-drop', 'ALL', ...keep.flatMap((capability) => ['--cap-add', capability])];
}

const namespaceArguments = [
  '--unshare-user',
  '--unshare-pid',
  '--unshare-ipc',
  '--unshare-uts',
  '--disable-userns',
];

/**
 * The bwrap arguments that confine one stage: new user, pid, ipc and uts namespaces with no capabilities (but the
 * stage's `keepCapabilities`, in its nested user namespace only) and no way to make more; a root built from nothing
 * (see rootEntries: /usr and a listed part of /etc for the aws stage, only libraries and locales for a filter),
 * read-only; /dev and /proc minimal; private, sized /tmp, /var/tmp, /dev/shm and homes. Only the aws stage gets the
 * network, its paths (AWS files, CLI install, caches, the working directory); a filter gets its binary. With
 * `host.limits` and `host.prlimitPath`, the stage's program runs under prlimit. Pure: reads nothing, spawns
 * nothing. Throws ExecutionError `INVALID_OPTIONS` for a capability the stage may not keep (checkKeptCapabilities),
 * and `UNSAFE_WORKDIR` (a writable path) or `INVALID_OPTIONS` (a read-only one) for a path of the stage that is a
 * home or holds one: the homes include the server's home in the user database, which the executor's own check does
 * not know.
 */
export function buildBubblewrapArguments(stage: SandboxStage, host: BubblewrapHost): string[] {
  const tmpfs = (path: string) =>
    host.limits === undefined
      ? ['--tmpfs', path]
      : ['--size', String(host.limits.temporaryBytes), '--tmpfs', path];
  const args = [
    ...namespaceArguments,
    ...buildCapabilityArguments(checkKeptCapabilities(stage)),
    '--die-with-parent',
    '--new-session',
  ];
  if (stage.kind === 'filter') args.push('--unshare-net');
  args.push(...buildRootArguments({ kind: stage.kind, layout: host.layout }));
  args.push('--dev', '/dev', ...tmpfs('/dev/shm'), '--remount-ro', '/dev', '--proc', '/proc');
  args.push(...tmpfs('/tmp'), ...tmpfs('/var/tmp'));
  for (const home of new Set(host.homes)) args.push(...tmpfs(home));
  const paths: Array<{ path: string; writable: boolean; source?: string }> =
    stage.kind === 'aws'
      ? [
          ...stage.readOnlyPaths.map((path) => ({ path, writable: false })),
          ...stage.writablePaths.map((path) => ({ path, writable: true })),
          ...(stage.privateBinds ?? []).map(({ source, target }) => ({
            path: target,
            writable: true,
            source,
          })),
        ]
      : [];
  for (const { path, writable } of paths) {
    const home = host.homes.find((candidate) => isInside(candidate, path));
    if (home !== undefined) {
      throw new ExecutionError({
        code: writable ? 'UNSAFE_WORKDIR' : 'INVALID_OPTIONS',
        message:
          `The aws stage would see the home ${home} through ${path}, which the sandbox hides. ` +
          'Use a dedicated folder, e.g. one under ~/.cache, and give only the files the CLI needs.',
      });
    }
  }
  const programs = [stage.file, ...(host.limits === undefined ? [] : [host.prlimitPath])].filter(
    (path): path is string =>
      path !== undefined &&
      !isShownByRoot(path, stage.kind) &&
      !paths.some((bind) => isInside(path, bind.path)),
  );
  // Parents before children, so a bind inside another bind is not hidden by it.
  const binds = [...programs.map((path) => ({ path, writable: false, source: undefined })), ...paths].sort(
    (left, right) => left.path.length - right.path.length,
  );
  for (const { path, writable, source } of binds) {
    // A private copy must be there: without it the stage would write nowhere it can be merged from.
    if (source !== undefined) args.push('--bind', source, path);
    else args.push(writable ? '--bind-try' : '--ro-bind-try', path, path);
  }
  args.push('--chdir', stage.kind === 'aws' ? stage.cwd : '/tmp', '--remount-ro', '/', '--');
  if (host.limits !== undefined && host.prlimitPath !== undefined) {
    args.push(...buildPrlimitArguments(host.prlimitPath, host.limits));
  }
  args.push(stage.file, ...stage.args);
  return args;
}

const systemPath = '/usr/bin:/bin:/usr/sbin:/sbin';

function listLimitsOff(prlimitPath: string | undefined, processesOff: string | undefined): StageLimitOff[] {
  const off: StageLimitOff[] = [];
  const push = (option: keyof StageLimits, reason: string) =>
    off.push({ limit: stageLimitTable[option].name, option, reason });
  if (prlimitPath === undefined) {
    for (const option of ['addressSpaceBytes', 'cpuSeconds', 'openFiles'] as const) {
      push(option, 'prlimit (util-linux) is not installed');
    }
  }
  if (processesOff !== undefined) push('processes', processesOff);
  return off;
}

/**
 * A Sandbox that runs every stage under bubblewrap (`bwrap`, found at `bwrapPath`), within `limits` (see
 * stageLimitTable for the defaults). Looks at the host once, here: the layout of its system folders, prlimit,
 * and a pids cgroup it creates (`aws-mcp` under its own) when it can; `limitsOff` lists what it cannot apply.
 * Throws ExecutionError `INVALID_OPTIONS` for a limit that is not a positive whole number. With `capabilitiesOff`
 * (why this bwrap keeps no capability: a setuid install run by another user than root refuses `--cap-add`), `wrap`
 * throws `SANDBOX_UNAVAILABLE` for a stage whose `keepCapabilities` names any, instead of a command that cannot start.
 */
export function createBubblewrapSandbox({
  bwrapPath,
  limits,
  capabilitiesOff,
}: {
  bwrapPath: string;
  limits?: StageLimitOptions;
  capabilitiesOff?: string;
}): Sandbox {
  const stageLimits = resolveStageLimits(limits);
  const layout = readSystemLayout();
  const prlimitPath = findExecutable('prlimit', systemPath);
  const tools = {
    sh: findExecutable('sh', '/bin:/usr/bin'),
    mkdir: findExecutable('mkdir', systemPath),
    rmdir: findExecutable('rmdir', systemPath),
  };
  const cgroup = probePidsCgroup();
  let processesOff = 'reason' in cgroup ? cgroup.reason : undefined;
  if (tools.sh === undefined || tools.mkdir === undefined || tools.rmdir === undefined) {
    processesOff = 'sh, mkdir or rmdir is missing from /usr/bin and /bin';
  }
  const limitsOff = listLimitsOff(prlimitPath, processesOff);
  return {
    name: 'bubblewrap',
    limitsOff,
    bindsPrivateCopies: true,
    wrap(stage: SandboxStage): SandboxedCommand {
      const kindLimits = stageLimits[stage.kind];
      // The stage's HOME, the server's and the account's own in the user database (listHomes).
      const homes = listHomes(stage.env);
      const args = buildBubblewrapArguments(stage, { homes, layout, limits: kindLimits, prlimitPath });
      const keptCapabilities = checkKeptCapabilities(stage);
      if (keptCapabilities.length > 0 && capabilitiesOff !== undefined) {
        throw new ExecutionError({
          code: 'SANDBOX_UNAVAILABLE',
          message: `This bubblewrap cannot let a stage keep ${keptCapabilities.join(' and ')}: ${capabilitiesOff}.`,
          reason: capabilitiesOff,
        });
      }
      const values: Partial<StageLimits> = {};
      for (const option of Object.keys(kindLimits) as Array<keyof StageLimits>) {
        if (!limitsOff.some((off) => off.option === option)) values[option] = kindLimits[option];
      }
      const command =
        'reason' in cgroup || processesOff !== undefined
          ? { file: bwrapPath, args }
          : buildCgroupHelperCommand({
              cgroup,
              processes: kindLimits.processes,
              tools: tools as { sh: string; mkdir: string; rmdir: string },
              command: [bwrapPath, ...args],
            });
      return {
        ...command,
        cwd: stage.kind === 'aws' ? stage.cwd : '/',
        // Without HOME, Python would look the home up in /etc/passwd, which the sandbox does not show, and
        // read `~/.aws/config` relative to the working directory instead.
        ...(stage.kind === 'aws' && stage.env.HOME === undefined
          ? { env: { ...stage.env, HOME: homedir() } }
          : {}),
        limits: { kind: stage.kind, values },
        signalsAsExitStatus: true,
        ...(keptCapabilities.length === 0 ? {} : { keptCapabilities }),
      };
    },
  };
}
