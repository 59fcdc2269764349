import { lstatSync, readlinkSync } from 'node:fs';
import type { SandboxStage } from './sandbox.js';

type StageKind = SandboxStage['kind'];

/** One path of the host that a stage's root shows, read-only, and why that stage needs it. */
export interface RootEntry {
  path: string;
  stages: readonly StageKind[];
  reason: string;
}

/**
 * Everything a stage's root shows besides /dev, /proc, its private temporary folders and its own paths. Found by
 * running the CLI under `strace -f -e trace=%file` (`--version`, `s3 ls` and `s3 cp` against a loopback
 * endpoint by name and by address, `s3 help`) and the filters likewise. A missing entry is skipped (the
 * bind is `--ro-bind-try`), so one table serves Debian, Fedora and Alpine. Left out on purpose: /etc/passwd
 * and /etc/group (the pyenv shim's bash reads them but works without; HOME is always set, so Python never
 * asks getpwuid), /etc/ssl/private, /etc/shadow, and every other top-level folder.
 */
export const rootEntries: readonly RootEntry[] = [
  {
    path: '/usr',
    stages: ['aws'],
    reason: 'the CLI, its interpreter and the programs it starts (groff for help)',
  },
  { path: '/usr/lib', stages: ['filter'], reason: "the filter's shared libraries, gconv modules, locales" },
  { path: '/usr/lib32', stages: ['filter'], reason: 'shared libraries on multilib hosts' },
  {
    path: '/usr/lib64',
    stages: ['filter'],
    reason: 'the dynamic loader on x86_64 (/lib64/ld-linux-x86-64.so.2)',
  },
  { path: '/usr/libx32', stages: ['filter'], reason: 'shared libraries on x32 hosts' },
  {
    path: '/usr/local/lib',
    stages: ['filter'],
    reason: 'shared libraries of locally built filters (listed in ld.so.cache)',
  },
  { path: '/usr/share/locale', stages: ['filter'], reason: "the filter's translated messages" },
  { path: '/usr/share/zoneinfo', stages: ['filter'], reason: 'time zones for TZ (jq strftime/localtime)' },
  {
    path: '/etc/ld.so.cache',
    stages: ['aws', 'filter'],
    reason: 'where the dynamic loader finds shared libraries',
  },
  {
    path: '/etc/locale.alias',
    stages: ['aws', 'filter'],
    reason: 'locale names such as en_US.UTF-8 (/usr/share/locale/locale.alias links here on Debian)',
  },
  {
    path: '/etc/localtime',
    stages: ['aws', 'filter'],
    reason: 'the local time zone of dates the stage prints',
  },
  { path: '/etc/nsswitch.conf', stages: ['aws'], reason: 'how glibc looks host names up (files, dns)' },
  { path: '/etc/host.conf', stages: ['aws'], reason: "glibc's resolver options" },
  {
    path: '/etc/hosts',
    stages: ['aws'],
    reason: 'localhost and static names, e.g. `--endpoint-url http://localhost:…`',
  },
  { path: '/etc/resolv.conf', stages: ['aws'], reason: 'the DNS servers, for the AWS endpoints' },
  {
    path: '/etc/gai.conf',
    stages: ['aws'],
    reason: 'the order getaddrinfo returns IPv6 and IPv4 addresses in',
  },
  {
    path: '/etc/ssl/certs',
    stages: ['aws'],
    reason: 'CA certificates for TLS (Debian, Ubuntu, Alpine, SUSE); /etc/ssl/private stays out',
  },
  {
    path: '/etc/ssl/openssl.cnf',
    stages: ['aws'],
    reason: "the OpenSSL configuration Python's ssl module loads",
  },
  { path: '/etc/pki/tls/certs', stages: ['aws'], reason: 'CA certificates on Fedora, RHEL, Amazon Linux' },
  {
    path: '/etc/pki/ca-trust/extracted',
    stages: ['aws'],
    reason: 'the CA bundles /etc/pki/tls/certs links to',
  },
  { path: '/etc/pki/tls/openssl.cnf', stages: ['aws'], reason: 'the OpenSSL configuration on Fedora, RHEL' },
  {
    path: '/etc/crypto-policies/back-ends',
    stages: ['aws'],
    reason: "the system crypto policy Fedora's openssl.cnf includes",
  },
  {
    path: '/etc/mime.types',
    stages: ['aws'],
    reason: 'the Content-Type that `s3 cp` and `s3 sync` give uploads (Python mimetypes)',
  },
  {
    path: '/etc/groff',
    stages: ['aws'],
    reason: '`aws … help` renders with groff, whose site-tmac links here on Debian',
  },
  {
    path: '/etc/alternatives',
    stages: ['aws'],
    reason:
      'Debian alternatives links (pager, awk, …) of /usr/bin that programs the CLI starts resolve through',
  },
];

/** Top-level names that are links into /usr on a merged-/usr host, or real folders on an older one. */
const systemFolders = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'] as const;

/** The stages that need each top-level system folder: filters only the library ones (their binary is bound). */
function systemFolderStages(path: string): readonly StageKind[] {
  return path.startsWith('/lib') ? ['aws', 'filter'] : ['aws'];
}

/** How the host lays out its top-level system folders: each a link (merged /usr) or a real folder. */
export interface SystemLayout {
  links: ReadonlyArray<{ path: string; target: string }>;
  folders: readonly string[];
}

/** Reads the host's /bin, /sbin and /lib* (links or folders); the ones it lacks are left out. */
export function readSystemLayout(): SystemLayout {
  const links: Array<{ path: string; target: string }> = [];
  const folders: string[] = [];
  for (const path of systemFolders) {
    try {
      const stats = lstatSync(path);
      if (stats.isSymbolicLink()) links.push({ path, target: readlinkSync(path) });
      else if (stats.isDirectory()) folders.push(path);
    } catch {
      // Absent on this host.
    }
  }
  return { links, folders };
}

/**
 * The bwrap arguments that build a stage's root from nothing: the root entries for `kind`, then the system
 * folders as the host lays them out. /dev, /proc, the temporary folders and the stage's own paths (its program
 * when the root does not show it, its AWS files, its working directory) are the caller's.
 */
export function buildRootArguments({ kind, layout }: { kind: StageKind; layout: SystemLayout }): string[] {
  const args: string[] = [];
  for (const entry of rootEntries) {
    if (entry.stages.includes(kind)) args.push('--ro-bind-try', entry.path, entry.path);
  }
  for (const { path, target } of layout.links) {
    if (systemFolderStages(path).includes(kind)) args.push('--symlink', target, path);
  }
  for (const path of layout.folders) {
    if (systemFolderStages(path).includes(kind)) args.push('--ro-bind', path, path);
  }
  return args;
}

/** Whether `path` is `folder` or lies under it (both absolute and normalized). */
export function isInside(path: string, folder: string): boolean {
  return path === folder || path.startsWith(`${folder}/`);
}

/** Whether the root of a `kind` stage already shows `path`, through one of its entries. */
export function isShownByRoot(path: string, kind: StageKind): boolean {
  return rootEntries.some((entry) => entry.stages.includes(kind) && isInside(path, entry.path));
}
