import type { CommandErrorCode } from '@aws-mcp/command';
import type { ExecutionErrorCode, FanOutRefusalCode, PagingRefusalCode } from '@aws-mcp/executor';

/** Refusals the server itself decides (the libraries' codes come with their own errors). */
export type ServerRefusalCode =
  | 'UNKNOWN_PROFILE'
  | 'UNKNOWN_REGION'
  | 'DENIED_BY_POLICY'
  | 'AWS_CLI_MISSING'
  | 'SSO_SESSION_EXPIRED'
  | 'CONSENT_DECLINED'
  | 'CONSENT_CANCELED'
  | 'CONSENT_TIMED_OUT'
  | 'CONSENT_UNAVAILABLE'
  | 'CONSENT_INVALID_ANSWER'
  | 'SAVE_NAME_INVALID'
  | 'ROLE_NOT_ALLOWED'
  | 'ROLE_ARGUMENT_INVALID'
  | 'RESULT_NOT_FOUND'
  | 'RESULT_ARGUMENT_INVALID'
  // The fan-out's and paging's own refusals, as the executor names them.
  | FanOutRefusalCode
  | PagingRefusalCode;

/** Every code a refusal of `aws_cli_pipeline` can carry. */
export type RefusalCode = ServerRefusalCode | CommandErrorCode | ExecutionErrorCode;

/**
 * What to do next after each refusal, by code: the `suggestion` a refusal carries in `structuredContent`. A code
 * without a row gets the general one; the reason (the message of the rule that refused) says the specifics.
 */
