import { defineConfig } from 'vitest/config';

// Generous limits: these tests start real processes (the AWS CLI, emulators), and turbo runs packages in parallel.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Loaded through vitest rather than Node, so find-aws-cli.test.ts can load it again as on Windows.
    server: { deps: { inline: ['which'] } },
  },
});
