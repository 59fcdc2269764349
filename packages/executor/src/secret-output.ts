import { classifyAwsStage, type Pipeline } from '@aws-mcp/command';

/**
 * What to do with the secrets a pipeline's output carries:
 * - `mask` (the default): masked at the source, inside the CLI before `--query` and formatting, so no filter,
 *   `--query` or `--output` choice can bring one back;
 * - `show`: returned as they are (the person chose to see them);
 * - `{ saveTo }`: the pipeline's unmasked final stdout is written to this new file (an absolute path whose parent
 *   folder exists and is private, mode 0700; the file is created with mode 0600 and must not exist), and the result
 *   carries a masked view.
 */
export type SecretsHandling = 'mask' | 'show' | { saveTo: string };

/** What happened to the secrets of one run. */
export interface PipelineSecrets {
  /** How many values were masked in what the result returns (output, stderr, filter stderr). */
  masked: number;
  /**
   * The secret output members the response carried (`Credentials.SecretAccessKey`; `*` for a command whose
   * whole output is a secret), whether they were masked, shown or saved.
   */
  members: string[];
  /** With `{ saveTo }`: the file the unmasked output was written to, and its size. */
  saved?: { path: string; bytes: number };
}

/** Whether, and where, a validated call's output carries secrets. */
export interface SecretOutput {
  /** True when the output carries secrets: some members of the response, or the whole output. */
  hasSecretOutput: boolean;
  /**
   * Output member paths that carry secrets, from the command package's classification: `.` between members, `[]`
   * list items, `{}` map values; `*` when the whole output is the secret (`s3 presign`, `ecr get-login-password`).
   */
  members: string[];
  /**
   * True when the CLI computes the secret itself, without an API response to mask (`s3 presign`, `eks get-token`,
   * `configure get aws_secret_access_key`): the whole output is masked.
   */
  wholeOutput: boolean;
}

/**
 * Whether a parsed pipeline's output carries secrets, and which members: what the consent form asks about and
 * what the executor masks at the source. Help, `--version` and `--generate-cli-skeleton` carry none; a command the
 * catalog does not know carries none known (the backstop still masks self-identifying formats).
 */
export function secretOutputOf(pipeline: Pipeline): SecretOutput {
  const members = classifyAwsStage(pipeline.aws).secretOutput;
  const wholeOutput = members.includes('*');
  return { hasSecretOutput: members.length > 0, members: wholeOutput ? ['*'] : [...members], wholeOutput };
}