const suggestions: Partial<Record<RefusalCode, string>> = {
  UNKNOWN_PROFILE: 'Read aws://config/profiles for the configured profiles, or leave `profile` out.',
  UNKNOWN_REGION: 'Read aws://config/regions for the region codes, or leave the region out.',
  PROFILE_NOT_ALLOWED:
    'Use one of the allowed profiles; the allowlist is the server’s setting (AWS_MCP_PROFILES).',
  DENIED_BY_POLICY:
    'Do not retry: the server’s policy forbids it. Tell the user, who can change the mode (AWS_MCP_MODE) or the policy file (AWS_MCP_POLICY_FILE).',
  AWS_CLI_MISSING:
    'Tell the user: the AWS CLI must be installed (or fixed) where the server runs; the server finds it at a later call without a restart.',
  SSO_SESSION_EXPIRED: 'Ask the user to run `aws sso login` for that profile in a terminal, then retry.',
  CONSENT_DECLINED: 'Do not retry unless the user asks for it.',
  CONSENT_CANCELED: 'Do not retry unless the user asks for it.',
  CONSENT_TIMED_OUT: 'Ask the user whether to try again; nobody answered the consent request.',
  CONSENT_UNAVAILABLE:
    'Tell the user what the command would do; they can allow it in the server’s mode or policy, or use a client that can ask.',
  CONSENT_INVALID_ANSWER:
    'Retry once; if it happens again, the MCP client’s consent form does not work with this server.',
  SAVE_NAME_INVALID: 'Give `saveOutputTo` a new plain file name such as `credentials.json`.',
  ROLE_NOT_ALLOWED:
    'Leave `roleArn` out, or ask the user to list the role in the server’s role allowlist (AWS_MCP_ROLES).',
  ROLE_ARGUMENT_INVALID: 'Fix the role argument the reason names, or leave the role arguments out.',
  RESULT_NOT_FOUND:
    'Run the AWS command again (kept results last a few minutes and only in the session that made them).',
  RESULT_ARGUMENT_INVALID:
    'With `fromResult`, give only filter stages (`command: "jq …"` or `pipe`), and optionally `timeout` and `maxOutput`.',
  PAGINATION_UNSUPPORTED:
    'Leave `maxItems` and `nextToken` out: this command returns everything at once (or use its own paging options).',
  PAGINATION_ARGUMENT_INVALID:
    'Give paging either as `maxItems`/`nextToken` or as `--max-items`/`--starting-token`, not both, and one call per target.',
  PAGE_TOO_LARGE:
    'Page with a smaller `maxItems`, select less with `--query`, or pass `saveOutputTo` to have the whole output saved in a file.',
  SAVE_TO_EXISTS: 'Give `saveOutputTo` a name not used yet; saved files are never overwritten.',
  SAVE_TO_INVALID:
    'Tell the user: the secrets folder (AWS_MCP_SECRETS_DIR) must be a private folder of theirs.',
  CLI_MODEL_UNAVAILABLE: 'Wait a few seconds and retry.',
  SECRET_OUTPUT_UNMASKABLE:
    'Leave `--query` and `--output` out (the JSON is masked by member) and select with a `| jq` stage; to keep the values, pass `saveOutputTo`.',
  ARTIFACTS_UNCONFINED:
    'Tell the user to run `cloudformation package` in a terminal, or to install a CLI whose Python the server can import (pip, or a distribution package).',
  LOCAL_PATH_OUTSIDE_WORKDIR: 'Put the file in the working directory and give a relative path.',
  LOCAL_PATH_HIDDEN: 'Use a file in the working directory that is not hidden.',
  FORBIDDEN_OPERATOR:
    'Run one command per call; use `--query`, `--output` or a `| jq` stage instead of a shell.',
  UNKNOWN_COMMAND: 'Read aws_cli_help for the service to find the command’s name.',
  UNKNOWN_OPTION: 'Read aws_cli_help for the command to find the option’s name.',
  ABBREVIATED_OPTION: 'Write the option’s full name.',
  MISSING_PARAMETER: 'Add the required parameter; aws_cli_help for the command lists them.',
  FORBIDDEN_PROGRAM: 'Use one of the filters the tool description lists.',
  UNSAFE_FILTER_PROGRAM: 'Write the filter without that construct, or use `--query` instead.',
  INVALID_FILTER_PROGRAM:
    'Fix the program as the reason says (its interpreter would not read it), or use `--query` instead.',
  INPUT_TOO_LARGE:
    'Put large input in a file in the working directory and pass it with `file://`; split long filter programs.',
  FORBIDDEN_AWS_COMMAND: 'Ask the user to run that command in a terminal.',
  FORBIDDEN_ENDPOINT: 'Leave `--endpoint-url` out, or ask the user to allow that endpoint in the policy.',
  CONFLICTING_SETTING: 'Give the setting once: either on the command line or as the tool argument.',
  FANOUT_CONFLICTING_SETTING:
    'Name profiles and regions once: `profiles`/`regions` to fan out, or `profile`/`region` for one call, never `--profile`/`--region` on a fan-out’s line.',
  FANOUT_NO_TARGETS: 'Read aws://config/profiles and give `profiles` as a list or a glob that matches.',
  FANOUT_TOO_MANY_TARGETS:
    'Narrow `profiles` or `regions`, or split the work into several calls; the limit is the server’s setting (AWS_MCP_FANOUT_MAX).',
  FANOUT_REGIONS_UNAVAILABLE: 'Give `regions` as a list of region codes.',
  FANOUT_WRITE_REFUSED:
    'Run the write once per target (the user is asked), or ask the user to add the policy rule the reason shows.',
  FANOUT_SECRET_OUTPUT: 'Give `saveOutputTo`; each target’s unmasked output is saved to its own file.',
};

const generalSuggestion = 'Correct the command as the reason says and call again.';

/** What a refused call returns in `structuredContent`, besides `status: 'refused'`. */
export interface RefusalFields {
  code: RefusalCode;
  /** What was wrong, in one or two sentences (the text block says the same, for a person). */
  reason: string;
  /** What to do next. */
  suggestion: string;
}

/** The structured fields of a refusal: its code, the reason given, and the suggestion for that code. */
export function describeRefusal(code: RefusalCode, reason: string): RefusalFields {
  return { code, reason, suggestion: suggestions[code] ?? generalSuggestion };
}
