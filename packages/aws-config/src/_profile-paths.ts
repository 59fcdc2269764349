import { join } from 'node:path';
import type { AwsConfigErrorCode } from './aws-config-error.js';
import { findExecutable } from './find-executable.js';
import type { AwsProfileSummary, ProfilePaths } from './read-aws-setup.js';

const pathSettingNames: Record<keyof ProfilePaths, string> = {
  credentialProcess: 'credential_process',
  webIdentityTokenFile: 'web_identity_token_file',
  caBundle: 'ca_bundle',
};

/**
 * The profile's paths as the sandbox needs them: `~` expanded (with a HOME_NOT_EXPANDED warning) and a bare
 * credential_process name found on PATH (a PROGRAM_NOT_FOUND warning, and left out, when it is not there).
 */
export async function resolveProfilePaths(
  profile: AwsProfileSummary,
  options: {
    homeDir: string;
    searchPath: string | undefined;
    warn: (code: AwsConfigErrorCode, message: string) => void;
  },
): Promise<ProfilePaths> {
  const resolved: ProfilePaths = {};
  for (const key of Object.keys(profile.paths) as (keyof ProfilePaths)[]) {
    let path = profile.paths[key] as string;
    const setting = pathSettingNames[key];
    if (path === '~' || path.startsWith('~/')) {
      path = join(options.homeDir, path.slice(1));
      // botocore opens these paths and runs the program as written, so `~` stays literal for the CLI.
      options.warn(
        'HOME_NOT_EXPANDED',
        `Profile ${profile.name}: ${setting} starts with \`~\`, which the AWS CLI does not expand, so it will not find ${path}. Write the full path.`,
      );
    }
    if (key === 'credentialProcess' && !path.includes('/')) {
      const found = findExecutable(path, options.searchPath);
      if (found === undefined) {
        options.warn(
          'PROGRAM_NOT_FOUND',
          `Profile ${profile.name}: the credential_process program ${path} is not on PATH; the AWS CLI will fail to run it.`,
        );
        continue;
      }
      path = found;
    }
    resolved[key] = path;
  }
  return resolved;
}
