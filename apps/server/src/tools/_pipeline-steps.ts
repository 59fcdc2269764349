import { join } from 'node:path';
import type { AwsContext } from '@aws-mcp/aws-config';
import {
  CommandError,
  isHiddenCharacter,
  type ParseCommandLineOptions,
  type Pipeline,
  parseCommandLine,
} from '@aws-mcp/command';
import {
  type AwsChoiceNames,
  type AwsChoiceRefusal,
  auditFieldsOf,
  type ConsentOutcome,
  checkAwsChoices,
  checkAwsRegion,
  ExecutionError,
  type JudgeAwsCommandOptions,
  type JudgedAwsCommand,
  judgeAwsCommand,
  maskSecrets,
  type PipelineProgress,
  type PipelineResult,
  planSecrets,
  preflightAwsCommand,
  type ResultNames,
  type RunPipelineOptions,
  readSecretsPreAnswer,
  runOptionsOf,
  runPipeline,
  type SecretsHandling,
  type SecretsPlan,
  type SecretsQuestion,
  secretOutputOf,
  secretsHandlingOf,
} from '@aws-mcp/executor';
import { sessionLabel } from '@aws-mcp/mcp-http';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { checkSaveName, defaultSaveName } from '../_secrets-folder.js';
import type { AuditEntry } from '../audit-log.js';
import type { ServerContext } from '../server-context.js';
import { checkConsentForm, describeConsentRefusal } from './_consent.js';
import { serverFailureNames } from './_failure-names.js';
import { isFanOut } from './_fan-out.js';
import { keepOutputCharsOf } from './_kept-results.js';
import { sayInServerWords } from './_library-words.js';
import { applyPaging } from './_pagination.js';
import type { RefusalCode } from './_refusals.js';
import { refused } from './_results.js';
import { type CallRole, describeCallRole } from './_roles.js';
import type { PipelineOutput, ToolExtra, ToolInput } from './aws-cli-pipeline.js';

// The pipeline tool's steps before and around the executor's flow: the tool's arguments checked and parsed, the
// executor's judge and preflight given the server's data, and the run options a call gets.

/** A refusal as the tool returns it: the code, the readable text, and the reason alone. */
export type Refusal = { code: RefusalCode; text: string; reason: string };

/** The server's means in the executor's choice refusals: its allowlist setting and its resources. */
const serverChoiceNames: AwsChoiceNames = {
  allowlist: "the server's allowlist",
  profilesList: 'aws://config/profiles',
  regionsList: 'aws://config/regions',
};

export const isStop = (value: unknown): value is Stop =>
  typeof value === 'object' && value !== null && 'refusal' in value;

function refusalOf(refusal: AwsChoiceRefusal | undefined): Refusal | undefined {
  return refusal === undefined
    ? undefined
    : { code: refusal.code, text: `Refused (${refusal.code}): ${refusal.message}`, reason: refusal.reason };
}

const regionCodesOf = (context: ServerContext) => async () =>
  (await context.regions()).regions.map((known) => known.code);

/** Checks the `profile` and `region` arguments with the executor's checkAwsChoices, against the server's data. */
export async function checkChoices(
  context: ServerContext,
  profile: string | undefined,
  region: string | undefined,
): Promise<Refusal | undefined> {
  return refusalOf(
    await checkAwsChoices({
      profile,
      region,
      allowedProfiles: context.policy.allowedProfiles,
      profiles: profile === undefined ? [] : context.setup().profiles.map((item) => item.name),
      regions: regionCodesOf(context),
      names: serverChoiceNames,
    }),
  );
}

function checkSaveArgument(name: string | undefined): Refusal | undefined {
  if (name === undefined) return undefined;
  const problem = checkSaveName(name, isHiddenCharacter);
  if (problem === undefined) return undefined;
  return {
    code: 'SAVE_NAME_INVALID',
    text: `Refused (SAVE_NAME_INVALID): ${problem.reason} ${problem.suggestion}`,
    reason: problem.reason,
  };
}

function parseInput(
  input: { command?: string; args?: string[]; pipe?: string[][] },
  options: ParseCommandLineOptions,
): Pipeline {
  if (input.command !== undefined && input.args !== undefined) {
    throw new CommandError({
      code: 'INVALID_ARGV',
      message: 'Give either `command` (a string) or `args` (an argv array), not both.',
    });
  }
  if (input.args !== undefined) return parseCommandLine({ args: input.args, pipe: input.pipe }, options);
  if (input.pipe !== undefined) {
    throw new CommandError({
      code: 'INVALID_ARGV',
      message: '`pipe` goes with `args`; with `command`, write the `|` stages in the string.',
    });
  }
  return parseCommandLine(input.command ?? '', options);
}

