import { basename } from 'node:path';
import type { AwsSetup } from '@aws-mcp/aws-config';

/**
 * The names a sentence uses for the caller's own means (a setting, a resource, a tool). The defaults name this
 * library's options and the CLI's own commands; an app passes its names so the person reads the knobs they have.
 */
export interface AwsFailureNames {
  /** Where more folders are shown to the aws stage. Default: the `readOnlyPaths` run option. */
  readPathsSetting: string;
  /** Where the configured profiles are listed. Default: `aws configure list-profiles`. */
  profilesResource: string;
  /** How a region is chosen, as an instruction. Default: `--region` or AWS_REGION. */
  regionChoice: string;
  /** Where a command's options are read. Default: the CLI's `aws SERVICE COMMAND help`. */
  helpTool: string;
  /** What happens once an unreadable AWS file is fixed. Default: run the command again. */
  reloads: string;
}

/** What {@link explainAwsFailure} reads besides the CLI's stderr. */
export interface ExplainAwsFailureOptions {
  /** The profile the call ran with; undefined for the default profile. */
  profile?: string | undefined;
  /** The AWS files as readAwsSetup read them: a file the CLI cannot parse is then named with its broken lines. */
  setup?: AwsSetup | undefined;
  names?: Partial<AwsFailureNames>;
}

const defaultNames: AwsFailureNames = {
  readPathsSetting: 'the `readOnlyPaths` run option',
  profilesResource: 'the output of `aws configure list-profiles`',
  regionChoice: 'pass `--region` (e.g. `us-east-1`) or set AWS_REGION',
  helpTool: 'the CLI help (`aws SERVICE COMMAND help`)',
  reloads: 'then run the command again',
};

/** Problems in an AWS file that make the CLI refuse the whole file (as the CLI's configparser does). */
const fileBreakingProblems = new Set([
  'DUPLICATE_SECTION',
  'DUPLICATE_KEY',
  'MALFORMED_LINE',
  'MALFORMED_SECTION',
]);

/**
 * For the CLI's "Unable to parse config file: PATH": which of the user's AWS files it is (the CLI may have read it
 * at a sandbox path) and the lines readAwsSetup found wrong in that file.
 */
function explainUnreadableFile(cliPath: string, setup: AwsSetup, names: AwsFailureNames): string {
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
  return `The AWS CLI cannot read the AWS file ${file.path}, so no command runs.${where} The user must fix the file; ${names.reloads}.`;
}

/**
 * A file a credential helper, token file or CA bundle needed and did not find: Python's `[Errno 2] … 'PATH'` (the
 * CLI itself), or a helper's own `PROGRAM: PATH: No such file or directory` that the CLI passes on.
 */
const missingPath =
  /\[Errno 2\] No such file or directory: '(\/[^'\n]+)'|custom-process: [^\n]*?(\/[^\s:]+): No such file or directory/;

/** What a sentence is made from: the stderr and the words for the profile and the caller's names. */
interface FailureContext {
  stderr: string;
  profileText: string;
  loginProfile: string;
  names: AwsFailureNames;
}

/** One known cause: when the CLI's stderr shows it, and the sentence with the next step. */
interface FailureRow {
  id: string;
  /** Why the row exists: what the person is left with without it. */
  reason: string;
  explain(context: FailureContext): string | undefined;
}

