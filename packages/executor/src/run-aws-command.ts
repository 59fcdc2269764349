import {
  type AwsContext,
  type AwsEnvironment,
  type AwsSetup,
  readAwsSetup,
  readSsoTokenStatus,
  resolveAwsContext,
} from '@aws-mcp/aws-config';
import {
  type Catalog,
  type CliModel,
  type Decision,
  type ParseCommandLineOptions,
  type Pipeline,
  type PipelineArgv,
  type Policy,
  parseCommandLine,
  redactArgv,
  validatePipeline,
} from '@aws-mcp/command';
import { type AwsChoiceNames, checkAwsChoices, checkAwsRegion } from './check-aws-choices.js';
import { type AwsCliStatus, checkAwsCli } from './check-aws-cli.js';
import { ExecutionError } from './execution-error.js';
import {
  type AwsRequestId,
  type PipelineResult,
  type RunPipelineOptions,
  runPipeline,
} from './run-pipeline.js';

/**
 * One flow for every aws command: parse → judge → preflight → confirm → run → audit. `runAwsCommand` composes the
 * steps; `judgeAwsCommand` and `preflightAwsCommand` are exported so a caller that only checks (nothing runs,
 * nobody is asked) or that runs one command for several targets uses the same steps, not a copy of them.
 */

/** What the caller chose for this call, apart from the line's own `--profile` and `--region` (which win). */
export interface AwsCommandChoices {
  profile?: string;
  region?: string;
}

/** What judging a command needs besides the command. */
export interface JudgeAwsCommandOptions {
  policy: Policy;
  /** The absolute working directory; every local path on the line must resolve inside it. */
  workdir: string;
  /** The AWS files as readAwsSetup read them; the profile, region and credentials resolve against these. */
  setup: AwsSetup;
  /** The environment the CLI gets (AWS_PROFILE, AWS_REGION …). Default: process.env. */
  env?: AwsEnvironment;
  choices?: AwsCommandChoices;
  /** The command catalog to classify with (default: the committed snapshot). */
  catalog?: Catalog;
  /**
   * The role ARN the call runs under, for policy rules with `roles`, given the resolved context: `null` for none,
   * undefined when unknown. Default: read from the profile's credential chain (describeRunningRole).
   */
  role?: (aws: AwsContext) => string | null | undefined;
  /**
   * The effective profile's context, already resolved for this call (e.g. one resolution shared by every step of
   * a fan-out). Used only when it is the context of that profile (the line's `--profile`, else the choice, else
   * the environment's); otherwise the context is resolved here.
   */
  aws?: AwsContext;
}

/** A parsed command judged for one profile and region: what runs, where, the decision and the audit's fields. */
export interface JudgedAwsCommand {
  pipeline: Pipeline;
  decision: Decision;
  choices: AwsCommandChoices;
  /** The effective profile and region: the line's, else the call's choice, else the environment's. */
  profile: string;
  region: string | undefined;
  /** The profile's context as the CLI resolves it, read once per call (its profileFiles go to the run). */
  aws: AwsContext;
  /** Every stage's argv with secret values redacted, as a person or the audit log may see it. */
  redactedArgv: string[][];
}

/**
 * The role a call's credentials act as, read from the credential chain: the role a profile assumes (or its web
 * identity role), `null` for long-term keys (no session token), undefined when it cannot be told (SSO, process,
 * container or instance credentials, session tokens from elsewhere).
 */
export function describeRunningRole(credentials: AwsContext['credentials']): string | null | undefined {
  switch (credentials.source) {
    case 'profile': {
      const chain = credentials.credentials;
      if (chain.kind === 'assume-role' || chain.kind === 'web-identity') return chain.roleArn;
      if (chain.kind === 'static') return chain.hasSessionToken ? undefined : null;
      return undefined;
    }
    case 'environment':
      return credentials.hasSessionToken ? undefined : null;
    case 'web-identity-environment':
      return credentials.roleArn;
    default:
      return undefined;
  }
}

