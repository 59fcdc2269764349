import { type Decision, escapeHiddenText, formatStagesForPerson } from '@aws-mcp/command';
import {
  type ApprovalScope,
  type ApprovalSubject,
  approvalMinutes,
  asSentence,
  describeTargets,
  type StandingApprovalRecord,
} from '@aws-mcp/executor';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { RefusalCode } from './_refusals.js';
import type { CallRole } from './_roles.js';

/** What a person answered, or why there was no usable answer. */
export type ConsentAnswer =
  | 'accepted'
  | 'declined'
  | 'canceled'
  | 'timed out'
  | 'unsupported'
  | 'invalid answer'
  /** Not asked: a standing approval the person granted earlier in this session covers the call. */
  | 'standing approval';

/** What came of asking the person. */
export interface ConsentOutcome {
  granted: boolean;
  answer: ConsentAnswer;
  /** With the secrets form: what the person chose for the output's secrets. */
  secrets?: 'show' | 'save';
  /** For `unsupported` and `invalid answer`: what exactly happened, for the message. */
  detail?: string;
  /** With a standing offer: how long the person approved it for (`once` when they did not choose). */
  scope?: ApprovalScope;
  /** The standing approval that covered the call (`standing approval`) or that this answer granted. */
  approval?: StandingApprovalRecord;
}

/** One target of a fan-out, as the consent form lists it. */
export interface ConsentTarget {
  profile: string;
  region: string;
  /** The account, or why it is unknown. */
  account: string;
}

/** The role a call assumes, as the consent form names it. */
export interface ConsentRole {
  arn: string;
  /** The role's account, from its ARN. */
  account: string;
  sessionName: string;
}

/** The secrets question of a consent form, for a call whose output carries secrets. */
export interface SecretsQuestion {
  /** The secret output members (`Credentials.SecretAccessKey`; `*`: the whole output). */
  members: string[];
  /** Where `save` writes the unmasked output. */
  savePath: string;
}

/**
 * Whether this session's client can show a consent form: it declared form elicitation (an empty `elicitation`
 * capability means forms). Returns why not otherwise, e.g. a client that declared only URL elicitation.
 */
export function checkConsentForm(server: McpServer): { canAsk: true } | { canAsk: false; why: string } {
  const elicitation = server.server.getClientCapabilities()?.elicitation;
  if (elicitation === undefined)
    return { canAsk: false, why: 'This MCP client cannot ask the user (no elicitation)' };
  if (elicitation.form === undefined) {
    return {
      canAsk: false,
      why: 'This MCP client declared only URL elicitation, which cannot carry a consent form (it needs form elicitation)',
    };
  }
  return { canAsk: true };
}

function describeMembers(members: string[]): string {
  return members.includes('*') ? 'its whole output is a secret' : members.map(escapeHiddenText).join(', ');
}

/**
 * The text of the consent form for a command, as the person reads it: the argv and every field with hidden
 * characters escaped, and the secrets question when there is one. `requestConsent` shows it; a check returns it.
 */