/** Checks the arguments, then parses the input with the CLI's own tables and checks the line's `--region`. */
export async function parseCall(context: ServerContext, input: ToolInput): Promise<Pipeline | Stop> {
  const early =
    (await checkChoices(context, input.profile, input.region)) ?? checkSaveArgument(input.saveOutputTo);
  if (early !== undefined) return { refusal: early };
  let pipeline: Pipeline;
  try {
    const options = { model: await context.cliModel(), workdir: context.config.workdir };
    const paged = applyPaging(parseInput(input, options), input, {
      ...options,
      fanOut: isFanOut(input),
      run: context.runOptions(null),
      setup: context.setup(),
      profile: input.profile,
    });
    if ('refusal' in paged) return paged;
    pipeline = paged;
  } catch (error) {
    return commandErrorStop(context, error);
  }
  const lineRegion = refusalOf(
    await checkAwsRegion({
      region: pipeline.aws.globals.region,
      where: '`--region` on the command line',
      regions: regionCodesOf(context),
      names: serverChoiceNames,
    }),
  );
  return lineRegion === undefined ? pipeline : { refusal: lineRegion };
}

/** A command-package error as a refusal (a missing CLI said as such); anything else is a defect and is thrown. */
export async function commandErrorStop(context: ServerContext, error: unknown): Promise<Stop> {
  if (CommandError.isInstance(error) && error.code === 'CLI_MODEL_UNAVAILABLE') {
    const cli = await context.awsCli();
    if (!cli.available) {
      return {
        refusal: { code: 'AWS_CLI_MISSING', text: `AWS_CLI_MISSING: ${cli.message}`, reason: cli.message },
      };
    }
  }
  if (CommandError.isInstance(error)) {
    const message = sayInServerWords(error);
    return { refusal: { code: error.code, text: `Refused (${error.code}): ${message}`, reason: message } };
  }
  throw error;
}

/**
 * Judges a parsed call for the given choices with the executor's judge (one resolution of the profile, region and
 * credentials per call), and adds what the tool's result and the audit log show.
 */
export async function judgeCall(
  context: ServerContext,
  pipeline: Pipeline,
  choices: CallChoices,
): Promise<JudgedCall | Stop> {
  let judged: JudgedAwsCommand;
  try {
    judged = judgeAwsCommand(pipeline, judgeOptionsOf(context, choices));
  } catch (error) {
    return commandErrorStop(context, error);
  }
  return withServerFields(judged, choices);
}

/** What the executor's judge needs from the server: its policy, workdir, live AWS setup and catalog. */
export function judgeOptionsOf(context: ServerContext, choices: CallChoices): JudgeAwsCommandOptions {
  return {
    policy: context.policy,
    workdir: context.config.workdir,
    setup: context.setup(),
    env: context.env,
    choices: { profile: choices.profile, region: choices.region },
    catalog: context.catalog(),
    role: (aws) => describeCallRole(choices.role, aws.credentials),
  };
}

/** A judged command with the fields the tool's result and the audit log show, and the call's role. */
export function withServerFields(judged: JudgedAwsCommand, choices: CallChoices): JudgedCall {
  const { pipeline, decision } = judged;
  const { accessClass, action, reason, known } = decision.classification;
  return {
    ...judged,
    choices,
    stages: [pipeline.aws.argv, ...pipeline.filters.map((stage) => stage.argv)],
    decided: {
      classification: { accessClass, action, reason, known },
      decision: { action: decision.action, rule: decision.rule, reason: decision.reason },
    },
    auditBase: {
      ...auditFieldsOf(judged),
      ...(choices.role === undefined
        ? {}
        : {
            role: choices.role.arn,
            roleSession: choices.role.assumeRole.sessionName,
            account: choices.role.account,
          }),
    },
  };
}

/** What stops a judged call before anyone is asked (the executor's preflight), as the tool's refusal. */
export async function preflight(context: ServerContext, judged: JudgedCall): Promise<Stop | undefined> {
  const stop = await preflightAwsCommand(judged, { awsCli: context.awsCli(), setup: context.setup() });
  return stop === undefined ? undefined : preflightStop(stop, judged);
}

