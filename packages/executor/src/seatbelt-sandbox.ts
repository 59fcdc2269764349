import { mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExecutionError } from './execution-error.js';
import { checkKeptCapabilities, type Sandbox, type SandboxedCommand, type SandboxStage } from './sandbox.js';

/** Where macOS keeps `sandbox-exec`. */
export const sandboxExecPath = '/usr/bin/sandbox-exec';

/** System folders every stage may read (never write): programs, libraries, frameworks, time zones. */
const systemReadPaths = [
  '/usr',
  '/bin',
  '/sbin',
  '/opt',
  '/System',
  '/Library',
  '/private/etc',
  '/private/var/db/timezone',
  '/private/var/db/dyld',
  '/dev',
];

/** A string literal in the sandbox profile language (a Scheme dialect). */
function quote(path: string): string {
  return `"${path.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * The Seatbelt profile that confines one stage, with the intent of the bubblewrap backend: deny by default;
 * the system read-only; a private temporary folder; homes unreadable. Only the aws stage may reach the network,
 * read its AWS files and the CLI's install, and write its caches and the working directory; filters get none
 * of them.
 */
export function buildSeatbeltProfile(stage: SandboxStage, { tmpDir }: { tmpDir: string }): string {
  const lines = [
    '(version 1)',
    '(deny default)',
    '(allow process-exec process-fork)',
    '(allow signal (target same-sandbox))',
    '(allow sysctl-read)',
    '(allow mach-lookup)',
    '(allow ipc-posix-shm)',
    '(allow file-read-metadata)',
    `(allow file-read* (literal "/") ${systemReadPaths.map((path) => `(subpath ${quote(path)})`).join(' ')})`,
    '(allow file-write* (literal "/dev/null") (literal "/dev/tty") (regex #"^/dev/fd/"))',
    `(allow file-read* file-write* (subpath ${quote(tmpDir)}))`,
  ];
  if (stage.kind === 'aws') {
    if (stage.readOnlyPaths.length > 0) {
      lines.push(
        `(allow file-read* ${stage.readOnlyPaths.map((path) => `(subpath ${quote(path)})`).join(' ')})`,
      );
    }
    const writable = [stage.cwd, ...stage.writablePaths];
    lines.push(
      `(allow file-read* file-write* ${writable.map((path) => `(subpath ${quote(path)})`).join(' ')})`,
    );
    lines.push('(allow network-outbound)', '(allow system-socket)');
  }
  return `${lines.join('\n')}\n`;
}

/**
 * A Sandbox that runs every stage under macOS `sandbox-exec` with a generated profile (see
 * buildSeatbeltProfile). Each stage's TMPDIR is a private folder created once per sandbox. macOS has no Linux
 * capabilities to keep: `wrap` throws ExecutionError `SANDBOX_UNAVAILABLE` for a stage whose `keepCapabilities`
 * names any (and `INVALID_OPTIONS` for one no stage may keep), so the caller runs it otherwise or not at all.
 */
export function createSeatbeltSandbox({
  sandboxExec = sandboxExecPath,
  tmpDir,
}: {
  sandboxExec?: string;
  tmpDir?: string;
} = {}): Sandbox {
  let privateTmp = tmpDir;
  return {
    name: 'seatbelt',
    wrap(stage: SandboxStage): SandboxedCommand {
      const keep = checkKeptCapabilities(stage);
      if (keep.length > 0) {
        throw new ExecutionError({
          code: 'SANDBOX_UNAVAILABLE',
          message: `The seatbelt sandbox cannot let a stage keep ${keep.join(' and ')}: macOS has no such capabilities.`,
          reason: 'seatbelt grants no Linux capabilities',
        });
      }
      // Seatbelt matches real paths: /var/folders/… is /private/var/folders/… on macOS.
      privateTmp ??= realpathSync(mkdtempSync(join(tmpdir(), 'aws-mcp-seatbelt-')));
      return {
        file: sandboxExec,
        args: ['-p', buildSeatbeltProfile(stage, { tmpDir: privateTmp }), stage.file, ...stage.args],
        cwd: stage.kind === 'aws' ? stage.cwd : privateTmp,
        env: { ...stage.env, TMPDIR: `${privateTmp}/` },
      };
    },
  };
}