/** The causes, in the order they are tried; the first that applies is given. */
const failureRows: readonly FailureRow[] = [
  {
    id: 'missing-file',
    reason:
      'a file the sandbox does not show looks like a missing file, and the fix (show its folder) is nowhere in the message',
    explain: ({ stderr, profileText, names }) => {
      // Only absolute paths, and never a parameter file (`file://x.json` missing from the working directory):
      // those are the user's own files, which the CLI names itself.
      const missing = /Unable to load paramfile/.test(stderr) ? null : missingPath.exec(stderr);
      if (missing === null) return undefined;
      const path = missing[1] ?? missing[2];
      return `The CLI, or a credential helper of ${profileText}, could not find ${path}. It does not exist, or the sandbox does not show it: the aws stage sees only /usr, the CLI, the AWS files and the files a profile names itself (credential_process, web_identity_token_file, ca_bundle). Ask the user to give its folder in ${names.readPathsSetting}.`;
    },
  },
  {
    id: 'sso-expired',
    reason: 'only the person can log in again, in a terminal; a model would retry',
    explain: ({ stderr, profileText, loginProfile }) =>
      /SSO session .* expired|Error loading SSO Token|Token has expired and refresh failed|sso.*expired/i.test(
        stderr,
      )
        ? `The SSO session for ${profileText} has expired: the user must run \`aws sso login${loginProfile}\` in a terminal, then retry.`
        : undefined,
  },
  {
    id: 'no-credentials',
    reason: 'the CLI suggests `aws configure`, which a model cannot run for the person',
    explain: ({ stderr, profileText, loginProfile }) =>
      /Unable to locate credentials|NoCredentialProviders|partial credentials/i.test(stderr)
        ? `No AWS credentials were found for ${profileText}: the user must configure them (\`aws configure${loginProfile}\` in a terminal, or environment variables), or choose another profile.`
        : undefined,
  },
  {
    id: 'unknown-profile',
    reason: 'the CLI names the missing profile but not where the configured ones are listed',
    explain: ({ stderr, names }) =>
      /The config profile \(([^)]+)\) could not be found/.test(stderr)
        ? `That profile is not configured; read ${names.profilesResource} for the configured ones.`
        : undefined,
  },
  {
    id: 'expired-credentials',
    reason: 'an expired token reads like a permission error; the fix is a refresh, not another command',
    explain: ({ stderr, profileText, loginProfile }) =>
      /ExpiredToken|RequestExpired|security token included in the request is expired/i.test(stderr)
        ? `The credentials of ${profileText} have expired: refresh them (for SSO, \`aws sso login${loginProfile}\`), then retry.`
        : undefined,
  },
  {
    id: 'rejected-credentials',
    reason: 'AWS error codes such as InvalidClientTokenId do not say that the keys themselves are wrong',
    explain: ({ stderr, profileText }) =>
      /InvalidClientTokenId|SignatureDoesNotMatch|UnrecognizedClientException|InvalidAccessKeyId/.test(stderr)
        ? `AWS rejected the credentials of ${profileText}: they are wrong or deactivated.`
        : undefined,
  },
  {
    id: 'access-denied',
    reason: 'a model retries a denied call with small changes; IAM will deny it again',
    explain: ({ stderr, profileText }) =>
      /AccessDenied|UnauthorizedOperation|not authorized to perform/i.test(stderr)
        ? `The identity behind ${profileText} is not allowed to do this; IAM denied it. Try a read, another profile, or ask for the permission.`
        : undefined,
  },
  {
    id: 'no-region',
    reason: 'the CLI suggests `aws configure`; the caller has its own way to choose a region',
    explain: ({ stderr, names }) =>
      /You must specify a region/i.test(stderr) ? `No region is set: ${names.regionChoice}.` : undefined,
  },
  {
    id: 'invalid-command',
    reason: "the CLI's usage banner and choice list do not say where the valid options are documented",
    explain: ({ stderr, names }) =>
      /Invalid choice|Unknown options|argument .* is required|the following arguments are required/i.test(
        stderr,
      )
        ? `The command or its options are not valid for this CLI: read ${names.helpTool} for the service and command, then retry.`
        : undefined,
  },
  {
    id: 'unreachable-endpoint',
    reason: 'a connection failure says nothing of its usual causes: a wrong region, endpoint URL or network',
    explain: ({ stderr }) =>
      /Could not connect to the endpoint URL|Connection refused|Connect timeout/i.test(stderr)
        ? 'The AWS endpoint could not be reached: check the region, the endpoint URL and the network.'
        : undefined,
  },
];

/** The ids of the cause rows, in the order they are tried (for tests and docs). */
export const awsFailureIds: readonly string[] = ['unreadable-file', ...failureRows.map((row) => row.id)];

/**
 * Turns the AWS CLI's stderr into one sentence that says what to do next, when the cause is a known one
 * (credentials, SSO, profile, region, permissions, an invalid command, an unreachable endpoint, a file the
 * sandbox does not show); undefined otherwise. With `setup`, a file the CLI cannot parse is named with the lines
 * that break it. The sentences name this library's options unless `names` gives the caller's own.
 */
export function explainAwsFailure(
  stderr: string,
  options: ExplainAwsFailureOptions = {},
): string | undefined {
  const names = { ...defaultNames, ...options.names };
  const unreadable = /Unable to parse config file: (.+)/.exec(stderr);
  if (unreadable !== null && options.setup !== undefined)
    return explainUnreadableFile((unreadable[1] as string).trim(), options.setup, names);
  const context: FailureContext = {
    stderr,
    profileText: options.profile === undefined ? 'the default profile' : `profile \`${options.profile}\``,
    loginProfile: options.profile === undefined ? '' : ` --profile ${options.profile}`,
    names,
  };
  for (const row of failureRows) {
    const sentence = row.explain(context);
    if (sentence !== undefined) return sentence;
  }
  return undefined;
}
