import { mkdtempSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { cleanUpWhenTestEnds } from './_cleanup.js';

/**
 * Makes a fresh folder under the system's temp folder (`PREFIX` and six random characters) and removes it,
 * with everything in it, when the current test ends. Throws when called outside a test: in a hook, use
 * `useTempDir()` instead.
 */
export async function createTempDir(prefix: string): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), prefix));
  if (!cleanUpWhenTestEnds(() => rm(folder, { recursive: true, force: true }))) {
    await rm(folder, { recursive: true, force: true });
    throw new Error(
      'createTempDir() removes its folder when the test ends, so it only works inside a test; in a hook or at ' +
        'the top of a file, call useTempDir() in the describe block instead',
    );
  }
  return folder;
}

/** `createTempDir()` for synchronous code: the same folder, removed when the current test ends; throws outside a test. */
export function createTempDirSync(prefix: string): string {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  if (!cleanUpWhenTestEnds(() => rmSync(folder, { recursive: true, force: true }))) {
    rmSync(folder, { recursive: true, force: true });
    throw new Error(
      'createTempDirSync() removes its folder when the test ends, so it only works inside a test; in a hook or ' +
        'at the top of a file, call useTempDir() in the describe block instead',
    );
  }
  return folder;
}

/** A folder that `useTempDir()` makes before the tests and removes after them. */
export interface TempDirRef {
  /** Its path; throws before the folder is made (outside the describe block's tests and hooks). */
  readonly path: string;
}

/**
 * Called in a describe block (or at the top of a file): makes a fresh temp folder before its tests (once, or
 * before each one with `each: true`) and removes it after them.
 */
export function useTempDir(prefix: string, { each = false }: { each?: boolean } = {}): TempDirRef {
  let current: string | undefined;
  (each ? beforeEach : beforeAll)(async () => {
    current = await mkdtemp(join(tmpdir(), prefix));
  });
  (each ? afterEach : afterAll)(async () => {
    if (current !== undefined) await rm(current, { recursive: true, force: true });
    current = undefined;
  });
  return {
    get path(): string {
      if (current === undefined)
        throw new Error(`the temp folder ${prefix}… exists only while its tests run`);
      return current;
    },
  };
}
