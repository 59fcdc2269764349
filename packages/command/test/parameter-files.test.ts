import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSnapshotCliModel } from '../src/cli-model.js';
import { CommandError, parseCommandLine, validatePipeline } from '../src/index.js';
import { type CliOracle, findCliPython, probeCliPython, startCliOracle } from './cli-oracle.js';

/**
 * The CLI is the oracle for which values it opens as parameter files: each argv goes to the installed CLI's own
 * driver (scripts/cli-oracle.py, stopped before any request) in a folder holding `present.txt`, and to
 * validatePipeline with a working directory holding the same file. The CLI fails with "Unable to load paramfile"
 * exactly where validation refuses with PARAMETER_FILE_MISSING, before anything runs.
 */

const clis = new Map<number, string>();
for (const aws of ['aws', '/usr/bin/aws']) {
  const python = findCliPython(aws);
  const version = probeCliPython(python);
  if (python !== undefined && version !== undefined && !clis.has(Number(version.split('.')[0]))) {
    clis.set(Number(version.split('.')[0]), python);
  }
}

/** An argv after `aws`, and whether each CLI major opens a missing file for it. */
const cases: Array<[string[], { v1: boolean; v2: boolean }]> = [
  [['ec2', 'describe-instances', '--filters', 'file://missing.json'], { v1: true, v2: true }],
  [['ec2', 'describe-instances', '--filters=fileb://missing.json'], { v1: true, v2: true }],
  // A list of one value is opened, a list of two is not (the handler takes `value[0]` only for one).
  [['ec2', 'describe-instances', '--instance-ids', 'file://missing.json'], { v1: true, v2: true }],
  [
    ['ec2', 'describe-instances', '--instance-ids', 'file://missing.json', 'file://present.txt'],
    { v1: false, v2: false },
  ],
  // The prefix is matched case-sensitively.
  [['sqs', 'get-queue-url', '--queue-name', 'FILE://missing.json'], { v1: false, v2: false }],
  // CLI v1 exempts parameters that name a URL (PARAMFILE_DISABLED); v2 has no such list.
  [
    ['cloudformation', 'create-stack', '--stack-name', 's', '--template-url', 'file://missing.json'],
    { v1: false, v2: true },
  ],
  // Positionals are unpacked as well: an OUTFILE, `s3 ls`'s path; `s3 cp`'s two paths are a list of two.
  [['s3api', 'get-object', '--bucket', 'b', '--key', 'k', 'file://missing.out'], { v1: true, v2: true }],
  [['s3', 'ls', 'file://missing'], { v1: true, v2: true }],
  // `--exclude` appends one-word lists (`nargs=1`), so even one of them is a list holding a list: not opened.
  [['s3', 'cp', 'present.txt', 's3://b/k', '--exclude', 'file://missing'], { v1: false, v2: false }],
  [['s3', 'cp', 'file://missing', 's3://b/k'], { v1: false, v2: false }],
  [
    ['lambda', 'invoke', '--function-name', 'f', '--payload', 'fileb://missing', 'out.json'],
    { v1: true, v2: true },
  ],
  [
    ['ec2', 'run-instances', '--image-id', 'ami-1', '--user-data', 'file://present.txt'],
    { v1: false, v2: false },
  ],
  [['sqs', 'get-queue-url', '--queue-name', 'file://present.txt'], { v1: false, v2: false }],
];

describe.each([1, 2] as const)('parameter files, against the installed AWS CLI v%i', (major) => {
  const python = clis.get(major);
  const title =
    python === undefined
      ? `(skipped: no Python importing awscli ${major}.x behind aws or /usr/bin/aws)`
      : `on ${loadSnapshotCliModel(major).index.cliVersion}`;
  describe.skipIf(python === undefined)(title, () => {
    let oracle: CliOracle;
    let workdir: string;
    beforeAll(async () => {
      workdir = mkdtempSync(join(tmpdir(), 'parameter-files-'));
      writeFileSync(join(workdir, 'present.txt'), 'present');
      oracle = await startCliOracle({ python, jobs: 2 });
    }, 120_000);
    afterAll(async () => {
      await oracle?.close();
      rmSync(workdir, { recursive: true, force: true });
    });

    function refusal(words: string[]): CommandError | undefined {
      const model = loadSnapshotCliModel(major);
      try {
        validatePipeline(
          parseCommandLine({ args: ['aws', ...words] }, { model, workdir }),
          { mode: 'full' },
          { workdir },
        );
      } catch (error) {
        if (CommandError.isInstance(error)) return error;
        throw error;
      }
      return undefined;
    }

    it('refuses a missing file exactly where the CLI would fail to load it, naming the parameter and the file', async () => {
      const answers = await oracle.askMany(
        cases.map(([words]) => ({
          argv: words,
          files: { 'present.txt': 'present' },
          until: 'call' as const,
        })),
      );
      const seen = cases.map(([words, expected], index) => {
        const answer = answers[index];
        const error = refusal(words);
        return {
          words: words.join(' '),
          expected: major === 1 ? expected.v1 : expected.v2,
          cli: answer?.stderr.includes('Unable to load paramfile') === true,
          ours: error?.code === 'PARAMETER_FILE_MISSING',
          message: error?.code === 'PARAMETER_FILE_MISSING' ? error.message : undefined,
        };
      });
      for (const row of seen) {
        expect({ words: row.words, cli: row.cli, ours: row.ours }).toEqual({
          words: row.words,
          cli: row.expected,
          ours: row.expected,
        });
        if (row.message !== undefined) {
          expect(row.message).toMatch(/`(--[a-z-]+|[A-Z]+) fileb?:\/\/missing[^`]*`/);
          expect(row.message).toContain('not a file in the working directory');
        }
      }
    });
  });
});
