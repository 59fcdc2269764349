import { onTestFinished } from 'vitest';
import { getCurrentTest } from 'vitest/suite';

/** True while a test body runs (not a hook and not the file's top level). */
export function isInsideTest(): boolean {
  return getCurrentTest() !== undefined;
}

/** Runs `cleanup` when the current test ends, passing or failing; returns false outside a test (nothing registered). */
export function cleanUpWhenTestEnds(cleanup: () => unknown): boolean {
  if (!isInsideTest()) return false;
  onTestFinished(async () => {
    await cleanup();
  });
  return true;
}
