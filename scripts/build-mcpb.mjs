#!/usr/bin/env node
// Builds the .mcpb bundle (one-click install in Claude Desktop) from the built server: the bundled bin as
// server/index.js, the command package's data files beside it where the bundle looks for them (../catalog/ …),
// the LICENSE, and apps/server/mcpb/manifest.json with the package's version. Validates the manifest and packs
// with @anthropic-ai/mcpb. Prints the bundle's path, size and SHA-256 (server.json's fileSha256).
// Usage: node scripts/build-mcpb.mjs [OUT_DIR] (default build/); needs `pnpm build` first.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const serverPackage = join(root, 'apps', 'server');
const outDir = resolve(process.argv[2] ?? join(root, 'build'));
const { version, files } = JSON.parse(readFileSync(join(serverPackage, 'package.json'), 'utf8'));
const manifest = JSON.parse(readFileSync(join(serverPackage, 'mcpb', 'manifest.json'), 'utf8'));
const mcpb = join(serverPackage, 'node_modules', '.bin', 'mcpb');

if (!existsSync(join(serverPackage, 'dist', 'index.js'))) {
  console.error('build-mcpb: apps/server/dist/index.js is missing; run `pnpm build` first');
  process.exit(1);
}
const stage = join(outDir, 'mcpb-stage');
rmSync(stage, { recursive: true, force: true });
mkdirSync(join(stage, 'server'), { recursive: true });
// The bin and the bundle it runs (no source map, no code cache: the bin writes that beside it at the first start).
for (const file of ['index.js', 'server.cjs']) {
  cpSync(join(serverPackage, 'dist', file), join(stage, 'server', file));
}
for (const entry of files.filter((name) => name !== 'dist' && !name.startsWith('!'))) {
  cpSync(join(serverPackage, entry), join(stage, entry), { recursive: true });
}
cpSync(join(root, 'LICENSE'), join(stage, 'LICENSE'));
writeFileSync(join(stage, 'manifest.json'), `${JSON.stringify({ ...manifest, version }, null, 2)}\n`);

const run = (args) =>
  execFileSync(mcpb, args, { cwd: stage, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
run(['validate', join(stage, 'manifest.json')]);
const bundle = join(outDir, `aws-mcp-${version}.mcpb`);
rmSync(bundle, { force: true });
run(['pack', stage, bundle]);
rmSync(stage, { recursive: true, force: true });
const sha256 = createHash('sha256').update(readFileSync(bundle)).digest('hex');
console.log(
  `build-mcpb: ${bundle} (${(statSync(bundle).size / 1024 / 1024).toFixed(1)} MiB, sha256 ${sha256})`,
);
