import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findExecutable } from '@aws-mcp/aws-config';

const execFileAsync = promisify(execFile);

/** Debian's CLI v2 and its botocore models, which the installer-style layout below runs and copies. */
export const debianAws = '/usr/bin/aws';
export const debianData = '/usr/lib/python3/dist-packages/awscli/botocore/data';

const compiler = findExecutable('cc', process.env.PATH);

/** Why a frozen CLI cannot be built here (no C compiler, no Debian awscli); undefined when it can. */
export const frozenCliMissing: string | undefined =
  compiler === undefined
    ? 'no C compiler (cc) to build the launcher'
    : !existsSync(debianAws) || !existsSync(join(debianData, 'endpoints.json'))
      ? "Debian's awscli (v2) is not installed"
      : undefined;

const launcher = `#include <string.h>
#include <stdio.h>
#include <unistd.h>
int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "--version") == 0) {
    puts("aws-cli/2.31.0 Python/3.13.7 Linux/6.12 exe/x86_64.debian.12");
    return 0;
  }
  argv[0] = "/usr/bin/aws";
  execv("/usr/bin/aws", argv);
  perror("execv");
  return 127;
}
`;

/**
 * An installer-style frozen CLI v2 in `folder` (`aws/dist/aws`, no Python to import, its own botocore models in
 * `aws/dist/awscli/botocore/data`): a small compiled launcher (not a script: a frozen build has no shebang) that says
 * it is 2.31.0 and otherwise execs Debian's v2, beside a copy of Debian's models of `services`. Returns the launcher
 * and the data folder. Check {@link frozenCliMissing} first.
 */
export async function buildFrozenCli(
  folder: string,
  { services = ['sts', 'sqs', 's3'] }: { services?: string[] } = {},
): Promise<{ aws: string; dataDirectory: string }> {
  const dist = join(folder, 'aws', 'dist');
  const dataDirectory = join(dist, 'awscli', 'botocore', 'data');
  await mkdir(dataDirectory, { recursive: true });
  await cp(join(debianData, 'endpoints.json'), join(dataDirectory, 'endpoints.json'));
  for (const service of services) {
    await cp(join(debianData, service), join(dataDirectory, service), { recursive: true });
  }
  await writeFile(join(folder, 'launcher.c'), launcher);
  await execFileAsync(compiler as string, ['-O', '-o', join(dist, 'aws'), join(folder, 'launcher.c')]);
  return { aws: join(dist, 'aws'), dataDirectory };
}