/**
 * Judges a parsed command: the policy and the profile allowlist judge the effective settings (the line's, else the
 * call's, else the environment's). The region follows the effective profile as the CLI resolves it (a variable,
 * then that profile's `region`), never the default profile's. The profile's context is resolved once, here.
 * Throws CommandError where the command is refused outright (a denied verdict is a decision, not an error).
 */
export function judgeAwsCommand(pipeline: Pipeline, options: JudgeAwsCommandOptions): JudgedAwsCommand {
  const choices = options.choices ?? {};
  const globals = pipeline.aws.globals;
  const chosenProfile = globals.profile ?? choices.profile;
  const given = options.aws;
  const aws =
    given !== undefined &&
    (chosenProfile === undefined ? given.profile.source !== 'chosen' : given.profile.name === chosenProfile)
      ? given
      : resolveAwsContext({ env: options.env, setup: options.setup, profile: chosenProfile });
  const decision = validatePipeline(pipeline, options.policy, {
    // The allowlist judges the environment's profile too when neither the line nor the call names one.
    profile: choices.profile ?? (globals.profile === undefined ? aws.profile.name : undefined),
    region: choices.region ?? (globals.region === undefined ? aws.region.name : undefined),
    workdir: options.workdir,
    catalog: options.catalog,
    role: (options.role ?? ((context) => describeRunningRole(context.credentials)))(aws),
  });
  return {
    pipeline,
    decision,
    choices,
    profile: decision.profile ?? aws.profile.name,
    region: decision.region ?? aws.region.name,
    aws,
    redactedArgv: [pipeline.aws.redactedArgv, ...pipeline.filters.map((stage) => redactArgv(stage.argv))],
  };
}

/** What preflight needs: the installed CLI's status and the AWS files (for the SSO token cache). */
export interface PreflightAwsCommandOptions {
  awsCli: AwsCliStatus | Promise<AwsCliStatus>;
  setup: AwsSetup;
}

/**
 * What stops a judged command before anyone is asked, as the error to throw: a policy deny (`DENIED`), a missing
 * CLI (`AWS_CLI_MISSING`), an expired SSO session that the CLI cannot refresh (`SSO_SESSION_EXPIRED`, with the
 * login command to run). Undefined: the command may go on.
 */
export async function preflightAwsCommand(
  judged: JudgedAwsCommand,
  options: PreflightAwsCommandOptions,
): Promise<ExecutionError | undefined> {
  const { decision, profile } = judged;
  if (decision.action === 'deny') {
    return new ExecutionError({ code: 'DENIED', message: decision.reason, decision });
  }
  const cli = await options.awsCli;
  if (!cli.available) return new ExecutionError({ code: 'AWS_CLI_MISSING', message: cli.message, decision });
  const sso = await readSsoTokenStatus(profile, options.setup);
  if (sso.status === 'expired' && sso.refreshable !== true) {
    const why = `the SSO session of profile \`${profile}\` expired${sso.expiresAt === undefined ? '' : ` at ${sso.expiresAt}`}.`;
    return new ExecutionError({
      code: 'SSO_SESSION_EXPIRED',
      message: `${why} The user must run \`${sso.loginCommand ?? `aws sso login --profile ${profile}`}\` in a terminal, then retry.`,
      reason: why,
      decision,
    });
  }
  return undefined;
}

/** One outcome of runAwsCommand, for the audit callback: what was judged and how it ended. */
export interface AwsCommandAuditEntry {
  /** Redacted argv of every stage (the line as parsed), or undefined when the line did not parse. */
  argv?: string[][];
  profile?: string;
  region?: string;
  classification?: string;
  action?: string;
  decision?: string;
  rule?: string;
  /** `refused` (nothing ran; `error` says why), or the run's status. */
  status: 'refused' | PipelineResult['status'];
  error?: string;
  exitCode?: number;
  durationMs?: number;
  outputChars?: number;
  requestIds?: AwsRequestId[];
}

