import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  target: 'node20',
  dts: true,
  sourcemap: true,
  clean: true,
  // The runner's own vitest (the workspace root's): a bundled copy would register hooks with no test runner.
  external: ['vitest', 'vitest/suite'],
});
