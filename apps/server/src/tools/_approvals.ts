import { bucketOwnerOption } from '@aws-mcp/command';
import {
  type ApprovalBinding,
  checkStandingApproval as checkSessionApproval,
  describeTargets,
  type StandingApprovalRecord,
} from '@aws-mcp/executor';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { ServerContext } from '../server-context.js';
import type { ConsentPlan, JudgedCall } from './aws-cli-pipeline.js';

// The store and the scope rules live in @aws-mcp/executor (standing-approvals.ts).

/**
 * Makes a judged call run what a standing approval bound it to (`--expected-bucket-owner`, see the executor's
 * confirmWithStandingApproval): its pipeline, stages and audit argv are replaced in place. Nothing without a binding.
 */
export function applyApprovalBinding(judged: JudgedCall, binding: ApprovalBinding | undefined): void {
  if (binding === undefined) return;
  judged.pipeline = binding.pipeline;
  judged.stages = [binding.pipeline.aws.argv, ...binding.pipeline.filters.map((stage) => stage.argv)];
  judged.auditBase.argv = binding.redactedArgv;
  judged.redactedArgv = binding.redactedArgv;
}

/** The `approval` field of a tool result: the standing approval a call ran under (or granted), without its account. */
export function summarizeApproval(record: StandingApprovalRecord, granted: boolean) {
  return {
    id: record.id,
    scope: record.scope,
    action: record.action,
    targets: record.targets.map(({ member, value }) => ({ member, value })),
    ...(record.expiresAt === undefined ? {} : { expiresAt: record.expiresAt }),
    granted,
  };
}

/** What a result says after the output about the standing approval it ran under or granted. */
export function describeApprovalNote(record: StandingApprovalRecord, granted: boolean): string {
  const what = `${record.action} on ${describeTargets(record.targets)}`;
  const until = record.expiresAt === undefined ? 'for this session' : `until ${record.expiresAt}`;
  const owner = record.targets.some((target) => target.bindsOwner === true)
    ? ` Calls it covers carry \`${bucketOwnerOption} ${record.account}\`, so S3 refuses them for a bucket another account owns.`
    : '';
  return granted
    ? `The user approved ${what} ${until} (standing approval ${record.id}): the same call on the same targets runs without asking; anything else is asked again.${owner} aws_withdraw_approvals withdraws it.`
    : `Ran without asking under standing approval ${record.id} (the user approved ${what} ${until}).${owner} aws_withdraw_approvals withdraws it.`;
}

/** What `check: true` says about standing approvals for a call that would ask. */
export const standingCheckSchema = z
  .object({
    covered: z.enum(['yes', 'no', 'unknown']),
    id: z.string().optional().describe('The standing approval that covers it.'),
    expiresAt: z.string().optional(),
    why: z.string().optional().describe('Why none covers it, or why that is unknown.'),
  })
  .describe(
    'Whether a standing approval of this session would cover the call, so the user would not be asked.',
  );

/** Whether a standing approval would cover a checked call: `unknown` when the account could not be read. */
export type StandingCheck = z.infer<typeof standingCheckSchema>;

/**
 * For `check: true` on a call that would ask: whether one of the session's standing approvals would cover it, as
 * the real call decides (the executor's checkStandingApproval, with the session's store and the cached caller
 * identity, within `timeoutMs`, the call's own timeout). Undefined for a call that would not ask. Never throws.
 */
export async function checkStandingApproval({
  server,
  context,
  judged,
  consent,
  timeoutMs,
}: {
  server: McpServer;
  context: ServerContext;
  judged: JudgedCall;
  consent: ConsentPlan;
  timeoutMs: number;
}): Promise<StandingCheck | undefined> {
  if (!consent.asks) return undefined;
  return checkSessionApproval(judged, {
    store: context.approvals,
    session: server,
    policy: context.policy,
    lookupAccount: (profile) => context.lookupAccount(profile),
    timeoutMs,
    secretsQuestion: consent.question !== undefined,
    assumesRole: judged.choices.role !== undefined,
  });
}

/**
 * A `check: true` result with what {@link checkStandingApproval} found: `check.standingApproval`, and a line after
 * the text; a covered call would not ask, so `check.asks` becomes false. The result as it was without a finding.
 */
export function withStandingCheck(tool: CallToolResult, found: StandingCheck | undefined): CallToolResult {
  if (found === undefined) return tool;
  const structured = tool.structuredContent as { check?: Record<string, unknown> } | undefined;
  const line =
    found.covered === 'yes'
      ? `A standing approval covers it: ${found.id}${found.expiresAt === undefined ? ' (for this session)' : ` (until ${found.expiresAt})`}, so it would run without asking; the consent above is what the user would see without it. aws_withdraw_approvals withdraws it.`
      : found.covered === 'unknown'
        ? `Whether a standing approval covers it is unknown: ${found.why}. The real call reads the account again and asks unless an approval covers it.`
        : `No standing approval covers it: ${found.why}.`;
  const [first, ...rest] = tool.content;
  return {
    ...tool,
    content: [
      first?.type === 'text' ? { ...first, text: `${first.text}\n\n${line}` } : { type: 'text', text: line },
      ...(first?.type === 'text' ? rest : tool.content),
    ],
    structuredContent: {
      ...structured,
      check: {
        ...structured?.check,
        ...(found.covered === 'yes' ? { asks: false } : {}),
        standingApproval: found,
      },
    },
  };
}
