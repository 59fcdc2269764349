import { basename } from 'node:path';
import type { AwsSetup } from '@aws-mcp/aws-config';
import { stripUsageBanner } from './aws-help.js';
import { type AwsFailureNames, explainAwsFailure } from './explain-aws-failure.js';
import type { PipelineResult } from './run-pipeline.js';
import type { SandboxStage, StageLimits } from './sandbox.js';
import type { SecretsHandling } from './secret-output.js';

/**
 * What a finished run means for the person reading it: the output or why there is none, a failure explained (the
 * CLI's own message, the stage limit it hit, what to do), the files it wrote and what became of its secrets.
 */

/** The words the descriptions use for the caller's means; the defaults name this library's options. */
export interface ResultNames {
  /** The failure explanations' names (explainAwsFailure). */
  failure: Partial<AwsFailureNames>;
  /** How the person raises a stage limit. Default: the run option, `limits.KIND.OPTION`. */
  stageLimitSetting: (kind: SandboxStage['kind'], option: keyof StageLimits) => string;
  /** How to get the unmasked output, after "To get them, ". */
  saveAgain: string;
  /** How the person can see masked secrets without saving them, when nobody could be asked. */
  showAnswer: string;
}

const defaultNames: ResultNames = {
  failure: {},
  stageLimitSetting: (kind, option) => `limits.${kind}.${option}`,
  saveAgain: 'run it again with `secrets: { saveTo: PATH }`',
  showAnswer:
    'A `confirm` that asks the person lets them answer `show`; a policy with `"secrets": "show"` answers it for them.',
};

/** What {@link describeRunResult} reads besides the result. */
export interface DescribeRunResultOptions {
  /** The profile the call ran with (for explainAwsFailure). */
  profile?: string;
  /** The AWS files as readAwsSetup read them: a file the CLI cannot parse is named with its broken lines. */
  setup?: AwsSetup;
  /** The next step for this result (hintForResult), after a cut output or a failure the CLI's stderr does not explain. */
  nextStep?: string;
  names?: Partial<ResultNames>;
}

/** A Python traceback (the CLI v1 on a file it cannot parse) is shown by its last line, the CLI's own message. */
export function readCliMessage(stderr: string): string {
  const trimmed = stderr.trim();
  if (!trimmed.startsWith('Traceback (most recent call last):')) return trimmed;
  const last = trimmed.split('\n').at(-1) ?? '';
  return last.replace(/^[\w.]+(Error|Exception): /, '');
}

/**
 * The text of a finished run: its output (or what an empty one means, or a dry run that would have succeeded); for
 * a timeout or cancel, what happened; for a failure, the stage that decided and its exit code, that stage's own
 * message, the limit it hit, the explanation (the CLI's failure first, else `nextStep`) and the output before it.
 */
export function describeRunResult(result: PipelineResult, options: DescribeRunResultOptions = {}): string {
  const names = { ...defaultNames, ...options.names };
  const { nextStep } = options;
  if (result.status === 'success') {
    if (result.dryRunSucceeded === true) {
      return 'Dry run: the request would have succeeded (DryRunOperation); nothing was changed. Run it without `--dry-run` to do it.';
    }
    const shown =
      result.output !== ''
        ? result.output
        : result.noMatch
          ? '(no lines matched the filter)'
          : '(the command succeeded with no output)';
    return nextStep === undefined ? shown : `${shown}\n\n${nextStep}`;
  }
  if (result.status === 'timeout')
    return `The command was stopped at the time limit after ${result.durationMs} ms.`;
  if (result.status === 'canceled') return 'The command was canceled.';
  // The stage whose failure decided: a filter that failed first is the cause even when aws then hit a broken pipe.
  const failedStage = result.failedStage ?? 'aws';
  const awsFailed = failedStage === 'aws';
  const lines = [`The command failed (${failedStage} exited ${result.exitCode}).`];
  const stderr = awsFailed ? readCliMessage(stripUsageBanner(result.stderr)) : result.filterStderr.trim();
  if (stderr !== '') lines.push(stderr);
  if (result.exceededLimit !== undefined) {
    const { kind, option, message } = result.exceededLimit;
    lines.push(message.replace(`limits.${kind}.${option}`, names.stageLimitSetting(kind, option)));
  }
  // The CLI's own failure (credentials, SSO, permissions: the profile's) first; then the pipeline's next step
  // (text into jq, eaten JSON quotes, throttling, a dropped paging token).
  const hint =
    (awsFailed
      ? explainAwsFailure(result.stderr, {
          profile: options.profile,
          setup: options.setup,
          names: names.failure,
        })
      : undefined) ?? nextStep;
  if (hint !== undefined) lines.push(hint);
  if (result.output !== '') lines.push('', 'Output before the failure:', result.output);
  return lines.join('\n');
}

/** The files a named OUTFILE left in the working directory, one paragraph each; undefined when there are none. */
export function describeOutfiles(outfiles: PipelineResult['outfiles']): string | undefined {
  if (outfiles === undefined || outfiles.length === 0) return undefined;
  return outfiles
    .map((file) =>
      file.content === undefined
        ? `${file.name} (${file.bytes} bytes): ${file.note ?? 'not returned'}`
        : `${file.name} (${file.bytes} bytes${file.truncated === true ? ', cut' : ''}):\n${file.content}`,
    )
    .join('\n\n');
}

/** What became of a run's secrets, as a result reports them. */
export interface ResultSecrets {
  /** `masked`: replaced by [MASKED]; `shown`: returned as they are; `saved`: the unmasked output is in `saved`. */
  handling: 'masked' | 'shown' | 'saved';
  masked: number;
  /** The secret output members the command returns (`*`: all of it). */
  members: string[];
  /** The saved file's name (in the secrets folder) and size. */
  saved?: { name: string; bytes: number };
}

/** The secrets of a run that used `handling`: saved when a file was written, else shown or masked as asked. */
export function describeResultSecrets(result: PipelineResult, handling: SecretsHandling): ResultSecrets {
  const saved = result.secrets.saved;
  return {
    handling: saved !== undefined ? 'saved' : handling === 'show' ? 'shown' : 'masked',
    masked: result.secrets.masked,
    members: result.secrets.members,
    ...(saved === undefined ? {} : { saved: { name: basename(saved.path), bytes: saved.bytes } }),
  };
}

/**
 * What a result says about its secrets, after the output: where the unmasked output was saved, or how many values
 * were masked and how to get them (and, when nobody could be asked, how to see them). Undefined when nothing was
 * masked or saved.
 */
export function describeSecretsNote(
  secrets: ResultSecrets,
  options: { folder: string; canAsk: boolean; names?: Partial<ResultNames> },
): string | undefined {
  const names = { ...defaultNames, ...options.names };
  const members = secrets.members.includes('*') ? 'the whole output' : secrets.members.join(', ');
  const values = `${secrets.masked} secret value${secrets.masked === 1 ? ' was' : 's were'} masked as [MASKED]`;
  if (secrets.saved !== undefined) {
    return (
      `The whole output, secrets unmasked, was saved as \`${secrets.saved.name}\` (${secrets.saved.bytes} bytes) in the ` +
      `secrets folder ${options.folder}, which only the user opens; no command can read it. ${secrets.masked > 0 ? `Above, ${values}.` : ''}`
    ).trim();
  }
  if (secrets.handling !== 'masked' || secrets.masked === 0) return undefined;
  return (
    `${values}${members === '' ? '' : ` (${members})`}. To get them, ${names.saveAgain}: the ` +
    `unmasked output goes to a file only the user opens.${options.canAsk ? '' : ` ${names.showAnswer}`}`
  );
}
