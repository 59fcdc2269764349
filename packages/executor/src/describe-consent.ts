import { type Decision, escapeHiddenText, formatStagesForPerson } from '@aws-mcp/command';
import { asSentence } from './describe-call.js';
import type { FanOutConsentTarget } from './fan-out-texts.js';
import {
  type ApprovalScope,
  type ApprovalSubject,
  approvalMinutes,
  describeTargets,
  type StandingApprovalRecord,
} from './standing-approvals.js';

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

/** The words consent texts use for the caller's means; the defaults are this library's. */
export interface ConsentNames {
  /** Where standing approvals are listed, in "It is listed in …" (the text breaks the line before it). */
  approvalsListedIn: string;
  /** What withdraws a standing approval, in "withdrawn with …". */
  approvalsWithdrawnWith: string;
  /** Why nobody can be asked, when an `unsupported` outcome carries no detail. */
  cannotAsk: string;
  /** What the user can change so that such a call runs, in "To allow it, the user can …." */
  allowIt: string;
  /** Who answered the form, in "Not run: … answered the consent form with something it does not allow". */
  answerer: string;
}

const defaultNames: ConsentNames = {
  approvalsListedIn: 'the approval store (ApprovalStore.list)',
  approvalsWithdrawnWith: 'ApprovalStore.withdraw',
  cannotAsk: 'This caller cannot ask the user',
  allowIt: "allow it in the policy (`mode: 'full'`, or a rule that allows it)",
  answerer: 'the caller',
};

/** What {@link buildConsentText} shows. */
export interface BuildConsentTextOptions {
  decision: Decision;
  /** The pipeline's stages as argv arrays, the aws stage first. */
  stages: string[][];
  /** The account the profile's credentials belong to, or why it is unknown. */
  account: string;
  question: SecretsQuestion | undefined;
  /** What confines the command, as the person should read it. */
  sandbox: string | undefined;
  /** The role the call assumes with the profile's credentials: named with its account. */
  role?: ConsentRole;
  /**
   * What a standing approval would cover, when the form offers one: one subject, or for a fan-out one per target
   * (each its own profile, region and account).
   */
  standing?: ApprovalSubject | readonly ApprovalSubject[];
  /** A fan-out's targets: listed instead of one profile, account and region, one answer covering them all. */
  targets?: readonly FanOutConsentTarget[];
  names?: Partial<ConsentNames>;
}

function describeMembers(members: readonly string[]): string {
  return members.includes('*') ? 'its whole output is a secret' : members.map(escapeHiddenText).join(', ');
}

/** Where the call runs: one profile, account and region, or a fan-out's targets. */
function describeWhere({ decision, account, targets }: BuildConsentTextOptions): string[] {
  if (targets === undefined) {
    return [
      `Profile: ${escapeHiddenText(decision.profile ?? 'default')}`,
      `Account: ${escapeHiddenText(account)}`,
      `Region: ${escapeHiddenText(decision.region ?? 'default')}`,
    ];
  }
  return [
    `Targets (${targets.length}; one answer runs it on every one):`,
    ...targets.map(
      (target) =>
        `  profile ${escapeHiddenText(target.profile)} · region ${escapeHiddenText(target.region)} · account ${escapeHiddenText(target.account)}`,
    ),
  ];
}

/** The offer of a standing approval: none, one subject, or one per fan-out target. */
function describeStandingOffer(standing: BuildConsentTextOptions['standing'], names: ConsentNames): string[] {
  const subjects =
    standing === undefined ? [] : Array.isArray(standing) ? standing : [standing as ApprovalSubject];
  const duration = `for this session or for ${approvalMinutes.min}–${approvalMinutes.max} minutes; any other call is asked again.`;
  const where = `${names.approvalsListedIn} and withdrawn with ${names.approvalsWithdrawnWith}.`;
  if (subjects.length === 1) {
    const [subject] = subjects as [ApprovalSubject];
    return [
      '',
      'You may approve it for later calls too. A standing approval covers only this operation',
      `(${escapeHiddenText(subject.action)}) on ${escapeHiddenText(describeTargets(subject.targets))},`,
      `with profile ${escapeHiddenText(subject.profile)}, region ${escapeHiddenText(subject.region)} and account ${escapeHiddenText(subject.account)},`,
      `${duration} It is listed in`,
      where,
    ];
  }
  if (subjects.length === 0) return [];
  return [
    '',
    `You may approve it for later calls too: one standing approval per target (${subjects.length}), each covering`,
    `only this operation (${escapeHiddenText((subjects[0] as ApprovalSubject).action)}) on`,
    ...subjects.map(
      (subject) =>
        `  ${escapeHiddenText(describeTargets(subject.targets))}, with profile ${escapeHiddenText(subject.profile)}, region ${escapeHiddenText(subject.region)} and account ${escapeHiddenText(subject.account)}`,
    ),
    `${duration} They are listed in`,
    where,
  ];
}

/**
 * The text of the consent form for a command, as the person reads it: the argv and every field with hidden
 * characters escaped, the role, the sandbox, why it asks, the standing-approval offer and the secrets question.
 */