/** The audit fields of a judged command, before it ends: what ran (redacted), where, and what decided. */
export function auditFieldsOf(
  judged: JudgedAwsCommand,
): Omit<AwsCommandAuditEntry, 'status'> & { argv: string[][] } {
  const { decision } = judged;
  return {
    argv: judged.redactedArgv,
    profile: judged.profile,
    region: judged.region,
    classification: decision.classification.accessClass,
    action: decision.classification.action,
    decision: decision.action,
    rule: decision.rule,
  };
}

/**
 * The audit entry of a judged command with how it ended: the one place these fields are built (one call and each
 * target of a fan-out alike).
 */
export function auditEntryOf(
  judged: JudgedAwsCommand | undefined,
  outcome: { error?: string; durationMs?: number } | { result: PipelineResult },
): AwsCommandAuditEntry {
  const base = judged === undefined ? {} : auditFieldsOf(judged);
  if (!('result' in outcome)) {
    return {
      ...base,
      status: 'refused',
      ...(outcome.error === undefined ? {} : { error: outcome.error }),
      ...(outcome.durationMs === undefined ? {} : { durationMs: outcome.durationMs }),
    };
  }
  const { result } = outcome;
  return {
    ...base,
    status: result.status,
    exitCode: result.exitCode,
    durationMs: result.durationMs,
    outputChars: result.totalChars,
    ...(result.requestIds === undefined ? {} : { requestIds: result.requestIds }),
  };
}

/**
 * A confirm's answer that can change what runs: `pipeline` replaces the judged one (the same command, e.g. with
 * `--expected-bucket-owner` a standing approval binds), and it is what runs and what the audit names.
 */
export interface ConfirmAnswer {
  granted: boolean;
  pipeline?: Pipeline;
  /** Run options to use instead (e.g. how the person chose to handle the output's secrets). */
  options?: Partial<RunPipelineOptions>;
}

/** What `confirm` may return: yes or no, the options to run with (a yes), or a {@link ConfirmAnswer}. */
export type ConfirmResult = boolean | Partial<RunPipelineOptions> | ConfirmAnswer;

/** Options of runAwsCommand: how to run, plus the policy that decides whether to run at all. */
export interface RunAwsCommandOptions extends RunPipelineOptions {
  /** Default: `{ mode: 'confirm-writes' }`, so a write runs only when `confirm` says yes. */
  policy?: Policy;
  /** The AWS files (default: read with readAwsSetup from `env`). */
  setup?: AwsSetup;
  /** The installed CLI's status (default: checkAwsCli for `awsCli`). */
  cliStatus?: AwsCliStatus | Promise<AwsCliStatus>;
  /** The CLI model to parse a string or argv with (default: the installed CLI's, as parseCommandLine loads it). */
  model?: CliModel;
  catalog?: Catalog;
  /** See JudgeAwsCommandOptions.role. */
  role?: JudgeAwsCommandOptions['role'];
  /**
   * The known region codes. Given, the chosen `region` and the line's `--region` must be one of them (refused
   * `UNKNOWN_REGION` with similar codes); a chosen `profile` is always checked against the policy's allowlist and
   * the AWS files (`PROFILE_NOT_ALLOWED`, `UNKNOWN_PROFILE`). Checked before anything is judged or asked.
   */
  regions?: () => readonly string[] | Promise<readonly string[]>;
  /** How the choice refusals name the allowlist and the lists to read (default: the library's option names). */
  choiceNames?: Partial<AwsChoiceNames>;
  /**
   * Asked when the decision is `confirm`, or when `asks` says so for a command the policy allows (e.g. one whose
   * output has secrets the person decides about); without it, such a command is refused. May return the options
   * to run with instead of `true` (e.g. how the person chose to handle the output's secrets), or a
   * {@link ConfirmAnswer} whose `pipeline` is what runs instead (e.g. bound to an approval's account).
   */
  confirm?: (
    decision: Decision,
    pipeline: Pipeline,
    judged: JudgedAwsCommand,
  ) => Promise<ConfirmResult> | ConfirmResult;
  /** Whether to ask `confirm` about a command the policy allows (default: never). Called once, after preflight. */
  asks?: (judged: JudgedAwsCommand) => boolean | Promise<boolean>;
  /** Told how every call ended, refused or run: the one place audit fields are built (auditEntryOf). */
  audit?: (entry: AwsCommandAuditEntry, judged: JudgedAwsCommand | undefined) => void;
  /** Runs the judged command (default: runPipeline with these options, the decision's profile and region). */
  run?: (judged: JudgedAwsCommand, options: RunPipelineOptions) => Promise<PipelineResult>;
}

