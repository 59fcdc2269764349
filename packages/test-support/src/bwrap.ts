import { spawnSync } from 'node:child_process';
import { findExecutable } from '@aws-mcp/aws-config';
import { describe, it, type TestFunction } from 'vitest';

/** Why bubblewrap cannot confine a process here, or undefined when it can (checked once, by running it). */
export const bubblewrapMissing: string | undefined = explainBubblewrapMissing(process.env.PATH);

/** Why the bwrap found on `path` cannot confine a process, or undefined when a trial run succeeds. */
export function explainBubblewrapMissing(path: string | undefined): string | undefined {
  const bwrap = findExecutable('bwrap', path);
  if (bwrap === undefined) return 'bwrap is not on PATH (install bubblewrap)';
  // Present is not enough: user namespaces may be off (a container without them, a sysctl).
  const trial = spawnSync(
    bwrap,
    ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--unshare-all', 'true'],
    {
      encoding: 'utf8',
      timeout: 10_000,
    },
  );
  if (trial.status === 0) return undefined;
  const said = (trial.stderr ?? '').trim().split('\n')[0] ?? '';
  return `${bwrap} cannot run here: ${said || trial.error?.message || `exit ${trial.status}`}`;
}

/**
 * What a block that needs bubblewrap does: `run` where bubblewrap works, `skip` where it does not, and `fail`
 * where it does not under CI (`CI` set, not `0` or `false`), whose every sandboxed test must run.
 */
export function chooseBubblewrapBlock({
  missing,
  ci,
}: {
  missing: string | undefined;
  ci: string | undefined;
}): 'run' | 'skip' | 'fail' {
  if (missing === undefined) return 'run';
  return ci === undefined || ci === '' || ci === '0' || ci === 'false' ? 'skip' : 'fail';
}

const announced = new Set<string>();

function failUnderCi(): never {
  throw new Error(`${bubblewrapMissing}: under CI a sandboxed test must run, not skip`);
}

/**
 * `describe` for tests that need a working bubblewrap: where it is missing the block is skipped, its title says
 * why, and the reason is printed on stderr once per title. Under CI a missing bubblewrap is not skipped: the
 * block holds one failing test that says why instead.
 */
export function describeWithBubblewrap(title: string, body: () => void): void {
  const choice = chooseBubblewrapBlock({ missing: bubblewrapMissing, ci: process.env.CI });
  if (choice === 'run') {
    describe(title, body);
    return;
  }
  if (choice === 'fail') {
    describe(title, () => {
      it('has a working bubblewrap', failUnderCi);
    });
    return;
  }
  if (!announced.has(title)) {
    announced.add(title);
    process.stderr.write(`skipped "${title}": ${bubblewrapMissing}\n`);
  }
  describe.skip(`${title} (skipped: ${bubblewrapMissing})`, body);
}

/**
 * `it` for one test that needs a working bubblewrap in a block that does not: skipped where it is missing, with
 * the reason in its title; under CI it fails instead, saying why.
 */
export function itWithBubblewrap(title: string, body: TestFunction, timeoutMs?: number): void {
  const choice = chooseBubblewrapBlock({ missing: bubblewrapMissing, ci: process.env.CI });
  if (choice === 'run') it(title, body, timeoutMs);
  else if (choice === 'skip') it.skip(`${title} (skipped: ${bubblewrapMissing})`, body);
  else it(title, failUnderCi);
}
