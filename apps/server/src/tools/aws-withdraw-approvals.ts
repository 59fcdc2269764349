import { describeTargets } from '@aws-mcp/executor';
import { sessionLabel } from '@aws-mcp/mcp-http';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { ServerContext } from '../server-context.js';
import { errorResult, textResult } from './_results.js';

const outputSchema = {
  withdrawn: z.array(z.object({ id: z.string(), action: z.string() })),
  remaining: z.number().int().describe('How many standing approvals the session still has.'),
  code: z.string().optional().describe('APPROVAL_NOT_FOUND when no approval has that id.'),
};

/**
 * Registers `aws_withdraw_approvals`: removes one standing approval of this session by id, or all of them. It can
 * only remove; only the consent form grants. An unknown id is an error result (APPROVAL_NOT_FOUND) listing the ids.
 */
export function registerAwsWithdrawApprovalsTool(server: McpServer, context: ServerContext): void {
  server.registerTool(
    'aws_withdraw_approvals',
    {
      title: 'Withdraw standing approvals',
      description: 'Withdraw standing approvals (see aws://config/environment).',
      inputSchema: z.object({ id: z.string().describe('Approval id or `all`') }).strict(),
      outputSchema,
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: false,
      },
    },
    async ({ id }, extra) => {
      const withdrawn = context.approvals.withdraw(server, id);
      const remaining = context.approvals.list(server);
      context.audit?.write({
        time: new Date().toISOString(),
        session: extra.sessionId === undefined ? undefined : sessionLabel(extra.sessionId),
        tool: 'aws_withdraw_approvals',
        status: withdrawn.length > 0 || id === 'all' ? 'withdrawn' : 'not found',
        ...(withdrawn.length > 0 ? { approval: withdrawn.map((record) => record.id).join(',') } : {}),
      });
      const structured = {
        withdrawn: withdrawn.map((record) => ({ id: record.id, action: record.action })),
        remaining: remaining.length,
      };
      if (withdrawn.length === 0 && id !== 'all') {
        const ids = remaining.map((record) => record.id).join(', ');
        return errorResult(
          `APPROVAL_NOT_FOUND: this session has no standing approval ${JSON.stringify(id)}; ${ids === '' ? 'it has none' : `its approvals are ${ids}`}.`,
          { ...structured, code: 'APPROVAL_NOT_FOUND' },
        );
      }
      const lines = withdrawn.map(
        (record) => `  ${record.id}: ${record.action} on ${describeTargets(record.targets)}`,
      );
      return textResult(
        withdrawn.length === 0
          ? 'This session had no standing approvals.'
          : [
              `Withdrew ${withdrawn.length} standing approval${withdrawn.length === 1 ? '' : 's'}:`,
              ...lines,
            ].join('\n'),
        structured,
      );
    },
  );
}
