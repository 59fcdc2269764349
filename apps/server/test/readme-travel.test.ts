import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The README's "How a command travels" names the modules a command passes through; a rename must update it.
const root = join(import.meta.dirname, '..', '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const section = readme.slice(
  readme.indexOf('How a command travels'),
  readme.indexOf('`.ci/run` is what CI runs'),
);
const paths = [...section.matchAll(/`((?:apps|packages)\/[^`]+)`/g)].map((match) => match[1] as string);

/** The numbered steps, each with its continuation lines joined. */
const steps = section
  .split(/\n(?=\d\. )/)
  .filter((step) => /^\d\. /.test(step))
  .map((step) => step.replace(/\n\s+/g, ' '));

/** Each step's path, and the bare file names after it in that step, resolved in that path's folder. */
function namedFiles(): string[] {
  const files: string[] = [];
  for (const line of steps) {
    const full = /`((?:apps|packages)\/[^`]+)`/.exec(line)?.[1];
    if (full === undefined) continue;
    files.push(full);
    const folder = full.slice(0, full.lastIndexOf('/'));
    for (const match of line.matchAll(/`([\w.-]+\/)?([\w.-]+\.(?:ts|py))`/g)) {
      if (match[0].includes(full)) continue;
      files.push(
        match[1] === undefined
          ? join(folder, match[2] as string)
          : join(folder.replace(/\/src$/, ''), `${match[1]}${match[2]}`),
      );
    }
  }
  return files;
}

describe("the README's path of a command", () => {
  it('has five steps naming files', () => {
    expect(steps).toHaveLength(5);
    expect(paths.length).toBeGreaterThanOrEqual(4);
  });

  it.each(namedFiles())('names %s, which exists', (file) => {
    expect(existsSync(join(root, file))).toBe(true);
  });

  it('names the pipeline tool steps that exist in it', () => {
    // The tool's steps live in the tool's file and its steps module (_pipeline-steps.ts, which step 1 names).
    const tool = ['aws-cli-pipeline.ts', '_pipeline-steps.ts']
      .map((file) => readFileSync(join(root, 'apps/server/src/tools', file), 'utf8'))
      .join('\n');
    for (const step of ['parseCall', 'judgeCall', 'preflight', 'askConsent', 'runJudged', 'formatRun']) {
      expect(tool, step).toMatch(new RegExp(`function ${step}\\(`));
    }
  });
});
