import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ServerContext } from '../server-context.js';
import { registerAwsCliHelpTool } from './aws-cli-help.js';
import { registerAwsCliPipelineTool } from './aws-cli-pipeline.js';
import { registerAwsWithdrawApprovalsTool } from './aws-withdraw-approvals.js';

/** Registers the server's tools: help, the pipeline, and withdrawing standing approvals. */
export function registerTools(server: McpServer, context: ServerContext): void {
  registerAwsCliHelpTool(server, context);
  registerAwsCliPipelineTool(server, context);
  registerAwsWithdrawApprovalsTool(server, context);
}
