import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

/** The absolute path `name` resolves to on `searchPath`, as execvp would find it; undefined when absent. */
export function findExecutable(name: string, searchPath: string | undefined): string | undefined {
  if (name.includes('/')) return isExecutableFile(name) ? name : undefined;
  for (const directory of (searchPath ?? '').split(delimiter)) {
    if (directory === '' || !isAbsolute(directory)) continue;
    const candidate = join(directory, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