export function buildConsentText({
  decision,
  stages,
  account,
  question,
  sandbox,
  targets,
  standing,
  role,
}: {
  /** The role the call assumes with the profile's credentials: named with its account. */
  role?: ConsentRole;
  decision: Decision;
  stages: string[][];
  account: string;
  question: SecretsQuestion | undefined;
  sandbox: string | undefined;
  /**
   * What a standing approval would cover, when the form offers one: one subject, or for a fan-out one per target
   * (each its own profile, region and account).
   */
  standing?: ApprovalSubject | readonly ApprovalSubject[];
  /** A fan-out's targets: listed instead of one profile, account and region, one answer covering them all. */
  targets?: readonly ConsentTarget[];
}): string {
  const lines = [
    'An AI assistant asks to run this AWS command:',
    '',
    `  ${formatStagesForPerson(stages)}`,
    '',
    `Access: ${decision.classification.accessClass} (${escapeHiddenText(decision.classification.action)})`,
    ...(targets === undefined
      ? [
          `Profile: ${escapeHiddenText(decision.profile ?? 'default')}`,
          `Account: ${escapeHiddenText(account)}`,
          `Region: ${escapeHiddenText(decision.region ?? 'default')}`,
        ]
      : [
          `Targets (${targets.length}; one answer runs it on every one):`,
          ...targets.map(
            (target) =>
              `  profile ${escapeHiddenText(target.profile)} · region ${escapeHiddenText(target.region)} · account ${escapeHiddenText(target.account)}`,
          ),
        ]),
    ...(role === undefined
      ? []
      : [
          `Role: ${escapeHiddenText(role.arn)} in account ${escapeHiddenText(role.account)}, session ${escapeHiddenText(role.sessionName)}`,
          '  (assumed with the profile’s credentials above; the command runs as this role)',
        ]),
    ...(sandbox === undefined ? [] : [`Sandbox: ${escapeHiddenText(sandbox)}`]),
    `Why it asks: ${escapeHiddenText(decision.action === 'confirm' ? decision.reason : 'its output carries secrets')}`,
  ];
  const subjects =
    standing === undefined ? [] : Array.isArray(standing) ? standing : [standing as ApprovalSubject];
  const describeSubject = (subject: ApprovalSubject) =>
    `${escapeHiddenText(describeTargets(subject.targets))}, with profile ${escapeHiddenText(subject.profile)}, region ${escapeHiddenText(subject.region)} and account ${escapeHiddenText(subject.account)}`;
  if (subjects.length === 1) {
    const [subject] = subjects as [ApprovalSubject];
    lines.push(
      '',
      'You may approve it for later calls too. A standing approval covers only this operation',
      `(${escapeHiddenText(subject.action)}) on ${escapeHiddenText(describeTargets(subject.targets))},`,
      `with profile ${escapeHiddenText(subject.profile)}, region ${escapeHiddenText(subject.region)} and account ${escapeHiddenText(subject.account)},`,
      `for this session or for ${approvalMinutes.min}–${approvalMinutes.max} minutes; any other call is asked again. It is listed in`,
      'aws://config/environment and withdrawn with the aws_withdraw_approvals tool.',
    );
  } else if (subjects.length > 1) {
    lines.push(
      '',
      `You may approve it for later calls too: one standing approval per target (${subjects.length}), each covering`,
      `only this operation (${escapeHiddenText((subjects[0] as ApprovalSubject).action)}) on`,
      ...subjects.map((subject) => `  ${describeSubject(subject)}`),
      `for this session or for ${approvalMinutes.min}–${approvalMinutes.max} minutes; any other call is asked again. They are listed in`,
      'aws://config/environment and withdrawn with the aws_withdraw_approvals tool.',
    );
  }
  if (question !== undefined) {
    lines.push(
      '',
      `Its output carries secrets (${describeMembers(question.members)}). Choose:`,
      '  save: run it and write the whole output to a file only you open; the assistant sees the secrets masked',
      `        (${escapeHiddenText(question.savePath)})`,
      '  show: run it and give the secrets to the assistant as they are',
      '  decline: do not run it',
    );
  }
  return lines.join('\n');
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

/** The scope a standing form's answer chose, or what did not fit. */
function readScope(content: Record<string, unknown> | undefined): ApprovalScope | string {
  const scope = content?.scope ?? 'once';
  if (scope === 'once' || scope === 'session') return { kind: scope };
  if (scope !== 'minutes') return `the form's scope was ${JSON.stringify(scope)}`;
  const minutes = content?.minutes ?? approvalMinutes.default;
  if (typeof minutes !== 'number' || !Number.isInteger(minutes)) {
    return `the form's minutes were ${JSON.stringify(minutes)}, not a whole number`;
  }
  if (minutes < approvalMinutes.min || minutes > approvalMinutes.max) {
    return `the form's minutes were ${minutes}, outside ${approvalMinutes.min}–${approvalMinutes.max}`;
  }
  return { kind: 'minutes', minutes };
}

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
  targets?: readonly ConsentTarget[];
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
  if (result.action !== 'accept')
    return { granted: false, answer: result.action === 'cancel' ? 'canceled' : 'declined' };
  if (question === undefined) {
    if (result.content?.approve !== true) return { granted: false, answer: 'declined' };
    if (standing === undefined) return { granted: true, answer: 'accepted' };
    const scope = readScope(result.content);
    return typeof scope === 'string'
      ? { granted: false, answer: 'invalid answer', detail: scope }
      : { granted: true, answer: 'accepted', scope };
  }
  // An accept without content is the form's default, `save`: the safe answer.
  const answer = result.content?.answer ?? 'save';
  if (answer === 'decline') return { granted: false, answer: 'declined' };
  if (answer === 'save' || answer === 'show') return { granted: true, answer: 'accepted', secrets: answer };
  return {
    granted: false,
    answer: 'invalid answer',
    detail: `the form's answer was ${JSON.stringify(answer)}`,
  };
}

/** The consent form's `role` field for a call under a role. */
export function consentRoleOf(role: CallRole | undefined): { role?: ConsentRole } {
  return role === undefined
    ? {}
    : { role: { arn: role.arn, account: role.account, sessionName: role.assumeRole.sessionName } };
}

/** The refusal code of each answer that did not grant a call. */
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

/** Why a call that needed consent did not run, saying what really happened and what the user can change. */
export function describeConsentRefusal(
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
