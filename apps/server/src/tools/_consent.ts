import type { Decision } from '@aws-mcp/command';
import {
  type ApprovalSubject,
  approvalMinutes,
  type BuildConsentTextOptions,
  buildConsentText as buildLibraryConsentText,
  type ConsentNames,
  type ConsentOutcome,
  type ConsentRole,
  describeConsentRefusal as describeLibraryConsentRefusal,
  type FanOutConsentTarget,
  readConsentReply,
  type SecretsQuestion,
} from '@aws-mcp/executor';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { RefusalCode } from './_refusals.js';
import type { CallRole } from './_roles.js';

const noElicitation = 'This MCP client cannot ask the user (no elicitation)';

/**
 * Whether this session's client can show a consent form: it declared form elicitation (an empty `elicitation`
 * capability means forms). Returns why not otherwise, e.g. a client that declared only URL elicitation.
 */
export function checkConsentForm(server: McpServer): { canAsk: true } | { canAsk: false; why: string } {
  const elicitation = server.server.getClientCapabilities()?.elicitation;
  if (elicitation === undefined) return { canAsk: false, why: noElicitation };
  if (elicitation.form === undefined) {
    return {
      canAsk: false,
      why: 'This MCP client declared only URL elicitation, which cannot carry a consent form (it needs form elicitation)',
    };
  }
  return { canAsk: true };
}

/** The server's words in the executor's consent texts. */
const consentNames: ConsentNames = {
  approvalsListedIn: 'aws://config/environment',
  approvalsWithdrawnWith: 'the aws_withdraw_approvals tool',
  cannotAsk: noElicitation,
  allowIt: 'set AWS_MCP_MODE=full for the server, or allow it in a policy file',
  answerer: 'the MCP client',
};

/** Stateless HTTP has no session to carry a consent request, whatever the client declared. */
const statelessRefusal = {
  whyNotAsked:
    'This server runs in stateless HTTP mode, where it cannot ask the user (a consent request needs a session)',
  names: {
    ...consentNames,
    allowIt: `run the server with sessions (without AWS_MCP_STATELESS), ${consentNames.allowIt}`,
  },
};

/**
 * The text of the consent form for a command, in the server's words (the executor's buildConsentText):
 * `requestConsent` shows it; a check returns it.
 */
export function buildConsentText(options: Omit<BuildConsentTextOptions, 'names'>): string {
  return buildLibraryConsentText({ ...options, names: consentNames });
}

type FormSchema = Parameters<McpServer['server']['elicitInput']>[0] & { mode: 'form' };

const approveSchema: FormSchema['requestedSchema'] = {
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
};

const standingSchema: FormSchema['requestedSchema'] = {
  type: 'object',
  properties: {
    approve: {
      type: 'boolean',
      title: 'Run this command',
      description: 'Yes to run it; the scope says whether the approval also covers later calls.',
      default: false,
    },
    scope: {
      type: 'string',
      title: 'Approve for',
      enum: ['once', 'session', 'minutes'],
      enumNames: [
        'This call only',
        'This operation on these targets, for this session',
        'This operation on these targets, for the minutes below',
      ],
      default: 'once',
    },
    minutes: {
      type: 'integer',
      title: 'Minutes (with the last scope)',
      minimum: approvalMinutes.min,
      maximum: approvalMinutes.max,
      default: approvalMinutes.default,
    },
  },
  required: ['approve'],
};

const secretsSchema: FormSchema['requestedSchema'] = {
  type: 'object',
  properties: {
    answer: {
      type: 'string',
      title: 'Run it, and the secrets in its output',
      enum: ['save', 'show', 'decline'],
      enumNames: [
        'Run, save the secrets to a file only I open',
        'Run, show the secrets to the assistant',
        'Do not run',
      ],
      default: 'save',
    },
  },
  required: ['answer'],
};

/**
 * Asks the person, through MCP form elicitation, whether to run a command: a yes/no form, or for a call whose
 * output carries secrets (`question`) one `answer` — `save` (the default, so a client that can only accept submits
 * the safe answer), `show` or `decline`. The message shows the argv and every field with hidden characters escaped.
 * Anything but an explicit yes within the time limit means no; an answer that does not fit the form is
 * `invalid answer`, a client without form elicitation `unsupported`, each with `detail` saying what happened.
 * With `standing` (never together with `question`), the yes/no form also asks its `scope` — this call only (the
 * default), this operation on these targets for the session, or for N minutes — and the outcome carries it.
 */
export async function requestConsent({
  server,
  decision,
  stages,
  account,
  timeoutMs,
  question,
  sandbox,
  targets,
  standing,
  role,
}: {
  /** The role the call assumes, shown with its account. */
  role?: ConsentRole;
  /**
   * What a standing approval would cover, when one may be offered (the executor's offerStandingApproval; for a
   * fan-out, offerFanOutStandingApproval's subjects, one per target).
   */
  standing?: ApprovalSubject | readonly ApprovalSubject[];
  /** A fan-out's targets, listed in the form instead of one profile, account and region. */
  targets?: readonly FanOutConsentTarget[];
  /** What confines the command, as the person should read it: "no sandbox …" when nothing does. */
  sandbox?: string;
  /** The account the profile's credentials belong to, or why it is unknown. */
  account: string;
  server: McpServer;
  decision: Decision;
  /** The pipeline's stages as argv arrays, the aws stage first. */
  stages: string[][];
  timeoutMs: number;
  question?: SecretsQuestion;
}): Promise<ConsentOutcome> {
  const form = checkConsentForm(server);
  if (!form.canAsk) return { granted: false, answer: 'unsupported', detail: form.why };
  let result: Awaited<ReturnType<McpServer['server']['elicitInput']>>;
  try {
    result = await server.server.elicitInput(
      {
        mode: 'form',
        message: buildConsentText({ decision, stages, account, question, sandbox, targets, standing, role }),
        requestedSchema:
          question !== undefined ? secretsSchema : standing !== undefined ? standingSchema : approveSchema,
      },
      { timeout: timeoutMs },
    );
  } catch (error) {
    if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
      return { granted: false, answer: 'timed out' };
    }
    if (error instanceof McpError && error.code === ErrorCode.InvalidParams) {
      return {
        granted: false,
        answer: 'invalid answer',
        detail: error.message.replace(/^MCP error -?\d+: /, ''),
      };
    }
    return {
      granted: false,
      answer: 'canceled',
      detail: `the consent request failed: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  return readConsentReply({
    action: result.action,
    content: result.content,
    asksSecrets: question !== undefined,
    offersStanding: standing !== undefined,
  });
}

/** The consent form's `role` field for a call under a role. */
export function consentRoleOf(role: CallRole | undefined): { role?: ConsentRole } {
  return role === undefined
    ? {}
    : { role: { arn: role.arn, account: role.account, sessionName: role.assumeRole.sessionName } };
}

/** Why a call that needed consent did not run, in the server's words (the executor's describeConsentRefusal). */
export function describeConsentRefusal(
  outcome: ConsentOutcome,
  decision: Decision,
  stateless: boolean,
): { code: RefusalCode; text: string } {
  return describeLibraryConsentRefusal({
    outcome,
    decision,
    ...(stateless ? statelessRefusal : { names: consentNames }),
  });
}
