import { basename } from 'node:path';
import type { AwsSetup } from '@aws-mcp/aws-config';

/** Problems in an AWS file that make the CLI refuse the whole file (as the CLI's configparser does). */
const fileBreakingProblems = new Set([
  'DUPLICATE_SECTION',
  'DUPLICATE_KEY',
  'MALFORMED_LINE',
  'MALFORMED_SECTION',
]);

/**
 * For the CLI's "Unable to parse config file: PATH": which of the user's AWS files it is (the CLI may have read it
 * at a sandbox path) and the lines this server's own reading of that file found wrong.
 */
function explainUnreadableFile(cliPath: string, setup: AwsSetup): string {
  const { config, credentials } = setup.files;
  const file =
    cliPath === credentials.path || (cliPath !== config.path && /credentials/.test(basename(cliPath)))
      ? credentials
      : config;
  const problems = setup.warnings.filter(
    (warning) =>
      warning.path === file.path && warning.line !== undefined && fileBreakingProblems.has(warning.code),
  );
  const where =
    problems.length === 0
      ? ''
      : ` ${problems
          .slice(0, 3)
          .map((problem) => problem.message.replace(`${file.path}: `, ''))
          .join(' ')}`;
  return (
    `The AWS CLI cannot read the AWS file ${file.path}, so no command runs.${where} ` +
    'The user must fix the file; the server reads it again by itself when it changes (no restart).'
  );
}

/**
 * A file a credential helper, token file or CA bundle needed and did not find: Python's `[Errno 2] … 'PATH'` (the
 * CLI itself), or a helper's own `PROGRAM: PATH: No such file or directory` that the CLI passes on.
 */
const missingPath =
  /\[Errno 2\] No such file or directory: '(\/[^'\n]+)'|custom-process: [^\n]*?(\/[^\s:]+): No such file or directory/;

/**
 * Turns the AWS CLI's stderr into one sentence that says what to do next, when the cause is a known one. With the
 * AWS setup, a file the CLI cannot parse is named with the lines that break it.
 */
export function explainAwsFailure(
  stderr: string,
  profile: string | undefined,
  setup?: AwsSetup,
): string | undefined {
  const unreadable = /Unable to parse config file: (.+)/.exec(stderr);
  if (unreadable !== null && setup !== undefined)
    return explainUnreadableFile((unreadable[1] as string).trim(), setup);
  const profileText = profile === undefined ? 'the default profile' : `profile \`${profile}\``;
  // Only absolute paths, and never a parameter file (`file://x.json` missing from the working directory): those
  // are the user's own files, which the CLI names itself.
  const missing = /Unable to load paramfile/.test(stderr) ? null : missingPath.exec(stderr);
  if (missing !== null) {
    const path = missing[1] ?? missing[2];
    return `The CLI, or a credential helper of ${profileText}, could not find ${path}. It does not exist, or the sandbox does not show it: the aws stage sees only /usr, the CLI, the AWS files and the files a profile names itself (credential_process, web_identity_token_file, ca_bundle). Ask the user to give its folder in AWS_MCP_SANDBOX_READ_PATHS for the server.`;
  }
  const loginProfile = profile === undefined ? '' : ` --profile ${profile}`;
  if (
    /SSO session .* expired|Error loading SSO Token|Token has expired and refresh failed|sso.*expired/i.test(
      stderr,
    )
  ) {
    return `The SSO session for ${profileText} has expired: the user must run \`aws sso login${loginProfile}\` in a terminal, then retry.`;
  }
  if (/Unable to locate credentials|NoCredentialProviders|partial credentials/i.test(stderr)) {
    return `No AWS credentials were found for ${profileText}: the user must configure them (\`aws configure${loginProfile}\` in a terminal, or environment variables), or choose another profile.`;
  }
  if (/The config profile \(([^)]+)\) could not be found/.test(stderr)) {
    return 'That profile is not configured; read the aws://config/profiles resource for the configured ones.';
  }
  if (/ExpiredToken|RequestExpired|security token included in the request is expired/i.test(stderr)) {
    return `The credentials of ${profileText} have expired: refresh them (for SSO, \`aws sso login${loginProfile}\`), then retry.`;
  }
  if (
    /InvalidClientTokenId|SignatureDoesNotMatch|UnrecognizedClientException|InvalidAccessKeyId/.test(stderr)
  ) {
    return `AWS rejected the credentials of ${profileText}: they are wrong or deactivated.`;
  }
  if (/AccessDenied|UnauthorizedOperation|not authorized to perform/i.test(stderr)) {
    return `The identity behind ${profileText} is not allowed to do this; IAM denied it. Try a read, another profile, or ask for the permission.`;
  }
  if (/You must specify a region/i.test(stderr)) {
    return 'No region is set: pass the `region` argument (e.g. `us-east-1`) or set AWS_REGION for the server.';
  }
  if (
    /Invalid choice|Unknown options|argument .* is required|the following arguments are required/i.test(
      stderr,
    )
  ) {
    return 'The command or its options are not valid for this CLI: read `aws_cli_help` for the service and command, then retry.';
  }
  if (/Could not connect to the endpoint URL|Connection refused|Connect timeout/i.test(stderr)) {
    return 'The AWS endpoint could not be reached: check the region, the endpoint URL and the network.';
  }
  return undefined;
}
