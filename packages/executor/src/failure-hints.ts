import type { Pipeline } from '@aws-mcp/command';
import type { PipelineResult } from './run-pipeline.js';

/** What a hint is read from: the pipeline as validated, how it ended, and the CLI's major version. */
export interface FailureHintInput {
  pipeline: Pipeline;
  result: Pick<
    PipelineResult,
    'status' | 'stderr' | 'filterStderr' | 'failedStage' | 'truncated' | 'totalChars' | 'output'
  >;
  /** 1 or 2; some hints are only true of one. */
  cliMajor?: number;
}

/** One hint: when it applies, and the sentence with the next step. */
interface HintRow {
  id: string;
  /** Why the row exists: what goes wrong without it. */
  reason: string;
  hint(input: FailureHintInput): string | undefined;
}

const throttlingCodes =
  /\((Throttling|ThrottlingException|ThrottledException|TooManyRequestsException|RequestLimitExceeded|SlowDown|ProvisionedThroughputExceededException|RequestThrottled)\)/;

/** The aws stage's `--output`, when the line sets it. */
const outputFormat = (pipeline: Pipeline) => pipeline.aws.globals.output;

/** An argument whose value looks like JSON that lost its double quotes (`{id:{S:1}}`). */
function unquotedJson(pipeline: Pipeline): { option: string; value: string } | undefined {
  for (const argument of pipeline.aws.arguments) {
    const value = argument.values.find((entry) => /^\s*[[{]/.test(entry) && !entry.includes('"'));
    if (value !== undefined && /[:{]/.test(value.slice(1))) {
      return { option: argument.option ?? argument.name, value };
    }
  }
  return undefined;
}

/** The hints, one row each, in the order they are tried; the first that applies is given. */
const hintRows: readonly HintRow[] = [
  {
    id: 'text-into-jq',
    reason:
      'jq reports "parse error: Invalid numeric literal" for text or table output, which says nothing of why',
    hint: ({ pipeline, result }) => {
      const jqFailed =
        result.failedStage === 'jq' && /parse error|Invalid (numeric )?literal/.test(result.filterStderr);
      if (!jqFailed || outputFormat(pipeline) === 'json') return undefined;
      const given = outputFormat(pipeline);
      return `jq was given ${given === undefined ? 'the profile’s default output format, which is not JSON' : `\`--output ${given}\``}: add \`--output json\` to the aws command.`;
    },
  },
  {
    id: 'unquoted-json',
    reason:
      'a JSON value whose double quotes were eaten fails as "Invalid JSON", and the person saw the mangled value',
    hint: ({ pipeline, result }) => {
      if (result.status !== 'error' || !/Invalid JSON|Error parsing parameter/.test(result.stderr))
        return undefined;
      const found = unquotedJson(pipeline);
      if (found === undefined) return undefined;
      return `The value of \`${found.option}\` lost its double quotes (${found.value}): write the JSON with its quotes inside single quotes ('{"id": {"S": "1"}}'), or send the command in the \`args\` form, where no quoting is needed.`;
    },
  },
  {
    id: 'throttled',
    reason: 'a throttling error is the raw CLI line, and a model tends to retry at once',
    hint: ({ result }) => {
      const code = throttlingCodes.exec(result.stderr)?.[1];
      if (result.status !== 'error' || code === undefined) return undefined;
      return `AWS throttled the request (${code}): wait a few seconds and retry once, ask for less at a time (a smaller --page-size or --max-items), or let the CLI retry more (AWS_MAX_ATTEMPTS, retry_mode = adaptive in the profile).`;
    },
  },
  {
    id: 'v1-query-drops-token',
    reason: 'CLI v1 applies --query after paging, so a --max-items page loses its NextToken without a word',
    hint: ({ pipeline, result, cliMajor }) => {
      const { query } = pipeline.aws.globals;
      // Paging options belong to the operation's parser, so they are read as its arguments.
      const paged = pipeline.aws.arguments.some((argument) => argument.name === 'max-items');
      if (cliMajor !== 1 || result.status !== 'success' || query === undefined || !paged) {
        return undefined;
      }
      return 'On AWS CLI v1, --query hides the NextToken of a --max-items page: to read the next page, run it again without --query (filter with a `| jq` stage instead) and pass its NextToken as --starting-token.';
    },
  },
  {
    id: 'truncated',
    reason: 'a cut output gives no way forward unless it says how much is missing and how to narrow or page',
    hint: ({ pipeline, result, cliMajor }) => {
      if (!result.truncated) return undefined;
      const paging =
        cliMajor === 1
          ? ' or page with --max-items and --starting-token (without --query on CLI v1, which drops the token)'
          : ' or page with --max-items and --starting-token';
      const filters = pipeline.aws.arguments.some((argument) => argument.name === 'filters')
        ? ', --filters'
        : '';
      return `The output was cut to its start and end: ${result.output.length} of ${result.totalChars} characters shown. Narrow it with --query${filters} or a \`| head\` stage,${paging}.`;
    },
  },
];

/** The ids of the hint rows, in order (for tests and docs). */
export const failureHintIds: readonly string[] = hintRows.map((row) => row.id);

/**
 * One sentence with the next step for a result whose cause is known from the pipeline and how it ended: text
 * output piped into jq, JSON whose quotes were eaten, throttling, a v1 `--query` that dropped the paging token, a
 * truncated output. Undefined when no row applies. Credentials and permission failures are explained by the
 * server, which knows the profile.
 */
export function hintForResult(input: FailureHintInput): string | undefined {
  for (const row of hintRows) {
    const hint = row.hint(input);
    if (hint !== undefined) return hint;
  }
  return undefined;
}
