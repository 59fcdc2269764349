import {
  CommandError,
  type Decision,
  type Pipeline,
  parseCommandLine,
  validatePipeline,
} from '@aws-mcp/command';
import { ExecutionError, type PipelineResult, runPipeline } from '@aws-mcp/executor';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
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
    ...fields,
  };
  return errorResult(text, structured);
}

function summarizeDecision(decision: Decision): PipelineOutput['decision'] {
  return { action: decision.action, rule: decision.rule, reason: decision.reason };
}

function describeConsentRefusal(outcome: ConsentOutcome, decision: Decision): string {
  if (outcome.answer === 'unsupported') {
    return (
      `Needs consent (${decision.rule}): ${decision.reason} This MCP client cannot ask the user (no elicitation), ` +
      'so it did not run. To allow it, the user can set AWS_MCP_MODE=full for the server or allow it in a policy file.'
    );
  }
  return `Not run: the user ${outcome.answer === 'timed out' ? 'did not answer in time' : `${outcome.answer} it`}. Do not retry unless the user asks.`;
}

function formatRunResult(result: PipelineResult, profile: string | undefined): string {
  if (result.status === 'success') {
    if (result.output !== '') return result.output;
    return result.noMatch ? '(no lines matched the filter)' : '(the command succeeded with no output)';
  }
  if (result.status === 'timeout')
    return `The command was stopped at the time limit after ${result.durationMs} ms.`;
  if (result.status === 'canceled') return 'The command was canceled.';
  const failedStage = result.stages.find((stage) => stage.exitCode !== 0 && stage.name !== 'aws');
  const awsFailed = result.stages[0]?.exitCode !== 0;
  const lines = [
    `The command failed (${awsFailed ? 'aws' : (failedStage?.name ?? 'a filter')} exited ${result.exitCode}).`,
  ];
  const stderr = awsFailed ? result.stderr.trim() : result.filterStderr.trim();
  if (stderr !== '') lines.push(stderr);
  const hint = awsFailed ? explainAwsFailure(result.stderr, profile) : undefined;
  if (hint !== undefined) lines.push(hint);
  if (result.output !== '') lines.push('', 'Output before the failure:', result.output);
  return lines.join('\n');
}

function parseInput(input: { command?: string; args?: string[]; pipe?: string[][] }): Pipeline {
  if (input.command !== undefined && input.args !== undefined) {
    throw new CommandError({
      code: 'INVALID_ARGV',
      message: 'Give either `command` (a string) or `args` (an argv array), not both.',
    });
  }
  if (input.args !== undefined) return parseCommandLine({ args: input.args, pipe: input.pipe });
  if (input.pipe !== undefined) {
    throw new CommandError({
      code: 'INVALID_ARGV',
      message: '`pipe` goes with `args`; with `command`, write the `|` stages in the string.',
    });
  }
  return parseCommandLine(input.command ?? '');
}

/** Registers `aws_cli_pipeline`: validates, asks consent where the policy says so, and runs the pipeline. */
export function registerAwsCliPipelineTool(server: McpServer, context: ServerContext): void {
  const { config } = context;
  server.registerTool(
    'aws_cli_pipeline',
    {
      title: 'Run an AWS CLI command',
      description:
        'Run one AWS CLI command, optionally piped into filters such as jq or grep, and return its output. ' +
        'Learn a command first with aws_cli_help. Prefer --query and --output to trim output. ' +
        `Mode: ${config.mode}${config.mode === 'confirm-writes' ? ' (writes ask the user first)' : ''}. ` +
        `Local files are read and written only inside ${config.workdir}; use relative paths.`,
      inputSchema,
      outputSchema,
      annotations:
        config.mode === 'read-only'
          ? { readOnlyHint: true, openWorldHint: true }
          : { readOnlyHint: false, destructiveHint: true, openWorldHint: true },
    },
    async (input, extra) => {
      let pipeline: Pipeline;
      let decision: Decision;
      try {
        pipeline = parseInput(input);
        decision = validatePipeline(
          pipeline,
          {
            mode: config.mode,
            allowedEndpoints: config.endpointUrl === undefined ? [] : [config.endpointUrl],
          },
          { profile: input.profile, region: input.region, workdir: config.workdir },
        );
      } catch (error) {
        if (CommandError.isInstance(error)) return refused(`Refused (${error.code}): ${error.message}`);
        throw error;
      }
      const { accessClass, action, reason, known } = decision.classification;
      const decided = {
        classification: { accessClass, action, reason, known },
        decision: summarizeDecision(decision),
      };
      if (decision.action === 'deny') {
        return refused(`Refused by ${decision.rule}: ${decision.reason}`, decided);
      }
      const cli = await context.awsCli;
      if (!cli.available) return refused(`AWS_CLI_MISSING: ${cli.message}`, decided);
      let consent: ConsentOutcome | undefined;
      if (decision.action === 'confirm') {
        consent = await requestConsent({
          server,
          decision,
          stages: [pipeline.aws.argv, ...pipeline.filters.map((stage) => stage.argv)],
          timeoutMs: config.consentTimeoutSeconds * 1000,
        });
        if (!consent.granted) {
          return refused(describeConsentRefusal(consent, decision), { ...decided, consent: consent.answer });
        }
      }
      const profile = decision.profile ?? context.defaultProfile();
      try {
        const result = await runPipeline(pipeline, {
          ...context.runOptions(),
          profile: decision.profile,
          region: decision.region ?? context.defaultRegion(),
          timeoutMs: Math.min(input.timeout ?? config.timeoutSeconds, config.timeoutSeconds) * 1000,
          maxOutputChars: Math.min(input.maxOutput ?? config.maxOutputChars, config.maxOutputChars),
          signal: extra.signal,
        });
        const structured: PipelineOutput = {
          status: result.status,
          exitCode: result.exitCode,
          output: result.output,
          stderr: [result.stderr, result.filterStderr].filter((text) => text !== '').join('\n'),
          truncated: result.truncated,
          totalChars: result.totalChars,
          durationMs: result.durationMs,
          ...decided,
          ...(consent === undefined ? {} : { consent: consent.answer }),
        };
        const text = formatRunResult(result, profile);
        return result.status === 'success' ? textResult(text, structured) : errorResult(text, structured);
      } catch (error) {
        if (ExecutionError.isInstance(error)) {
          return refused(`${error.code}: ${error.message}`, decided);
        }
        throw error;
      }
    },
  );
}
