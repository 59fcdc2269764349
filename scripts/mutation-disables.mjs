#!/usr/bin/env node
// Counts the `Stryker disable` comments of the mutated packages and lists those without a reason; exits 1 when
// one has none. Stryker's syntax: `// Stryker disable [next-line] all|Mutator[,Mutator]: reason`.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The source folders `pnpm mutation` mutates (their stryker.config.mjs). */
export const mutatedFolders = ['packages/command/src', 'packages/executor/src', 'apps/server/src/tools'];

const directive = /Stryker\s+disable\b(?<rest>[^\n]*)/;

/**
 * Every `Stryker disable` comment in the mutated source files under `root`.
 * @returns {{ file: string, line: number, text: string, reason: string | undefined }[]} `reason` is undefined
 *   when the comment has no `: reason` after its mutators, or an empty one.
 */
export function findStrykerDisables(root, folders = mutatedFolders) {
  const found = [];
  for (const folder of folders) {
    for (const entry of readdirSync(path.join(root, folder), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !/\.[cm]?[jt]s$/.test(entry.name)) continue;
      const file = path.join(entry.parentPath, entry.name);
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((text, index) => {
          const match = directive.exec(text);
          if (match === null || !/\/\/|\/\*/.test(text.slice(0, match.index))) return;
          const rest = match.groups.rest.replace(/\*\/.*$/, '');
          const colon = rest.indexOf(':');
          const reason = colon === -1 ? '' : rest.slice(colon + 1).trim();
          found.push({
            file: path.relative(root, file),
            line: index + 1,
            text: text.trim(),
            reason: reason === '' ? undefined : reason,
          });
        });
    }
  }
  return found;
}

/** `file:line: text`, for a listing. */
export function formatDisable({ file, line, text }) {
  return `${file}:${line}: ${text}`;
}

if (process.argv[1] === import.meta.filename) {
  // `--root DIR`: another checkout (the test's temporary one).
  const rootIndex = process.argv.indexOf('--root');
  const root =
    rootIndex === -1 ? path.resolve(import.meta.dirname, '..') : path.resolve(process.argv[rootIndex + 1]);
  const disables = findStrykerDisables(root);
  for (const disable of disables) {
    console.log(`${disable.reason === undefined ? 'NO REASON ' : ''}${formatDisable(disable)}`);
  }
  const unexplained = disables.filter((disable) => disable.reason === undefined).length;
  console.log(`${disables.length} Stryker disable comment(s), ${unexplained} without a reason.`);
  process.exit(unexplained > 0 ? 1 : 0);
}
