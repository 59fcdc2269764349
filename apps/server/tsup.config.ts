import { cpSync, existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'tsup';

const commandPackage = new URL('../../packages/command/', import.meta.url);

/**
 * The data files @aws-mcp/command reads beside its code (catalog, CLI models, the model generator): its own
 * package.json `files`, less `dist`. Bundled, that code finds them relative to this package's `dist/index.js`
 * (`new URL('../catalog/', import.meta.url)`), so they are copied to the same places here.
 */
export const commandDataFiles: string[] = (
  JSON.parse(readFileSync(new URL('package.json', commandPackage), 'utf8')) as { files: string[] }
).files.filter((entry) => entry !== 'dist');

/** Copies the command package's data files beside dist, swapped in whole. */
function copyCommandDataFiles(): void {
  for (const entry of commandDataFiles) {
    const target = fileURLToPath(new URL(entry, new URL('./', import.meta.url)));
    // Copied beside and swapped in, so a server that is running from this folder never finds a file missing.
    const fresh = `${target}.new`;
    const stale = `${target}.old`;
    rmSync(fresh, { recursive: true, force: true });
    rmSync(stale, { recursive: true, force: true });
    cpSync(new URL(entry, commandPackage), fresh, { recursive: true });
    if (existsSync(target)) renameSync(target, stale);
    renameSync(fresh, target);
    rmSync(stale, { recursive: true, force: true });
  }
}

export default defineConfig([
  {
    // The server: one CommonJS file with every dependency inside (`npx` installs nothing but this package), so the
    // bin can run it through vm.Script with V8's code cache (src/_code-cache.ts; Node 20 caches no ES module).
    // The libraries stay separate packages, published on their own.
    entry: { server: 'src/index.ts' },
    format: ['cjs'],
    platform: 'node',
    target: 'node20',
    dts: false,
    sourcemap: true,
    // Not the bin, which the other build writes at the same time; the code cache too (it names an older bundle).
    clean: ['server.cjs*', 'chunk-*', 'index.js.map'],
    noExternal: [/./],
    // `import.meta.url` (the command package finds its data files by it) from the bundle's own path.
    shims: true,
    // One file: a dynamic import() inside it (the HTTP transport) stays unevaluated until called.
    splitting: false,
    esbuildOptions(options) {
      options.minifyWhitespace = true;
      options.minifySyntax = true;
    },
    onSuccess: async () => copyCommandDataFiles(),
  },
  {
    // The bin: Node's built-ins only, apart from the bundle it runs.
    entry: { index: 'src/bin.ts' },
    format: ['esm'],
    platform: 'node',
    target: 'node20',
    dts: false,
    sourcemap: false,
    clean: false,
    splitting: false,
  },
]);
