import { type FilterStage, resolveFilterInvocation } from '@aws-mcp/command';
import { loadExeca } from './_execa.js';
import { findExecutable } from './_find-executable.js';
import { ExecutionError, gawkInstallHint, gnuSedInstallHint } from './execution-error.js';

const gnuSedChecks = new Map<string, Promise<boolean>>();

/** Whether the sed at `path` is GNU sed 4.3 or later (the first with `--sandbox`); asked once per path. */
export function isGnuSed(path: string): Promise<boolean> {
  let check = gnuSedChecks.get(path);
  if (check === undefined) {
    check = loadExeca()
      .then((execa) =>
        execa(path, ['--version'], {
          reject: false,
          stdin: 'ignore',
          timeout: 10_000,
          env: {},
          extendEnv: false,
        }),
      )
      .then((result) => {
        // BusyBox prints "This is not GNU sed version 4.0"; only the GNU banner counts.
        const match = String(result.stdout).match(/^\S+ \(GNU sed\) (\d+)\.(\d+)/);
        if (result.exitCode !== 0 || match === null) return false;
        const [major, minor] = [Number(match[1]), Number(match[2])];
        return major > 4 || (major === 4 && minor >= 3);
      });
    gnuSedChecks.set(path, check);
  }
  return check;
}

/**
 * The program and argv a filter stage runs as, found on `searchPath`: `awk` as `gawk --sandbox`, `sed` as GNU
 * `sed --sandbox` (or `gsed`). Throws ExecutionError `GAWK_MISSING`, `GNU_SED_MISSING` (also for a sed that is
 * not GNU, which would not honour `--sandbox`) or `FILTER_UNAVAILABLE`, each saying what to install.
 */
export async function resolveFilterProgram(
  stage: FilterStage,
  searchPath: string | undefined,
): Promise<{ file: string; args: string[] }> {
  const invocation = resolveFilterInvocation(stage);
  if (invocation.file === 'sed') {
    for (const name of ['sed', 'gsed']) {
      const file = findExecutable(name, searchPath);
      if (file !== undefined && (await isGnuSed(file))) return { file, args: invocation.args };
    }
    throw new ExecutionError({ code: 'GNU_SED_MISSING', program: 'sed', message: gnuSedInstallHint });
  }
  const file = findExecutable(invocation.file, searchPath);
  if (file !== undefined) return { file, args: invocation.args };
  if (invocation.file === 'gawk') {
    throw new ExecutionError({ code: 'GAWK_MISSING', program: 'gawk', message: gawkInstallHint });
  }
  const install = invocation.packageHint ?? invocation.file;
  throw new ExecutionError({
    code: 'FILTER_UNAVAILABLE',
    program: invocation.file,
    message:
      `The \`${stage.name}\` filter needs \`${invocation.file}\`, which is not installed here. ` +
      `Install the \`${install}\` package (e.g. \`sudo apt-get install ${install}\`), or use another filter such as \`jq\`.`,
  });
}
