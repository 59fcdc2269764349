import { readSsoTokenStatus } from '@aws-mcp/aws-config';
import {
  CommandError,
  type Decision,
  type ParseCommandLineOptions,
  type Pipeline,
  parseCommandLine,
  validatePipeline,
} from '@aws-mcp/command';
import { ExecutionError, type PipelineProgress, type PipelineResult, runPipeline } from '@aws-mcp/executor';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { CallToolResult, ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { type AuditEntry, redactArgv } from '../audit-log.js';
import type { ServerContext } from '../server-context.js';
import { type ConsentOutcome, requestConsent } from './_consent.js';
import { explainAwsFailure } from './_explain-failure.js';
import { errorResult, textResult } from './_results.js';

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
};

const outputSchema = {
  status: z.enum(['success', 'error', 'timeout', 'canceled', 'refused']),
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
  consent: z.enum(['accepted', 'declined', 'canceled', 'timed out', 'unsupported']).optional(),
  maskedSecrets: z.number().int().describe('How many secret values were masked in output and stderr.'),
};

type PipelineOutput = z.infer<z.ZodObject<typeof outputSchema>>;

function refused(text: string, fields: Partial<PipelineOutput> = {}): CallToolResult {
  const structured: PipelineOutput = {
    status: 'refused',
    output: '',
    stderr: '',
    truncated: false,
    totalChars: 0,
    durationMs: 0,
    maskedSecrets: 0,
    ...fields,
  };
  return errorResult(text, structured);
}

function summarizeDecision(decision: Decision): PipelineOutput['decision'] {
  return { action: decision.action, rule: decision.rule, reason: decision.reason };
}

function describeConsentRefusal(outcome: ConsentOutcome, decision: Decision, stateless: boolean): string {
  if (outcome.answer === 'unsupported') {
    const why = stateless
      ? 'This server runs in stateless HTTP mode, where it cannot ask the user (a consent request needs a session)'
      : 'This MCP client cannot ask the user (no elicitation)';
    return (
      `Needs consent (${decision.rule}): ${decision.reason} ${why}, so it did not run. To allow it, the user can ` +
      `${stateless ? 'run the server with sessions (without AWS_MCP_STATELESS), ' : ''}set AWS_MCP_MODE=full for the server, or allow it in a policy file.`
    );
  }
  return `Not run: the user ${outcome.answer === 'timed out' ? 'did not answer in time' : `${outcome.answer} it`}. Do not retry unless the user asks.`;
}

