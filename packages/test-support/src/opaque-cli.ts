import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Writes `folder/aws`, a shell script that execs `target` (default: `aws` on PATH) with its arguments: a CLI whose
 * Python the executor cannot find, as with a frozen v2 binary (no Python script either), so it masks nothing
 * inside the CLI. Returns the script's path. Throws for a target with a quote or a newline (never a path here).
 */
export async function writeOpaqueCli({
  folder,
  target = 'aws',
}: {
  folder: string;
  target?: string;
}): Promise<string> {
  if (/['\n]/.test(target)) throw new Error(`writeOpaqueCli: a target with a quote or a newline: ${target}`);
  const file = join(folder, 'aws');
  await writeFile(file, `#!/bin/sh\nexec '${target}' "$@"\n`, { mode: 0o755 });
  return file;
}
