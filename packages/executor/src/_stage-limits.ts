import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  writeFileSync,
} from 'node:fs';
import { constants as osConstants } from 'node:os';
import { join, relative } from 'node:path';
import { ExecutionError } from './execution-error.js';
import {
  type AppliedStageLimits,
  type ExceededStageLimit,
  type SandboxStage,
  type StageEnding,
  type StageLimitName,
  type StageLimitOptions,
  type StageLimits,
  stageLimitOptions,
} from './sandbox.js';

type StageKind = SandboxStage['kind'];

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/**
 * One row per limit: what it bounds, how it is applied, its defaults and why. Measured here (2 cores, CLI v1
 * 1.45 on Python 3.11, jq 1.6, gawk 5.2): `aws s3 ls` needs 71 MiB of address space, a 300 MB `s3 cp` with the
 * default 10 threads 782 MiB (RSS 125 MiB), with `max_concurrent_requests = 50` 1.3 GiB; glibc reserves 64 MiB
 * of address space per thread arena, so more cores and threads need more. jq needs about 4× its input (79 MiB
 * for 19 MB of JSON); `[range(40000000)]` needs 1038 MiB and awk's 2^28-character string in UTF-8 1293 MiB.
 */
export const stageLimitTable: Record<
  keyof StageLimits,
  { name: StageLimitName; appliedBy: string; defaults: Record<StageKind, number>; why: string }
> = {
  addressSpaceBytes: {
    name: 'memory',
    appliedBy: 'RLIMIT_AS (prlimit --as)',
    defaults: { aws: 4 * GiB, filter: 512 * MiB },
    why: '5× a threaded `s3 cp`; a filter gets 6× what jq needs for 19 MB of JSON, half the jq bomb',
  },
  cpuSeconds: {
    name: 'cpu time',
    appliedBy: 'RLIMIT_CPU (prlimit --cpu)',
    defaults: { aws: 7200, filter: 600 },
    why: 'the timeout (300 s by default) comes first; this bounds a stage whose timeout was raised',
  },
  openFiles: {
    name: 'open files',
    appliedBy: 'RLIMIT_NOFILE (prlimit --nofile)',
    defaults: { aws: 4096, filter: 256 },
    why: '`s3 sync` opens a file per transfer in flight; a filter reads stdin and writes stdout',
  },
  processes: {
    name: 'processes',
    appliedBy: 'pids.max of a cgroup per stage (RLIMIT_NPROC does not bind uid 0)',
    defaults: { aws: 512, filter: 64 },
    why: 'threads count: `s3` runs one per request in flight; sort runs up to 8',
  },
  temporaryBytes: {
    name: 'temporary space',
    appliedBy: 'tmpfs size=',
    defaults: { aws: 512 * MiB, filter: 256 * MiB },
    why: '`cloudformation package` zips into /tmp; sort spills there',
  },
};

const limitOptions = stageLimitOptions;

/** The limits of each kind of stage: the defaults, changed by `options`. Throws `INVALID_OPTIONS` for a bad value. */
export function resolveStageLimits(options: StageLimitOptions = {}): Record<StageKind, StageLimits> {
  const resolve = (kind: StageKind): StageLimits => {
    const limits = {} as StageLimits;
    for (const option of limitOptions) {
      const value = options[kind]?.[option] ?? stageLimitTable[option].defaults[kind];
      if (!Number.isSafeInteger(value) || value <= 0) {
        throw new ExecutionError({
          code: 'INVALID_OPTIONS',
          message: `limits.${kind}.${option} must be a positive whole number, not ${String(value)}.`,
        });
      }
      limits[option] = value;
    }
    return limits;
  };
  return { aws: resolve('aws'), filter: resolve('filter') };
}

/** Seconds between SIGXCPU (the soft limit) and SIGKILL (the hard one), for a program that catches SIGXCPU. */
const cpuGraceSeconds = 5;

/**
 * `prlimit` and its options, to run before the stage's program inside the sandbox. Core dumps are always off:
 * a stage killed by a limit would otherwise dump its memory, credentials included, into the working directory.
 */