/** A preflight error as the tool's refusal: a policy deny is `DENIED_BY_POLICY`, naming the rule. */
export function preflightStop(error: ExecutionError, judged: JudgedCall): Stop {
  const { decision } = judged;
  const refusal: Refusal =
    error.code === 'DENIED'
      ? {
          code: 'DENIED_BY_POLICY',
          text: `Refused by ${decision.rule}: ${decision.reason}`,
          reason: decision.reason,
        }
      : { code: error.code, text: `${error.code}: ${error.message}`, reason: error.reason };
  return { refusal, fields: judged.decided, audit: { error: refusal.code } };
}

/** The executor's secrets option for a plan the person may have answered: a save goes to the secrets folder. */
export function secretsOptionOf(context: ServerContext, plan: SecretsPlan): SecretsHandling {
  return secretsHandlingOf(plan, context.secretsFolder);
}

/** The executor's run options for a call: the server's, with the call's limits, progress and cancel signal. */
export function callRunOptions(
  context: ServerContext,
  {
    input,
    extra,
    secrets,
    role,
    aws,
  }: {
    input: Pick<ToolInput, 'timeout' | 'maxOutput'>;
    extra: ToolExtra;
    secrets: SecretsHandling;
    role: CallRole | undefined;
    /** The call's resolved context, for its profile's credential files (without it, the flow adds them). */
    aws?: AwsContext;
  },
): RunPipelineOptions {
  const { config } = context;
  const keepOutputChars = keepOutputCharsOf(context);
  return {
    ...context.runOptions(aws ?? null),
    timeoutMs: Math.min(input.timeout ?? config.timeoutSeconds, config.maxTimeoutSeconds) * 1000,
    maxOutputChars: Math.min(input.maxOutput ?? config.maxOutputChars, config.maxOutputChars),
    // A cut output is kept whole (masked) for the session; see _kept-results.ts.
    ...(keepOutputChars === undefined ? {} : { keepOutputChars }),
    signal: extra.signal,
    onProgress: progressReporter(extra),
    secrets,
    ...(role === undefined ? {} : { assumeRole: role.assumeRole }),
  };
}

/** Runs a judged call in the executor with the call's limits, progress and cancel signal. */
export function runJudged(
  context: ServerContext,
  judged: JudgedCall,
  run: { input: Pick<ToolInput, 'timeout' | 'maxOutput'>; extra: ToolExtra; secrets: SecretsHandling },
): Promise<PipelineResult> {
  const options = runOptionsOf(
    judged,
    callRunOptions(context, { ...run, role: judged.choices.role, aws: judged.aws }),
  );
  return runPipeline(judged.pipeline, options);
}

/**
 * Sends `notifications/progress` while a command runs, when the request asked for them (a progress token):
 * elapsed time, bytes so far, and the CLI's own s3 transfer lines (through the masking engine).
 */
function progressReporter(extra: ToolExtra): ((progress: PipelineProgress) => void) | undefined {
  const progressToken = extra._meta?.progressToken;
  if (progressToken === undefined) return undefined;
  return (progress) => {
    const seconds = Math.round(progress.elapsedMs / 1000);
    const message = progress.queued
      ? `waiting for a free slot (${seconds} s)`
      : progress.message !== undefined
        ? maskSecrets(progress.message).text
        : `running for ${seconds} s, ${progress.outputBytes} bytes of output so far`;
    extra
      .sendNotification({
        method: 'notifications/progress',
        params: { progressToken, progress: progress.elapsedMs, message },
      })
      .catch(() => {});
  };
}

/** The server's means in the executor's result descriptions: its settings, arguments and resources. */
export const serverResultNames: Partial<ResultNames> = {
  failure: serverFailureNames,
  stageLimitSetting: (kind, option) => `AWS_MCP_SANDBOX_LIMITS=${kind}.${option}=N for the server`,
  saveAgain: 'call again with `saveOutputTo: "NAME"`',
  showAnswer:
    'A client that can show consent forms lets the user answer `show`; a policy file with `"secrets": "show"` answers it for them.',
};

/** A step that did not go on: the refusal to return, with the fields already known and what the audit adds. */
export interface Stop {
  refusal: Refusal;
  fields?: Partial<PipelineOutput>;
  audit?: Partial<Omit<AuditEntry, 'time' | 'session' | 'tool'>>;
}

/** A call's own choices (the tool's `profile` and `region` arguments), before the line's and the defaults. */
export interface CallChoices {
  profile?: string;
  region?: string;
  /** The role the call assumes (`roleArn`), already checked against AWS_MCP_ROLES. */
  role?: CallRole;
}

