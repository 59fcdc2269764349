import { defineConfig } from 'vitest/config';

/**
 * The settings every package's `vitest.config.ts` extends (`mergeConfig(shared, …)`); a package states only
 * where it differs, with the reason beside it.
 */
export default defineConfig({
  test: {
    // Generous limits: these tests start real processes (the AWS CLI, emulators), and turbo runs packages in
    // parallel on a small machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
