import type { AwsContext } from '@aws-mcp/aws-config';
import { type Decision, formatStagesForPerson, type Pipeline } from '@aws-mcp/command';
import {
  auditEntryOf,
  type ConsentOutcome,
  confirmWithStandingApproval,
  describeCheckedCall,
  describeOutfiles,
  describeResultSecrets,
  describeRunResult,
  describeSecretsNote,
  hintForResult,
  type JudgedAwsCommand,
  maskSecrets,
  type PipelineResult,
  type RunAwsCommandResult,
  readJsonOutput,
  runAwsCommand,
  runPipeline,
  type SecretsHandling,
} from '@aws-mcp/executor';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { CallToolResult, ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { AuditEntry } from '../audit-log.js';
import type { ServerContext } from '../server-context.js';
import {
  checkStandingApproval,
  describeApprovalNote,
  standingCheckSchema,
  summarizeApproval,
  withStandingCheck,
} from './_approvals.js';
import { buildConsentText, consentRoleOf, describeConsentRefusal, requestConsent } from './_consent.js';
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
  keptResultInputSchema,
  keptResultOutputSchema,
  runFromResult,
  withKeptResult,
} from './_kept-results.js';
import {
  filterPage,
  isNextTokenLost,
  pagesWithFilters,
  pagingInputSchema,
  pagingOutputSchema,
  readNextToken,
  runPagedWithFilters,
  withNextToken,
} from './_pagination.js';
import {
  auditWriter,
  type CallChoices,
  type ConsentPlan,
  callRunOptions,
  commandErrorStop,
  isStop,
  type JudgedCall,
  judgeCall,
  judgeOptionsOf,
  parseCall,
  planConsent,
  preflight,
  preflightStop,
  refuseOneCall,
  runJudged,
  type Stop,
  secretsOptionOf,
  serverResultNames,
  withServerFields,
} from './_pipeline-steps.js';
import { errorResult, nothingRan, refused, textResult } from './_results.js';
import { checkRoleArguments, describeCallRole, roleInputSchema } from './_roles.js';

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

export type ToolInput = z.infer<z.ZodObject<typeof inputSchema>>;

export type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

export type { CallChoices, ConsentPlan, JudgedCall, Stop } from './_pipeline-steps.js';

/**
 * The result of `check: true` for a judged call: the argv that would run, the class, decision and rule, and the
 * consent text the person would read (the executor's describeCheckedCall); nothing runs and nobody is asked.
 */
function checkCall(judged: JudgedCall, consent: ConsentPlan): CallToolResult {
  const { profile, region, auditBase, decided } = judged;
  const decision: Decision = { ...judged.decision, profile, region };
  // The caller identity would cost a process; the secret values are redacted, as in the audit log.
  const consentText = consent.asks
    ? buildConsentText({
        decision,
        stages: auditBase.argv,
        account: 'looked up when the command runs',
        question: consent.question,
        sandbox: consent.sandbox,
        ...consentRoleOf(judged.choices.role),
      })
    : undefined;
  const text = describeCheckedCall({
    stagesText: formatStagesForPerson(auditBase.argv),
    decision,
    consentText,
    canAsk: consent.form.canAsk,
    names: { asker: 'this client', unavailableCode: 'CONSENT_UNAVAILABLE' },
  });
  return textResult(text, {
    status: 'checked',
    ...nothingRan,
    ...decided,
    check: {
      argv: auditBase.argv,
      asks: consentText !== undefined,
      ...(consentText === undefined ? {} : { consentText: maskSecrets(consentText).text }),
    },
  } satisfies PipelineOutput);
}

/**
 * Asks the person where the plan says so (undefined when nobody needs asking), through the session's standing
 * approvals; `pipeline` is what a standing approval bound the call to (`--expected-bucket-owner`), the granting
 * call too, where the CLI can.
 */
async function askConsent(
  server: McpServer,
  context: ServerContext,
  judged: JudgedCall,
  consent: ConsentPlan,
): Promise<{ outcome: ConsentOutcome; pipeline?: Pipeline } | undefined> {
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
  const pipeline = confirmed.binding?.pipeline;
  const bound = pipeline === undefined ? {} : { pipeline };
  if ('covered' in confirmed) {
    return { outcome: { granted: true, answer: 'standing approval', approval: confirmed.covered }, ...bound };
  }
  const { answer, granted } = confirmed;
  return { outcome: granted === undefined ? answer : { ...answer, approval: granted }, ...bound };
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
  const secrets = describeResultSecrets(result, secretsOption);
  const granted = consent?.answer !== 'standing approval';
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
    ...(consent?.approval === undefined ? {} : { approval: summarizeApproval(consent.approval, granted) }),
  };
  const note = [
    describeOutfiles(result.outfiles),
    describeSecretsNote(secrets, { folder: context.secretsFolder, canAsk, names: serverResultNames }),
    consent?.approval === undefined ? undefined : describeApprovalNote(consent.approval, granted),
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
    describeRunResult(result, {
      profile: judged.profile,
      setup: context.setup(),
      nextStep,
      names: serverResultNames,
    }),
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
      const audit = auditWriter(context, extra);
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
        fanOut: isFanOut(input),
      });
      if (role !== undefined && 'refusal' in role) return stop(role);
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
  // Filled in as the flow's steps reach them; `judged` is what the flow last judged (after a binding, the bound call).
  let judged: JudgedCall | undefined;
  let consentPlan: ConsentPlan | undefined;
  let consent: ConsentOutcome | undefined;
  const judgedOf = (call: JudgedAwsCommand): JudgedCall => {
    if (judged?.pipeline !== call.pipeline) judged = withServerFields(call, choices);
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
        const asked = await askConsent(server, context, judgedOf(call), planOf(call));
        consent = asked?.outcome;
        // What runs, the granting call too, is bound to the approval's account where the CLI can.
        return { granted: consent === undefined || consent.granted, pipeline: asked?.pipeline };
      },
      run: (call, options) => {
        const settings = { ...options, secrets: secretsOf(call) };
        // A paged call's filters run over its page after the token is read, so they cannot drop it.
        return pagesWithFilters(input, call.pipeline, settings.secrets)
          ? runPagedWithFilters({
              pipeline: call.pipeline,
              runAws: (awsOnly, keepOutputChars) => runPipeline(awsOnly, { ...settings, keepOutputChars }),
              filterOutput: (text, elapsedMs) =>
                filterPage(context, call.pipeline, { input, text, elapsedMs, signal: extra.signal }),
              cap: settings,
            })
          : runPipeline(call.pipeline, settings);
      },
    });
  } catch (error) {
    return refuseOneCall(context, error, { judged, consent, consentPlan, audit, stop, started });
  }
  const call = judgedOf(result.judged);
  const formatted = await formatRun(context, call, {
    result,
    secretsOption: secretsOf(result.judged),
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
