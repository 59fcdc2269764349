import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  target: 'node20',
  dts: true,
  sourcemap: true,
  clean: true,
  // Chunks, so the dynamically imported HTTP transports (http.ts) stay unevaluated until a server starts, also
  // inside a bundle built from this one.
  splitting: true,
});