/** A finished run, with the decision that allowed it. */
export interface RunAwsCommandResult extends PipelineResult {
  decision: Decision;
  /** The judged command (its effective profile, region and redacted argv). */
  judged: JudgedAwsCommand;
}

/**
 * The run options for a judged command: only a profile the call chose is forced (otherwise the CLI's own
 * resolution stands, e.g. credentials from variables); the region is the resolved one (v1 reads only
 * AWS_DEFAULT_REGION, so it is always passed); the profile's credential files come from the one resolution.
 */
export function runOptionsOf(judged: JudgedAwsCommand, options: RunPipelineOptions): RunPipelineOptions {
  return {
    ...options,
    profile: judged.pipeline.aws.globals.profile ?? judged.choices.profile,
    region: judged.region,
    profileFiles: options.profileFiles ?? judged.aws.profileFiles,
  };
}

/**
 * The call's own choices checked before judging: a chosen profile against the allowlist and the AWS files, and
 * with `regions` given, the chosen region and the line's `--region`. Throws ExecutionError with the refusal's code.
 */
async function checkChoicesOf(
  pipeline: Pipeline,
  {
    profile,
    region,
    policy,
    setup,
    regions,
    choiceNames,
  }: {
    profile: string | undefined;
    region: string | undefined;
    policy: Policy;
    setup: AwsSetup;
    regions: RunAwsCommandOptions['regions'];
    choiceNames: RunAwsCommandOptions['choiceNames'];
  },
): Promise<void> {
  const known = regions ?? (() => []);
  const refusal =
    (await checkAwsChoices({
      profile,
      region: regions === undefined ? undefined : region,
      allowedProfiles: policy.allowedProfiles,
      profiles: setup.profiles.map((each) => each.name),
      regions: known,
      ...(choiceNames === undefined ? {} : { names: choiceNames }),
    })) ??
    (regions === undefined
      ? undefined
      : await checkAwsRegion({
          region: pipeline.aws.globals.region,
          where: '`--region` on the command line',
          regions: known,
          ...(choiceNames === undefined ? {} : { names: choiceNames }),
        }));
  if (refusal !== undefined) {
    throw new ExecutionError({ code: refusal.code, message: refusal.message, reason: refusal.reason });
  }
}

/**
 * Parses, judges, preflights, confirms and runs `aws … | filter …` in one call, telling `audit` how it ended.
 * Throws CommandError when the command line is refused, ExecutionError with code `DENIED` when the policy (or
 * `confirm`) says no, `AWS_CLI_MISSING` or `SSO_SESSION_EXPIRED` from preflight, and ExecutionError when the
 * pipeline cannot start; a command that runs and fails resolves with `status: 'error'`.
 *
 * @example
 * const result = await runAwsCommand('aws s3 ls | grep logs', { cwd: process.cwd(), policy: { mode: 'read-only' } });
 */
