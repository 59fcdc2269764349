import { type Decision, formatArgvForDisplay } from '@aws-mcp/command';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';

/** What came of asking the person. */
export interface ConsentOutcome {
  granted: boolean;
  /** `accepted`, `declined`, `canceled`, `timed out`, or `unsupported` (the client cannot ask). */
  answer: 'accepted' | 'declined' | 'canceled' | 'timed out' | 'unsupported';
}

/**
 * Asks the person, through MCP elicitation, whether to run a command the policy marked `confirm`. The message
 * shows the argv rendered for a person (control and bidirectional characters escaped), the class, profile and
 * region. Anything but an explicit yes within the time limit means no.
 */
export async function requestConsent({
  server,
  decision,
  stages,
  account,
  timeoutMs,
}: {
  /** The account the profile's credentials belong to, or why it is unknown. */
  account: string;
  server: McpServer;
  decision: Decision;
  /** The pipeline's stages as argv arrays, the aws stage first. */
  stages: string[][];
  timeoutMs: number;
}): Promise<ConsentOutcome> {
  if (server.server.getClientCapabilities()?.elicitation === undefined)
    return { granted: false, answer: 'unsupported' };
  const message = [
    'An AI assistant asks to run this AWS command:',
    '',
    `  ${formatArgvForDisplay(stages)}`,
    '',
    `Access: ${decision.classification.accessClass} (${decision.classification.action})`,
    `Profile: ${decision.profile ?? 'default'}`,
    `Account: ${account}`,
    `Region: ${decision.region ?? 'default'}`,
    `Why it asks: ${decision.reason}`,
  ].join('\n');
  try {
    const result = await server.server.elicitInput(
      {
        mode: 'form',
        message,
        requestedSchema: {
          type: 'object',
          properties: {
            approve: {
              type: 'boolean',
              title: 'Run this command',
              description: 'Yes to run it once.',
              default: false,
            },
          },
          required: ['approve'],
        },
      },
      { timeout: timeoutMs },
    );
    if (result.action === 'accept' && result.content?.approve === true)
      return { granted: true, answer: 'accepted' };
    return { granted: false, answer: result.action === 'cancel' ? 'canceled' : 'declined' };
  } catch (error) {
    const timedOut = error instanceof McpError && error.code === ErrorCode.RequestTimeout;
    return { granted: false, answer: timedOut ? 'timed out' : 'canceled' };
  }
}