export function buildPrlimitArguments(prlimitPath: string, limits: StageLimits): string[] {
  return [
    prlimitPath,
    `--as=${limits.addressSpaceBytes}`,
    `--cpu=${limits.cpuSeconds}:${limits.cpuSeconds + cpuGraceSeconds}`,
    `--nofile=${limits.openFiles}`,
    '--core=0',
    '--',
  ];
}

/** A `pids` cgroup this server may create stage cgroups in, and the cgroup to return the helper to. */
export interface PidsCgroup {
  /** Where each stage gets a cgroup named after its helper's pid, e.g. /sys/fs/cgroup/pids/aws-mcp. */
  parent: string;
  /** The server's own cgroup in that hierarchy. */
  home: string;
  version: 1 | 2;
}

/** Where the pids controller is mounted and where this process sits in it. */
export interface PidsHierarchy {
  version: 1 | 2;
  mountPoint: string;
  /** The cgroup path at the mount's root (not "/" inside some containers). */
  mountRoot: string;
  /** This process's cgroup path in that hierarchy, from /proc/self/cgroup. */
  ownPath: string;
}

function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

/**
 * Finds the pids controller in /proc/self/mountinfo and /proc/self/cgroup (their texts, so it can be tested):
 * a cgroup v1 hierarchy with `pids`, else the v2 one. Returns a reason when there is none.
 */