/** A parsed call judged for one profile and region (the executor's judge), with what the tool and audit show. */
export interface JudgedCall extends JudgedAwsCommand {
  /** The call's own choices it was judged with. */
  choices: CallChoices;
  stages: string[][];
  decided: Pick<PipelineOutput, 'classification' | 'decision'>;
  auditBase: Omit<AuditEntry, 'time' | 'session' | 'tool' | 'status'> & { argv: string[][] };
}

/** How a judged call asks: the form, the secrets plan, whether it asks and what the person reads. */
export interface ConsentPlan {
  form: { canAsk: true } | { canAsk: false; why: string };
  stateless: boolean;
  plan: SecretsPlan;
  asks: boolean;
  question: SecretsQuestion | undefined;
  sandbox: string;
}

/** Whether and how a judged call asks the person: the form the client can show and the secrets plan. */
export function planConsent(
  server: McpServer,
  context: ServerContext,
  judged: JudgedCall,
  saveOutputTo: string | undefined,
): ConsentPlan {
  const { config, policy } = context;
  const { pipeline, decision } = judged;
  const stateless = config.transport !== 'stdio' && config.http.stateless;
  // Stateless HTTP has no session to carry a consent request, whatever the client declared.
  const form = stateless ? ({ canAsk: false, why: 'stateless' } as const) : checkConsentForm(server);
  const plan = planSecrets({
    members: secretOutputOf(pipeline).members,
    saveName: saveOutputTo,
    preAnswer: readSecretsPreAnswer(policy, decision.rule),
    canAsk: form.canAsk,
    masking: config.maskSecrets,
    defaultName: defaultSaveName({ service: pipeline.aws.service, operation: pipeline.aws.operation }),
  });
  const question: SecretsQuestion | undefined =
    plan.question && typeof plan.handling === 'object'
      ? { members: plan.members, savePath: join(context.secretsFolder, plan.handling.saveName) }
      : undefined;
  const sandbox =
    context.sandbox.sandbox.name === 'none'
      ? `no sandbox (${context.sandbox.unavailableReason ?? 'AWS_MCP_SANDBOX=disabled'}): it runs with your own access to this machine`
      : context.sandbox.description;
  return { form, stateless, plan, asks: decision.action === 'confirm' || plan.question, question, sandbox };
}

/**
 * The tool's audit line writer: the time, the session's label (over HTTP the id is a credential) and the tool's
 * name around each entry; with `accountOf`, a profile whose call reached AWS, its account is looked up (cached).
 */
export function auditWriter(context: ServerContext, extra: ToolExtra) {
  return (entry: Omit<AuditEntry, 'time' | 'session' | 'tool'>, accountOf?: string): void =>
    context.audit?.write(
      {
        time: new Date().toISOString(),
        session: extra.sessionId === undefined ? undefined : sessionLabel(extra.sessionId),
        tool: 'aws_cli_pipeline',
        ...entry,
      },
      accountOf === undefined
        ? undefined
        : { account: context.lookupAccount(accountOf).then((identity) => identity.account) },
    );
}

/** Why a call the flow stopped did not run, as the tool's refusal, audited with the fields judged so far. */
export async function refuseOneCall(
  context: ServerContext,
  error: unknown,
  {
    judged,
    consent,
    consentPlan,
    audit,
    stop,
    started,
  }: {
    judged: JudgedCall | undefined;
    consent: ConsentOutcome | undefined;
    consentPlan: ConsentPlan | undefined;
    audit: (entry: Omit<AuditEntry, 'time' | 'session' | 'tool'>) => void;
    stop: (step: Stop, base?: JudgedCall['auditBase']) => CallToolResult;
    started: number;
  },
): Promise<CallToolResult> {
  if (!ExecutionError.isInstance(error)) return stop(await commandErrorStop(context, error));
  if (judged === undefined) throw error;
  if (consent !== undefined && !consent.granted && consentPlan !== undefined) {
    audit({ ...judged.auditBase, status: 'refused', consent: consent.answer });
    return refused(describeConsentRefusal(consent, judged.decision, consentPlan.stateless), {
      ...judged.decided,
      consent: consent.answer,
    });
  }
  if (consentPlan === undefined) return stop(preflightStop(error, judged), judged.auditBase);
  audit({ ...judged.auditBase, status: 'refused', error: error.code, durationMs: Date.now() - started });
  return refused(
    { code: error.code, text: `${error.code}: ${error.message}`, reason: error.message },
    judged.decided,
  );
}
