import { basename, join } from 'node:path';
import type { AwsContext, AwsSetup } from '@aws-mcp/aws-config';
import {
  CommandError,
  type Decision,
  isProfileAllowed,
  type ParseCommandLineOptions,
  type Pipeline,
  type Policy,
  parseCommandLine,
  type SecretsAnswer,
} from '@aws-mcp/command';
import {
  auditEntryOf,
  auditFieldsOf,
  confirmWithStandingApproval,
  ExecutionError,
  explainAwsFailure,
  hintForResult,
  type JudgeAwsCommandOptions,
  type JudgedAwsCommand,
  judgeAwsCommand,
  maskSecrets,
  type PipelineProgress,
  type PipelineResult,
  preflightAwsCommand,
  type RunAwsCommandResult,
  type RunPipelineOptions,
  readJsonOutput,
  runAwsCommand,
  runOptionsOf,
  runPipeline,
  type SecretsHandling,
  secretOutputOf,
  stripUsageBanner,
} from '@aws-mcp/executor';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { CallToolResult, ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { formatStagesForPerson, isHiddenCharacter } from '../_escape-text.js';
import { checkSaveName, defaultSaveName } from '../_secrets-folder.js';
import { sessionLabel } from '../_session-label.js';
import type { AuditEntry } from '../audit-log.js';
import type { ServerContext } from '../server-context.js';
import {
  applyApprovalBinding,
  checkStandingApproval,
  describeApprovalNote,
  standingCheckSchema,
  summarizeApproval,
  withStandingCheck,
} from './_approvals.js';
import {
  buildConsentText,
  type ConsentOutcome,
  type ConsentRole,
  checkConsentForm,
  requestConsent,
  type SecretsQuestion,
} from './_consent.js';
import { serverFailureNames } from './_failure-names.js';
import {
  createEnabledRegionsLookup,
  fanOutInputSchema,
  fanOutOutputSchema,
  isFanOut,
  readEnabledRegions,
  runFanOut,
} from './_fan-out.js';
import {
  keepCutOutput,
  keepOutputCharsOf,
  keptResultInputSchema,
  keptResultOutputSchema,
  runFromResult,
  withKeptResult,
} from './_kept-results.js';
import { sayInServerWords } from './_library-words.js';
import {
  applyPaging,
  filterPage,
  isNextTokenLost,
  pagesWithFilters,
  pagingInputSchema,
  pagingOutputSchema,
  readNextToken,
  runPagedWithFilters,
  withNextToken,
} from './_pagination.js';
import { describeRefusal, type RefusalCode, type RefusalFields } from './_refusals.js';
import { errorResult, textResult } from './_results.js';
import { type CallRole, checkRoleArguments, describeCallRole, roleInputSchema } from './_roles.js';

const inputSchema = {
  command: z
    .string()
    .optional()
    .describe(
      'One AWS CLI command line, optionally piped into filters: `aws s3api list-buckets --query "Buckets[].Name" --output text`, ' +
        "`aws ec2 describe-instances --output json | jq -r '.Reservations[].Instances[].InstanceId'`. " +
        'It is not run by a shell: no `&&`, `;`, `$(…)`, redirections or variables. Filters: jq, grep, head, tail, sort, uniq, wc, cut, tr, awk, sed and a few more.',
    ),
  args: z
    .array(z.string())
    .optional()
    .describe(
      'Instead of `command`: the aws argv as an array starting with "aws", so inline JSON needs no quoting.',
    ),
  pipe: z
    .array(z.array(z.string()))
    .optional()
    .describe('With `args`: filter stages as argv arrays, e.g. [["jq", "-r", ".Buckets[].Name"]].'),
  timeout: z
    .number()
    .positive()
    .optional()
    .describe('Seconds before the command is stopped; capped by the server.'),
  profile: z.string().optional().describe('The AWS profile to run with (default: the server’s).'),
  region: z
    .string()
    .optional()
    .describe('The AWS region to run with, e.g. `eu-west-1` (default: the server’s).'),
  maxOutput: z
    .number()
    .int()
    .positive()
    .optional()
    .describe('Lower the cap on returned characters (the start and end are kept).'),
  saveOutputTo: z
    .string()
    .optional()
    .describe(
      'A new file name (no folders, not a dot-file, e.g. `key-pair.json`): the whole output, secrets unmasked, is ' +
        'written to the server’s secrets folder, which only the user opens; you get the file’s name and size and ' +
        'the output with its secrets masked. No command can read that folder back.',
    ),
  check: z
    .boolean()
    .optional()
    .describe(
      'Plan only: return the argv that would run, its access class, the decision and rule, and the consent text ' +
        'the user would see. Nothing runs and nobody is asked.',
    ),
  ...fanOutInputSchema,
  ...roleInputSchema,
  ...keptResultInputSchema,
  ...pagingInputSchema,
};

const outputSchema = {
  status: z.enum(['success', 'error', 'timeout', 'canceled', 'refused', 'checked']),
  exitCode: z.number().int().optional(),
  output: z.string(),
  stderr: z.string(),
  truncated: z.boolean(),
  totalChars: z.number().int(),
  durationMs: z.number(),
  classification: z
    .object({
      accessClass: z.enum(['read', 'write', 'sensitive-read']),
      action: z.string(),
      reason: z.string(),
      known: z
        .boolean()
        .describe('Whether the command catalog knows this command; unknown commands count as writes.'),
    })
    .optional(),
  decision: z
    .object({ action: z.enum(['allow', 'confirm', 'deny']), rule: z.string(), reason: z.string() })
    .optional(),
  consent: z
    .enum([
      'accepted',
      'declined',
      'canceled',
      'timed out',
      'unsupported',
      'invalid answer',
      'standing approval',
    ])
    .optional(),
  approval: z
    .object({
      id: z.string(),
      scope: z.enum(['session', 'minutes']),
      action: z.string(),
      targets: z.array(z.object({ member: z.string(), value: z.string() })),
      expiresAt: z.string().optional(),
      granted: z.boolean().describe('True when this call granted it; false when it covered this call.'),
    })
    .optional()
    .describe(
      'The standing approval this call ran under or granted (withdraw it with aws_withdraw_approvals).',
    ),
  maskedSecrets: z.number().int().describe('How many secret values were masked in output and stderr.'),
  secrets: z
    .object({
      handling: z
        .enum(['masked', 'shown', 'saved'])
        .describe(
          'masked: replaced by [MASKED]; shown: returned as they are (the user chose); saved: see `saved`.',
        ),
      masked: z.number().int(),
      members: z
        .array(z.string())
        .describe('The secret output members the command returns (`*`: all of it).'),
      saved: z
        .object({ name: z.string(), bytes: z.number().int() })
        .optional()
        .describe('The file in the secrets folder holding the unmasked output.'),
    })
    .optional(),
  json: z
    .unknown()
    .optional()
    .describe('The output parsed, when it is one JSON object or array and was not cut (see `jsonOutput`).'),
  jsonOutput: z
    .enum(['parsed', 'not json', 'cut'])
    .optional()
    .describe('Whether `json` holds the output: `cut` when the output was too long to parse whole.'),
  outfiles: z
    .array(
      z.object({
        name: z.string(),
        bytes: z.number().int(),
        content: z.string().optional(),
        truncated: z.boolean().optional(),
        note: z.string().optional(),
      }),
    )
    .optional()
    .describe('The OUTFILE the CLI wrote in the working directory, its text capped and masked as output is.'),
  check: z
    .object({
      argv: z
        .array(z.array(z.string()))
        .describe('The stages that would run, rebuilt from the CLI’s reading, secret values redacted.'),
      asks: z.boolean().describe('Whether the user would be asked before it runs.'),
      consentText: z.string().optional().describe('The consent form’s text, when the user would be asked.'),
      standingApproval: standingCheckSchema.optional(),
    })
    .optional()
    .describe('With `check: true`: what would happen; nothing ran.'),
  code: z.string().optional().describe('For a refusal: which rule refused, e.g. `UNKNOWN_OPTION`.'),
  reason: z.string().optional().describe('For a refusal: what was wrong.'),
  suggestion: z
    .string()
    .optional()
    .describe(
      'What to do next: for a refusal, and for a result whose cause is known (a cut output, text piped into jq, throttling).',
    ),
  fanOut: fanOutOutputSchema.optional(),
  ...keptResultOutputSchema,
  ...pagingOutputSchema,
};

export type PipelineOutput = z.infer<z.ZodObject<typeof outputSchema>>;

/** The run fields of a call that started no process (a refusal, a check). */
const nothingRan = {
  output: '',
  stderr: '',
  truncated: false,
  totalChars: 0,
  durationMs: 0,
  maskedSecrets: 0,
} as const satisfies Partial<PipelineOutput>;

/**
 * A refused call: the text block is the readable message, `structuredContent` carries `code`, `reason` and
 * `suggestion`. Both go through the masking engine, since a message may quote what the call was given.
 */
function refused(
  refusal: { code: RefusalCode; text: string; reason?: string },
  fields: Partial<PipelineOutput> = {},
): CallToolResult {
  const text = maskSecrets(refusal.text).text;
  const described: RefusalFields = describeRefusal(
    refusal.code,
    maskSecrets(refusal.reason ?? refusal.text).text,
  );
  const structured: PipelineOutput = {
    status: 'refused',
    ...nothingRan,
    ...fields,
    ...described,
  };
  return errorResult(text, structured);
}

/** A sentence ends with a full stop, whatever the rule's reason ended with. */
function asSentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

function summarizeDecision(decision: Decision): PipelineOutput['decision'] {
  return { action: decision.action, rule: decision.rule, reason: decision.reason };
}

const consentCodes: Record<
  Exclude<ConsentOutcome['answer'], 'accepted' | 'standing approval'>,
  RefusalCode
> = {
  declined: 'CONSENT_DECLINED',
  canceled: 'CONSENT_CANCELED',
  'timed out': 'CONSENT_TIMED_OUT',
  unsupported: 'CONSENT_UNAVAILABLE',
  'invalid answer': 'CONSENT_INVALID_ANSWER',
};

/** Why a call that needed consent did not run, saying what really happened. */
function describeConsentRefusal(
  outcome: ConsentOutcome,
  decision: Decision,
  stateless: boolean,
): { code: RefusalCode; text: string } {
  const code = consentCodes[outcome.answer as keyof typeof consentCodes];
  if (outcome.answer === 'unsupported') {
    const why = stateless
      ? 'This server runs in stateless HTTP mode, where it cannot ask the user (a consent request needs a session)'
      : (outcome.detail ?? 'This MCP client cannot ask the user (no elicitation)');
    const needs =
      decision.action === 'confirm'
        ? `Needs consent (${decision.rule}): ${asSentence(decision.reason)}`
        : 'Needs consent: its output carries secrets.';
    return {
      code,
      text:
        `${needs} ${why}, so it did not run. To allow it, the user can ` +
        `${stateless ? 'run the server with sessions (without AWS_MCP_STATELESS), ' : ''}set AWS_MCP_MODE=full for the server, or allow it in a policy file.`,
    };
  }
  if (outcome.answer === 'invalid answer') {
    return {
      code,
      text: `Not run: the MCP client answered the consent form with something it does not allow (${outcome.detail ?? 'no detail'}). The user did not agree to anything.`,
    };
  }
  if (outcome.answer === 'canceled' && outcome.detail !== undefined) {
    return { code, text: `Not run: ${outcome.detail}. The user did not agree to anything.` };
  }
  const what = outcome.answer === 'timed out' ? 'did not answer in time' : `${outcome.answer} it`;
  return { code, text: `Not run: the user ${what}. Do not retry unless the user asks.` };
}

/** A Python traceback (the CLI v1 on a file it cannot parse) is shown by its last line, the CLI's own message. */
function readCliMessage(stderr: string): string {
  const trimmed = stderr.trim();
  if (!trimmed.startsWith('Traceback (most recent call last):')) return trimmed;
  const last = trimmed.split('\n').at(-1) ?? '';
  return last.replace(/^[\w.]+(Error|Exception): /, '');
}

function formatRunResult(
  result: PipelineResult,
  profile: string | undefined,
  setup: AwsSetup,
  nextStep: string | undefined,
): string {
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
    // A cut output says how to narrow it; the hint row is the executor's.
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
    // The executor names its own option; the person raises it with the server's setting.
    const { kind, option, message } = result.exceededLimit;
    lines.push(
      message.replace(
        `limits.${kind}.${option}`,
        `AWS_MCP_SANDBOX_LIMITS=${kind}.${option}=N for the server`,
      ),
    );
  }
  // The CLI's own failure (credentials, SSO, permissions: the profile's) first, in the server's names; then the
  // executor's rows on the pipeline (text into jq, eaten JSON quotes, throttling, a dropped paging token).
  const hint =
    (awsFailed
      ? explainAwsFailure(result.stderr, { profile, setup, names: serverFailureNames })
      : undefined) ?? nextStep;
  if (hint !== undefined) lines.push(hint);
  if (result.output !== '') lines.push('', 'Output before the failure:', result.output);
  return lines.join('\n');
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

/** What becomes of the output's secrets, and whether the person is asked first. */
interface SecretsPlan {
  /** `mask`, `show`, or a file name to save the unmasked output as; with `question`, the person's answer decides. */
  handling: 'mask' | 'show' | { saveName: string };
  /** Ask with the secrets form (save / show / decline) rather than yes/no. */
  question: boolean;
  /** The secret output members the classification names. */
  members: string[];
}

/** The deciding policy rule's `secrets` pre-answer, else the policy's own, else `ask`. */
function readSecretsPreAnswer(policy: Policy, rule: string): SecretsAnswer {
  const deciding = policy.rules?.find((candidate, index) => (candidate.id ?? `rules[${index}]`) === rule);
  return deciding?.secrets ?? policy.secrets ?? 'ask';
}

/**
 * Decides what happens to the secrets of a call: `saveOutputTo` saves; output without secret members is masked
 * (the backstop still runs); with secret members, a policy pre-answer (`show`, `save`) decides, or the person is
 * asked with the secrets form — and when no form can be shown, the output is masked (a `confirm` call is refused
 * before it gets here).
 */
function planSecrets({
  members,
  saveOutputTo,
  preAnswer,
  canAsk,
  masking,
  defaultName,
}: {
  members: string[];
  saveOutputTo: string | undefined;
  preAnswer: SecretsAnswer;
  canAsk: boolean;
  masking: boolean;
  defaultName: string;
}): SecretsPlan {
  const plan = (handling: SecretsPlan['handling'], question = false) => ({ handling, question, members });
  if (saveOutputTo !== undefined) return plan({ saveName: saveOutputTo });
  if (!masking || preAnswer === 'show') return plan('show');
  if (preAnswer === 'save' && members.length > 0) return plan({ saveName: defaultName });
  if (members.length === 0) return plan('mask');
  return canAsk ? plan({ saveName: defaultName }, true) : plan('mask');
}

export type ToolInput = z.infer<z.ZodObject<typeof inputSchema>>;

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

const isStop = (value: unknown): value is Stop =>
  typeof value === 'object' && value !== null && 'refusal' in value;

/** Checks the arguments, then parses the input with the CLI's own tables and checks the line's `--region`. */
async function parseCall(context: ServerContext, input: ToolInput): Promise<Pipeline | Stop> {
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
  const lineRegion = await checkRegion(
    context,
    pipeline.aws.globals.region,
    '`--region` on the command line',
  );
  return lineRegion === undefined ? pipeline : { refusal: lineRegion };
}

/** A command-package error as a refusal (a missing CLI said as such); anything else is a defect and is thrown. */
async function commandErrorStop(context: ServerContext, error: unknown): Promise<Stop> {
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
async function judgeCall(
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
function judgeOptionsOf(context: ServerContext, choices: CallChoices): JudgeAwsCommandOptions {
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
function withServerFields(judged: JudgedAwsCommand, choices: CallChoices): JudgedCall {
  const { pipeline, decision } = judged;
  const { accessClass, action, reason, known } = decision.classification;
  return {
    ...judged,
    choices,
    stages: [pipeline.aws.argv, ...pipeline.filters.map((stage) => stage.argv)],
    decided: {
      classification: { accessClass, action, reason, known },
      decision: summarizeDecision(decision),
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
async function preflight(context: ServerContext, judged: JudgedCall): Promise<Stop | undefined> {
  const stop = await preflightAwsCommand(judged, { awsCli: context.awsCli(), setup: context.setup() });
  return stop === undefined ? undefined : preflightStop(stop, judged);
}

/** A preflight error as the tool's refusal: a policy deny is `DENIED_BY_POLICY`, naming the rule. */
function preflightStop(error: ExecutionError, judged: JudgedCall): Stop {
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

/** Whether and how a judged call asks the person: the form the client can show and the secrets plan. */
function planConsent(
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
    saveOutputTo,
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

/** The result of `check: true` for a judged call: nothing runs and nobody is asked. */
function checkCall(judged: JudgedCall, consent: ConsentPlan): CallToolResult {
  const { decision, profile, region, auditBase, decided } = judged;
  return describeCheck({
    argv: auditBase.argv,
    decision: { ...decision, profile, region },
    decided,
    consentText: consent.asks
      ? // The caller identity would cost a process; the secret values are redacted, as in the audit log.
        buildConsentText({
          decision: { ...decision, profile, region },
          stages: auditBase.argv,
          account: 'looked up when the command runs',
          question: consent.question,
          sandbox: consent.sandbox,
          ...consentRoleOf(judged.choices.role),
        })
      : undefined,
    canAsk: consent.form.canAsk,
  });
}

/** Asks the person where the plan says so; undefined when nobody needs asking. */
async function askConsent(
  server: McpServer,
  context: ServerContext,
  judged: JudgedCall,
  consent: ConsentPlan,
): Promise<ConsentOutcome | undefined> {
  if (!consent.asks) return undefined;
  const { decision, profile, region, stages } = judged;
  const identity = await context.lookupAccount(profile);
  const confirmed = await confirmWithStandingApproval(judged, {
    store: context.approvals,
    session: server,
    policy: context.policy,
    account: identity.account,
    secretsQuestion: consent.question !== undefined,
    // A standing approval is bound to the profile's account; a call under a role acts elsewhere, so none is offered.
    assumesRole: judged.choices.role !== undefined,
    model: () => context.cliModel(),
    workdir: context.config.workdir,
    ask: async (offer): Promise<ConsentOutcome> =>
      !consent.form.canAsk
        ? { granted: false, answer: 'unsupported', detail: consent.form.why }
        : requestConsent({
            account: identity.account ?? 'unknown (the caller identity could not be read)',
            server,
            decision: { ...decision, profile, region },
            stages,
            timeoutMs: context.config.consentTimeoutSeconds * 1000,
            question: consent.question,
            sandbox: consent.sandbox,
            ...(offer.offer ? { standing: offer.subject } : {}),
            ...consentRoleOf(judged.choices.role),
          }),
  });
  // What runs, the granting call too, is bound to the approval's account where the CLI can (--expected-bucket-owner).
  applyApprovalBinding(judged, confirmed.binding);
  if ('covered' in confirmed)
    return { granted: true, answer: 'standing approval', approval: confirmed.covered };
  const { answer, granted } = confirmed;
  return granted === undefined ? answer : { ...answer, approval: granted };
}

/** The executor's secrets option for a plan the person may have answered. */
function secretsOptionOf(context: ServerContext, plan: SecretsPlan): SecretsHandling {
  return typeof plan.handling === 'object'
    ? { saveTo: join(context.secretsFolder, plan.handling.saveName) }
    : plan.handling;
}

/** The executor's run options for a call: the server's, with the call's limits, progress and cancel signal. */
function callRunOptions(
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
function runJudged(
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

/** The consent form's `role` field for a call under a role. */
function consentRoleOf(role: CallRole | undefined): { role?: ConsentRole } {
  return role === undefined
    ? {}
    : { role: { arn: role.arn, account: role.account, sessionName: role.assumeRole.sessionName } };
}

/** The tool result of a finished run: the text a model reads and the structured fields. */
async function formatRun(
  context: ServerContext,
  judged: JudgedCall,
  {
    result,
    secretsOption,
    consent,
    canAsk,
  }: {
    result: PipelineResult;
    secretsOption: SecretsHandling;
    consent: ConsentOutcome | undefined;
    canAsk: boolean;
  },
): Promise<{ tool: CallToolResult; secrets: NonNullable<PipelineOutput['secrets']> }> {
  const secrets = describeSecrets(result, secretsOption);
  const structured: PipelineOutput = {
    status: result.status,
    exitCode: result.exitCode,
    output: result.output,
    stderr: [result.stderr, result.filterStderr].filter((text) => text !== '').join('\n'),
    truncated: result.truncated,
    totalChars: result.totalChars,
    durationMs: result.durationMs,
    maskedSecrets: result.maskedSecrets,
    secrets,
    ...readJsonOutput(result),
    ...(result.outfiles === undefined ? {} : { outfiles: result.outfiles }),
    ...judged.decided,
    ...(consent === undefined ? {} : { consent: consent.answer }),
    ...(consent?.approval === undefined
      ? {}
      : { approval: summarizeApproval(consent.approval, consent.answer !== 'standing approval') }),
  };
  const note = [
    describeOutfiles(result.outfiles),
    describeSecretsNote(secrets, { folder: context.secretsFolder, canAsk }),
    consent?.approval === undefined
      ? undefined
      : describeApprovalNote(consent.approval, consent.answer !== 'standing approval'),
  ]
    .filter((line) => line !== undefined)
    .join('\n\n');
  const nextStep = hintForResult({
    pipeline: judged.pipeline,
    result,
    cliMajor: (await context.cliModel()).index.cliMajor,
  });
  if (nextStep !== undefined) structured.suggestion = nextStep;
  const text = [
    formatRunResult(result, judged.profile, context.setup(), nextStep),
    ...(note === '' ? [] : ['', note]),
  ].join('\n');
  return {
    tool: result.status === 'success' ? textResult(text, structured) : errorResult(text, structured),
    secrets,
  };
}

/** The one-call steps a fan-out (`profiles`/`regions`, see _fan-out.ts) composes per target. */
const fanOutSteps = {
  judgeOptionsOf,
  withServerFields,
  preflightStop,
  commandErrorStop,
  planConsent,
  secretsOptionOf,
  runJudged,
  formatRun,
  refused,
  describeConsentRefusal,
};

/** The steps a fan-out is given. */
export type FanOutSteps = typeof fanOutSteps;

/** Registers `aws_cli_pipeline`: validates, asks consent where the policy says so, and runs the pipeline. */
export function registerAwsCliPipelineTool(server: McpServer, context: ServerContext): void {
  const { policy } = context;
  // Per session: a session asks each profile's account for its enabled regions once.
  const enabledRegions = createEnabledRegionsLookup((target, aws: AwsContext) =>
    readEnabledRegions(context, target, aws),
  );
  server.registerTool(
    'aws_cli_pipeline',
    {
      title: 'Run an AWS CLI command',
      description:
        'Run one AWS CLI command, optionally piped into filters such as jq or grep, and return its output. ' +
        'Learn a command first with aws_cli_help. Prefer --query and --output to trim output. ' +
        `Mode: ${policy.mode}${policy.mode === 'confirm-writes' ? ' (writes ask the user first)' : ''}. ` +
        `Local files are read and written only inside ${context.config.workdir}; use relative paths. ` +
        'Secrets in output are masked unless the user chooses otherwise; `saveOutputTo` keeps them in a file for the user.',
      inputSchema: z.object(inputSchema).strict(),
      outputSchema,
      annotations:
        policy.mode === 'read-only'
          ? { readOnlyHint: true, openWorldHint: true }
          : { readOnlyHint: false, destructiveHint: true, openWorldHint: true },
    },
    async (input, extra) => {
      const started = Date.now();
      // `accountOf`: a profile whose call reached AWS; its account is looked up (cached, see lookupAccount).
      const audit = (entry: Omit<AuditEntry, 'time' | 'session' | 'tool'>, accountOf?: string) =>
        context.audit?.write(
          {
            time: new Date().toISOString(),
            // The session's label, not its id: over HTTP the id is a credential.
            session: extra.sessionId === undefined ? undefined : sessionLabel(extra.sessionId),
            tool: 'aws_cli_pipeline',
            ...entry,
          },
          accountOf === undefined
            ? undefined
            : { account: context.lookupAccount(accountOf).then((identity) => identity.account) },
        );
      const stop = (step: Stop, base?: JudgedCall['auditBase']): CallToolResult => {
        audit({ ...base, status: 'refused', error: step.refusal.code, ...step.audit });
        return refused(step.refusal, step.fields);
      };
      if (input.fromResult !== undefined) {
        return runFromResult({ server, context, input, signal: extra.signal, audit, refuse: stop });
      }
      const role = checkRoleArguments(input, {
        allowedRoles: context.config.roles,
        sessionId: extra.sessionId,
      });
      if (role !== undefined && 'refusal' in role) return stop(role);
      if (role !== undefined && isFanOut(input)) {
        const reason = '`roleArn` does not go with `profiles` or `regions`: run one call per role.';
        return stop({
          refusal: {
            code: 'ROLE_ARGUMENT_INVALID',
            text: `Refused (ROLE_ARGUMENT_INVALID): ${reason}`,
            reason,
          },
        });
      }
      const pipeline = await parseCall(context, input);
      if (isStop(pipeline)) return stop(pipeline);
      if (isFanOut(input)) {
        return runFanOut({
          server,
          context,
          input,
          pipeline,
          extra,
          audit,
          steps: fanOutSteps,
          enabledRegions,
          started,
        });
      }
      const choices: CallChoices = {
        profile: input.profile,
        region: input.region,
        ...(role === undefined ? {} : { role }),
      };
      if (input.check === true) {
        const judged = await judgeCall(context, pipeline, choices);
        if (isStop(judged)) return stop(judged);
        const blocked = await preflight(context, judged);
        if (blocked !== undefined) return stop(blocked, judged.auditBase);
        audit({ ...judged.auditBase, status: 'checked' });
        const consent = planConsent(server, context, judged, input.saveOutputTo);
        const timeoutMs =
          Math.min(input.timeout ?? context.config.timeoutSeconds, context.config.maxTimeoutSeconds) * 1000;
        const standing = await checkStandingApproval({ server, context, judged, consent, timeoutMs });
        return withStandingCheck(checkCall(judged, consent), standing);
      }
      return runOneCall({ server, context, input, extra, pipeline, choices, audit, stop, started });
    },
  );
}

/**
 * One call through the executor's flow (runAwsCommand: judge → preflight → confirm → run → audit). The server
 * adds only what is its own: the consent form (with standing approvals and the secrets question), the paging of
 * filtered output, kept results and the tool's result.
 */
async function runOneCall({
  server,
  context,
  input,
  extra,
  pipeline,
  choices,
  audit,
  stop,
  started,
}: {
  server: McpServer;
  context: ServerContext;
  input: ToolInput;
  extra: ToolExtra;
  pipeline: Pipeline;
  choices: CallChoices;
  audit: (entry: Omit<AuditEntry, 'time' | 'session' | 'tool'>, accountOf?: string) => void;
  stop: (step: Stop, base?: JudgedCall['auditBase']) => CallToolResult;
  started: number;
}): Promise<CallToolResult> {
  // Filled in as the flow's steps reach them.
  let judged: JudgedCall | undefined;
  let consentPlan: ConsentPlan | undefined;
  let consent: ConsentOutcome | undefined;
  const judgedOf = (call: JudgedAwsCommand): JudgedCall => {
    judged ??= withServerFields(call, choices);
    return judged;
  };
  const planOf = (call: JudgedAwsCommand): ConsentPlan => {
    consentPlan ??= planConsent(server, context, judgedOf(call), input.saveOutputTo);
    return consentPlan;
  };
  const secretsOf = (call: JudgedAwsCommand): SecretsHandling => {
    const plan = planOf(call);
    if (consent?.secrets === 'show') plan.plan.handling = 'show';
    return secretsOptionOf(context, plan.plan);
  };
  let result: RunAwsCommandResult;
  try {
    result = await runAwsCommand(pipeline, {
      ...callRunOptions(context, { input, extra, secrets: 'mask', role: choices.role }),
      profile: choices.profile,
      region: choices.region,
      policy: context.policy,
      setup: context.setup(),
      cliStatus: context.awsCli(),
      catalog: context.catalog(),
      role: (aws) => describeCallRole(choices.role, aws.credentials),
      // Refusals are audited below with the tool's own codes; this keeps what was judged for them.
      audit: (_entry, call) => {
        if (call !== undefined) judgedOf(call);
      },
      asks: (call) => planOf(call).asks,
      confirm: async (_decision, _pipeline, call) => {
        consent = await askConsent(server, context, judgedOf(call), planOf(call));
        return consent === undefined || consent.granted;
      },
      run: (call, options) => {
        const one = judgedOf(call);
        const settings = { ...options, secrets: secretsOf(call) };
        // A paged call's filters run over its page after the token is read, so they cannot drop it.
        return pagesWithFilters(input, one.pipeline, settings.secrets)
          ? runPagedWithFilters({
              pipeline: one.pipeline,
              runAws: (awsOnly, keepOutputChars) => runPipeline(awsOnly, { ...settings, keepOutputChars }),
              filterOutput: (text, elapsedMs) =>
                filterPage(context, one.pipeline, { input, text, elapsedMs, signal: extra.signal }),
              cap: settings,
            })
          : runPipeline(one.pipeline, settings);
      },
    });
  } catch (error) {
    return refuseOneCall(context, error, { judged, consent, consentPlan, audit, stop, started });
  }
  // The flow ran, so every step above did: judged and its plan are set.
  const call = judgedOf(result.judged);
  const secretsOption = secretsOf(result.judged);
  const formatted = await formatRun(context, call, {
    result,
    secretsOption,
    consent,
    canAsk: planOf(result.judged).form.canAsk,
  });
  audit(
    {
      ...call.auditBase,
      ...auditEntryOf(call, { result }),
      consent: consent?.answer,
      ...(consent?.approval === undefined ? {} : { approval: consent.approval.id }),
      secrets: formatted.secrets.handling,
      ...(formatted.secrets.saved === undefined ? {} : { savedAs: formatted.secrets.saved.name }),
    },
    // Under a role the call acts in the role's account (in auditBase), not the profile's.
    call.choices.role === undefined ? call.profile : undefined,
  );
  const kept = keepCutOutput(server, context, { result, label: formatStagesForPerson(call.auditBase.argv) });
  return withNextToken(
    withKeptResult(formatted.tool, kept),
    readNextToken(call.pipeline, result),
    isNextTokenLost(input, call.pipeline, result),
  );
}

/** Why a call the flow stopped did not run, as the tool's refusal, audited with the fields judged so far. */
async function refuseOneCall(
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

/**
 * The result of `check: true`: the argv that would run, the class, decision and rule, and the consent text the
 * person would read; nothing ran. A call that needs consent the client cannot ask for says it would be refused.
 */
function describeCheck({
  argv,
  decision,
  decided,
  consentText,
  canAsk,
}: {
  argv: string[][];
  decision: Decision;
  decided: Pick<PipelineOutput, 'classification' | 'decision'>;
  consentText: string | undefined;
  canAsk: boolean;
}): CallToolResult {
  const what =
    consentText === undefined
      ? `It would run without asking (${decision.rule}: ${asSentence(decision.reason)})`
      : canAsk
        ? `It would run only after the user agrees (${decision.rule}). The user would see:\n\n${consentText}`
        : `It needs the user's consent (${decision.rule}), which this client cannot ask for, so it would be refused (CONSENT_UNAVAILABLE). The consent text:\n\n${consentText}`;
  const text = maskSecrets(
    [
      'Checked, not run:',
      `  ${formatStagesForPerson(argv)}`,
      `Access: ${decision.classification.accessClass} (${decision.classification.action}); decision: ${decision.action}.`,
      what,
    ].join('\n'),
  ).text;
  const structured: PipelineOutput = {
    status: 'checked',
    ...nothingRan,
    ...decided,
    check: {
      argv,
      asks: consentText !== undefined,
      ...(consentText === undefined ? {} : { consentText: maskSecrets(consentText).text }),
    },
  };
  return textResult(text, structured);
}

/** The `secrets` field of a result: how they were handled, how many were masked, which members, the saved file. */
/** The text block's part for the files a named OUTFILE left in the working directory. */
function describeOutfiles(outfiles: PipelineResult['outfiles']): string | undefined {
  if (outfiles === undefined || outfiles.length === 0) return undefined;
  return outfiles
    .map((file) =>
      file.content === undefined
        ? `${file.name} (${file.bytes} bytes): ${file.note ?? 'not returned'}`
        : `${file.name} (${file.bytes} bytes${file.truncated === true ? ', cut' : ''}):\n${file.content}`,
    )
    .join('\n\n');
}

function describeSecrets(
  result: PipelineResult,
  option: SecretsHandling,
): NonNullable<PipelineOutput['secrets']> {
  const saved = result.secrets.saved;
  return {
    handling: saved !== undefined ? 'saved' : option === 'show' ? 'shown' : 'masked',
    masked: result.secrets.masked,
    members: result.secrets.members,
    ...(saved === undefined ? {} : { saved: { name: basename(saved.path), bytes: saved.bytes } }),
  };
}

/**
 * What a result says about its secrets, after the output: where the unmasked output was saved, or how many values
 * were masked and how to get them. Nothing when nothing was masked or saved.
 */
function describeSecretsNote(
  secrets: NonNullable<PipelineOutput['secrets']>,
  { folder, canAsk }: { folder: string; canAsk: boolean },
): string | undefined {
  const members = secrets.members.includes('*') ? 'the whole output' : secrets.members.join(', ');
  const values = `${secrets.masked} secret value${secrets.masked === 1 ? ' was' : 's were'} masked as [MASKED]`;
  if (secrets.saved !== undefined) {
    return (
      `The whole output, secrets unmasked, was saved as \`${secrets.saved.name}\` (${secrets.saved.bytes} bytes) in the ` +
      `secrets folder ${folder}, which only the user opens; no command can read it. ${secrets.masked > 0 ? `Above, ${values}.` : ''}`
    ).trim();
  }
  if (secrets.handling !== 'masked' || secrets.masked === 0) return undefined;
  const ask = canAsk
    ? ''
    : ' A client that can show consent forms lets the user answer `show`; a policy file with `"secrets": "show"` answers it for them.';
  return (
    `${values}${members === '' ? '' : ` (${members})`}. To get them, call again with \`saveOutputTo: "NAME"\`: the ` +
    `unmasked output goes to a file only the user opens.${ask}`
  );
}

function checkSaveArgument(
  name: string | undefined,
): { code: RefusalCode; text: string; reason: string } | undefined {
  if (name === undefined) return undefined;
  const problem = checkSaveName(name, isHiddenCharacter);
  if (problem === undefined) return undefined;
  return {
    code: 'SAVE_NAME_INVALID',
    text: `Refused (SAVE_NAME_INVALID): ${problem.reason} ${problem.suggestion}`,
    reason: problem.reason,
  };
}

export type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

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

type Refusal = { code: RefusalCode; text: string; reason: string };

/** Checks the `profile` and `region` arguments against the AWS setup, the allowlist and the known regions. */
async function checkChoices(
  context: ServerContext,
  profile: string | undefined,
  region: string | undefined,
): Promise<Refusal | undefined> {
  if (profile !== undefined) {
    const allowed = context.policy.allowedProfiles;
    if (!isProfileAllowed(allowed, profile)) {
      const reason = `profile \`${profile}\` is not in the server's allowlist (${(allowed ?? []).join(', ')}).`;
      return { code: 'PROFILE_NOT_ALLOWED', text: `Refused (PROFILE_NOT_ALLOWED): ${reason}`, reason };
    }
    const known = context.setup().profiles.map((item) => item.name);
    if (!known.includes(profile)) {
      const reason =
        `there is no profile \`${profile}\` in the AWS files` +
        `${known.length > 0 ? ` (configured: ${known.join(', ')})` : ''}.`;
      return {
        code: 'UNKNOWN_PROFILE',
        text: `Refused (UNKNOWN_PROFILE): ${reason} Read aws://config/profiles, or leave \`profile\` out.`,
        reason,
      };
    }
  }
  return checkRegion(context, region, undefined);
}

/** Checks a region (the argument, or `--region` on the line) against the known regions. */
async function checkRegion(
  context: ServerContext,
  region: string | undefined,
  where: string | undefined,
): Promise<Refusal | undefined> {
  if (region === undefined) return undefined;
  const { regions } = await context.regions();
  if (regions.some((known) => known.code === region)) return undefined;
  const close = regions.filter((known) => known.code.startsWith(region.split('-')[0] ?? '')).slice(0, 5);
  const reason = `\`${region}\`${where === undefined ? '' : ` (${where})`} is not a known region code.`;
  return {
    code: 'UNKNOWN_REGION',
    text:
      `Refused (UNKNOWN_REGION): \`${region}\`${where === undefined ? '' : ` (${where})`} is not a known region code` +
      `${close.length > 0 ? ` (e.g. ${close.map((known) => known.code).join(', ')})` : ''}; read aws://config/regions for the list.`,
    reason,
  };
}