export async function runAwsCommand(
  command: string | PipelineArgv | Pipeline,
  options: RunAwsCommandOptions,
): Promise<RunAwsCommandResult> {
  const started = Date.now();
  const {
    policy: given,
    setup: givenSetup,
    cliStatus,
    model,
    catalog,
    role,
    regions,
    choiceNames,
    confirm,
    asks,
    audit,
    run,
    ...rest
  } = options;
  let judged: JudgedAwsCommand | undefined;
  const refuse = (error: unknown): never => {
    const code = (error as { code?: unknown }).code;
    audit?.(
      auditEntryOf(judged, {
        error: typeof code === 'string' ? code : 'ERROR',
        durationMs: Date.now() - started,
      }),
      judged,
    );
    throw error;
  };
  try {
    const pipeline = isPipeline(command)
      ? command
      : parseCommandLine(command, parseOptionsOf(model, rest.cwd));
    const policy = given ?? { mode: 'confirm-writes' };
    // The run's own endpoint is allowed for this call, as the person configured it.
    const allowedEndpoints = [...(policy.allowedEndpoints ?? [])];
    if (rest.endpointUrl !== undefined) allowedEndpoints.push(rest.endpointUrl);
    const setup = givenSetup ?? (await readAwsSetup({ env: rest.env }));
    await checkChoicesOf(pipeline, {
      profile: rest.profile,
      region: rest.region,
      policy,
      setup,
      regions,
      choiceNames,
    });
    judged = judgeAwsCommand(pipeline, {
      policy: { ...policy, allowedEndpoints },
      workdir: rest.cwd,
      setup,
      env: rest.env,
      choices: { profile: rest.profile, region: rest.region },
      catalog,
      role,
    });
    const stop = await preflightAwsCommand(judged, {
      awsCli: cliStatus ?? checkAwsCli({ awsCli: rest.awsCli, env: rest.env }),
      setup,
    });
    if (stop !== undefined) throw stop;
    let confirmed: Partial<RunPipelineOptions> = {};
    if (judged.decision.action === 'confirm' || (asks !== undefined && (await asks(judged)))) {
      const answer = readConfirmResult(
        confirm === undefined ? false : await confirm(judged.decision, pipeline, judged),
      );
      if (!answer.granted) {
        throw new ExecutionError({
          code: 'DENIED',
          decision: judged.decision,
          message:
            confirm === undefined
              ? `${judged.decision.reason} No \`confirm\` callback was given; pass one, or a policy that allows it.`
              : `${judged.decision.reason} It was not confirmed, so it did not run.`,
        });
      }
      confirmed = answer.options ?? {};
      if (answer.pipeline !== undefined) judged = withPipeline(judged, answer.pipeline);
    }
    const runOptions = runOptionsOf(judged, { ...rest, ...confirmed });
    const result = await (run ?? ((call, settings) => runPipeline(call.pipeline, settings)))(
      judged,
      runOptions,
    );
    audit?.(auditEntryOf(judged, { result }), judged);
    return { ...result, decision: judged.decision, judged };
  } catch (error) {
    return refuse(error);
  }
}

function readConfirmResult(answer: ConfirmResult): ConfirmAnswer {
  if (typeof answer === 'boolean') return { granted: answer };
  if ('granted' in answer && typeof answer.granted === 'boolean') return answer as ConfirmAnswer;
  return { granted: true, options: answer as Partial<RunPipelineOptions> };
}

/** A judged command that runs `pipeline` instead: the same decision and context, its argv redacted anew. */
function withPipeline(judged: JudgedAwsCommand, pipeline: Pipeline): JudgedAwsCommand {
  return {
    ...judged,
    pipeline,
    redactedArgv: [pipeline.aws.redactedArgv, ...pipeline.filters.map((stage) => redactArgv(stage.argv))],
  };
}

function isPipeline(command: string | PipelineArgv | Pipeline): command is Pipeline {
  return typeof command === 'object' && 'aws' in command && 'filters' in command;
}

function parseOptionsOf(model: CliModel | undefined, workdir: string): ParseCommandLineOptions {
  return { ...(model === undefined ? {} : { model }), workdir };
}
