import { listHomes } from './_aws-paths.js';
import type { Sandbox, SandboxedCommand, SandboxStage } from './sandbox.js';

/**
 * The bwrap arguments that confine one stage: new user, pid, ipc and uts namespaces with no capabilities and no
 * way to make more; the root filesystem read-only; private /tmp and homes. Only the aws stage gets the network,
 * its AWS files (read-only), its caches and the working directory (writable); filters get none of them.
 */
export function buildBubblewrapArguments(stage: SandboxStage, homes: string[]): string[] {
  const args = [
    '--unshare-user',
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    '--disable-userns',
    '--cap-drop',
    'ALL',
    '--die-with-parent',
    '--new-session',
    '--ro-bind',
    '/',
    '/',
    '--dev',
    '/dev',
    '--proc',
    '/proc',
    '--tmpfs',
    '/tmp',
    '--tmpfs',
    '/var/tmp',
  ];
  for (const home of homes) args.push('--tmpfs', home);
  if (stage.kind === 'filter') {
    args.push('--unshare-net', '--chdir', '/tmp');
  } else {
    // Parents before children, so a bind inside another bind is not hidden by it.
    const binds = [
      ...stage.readOnlyPaths.map((path) => ({ path, writable: false })),
      ...stage.writablePaths.map((path) => ({ path, writable: true })),
    ].sort((left, right) => left.path.length - right.path.length);
    for (const { path, writable } of binds) {
      args.push(writable ? '--bind-try' : '--ro-bind-try', path, path);
    }
    args.push('--chdir', stage.cwd);
  }
  args.push('--', stage.file, ...stage.args);
  return args;
}

/** A Sandbox that runs every stage under bubblewrap (`bwrap`, found at `bwrapPath`). */
export function createBubblewrapSandbox({ bwrapPath }: { bwrapPath: string }): Sandbox {
  return {
    name: 'bubblewrap',
    wrap(stage: SandboxStage): SandboxedCommand {
      return {
        file: bwrapPath,
        args: buildBubblewrapArguments(stage, listHomes(stage.env)),
        cwd: stage.kind === 'aws' ? stage.cwd : '/',
      };
    },
  };
}