function formatRunResult(result: PipelineResult, profile: string | undefined): string {
  if (result.status === 'success') {
    if (result.dryRunSucceeded === true) {
      return 'Dry run: the request would have succeeded (DryRunOperation); nothing was changed. Run it without `--dry-run` to do it.';
    }
    if (result.output !== '') return result.output;
    return result.noMatch ? '(no lines matched the filter)' : '(the command succeeded with no output)';
  }
  if (result.status === 'timeout')
    return `The command was stopped at the time limit after ${result.durationMs} ms.`;
  if (result.status === 'canceled') return 'The command was canceled.';
  // The stage whose failure decided: a filter that failed first is the cause even when aws then hit a broken pipe.
  const failedStage = result.failedStage ?? 'aws';
  const awsFailed = failedStage === 'aws';
  const lines = [`The command failed (${failedStage} exited ${result.exitCode}).`];
  const stderr = awsFailed ? result.stderr.trim() : result.filterStderr.trim();
  if (stderr !== '') lines.push(stderr);
  if (result.exceededLimit !== undefined) lines.push(result.exceededLimit.message);
  const hint = awsFailed ? explainAwsFailure(result.stderr, profile) : undefined;
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

/** Registers `aws_cli_pipeline`: validates, asks consent where the policy says so, and runs the pipeline. */
export function registerAwsCliPipelineTool(server: McpServer, context: ServerContext): void {
  const { config, policy } = context;
  server.registerTool(
    'aws_cli_pipeline',
    {
      title: 'Run an AWS CLI command',
      description:
        'Run one AWS CLI command, optionally piped into filters such as jq or grep, and return its output. ' +
        'Learn a command first with aws_cli_help. Prefer --query and --output to trim output. ' +
        `Mode: ${policy.mode}${policy.mode === 'confirm-writes' ? ' (writes ask the user first)' : ''}. ` +
        `Local files are read and written only inside ${config.workdir}; use relative paths.`,
      inputSchema: z.object(inputSchema).strict(),
      outputSchema,
      annotations:
        policy.mode === 'read-only'
          ? { readOnlyHint: true, openWorldHint: true }
          : { readOnlyHint: false, destructiveHint: true, openWorldHint: true },
    },
    async (input, extra) => {
      const started = Date.now();
      const audit = (entry: Omit<AuditEntry, 'time' | 'session' | 'tool'>) =>
        context.audit?.write({
          time: new Date().toISOString(),
          session: extra.sessionId,
          tool: 'aws_cli_pipeline',
          ...entry,
        });
      const choice = await checkChoices(context, input.profile, input.region);
      if (choice !== undefined) {
        audit({ status: 'refused', error: choice });
        return refused(choice);
      }
      let pipeline: Pipeline;
      let decision: Decision;
      try {
        pipeline = parseInput(input, { model: await context.cliModel(), workdir: config.workdir });
        // Rules and the profile allowlist judge the effective settings: the line's, else the call's, else the
        // server's defaults. The region follows the effective profile as the CLI resolves it (a variable, then
        // that profile's `region`), never the default profile's.
        const defaults = context.awsContext();
        const globals = pipeline.aws.globals;
        const chosenProfile = globals.profile ?? input.profile;
        decision = validatePipeline(pipeline, policy, {
          profile: input.profile ?? (globals.profile === undefined ? defaults.profile.name : undefined),
          region:
            input.region ??
            (globals.region === undefined ? context.awsContext(chosenProfile).region.name : undefined),
          workdir: config.workdir,
          catalog: context.catalog(),
        });
      } catch (error) {
        if (CommandError.isInstance(error) && error.code === 'CLI_MODEL_UNAVAILABLE') {
          const cli = await context.awsCli;
          if (!cli.available) {
            audit({ status: 'refused', error: 'AWS_CLI_MISSING' });
            return refused(`AWS_CLI_MISSING: ${cli.message}`);
          }
        }
        if (CommandError.isInstance(error)) {
          audit({ status: 'refused', error: error.code });
          return refused(`Refused (${error.code}): ${error.message}`);
        }
        throw error;
      }
      const stages = [pipeline.aws.argv, ...pipeline.filters.map((stage) => stage.argv)];
      const profile = decision.profile ?? context.awsContext().profile.name;
      const region = decision.region ?? context.awsContext(profile).region.name;
      const { accessClass, action, reason, known } = decision.classification;
      const decided = {
        classification: { accessClass, action, reason, known },
        decision: summarizeDecision(decision),
      };
      const auditBase = {
        argv: [pipeline.aws.redactedArgv, ...pipeline.filters.map((stage) => redactArgv(stage.argv))],
        profile,
        region,
        classification: accessClass,
        action,
        decision: decision.action,
        rule: decision.rule,
      };
      if (decision.action === 'deny') {
        audit({ ...auditBase, status: 'refused' });
        return refused(`Refused by ${decision.rule}: ${decision.reason}`, decided);
      }
      const cli = await context.awsCli;
      if (!cli.available) {
        audit({ ...auditBase, status: 'refused', error: 'AWS_CLI_MISSING' });
        return refused(`AWS_CLI_MISSING: ${cli.message}`, decided);
      }
      const sso = await readSsoTokenStatus(profile, context.setup());
      if (sso.status === 'expired' && sso.refreshable !== true) {
        audit({ ...auditBase, status: 'refused', error: 'SSO_SESSION_EXPIRED' });
        return refused(
          `SSO_SESSION_EXPIRED: the SSO session of profile \`${profile}\` expired${sso.expiresAt === undefined ? '' : ` at ${sso.expiresAt}`}. ` +
            `The user must run \`${sso.loginCommand ?? `aws sso login --profile ${profile}`}\` in a terminal, then retry.`,
          decided,
        );
      }
      let consent: ConsentOutcome | undefined;
      if (decision.action === 'confirm') {
        const identity = await context.lookupAccount(profile);
        consent = await requestConsent({
          account: identity.account ?? 'unknown (the caller identity could not be read)',
          server,
          decision: { ...decision, profile, region },
          stages,
          timeoutMs: config.consentTimeoutSeconds * 1000,
        });
        if (!consent.granted) {
          audit({ ...auditBase, status: 'refused', consent: consent.answer });
          return refused(
            describeConsentRefusal(consent, decision, config.transport !== 'stdio' && config.http.stateless),
            { ...decided, consent: consent.answer },
          );
        }
      }
      try {
        const result = await runPipeline(pipeline, {
          ...context.runOptions(decision.profile ?? input.profile),
          // Only a profile the call chose is forced; otherwise the CLI's own resolution stands (env credentials).
          profile: input.profile,
          region,
          timeoutMs: Math.min(input.timeout ?? config.timeoutSeconds, config.maxTimeoutSeconds) * 1000,
          maxOutputChars: Math.min(input.maxOutput ?? config.maxOutputChars, config.maxOutputChars),
          signal: extra.signal,
          onProgress: progressReporter(extra),
        });
        audit({
          ...auditBase,
          consent: consent?.answer,
          status: result.status,
          exitCode: result.exitCode,
          durationMs: result.durationMs,
          outputChars: result.totalChars,
        });
        const structured: PipelineOutput = {
          status: result.status,
          exitCode: result.exitCode,
          output: result.output,
          stderr: [result.stderr, result.filterStderr].filter((text) => text !== '').join('\n'),
          truncated: result.truncated,
          totalChars: result.totalChars,
          durationMs: result.durationMs,
          maskedSecrets: result.maskedSecrets,
          ...decided,
          ...(consent === undefined ? {} : { consent: consent.answer }),
        };
        const text = formatRunResult(result, profile);
        return result.status === 'success' ? textResult(text, structured) : errorResult(text, structured);
      } catch (error) {
        if (ExecutionError.isInstance(error)) {
          audit({ ...auditBase, status: 'refused', error: error.code, durationMs: Date.now() - started });
          return refused(`${error.code}: ${error.message}`, decided);
        }
        throw error;
      }
    },
  );
}

type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/**
 * Sends `notifications/progress` while a command runs, when the request asked for them (a progress token):
 * elapsed time, bytes so far, and the CLI's own s3 transfer lines.
 */
function progressReporter(extra: ToolExtra): ((progress: PipelineProgress) => void) | undefined {
  const progressToken = extra._meta?.progressToken;
  if (progressToken === undefined) return undefined;
  return (progress) => {
    const seconds = Math.round(progress.elapsedMs / 1000);
    const message = progress.queued
      ? `waiting for a free slot (${seconds} s)`
      : (progress.message ?? `running for ${seconds} s, ${progress.outputBytes} bytes of output so far`);
    extra
      .sendNotification({
        method: 'notifications/progress',
        params: { progressToken, progress: progress.elapsedMs, message },
      })
      .catch(() => {});
  };
}

/** Checks the `profile` and `region` arguments against the AWS setup, the allowlist and the known regions. */
async function checkChoices(
  context: ServerContext,
  profile: string | undefined,
  region: string | undefined,
): Promise<string | undefined> {
  if (profile !== undefined) {
    const allowed = context.policy.allowedProfiles;
    if (allowed !== undefined && !allowed.includes(profile)) {
      return `Refused (PROFILE_NOT_ALLOWED): profile \`${profile}\` is not in the server's allowlist (${allowed.join(', ')}).`;
    }
    const known = context.setup().profiles.map((item) => item.name);
    if (!known.includes(profile)) {
      return (
        `Refused (UNKNOWN_PROFILE): there is no profile \`${profile}\` in the AWS files` +
        `${known.length > 0 ? ` (configured: ${known.join(', ')})` : ''}. Read aws://config/profiles, or leave \`profile\` out.`
      );
    }
  }
  if (region !== undefined) {
    const { regions } = await context.regions();
    if (!regions.some((known) => known.code === region)) {
      const close = regions.filter((known) => known.code.startsWith(region.split('-')[0] ?? '')).slice(0, 5);
      return (
        `Refused (UNKNOWN_REGION): \`${region}\` is not a known region code` +
        `${close.length > 0 ? ` (e.g. ${close.map((known) => known.code).join(', ')})` : ''}; read aws://config/regions for the list.`
      );
    }
  }
  return undefined;
}
