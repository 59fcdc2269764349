import { randomBytes } from 'node:crypto';
import { copyFile, lstat, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PrivateCopyRequest, Sandbox, SandboxStage } from './sandbox.js';
import { cacheFolderPrefix } from './sweep-cli-caches.js';

/** Cache entries are small JSON files; anything larger is not one and is neither copied nor kept. */
const maxEntryBytes = 1024 * 1024;

/** The private copies of one call: the stages as the sandbox wraps them, and the merge that ends them. */
export interface PrivateCopies {
  /** The stage with its private copies bound (or, for a sandbox that cannot, its folders writable as they are). */
  stages: SandboxStage[];
  /**
   * Merges back the kept entries that changed (each written beside the original and renamed over it) and
   * removes the copies. Returns the names merged; never throws (a failed merge keeps the original entry).
   */
  finish(): Promise<string[]>;
}

async function isSmallFile(path: string): Promise<boolean> {
  try {
    const stats = await lstat(path);
    return stats.isFile() && stats.size <= maxEntryBytes;
  } catch {
    return false;
  }
}

async function listEntries(folder: string): Promise<string[]> {
  try {
    return await readdir(folder);
  } catch {
    return [];
  }
}

async function copyFolder(from: string, to: string): Promise<void> {
  await mkdir(to, { mode: 0o700 });
  for (const name of await listEntries(from)) {
    if (await isSmallFile(join(from, name))) await copyFile(join(from, name), join(to, name));
  }
}

/** Writes one kept entry of `copy` over `target`'s when it changed and is a JSON object; true when it did. */
async function mergeEntry(copy: string, target: string, name: string): Promise<boolean> {
  const source = join(copy, name);
  if (!(await isSmallFile(source))) return false;
  const text = await readFile(source, 'utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return false;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const current = await readFile(join(target, name), 'utf8').catch(() => undefined);
  if (current === text) return false;
  await mkdir(target, { recursive: true, mode: 0o700 });
  const temporary = join(target, `.aws-mcp-${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temporary, text, { mode: 0o600, flag: 'wx' });
    await rename(temporary, join(target, name));
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  return true;
}

/**
 * Gives each stage's `privateCopies` (the CLI's caches) a private copy for this call, bound at the folder's own
 * path, when the sandbox `bindsPrivateCopies`; a sandbox that cannot (seatbelt, none) gets the folders writable as
 * they are. Only the entries a request `keep`s are merged back, so a file planted in a cache through an outfile
 * or a download (under any other name) never reaches the user's CLI. Throws what creating the copies throws.
 */
export async function preparePrivateCopies(
  stages: readonly SandboxStage[],
  sandbox: Sandbox,
): Promise<PrivateCopies> {
  const requests = stages.flatMap((stage) => stage.privateCopies ?? []);
  if (requests.length === 0 || sandbox.bindsPrivateCopies !== true) {
    return {
      stages: stages.map((stage) => ({
        ...stage,
        writablePaths: [...stage.writablePaths, ...(stage.privateCopies ?? []).map(({ target }) => target)],
      })),
      finish: async () => [],
    };
  }
  // Named with this pid, so a start-up sweep knows it from a folder a killed process left (sweepStaleCliCaches).
  const base = await mkdtemp(join(tmpdir(), cacheFolderPrefix()));
  const copies: Array<{ request: PrivateCopyRequest; copy: string }> = [];
  try {
    for (const request of requests) {
      const copy = join(base, String(copies.length));
      await copyFolder(request.target, copy);
      copies.push({ request, copy });
    }
  } catch (error) {
    await rm(base, { recursive: true, force: true });
    throw error;
  }
  const copyOf = new Map(copies.map(({ request, copy }) => [request, copy]));
  return {
    stages: stages.map((stage) => ({
      ...stage,
      privateBinds: [
        ...(stage.privateBinds ?? []),
        ...(stage.privateCopies ?? []).map((request) => ({
          source: copyOf.get(request) as string,
          target: request.target,
        })),
      ],
    })),
    async finish() {
      const merged: string[] = [];
      for (const { request, copy } of copies) {
        const keep = new Set(request.keep);
        for (const name of await listEntries(copy)) {
          if (!keep.has(name)) continue;
          if (await mergeEntry(copy, request.target, name).catch(() => false)) merged.push(name);
        }
      }
      await rm(base, { recursive: true, force: true }).catch(() => {});
      return merged;
    },
  };
}
