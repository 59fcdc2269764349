import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  buildRootArguments,
  isShownByRoot,
  readSystemLayout,
  rootEntries,
  type SystemLayout,
} from './_sandbox-root.js';

const mergedUsr: SystemLayout = {
  links: [
    { path: '/bin', target: 'usr/bin' },
    { path: '/sbin', target: 'usr/sbin' },
    { path: '/lib', target: 'usr/lib' },
    { path: '/lib64', target: 'usr/lib64' },
  ],
  folders: [],
};
const splitUsr: SystemLayout = { links: [], folders: ['/bin', '/sbin', '/lib', '/lib64'] };

/** The host paths an argument list shows, as [option, source] pairs. */
function listSources(args: string[]): string[] {
  const sources: string[] = [];
  args.forEach((arg, index) => {
    if (/^--(ro-)?bind(-try)?$/.test(arg)) sources.push(args[index + 1] as string);
  });
  return sources;
}

describe('buildRootArguments', () => {
  const withheld = ['/', '/etc', '/etc/shadow', '/etc/passwd', '/etc/group', '/etc/ssl', '/etc/ssl/private'];
  const withheldFolders = [
    '/root',
    '/home',
    '/opt',
    '/srv',
    '/var',
    '/var/lib',
    '/mnt',
    '/media',
    '/run',
    '/sys',
  ];

  it.each(['aws', 'filter'] as const)('shows a %s stage none of the host but its rows', (kind) => {
    const sources = listSources(buildRootArguments({ kind, layout: mergedUsr }));
    for (const path of [...withheld, ...withheldFolders]) expect(sources).not.toContain(path);
    for (const source of sources) {
      expect(withheldFolders.some((folder) => source.startsWith(`${folder}/`))).toBe(false);
    }
  });

  it('shows the aws stage /usr and the /etc files for names, TLS and help', () => {
    const sources = listSources(buildRootArguments({ kind: 'aws', layout: mergedUsr }));
    expect(sources).toEqual(
      expect.arrayContaining(['/usr', '/etc/resolv.conf', '/etc/hosts', '/etc/ssl/certs']),
    );
    expect(sources).toContain('/etc/groff');
  });

  it('shows a filter libraries and locales but not /usr/bin, the network files or the CA certificates', () => {
    const sources = listSources(buildRootArguments({ kind: 'filter', layout: mergedUsr }));
    expect(sources).toEqual(expect.arrayContaining(['/usr/lib', '/etc/ld.so.cache', '/usr/share/locale']));
    for (const path of [
      '/usr',
      '/usr/bin',
      '/etc/resolv.conf',
      '/etc/hosts',
      '/etc/ssl/certs',
      '/etc/alternatives',
    ]) {
      expect(sources).not.toContain(path);
    }
  });

  it('recreates the merged-/usr links as the host has them; a filter gets only the library ones', () => {
    const aws = buildRootArguments({ kind: 'aws', layout: mergedUsr }).join(' ');
    expect(aws).toContain('--symlink usr/bin /bin');
    expect(aws).toContain('--symlink usr/lib64 /lib64');
    const filter = buildRootArguments({ kind: 'filter', layout: mergedUsr }).join(' ');
    expect(filter).toContain('--symlink usr/lib /lib');
    expect(filter).not.toContain('/bin');
  });

  it('binds the real folders of a host without merged /usr', () => {
    expect(buildRootArguments({ kind: 'aws', layout: splitUsr }).join(' ')).toContain('--ro-bind /bin /bin');
    const filter = buildRootArguments({ kind: 'filter', layout: splitUsr }).join(' ');
    expect(filter).toContain('--ro-bind /lib64 /lib64');
    expect(filter).not.toContain('/sbin');
  });

  it('gives every row a reason', () => {
    for (const entry of rootEntries) expect(entry.reason.length).toBeGreaterThan(10);
  });
});

describe('isShownByRoot', () => {
  it.each([
    ['/usr/bin/jq', 'aws', true],
    ['/usr/bin/jq', 'filter', false],
    ['/usr/lib/x86_64-linux-gnu/libc.so.6', 'filter', true],
    ['/usr/library', 'filter', false],
    ['/opt/aws-cli/aws', 'aws', false],
    ['/etc/ssl/private/key.pem', 'aws', false],
  ] as const)('%s in a %s root: %s', (path, kind, shown) => {
    expect(isShownByRoot(path, kind)).toBe(shown);
  });
});

describe('readSystemLayout', () => {
  it('finds /bin and /lib on this host, as links or folders', () => {
    const layout = readSystemLayout();
    const found = [...layout.links.map((link) => link.path), ...layout.folders];
    expect(found).toEqual(expect.arrayContaining(['/bin', '/lib']));
  });
});

describe('the README', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('### What a stage sees'), readme.indexOf('### Limits'));
  it.each(rootEntries.map((entry) => [entry.path, entry.stages.join(', ')]))(
    'lists %s (%s) in what a stage sees',
    (path) => {
      expect(section).toContain(`\`${path}\``);
    },
  );
});
