import { readFile } from 'node:fs/promises';
import { type AwsIniSection, parseAwsIni } from './_parse-aws-ini.js';
import type { AwsFileKind, AwsFileStatus, AwsSetupWarning } from './read-aws-setup.js';

/**
 * Reads one AWS ini file into sections. A missing or unreadable file is no sections plus a FILE_MISSING or
 * FILE_UNREADABLE warning; each malformed line is a warning with the file's path and the line. Never throws.
 */
export async function readIniFile(
  kind: AwsFileKind,
  location: Pick<AwsFileStatus, 'path' | 'source'>,
  warnings: AwsSetupWarning[],
): Promise<{ status: AwsFileStatus; sections: AwsIniSection[] }> {
  const label = kind === 'config' ? 'AWS config file' : 'AWS credentials file';
  let text: string;
  try {
    text = await readFile(location.path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const missing = code === 'ENOENT' || code === 'ENOTDIR';
    warnings.push({
      code: missing ? 'FILE_MISSING' : 'FILE_UNREADABLE',
      message: missing
        ? `No ${label} at ${location.path}; its part of the setup is empty.`
        : `The ${label} at ${location.path} cannot be read (${code ?? 'unknown error'}); its part of the setup is empty.`,
      path: location.path,
    });
    return { status: { ...location, exists: !missing, readable: false }, sections: [] };
  }
  const { sections, problems } = parseAwsIni(text);
  for (const problem of problems) {
    warnings.push({ ...problem, message: `${location.path}: ${problem.message}`, path: location.path });
  }
  return { status: { ...location, exists: true, readable: true }, sections };
}