export function findPidsHierarchy(mountInfo: string, ownCgroups: string): PidsHierarchy | { reason: string } {
  let v2: { mountPoint: string; mountRoot: string } | undefined;
  for (const line of mountInfo.split('\n')) {
    const [before, after] = line.split(' - ');
    if (before === undefined || after === undefined) continue;
    const fields = before.split(' ');
    const [fsType, , superOptions = ''] = after.split(' ');
    const mountRoot = unescapeMountField(fields[3] ?? '/');
    const mountPoint = unescapeMountField(fields[4] ?? '');
    if (fsType === 'cgroup' && superOptions.split(',').includes('pids')) {
      const own = ownCgroups.split('\n').find((entry) => entry.split(':')[1]?.split(',').includes('pids'));
      if (own === undefined) return { reason: 'this process is in no pids cgroup (/proc/self/cgroup)' };
      return { version: 1, mountPoint, mountRoot, ownPath: own.split(':').slice(2).join(':') };
    }
    if (fsType === 'cgroup2' && v2 === undefined) v2 = { mountPoint, mountRoot };
  }
  const own = ownCgroups.split('\n').find((entry) => entry.startsWith('0::'));
  if (v2 !== undefined && own !== undefined) return { version: 2, ...v2, ownPath: own.slice(3) };
  return { reason: 'no cgroup hierarchy with the pids controller is mounted' };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes stage cgroups whose helper died without cleaning up (killed with SIGKILL); non-empty ones stay. */
function sweepStageCgroups(parent: string): void {
  for (const name of readdirSync(parent)) {
    if (!/^\d+$/.test(name) || isAlive(Number(name))) continue;
    try {
      rmdirSync(join(parent, name));
    } catch {
      // Still holds a task; a later sweep gets it.
    }
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Creates (or reuses) the cgroup `aws-mcp` under this process's own pids cgroup, where each stage then gets its
 * own with a `pids.max`, and sweeps stage cgroups left behind. Returns a reason instead when none can be made:
 * not root, a read-only /sys/fs/cgroup, or cgroup v2 without the pids controller enabled for this process's
 * cgroup's children (it is never enabled here: that cgroup is not this library's to change).
 */
export function preparePidsCgroup(hierarchy: PidsHierarchy): PidsCgroup | { reason: string } {
  const inside = relative(hierarchy.mountRoot, hierarchy.ownPath);
  if (inside.startsWith('..')) {
    return {
      reason: `this process's cgroup ${hierarchy.ownPath} is outside the mounted ${hierarchy.mountRoot}`,
    };
  }
  const home = join(hierarchy.mountPoint, inside);
  const parent = join(home, 'aws-mcp');
  try {
    // The server's own cgroup is not this library's to change: v2 needs pids delegated to it already.
    if (
      hierarchy.version === 2 &&
      !readFileSync(join(home, 'cgroup.subtree_control'), 'utf8').split(/\s+/).includes('pids')
    ) {
      return {
        reason: `the pids controller is not enabled for the children of ${home} (cgroup.subtree_control)`,
      };
    }
    // Not `recursive`: the server's own cgroup exists, and Node's recursive mkdir never returns under /proc.
    try {
      mkdirSync(parent);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (hierarchy.version === 2) writeFileSync(join(parent, 'cgroup.subtree_control'), '+pids');
    if (hierarchy.version === 1 && !existsSync(join(parent, 'pids.max'))) {
      return { reason: `${parent} has no pids.max` };
    }
    accessSync(join(parent, 'cgroup.procs'), constants.W_OK);
    sweepStageCgroups(parent);
  } catch (error) {
    return { reason: `no pids cgroup can be created under ${home} (${describeError(error)})` };
  }
  return { parent, home, version: hierarchy.version };
}

/** Finds and prepares the pids cgroup of this machine, or says why there is none. */
export function probePidsCgroup(): PidsCgroup | { reason: string } {
  let mountInfo: string;
  let ownCgroups: string;
  try {
    mountInfo = readFileSync('/proc/self/mountinfo', 'utf8');
    ownCgroups = readFileSync('/proc/self/cgroup', 'utf8');
  } catch (error) {
    return { reason: `cannot read /proc/self (${describeError(error)})` };
  }
  const hierarchy = findPidsHierarchy(mountInfo, ownCgroups);
  return 'reason' in hierarchy ? hierarchy : preparePidsCgroup(hierarchy);
}

/** How the helper marks a stage that reached its process limit, on the stage's stderr. */
export const processLimitMarker = 'aws-mcp-sandbox: limit processes=';

/** The tasks a stage's cgroup holds besides the stage's own: the helper shell, bwrap and bwrap's pid 1. */
const helperTasks = 3;

/**
 * Runs on the host, before bwrap: sweeps stage cgroups of helpers that are gone, moves itself into a new stage
 * cgroup (named after its pid) with `pids.max`, runs bwrap in the foreground (the sandbox inherits the cgroup),
 * then moves back, reads `pids.events` and removes the cgroup (retrying while a killed task leaves it). It ignores nothing: a trapped signal is reset for
 * bwrap, and the executor signals the whole process group. Exits 125 when the cgroup cannot be made (fail
 * closed), else with bwrap's status.
 */
const cgroupHelperScript = `cgroups=$1 home=$2 max=$3 mkdir=$4 rmdir=$5 limit=$6
shift 6
for old in "$cgroups"/*/; do
  old=\${old%/}; pid=\${old##*/}
  case $pid in ''|*[!0-9]*) continue ;; esac
  kill -0 "$pid" 2>/dev/null || "$rmdir" "$old" 2>/dev/null
done
own=$cgroups/$$
{ "$mkdir" -p "$own" && echo "$max" > "$own/pids.max" && echo $$ > "$own/cgroup.procs"; } 2>/dev/null || {
  echo "aws-mcp-sandbox: cannot put the stage in its pids cgroup $own" >&2
  exit 125
}
trap : HUP INT TERM
"$@"
status=$?
echo $$ > "$home/cgroup.procs" 2>/dev/null
hit=
while read -r key count; do
  [ "$key" = max ] && [ "$count" != 0 ] && hit=1
done 2>/dev/null < "$own/pids.events"
# A task killed with the sandbox can still be leaving the cgroup for a moment.
tries=0
until "$rmdir" "$own" 2>/dev/null || [ "$tries" -ge 50 ]; do tries=$((tries + 1)); done
[ -n "$hit" ] && echo "${processLimitMarker}$limit reached" >&2
exit "$status"`;

/** The command that runs `command` (bwrap and its arguments) in a stage cgroup of `cgroup` bounded to `processes`. */
export function buildCgroupHelperCommand({
  cgroup,
  processes,
  tools,
  command,
}: {
  cgroup: PidsCgroup;
  processes: number;
  tools: { sh: string; mkdir: string; rmdir: string };
  command: string[];
}): { file: string; args: string[] } {
  return {
    file: tools.sh,
    args: [
      '-c',
      cgroupHelperScript,
      'aws-mcp-sandbox',
      cgroup.parent,
      cgroup.home,
      String(processes + helperTasks),
      tools.mkdir,
      tools.rmdir,
      String(processes),
      ...command,
    ],
  };
}

/** The signal a stage died of: bwrap reports a child killed by signal N as exit status 128 + N. */
export function signalOfExitStatus(exitCode: number | undefined): string | undefined {
  if (exitCode === undefined || exitCode <= 128) return undefined;
  return Object.entries(osConstants.signals).find(([, number]) => number === exitCode - 128)?.[0];
}

/**
 * How each limit shows when reached, first match wins. The process limit first: a refused fork or thread is
 * EAGAIN, which Python reports as "can't start new thread" also when the address space ran out.
 */
const recognitions: ReadonlyArray<{
  option: keyof StageLimits;
  matches: (ending: StageEnding & { signalName: string | undefined; kind: StageKind }) => boolean;
  why: string;
}> = [
  {
    option: 'processes',
    matches: ({ stderr }) => stderr.includes(processLimitMarker),
    why: "the cgroup helper saw pids.events count a refused fork and said so on the stage's stderr",
  },
  {
    option: 'cpuSeconds',
    matches: ({ signalName, stderr }) => signalName === 'SIGXCPU' || /CPU time limit exceeded/.test(stderr),
    why: 'RLIMIT_CPU sends SIGXCPU (bwrap: exit 152); a shell prints "CPU time limit exceeded"',
  },
  {
    option: 'addressSpaceBytes',
    matches: ({ stderr }) =>
      /MemoryError|[Cc]annot allocate memory|[Oo]ut of memory|std::bad_alloc|can't start new thread/.test(
        stderr,
      ),
    why: 'an allocation past RLIMIT_AS fails with ENOMEM: Python raises MemoryError, jq and gawk print strerror',
  },
  {
    option: 'openFiles',
    matches: ({ stderr }) => /Too many open files/.test(stderr),
    why: 'an open past RLIMIT_NOFILE fails with EMFILE',
  },
  {
    option: 'temporaryBytes',
    // The aws stage also writes to the working directory, whose disk can be full by itself.
    matches: ({ stderr, kind }) =>
      /No space left on device/.test(stderr) && (kind === 'filter' || /\/(var\/)?tmp\//.test(stderr)),
    why: 'a write past the tmpfs size fails with ENOSPC',
  },
];

/**
 * Which limit a failed stage reached, from how it ended and what it ran under (`limits` as `wrap` returned
 * them); undefined when it succeeded or nothing points to a limit. A hint for the message, not proof: a program
 * can print "Cannot allocate memory" on its own.
 */
export function identifyExceededLimit(
  ending: StageEnding,
  limits: AppliedStageLimits | undefined,
): ExceededStageLimit | undefined {
  if (limits === undefined) return undefined;
  const signalName = ending.signal ?? signalOfExitStatus(ending.exitCode);
  if (ending.exitCode === 0 && signalName === undefined) return undefined;
  for (const { option, matches } of recognitions) {
    const value = limits.values[option];
    if (value === undefined) continue;
    if (matches({ ...ending, signalName, kind: limits.kind })) {
      return { limit: stageLimitTable[option].name, option, value };
    }
  }
  return undefined;
}

/** A limit's value as a message shows it: `512 MiB`, `600 s`, `64 processes`. */
export function formatStageLimit(option: keyof StageLimits, value: number): string {
  if (option === 'addressSpaceBytes' || option === 'temporaryBytes') {
    return value % GiB === 0 ? `${value / GiB} GiB` : `${Math.round(value / MiB)} MiB`;
  }
  if (option === 'cpuSeconds') return `${value} s`;
  return `${value} ${option === 'openFiles' ? 'open files' : 'processes'}`;
}
