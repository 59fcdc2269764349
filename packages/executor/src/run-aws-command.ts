import {
  type Decision,
  type Pipeline,
  type PipelineArgv,
  type Policy,
  parseCommandLine,
  validatePipeline,
} from '@aws-mcp/command';
import { ExecutionError } from './execution-error.js';
import { type PipelineResult, type RunPipelineOptions, runPipeline } from './run-pipeline.js';

/** Options of runAwsCommand: how to run, plus the policy that decides whether to run at all. */
export interface RunAwsCommandOptions extends RunPipelineOptions {
  /** Default: `{ mode: 'confirm-writes' }`, so a write runs only when `confirm` says yes. */
  policy?: Policy;
  /** Asked when the policy's decision is `confirm`; without it, such a command is refused. */
  confirm?: (decision: Decision, pipeline: Pipeline) => Promise<boolean> | boolean;
}

/** A finished run, with the decision that allowed it. */
export interface RunAwsCommandResult extends PipelineResult {
  decision: Decision;
}

/**
 * Parses, validates and runs `aws … | filter …` in one call. Throws CommandError when the command line is
 * refused, ExecutionError with code `DENIED` when the policy (or `confirm`) says no, and ExecutionError when the
 * pipeline cannot start; a command that runs and fails resolves with `status: 'error'`.
 *
 * @example
 * const result = await runAwsCommand('aws s3 ls | grep logs', { cwd: process.cwd(), policy: { mode: 'read-only' } });
 */
export async function runAwsCommand(
  command: string | PipelineArgv,
  options: RunAwsCommandOptions,
): Promise<RunAwsCommandResult> {
  const pipeline = parseCommandLine(command);
  const policy = options.policy ?? { mode: 'confirm-writes' };
  const allowedEndpoints = [...(policy.allowedEndpoints ?? [])];
  if (options.endpointUrl !== undefined) allowedEndpoints.push(options.endpointUrl);
  const decision = validatePipeline(
    pipeline,
    { ...policy, allowedEndpoints },
    { profile: options.profile, region: options.region, workdir: options.cwd },
  );
  if (decision.action === 'deny') {
    throw new ExecutionError({ code: 'DENIED', message: decision.reason, decision });
  }
  if (decision.action === 'confirm') {
    const confirmed = options.confirm !== undefined && (await options.confirm(decision, pipeline));
    if (!confirmed) {
      throw new ExecutionError({
        code: 'DENIED',
        decision,
        message:
          options.confirm === undefined
            ? `${decision.reason} No \`confirm\` callback was given; pass one, or a policy that allows it.`
            : `${decision.reason} It was not confirmed, so it did not run.`,
      });
    }
  }
  const result = await runPipeline(pipeline, {
    ...options,
    profile: decision.profile ?? options.profile,
    region: decision.region ?? options.region,
  });
  return { ...result, decision };
}