export function buildConsentText(options: BuildConsentTextOptions): string {
  const { decision, stages, role, sandbox, question } = options;
  const names = { ...defaultNames, ...options.names };
  const lines = [
    'An AI assistant asks to run this AWS command:',
    '',
    `  ${formatStagesForPerson(stages)}`,
    '',
    `Access: ${decision.classification.accessClass} (${escapeHiddenText(decision.classification.action)})`,
    ...describeWhere(options),
    ...(role === undefined
      ? []
      : [
          `Role: ${escapeHiddenText(role.arn)} in account ${escapeHiddenText(role.account)}, session ${escapeHiddenText(role.sessionName)}`,
          '  (assumed with the profile’s credentials above; the command runs as this role)',
        ]),
    ...(sandbox === undefined ? [] : [`Sandbox: ${escapeHiddenText(sandbox)}`]),
    `Why it asks: ${escapeHiddenText(decision.action === 'confirm' ? decision.reason : 'its output carries secrets')}`,
    ...describeStandingOffer(options.standing, names),
  ];
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

/**
 * A consent form's reply: `accept` with the form's content, `decline` or `cancel`. The content's fields are
 * `approve` (yes/no), `scope` (`once`, `session` or `minutes`) with `minutes`, or for the secrets form `answer`
 * (`save`, `show` or `decline`).
 */
export interface ConsentReply {
  action: 'accept' | 'decline' | 'cancel';
  content?: Readonly<Record<string, unknown>>;
}

/** The scope a standing form's answer chose, or what did not fit. */
function readScope(content: ConsentReply['content']): ApprovalScope | string {
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

/** What {@link readConsentReply} reads: the reply, and which form it answers. */
export interface ReadConsentReplyOptions extends ConsentReply {
  /** The secrets form (one `answer`) rather than the yes/no form. */
  asksSecrets: boolean;
  /** With the yes/no form: whether it offered a standing approval (and so asked a `scope`). */
  offersStanding: boolean;
}

/**
 * What a consent form's reply means. Anything but an explicit yes means no; an accepted secrets form without an
 * answer is its default, `save`. A reply that does not fit the form is `invalid answer`, with `detail` saying what.
 */
export function readConsentReply({
  action,
  content,
  asksSecrets,
  offersStanding,
}: ReadConsentReplyOptions): ConsentOutcome {
  if (action !== 'accept') return { granted: false, answer: action === 'cancel' ? 'canceled' : 'declined' };
  if (!asksSecrets) {
    if (content?.approve !== true) return { granted: false, answer: 'declined' };
    if (!offersStanding) return { granted: true, answer: 'accepted' };
    const scope = readScope(content);
    return typeof scope === 'string'
      ? { granted: false, answer: 'invalid answer', detail: scope }
      : { granted: true, answer: 'accepted', scope };
  }
  // An accept without content is the form's default, `save`: the safe answer.
  const answer = content?.answer ?? 'save';
  if (answer === 'decline') return { granted: false, answer: 'declined' };
  if (answer === 'save' || answer === 'show') return { granted: true, answer: 'accepted', secrets: answer };
  return {
    granted: false,
    answer: 'invalid answer',
    detail: `the form's answer was ${JSON.stringify(answer)}`,
  };
}

/** The refusal codes of consents that did not grant a call. */
export type ConsentRefusalCode =
  | 'CONSENT_DECLINED'
  | 'CONSENT_CANCELED'
  | 'CONSENT_TIMED_OUT'
  | 'CONSENT_UNAVAILABLE'
  | 'CONSENT_INVALID_ANSWER';

/** The refusal code of each answer that did not grant a call, with its reason. */
const consentCodes: Record<
  Exclude<ConsentAnswer, 'accepted' | 'standing approval'>,
  readonly [ConsentRefusalCode, string]
> = {
  declined: ['CONSENT_DECLINED', 'the person said no: retry only when they ask'],
  canceled: ['CONSENT_CANCELED', 'the person or the client dismissed the form, or the request failed'],
  'timed out': ['CONSENT_TIMED_OUT', 'nobody answered in time: the person may want it asked again'],
  unsupported: ['CONSENT_UNAVAILABLE', 'nobody could be asked: the user has to allow it another way'],
  'invalid answer': ['CONSENT_INVALID_ANSWER', 'the reply did not fit the form: nothing was agreed to'],
};

/** What {@link describeConsentRefusal} describes: a consent that did not grant a call. */
export interface DescribeConsentRefusalOptions {
  /** An outcome that did not grant the call. */
  outcome: ConsentOutcome;
  decision: Decision;
  /** Why nobody could be asked, instead of the outcome's detail (e.g. the caller can never ask). */
  whyNotAsked?: string;
  names?: Partial<ConsentNames>;
}

/**
 * Why a call that needed consent did not run, saying what really happened and what the user can change, with
 * its code. Throws a TypeError for an outcome that granted the call.
 */
export function describeConsentRefusal(options: DescribeConsentRefusalOptions): {
  code: ConsentRefusalCode;
  text: string;
} {
  const { outcome, decision } = options;
  const names = { ...defaultNames, ...options.names };
  const row = consentCodes[outcome.answer as keyof typeof consentCodes];
  if (row === undefined) throw new TypeError(`A consent answered ${outcome.answer} refused nothing`);
  const [code] = row;
  if (outcome.answer === 'unsupported') {
    const why = options.whyNotAsked ?? outcome.detail ?? names.cannotAsk;
    const needs =
      decision.action === 'confirm'
        ? `Needs consent (${decision.rule}): ${asSentence(decision.reason)}`
        : 'Needs consent: its output carries secrets.';
    return { code, text: `${needs} ${why}, so it did not run. To allow it, the user can ${names.allowIt}.` };
  }
  if (outcome.answer === 'invalid answer') {
    return {
      code,
      text: `Not run: ${names.answerer} answered the consent form with something it does not allow (${outcome.detail ?? 'no detail'}). The user did not agree to anything.`,
    };
  }
  if (outcome.answer === 'canceled' && outcome.detail !== undefined) {
    return { code, text: `Not run: ${outcome.detail}. The user did not agree to anything.` };
  }
  const what = outcome.answer === 'timed out' ? 'did not answer in time' : `${outcome.answer} it`;
  return { code, text: `Not run: the user ${what}. Do not retry unless the user asks.` };
}
