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

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  dts: false,
  sourcemap: true,
  clean: true,
  // One file with every dependency inside: `npx` installs nothing but this package and starts faster. The
  // libraries stay separate packages, published on their own.
  noExternal: [/./],
  // Bundled CommonJS dependencies (the SDK's ajv, express) call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  onSuccess: async () => {
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
  },
});
