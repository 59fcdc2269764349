import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// `pnpm test:reliability`: its own config so `pnpm test` never picks these up (their files end in
// `.reliability.mjs`). One file at a time: the tests read process tables and file descriptors.
export default defineConfig({
  test: {
    root: dirname(fileURLToPath(import.meta.url)),
    include: ['**/*.reliability.mjs'],
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 60_000,
    reporters: ['verbose'],
  },
});
