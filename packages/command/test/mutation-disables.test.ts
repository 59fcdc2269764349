import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createTempDir } from '@aws-mcp/test-support';
import { describe, expect, it } from 'vitest';

const execFileAsync = promisify(execFile);
const repository = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const script = join(repository, 'scripts/mutation-disables.mjs');

/** Runs scripts/mutation-disables.mjs as `pnpm mutation` does, over `root`; its exit code and output. */
async function countDisables(root?: string): Promise<{ code: number; stdout: string }> {
  const args = root === undefined ? [script] : [script, '--root', root];
  try {
    const { stdout } = await execFileAsync(process.execPath, args);
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, stdout: failed.stdout };
  }
}

/** A checkout holding the three mutated source folders, with `files` (path → text) in them. */
async function makeCheckout(files: Record<string, string>): Promise<string> {
  const root = await createTempDir('mutation-disables-');
  for (const folder of ['packages/command/src', 'packages/executor/src', 'apps/server/src/tools']) {
    await mkdir(join(root, folder), { recursive: true });
  }
  for (const [file, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, file)), { recursive: true });
    await writeFile(join(root, file), text);
  }
  return root;
}

describe('scripts/mutation-disables.mjs', () => {
  it('finds every Stryker disable in the mutated packages with its reason', async () => {
    const { code, stdout } = await countDisables();
    expect(stdout).not.toContain('NO REASON');
    expect(stdout).toMatch(/^\d+ Stryker disable comment\(s\), 0 without a reason\.$/m);
    expect(code).toBe(0);
  });

  it('fails naming the file and line of a disable without a reason', async () => {
    const root = await makeCheckout({
      'packages/command/src/a.ts': [
        '// Stryker disable next-line StringLiteral: the message is not part of the behaviour',
        "const message = 'x';",
        '/* Stryker disable next-line all */',
        'const other = 1;',
      ].join('\n'),
      'packages/executor/src/deep/b.ts':
        'const y = 2; // Stryker disable next-line ConditionalExpression:   \n',
      'apps/server/src/tools/c.ts': '// Stryker restore all\n',
    });
    const { code, stdout } = await countDisables(root);
    expect(stdout).toContain('NO REASON packages/command/src/a.ts:3: /* Stryker disable next-line all */');
    expect(stdout).toContain(
      'NO REASON packages/executor/src/deep/b.ts:1: const y = 2; // Stryker disable next-line ConditionalExpression:',
    );
    expect(stdout).not.toContain('NO REASON packages/command/src/a.ts:1');
    expect(stdout).toContain('3 Stryker disable comment(s), 2 without a reason.');
    expect(code).toBe(1);
  });

  it('passes a checkout whose disables all carry a reason, and ignores the word in plain text', async () => {
    const root = await makeCheckout({
      'apps/server/src/tools/d.ts': [
        '// Stryker disable all: generated table, its generator is tested',
        "const text = 'Stryker disable next-line all';",
        '// Stryker restore all',
      ].join('\n'),
    });
    const { code, stdout } = await countDisables(root);
    expect(stdout).toContain('1 Stryker disable comment(s), 0 without a reason.');
    expect(code).toBe(0);
  });
});
