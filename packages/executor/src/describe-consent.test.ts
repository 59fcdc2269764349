import { type Decision, loadSnapshotCliModel, parseCommandLine, validatePipeline } from '@aws-mcp/command';
import { describe, expect, it } from 'vitest';
import {
  type BuildConsentTextOptions,
  buildConsentText,
  type ConsentNames,
  type ConsentOutcome,
  type ConsentReply,
  describeConsentRefusal,
  readConsentReply,
} from './describe-consent.js';
import type { ApprovalSubject } from './standing-approvals.js';

const model = loadSnapshotCliModel(1);

/** A real decision for `line` under `mode`. */
function decide(line: string, mode: 'confirm-writes' | 'full'): Decision {
  return validatePipeline(parseCommandLine(line, { model }), { mode });
}

const write = decide('aws s3api create-bucket --bucket b', 'confirm-writes');
const writeReason =
  's3api:create-bucket is a write (`create-bucket` is not known to be read-only by its name); it runs only after the user agrees';
const secretRead = decide('aws sts get-session-token', 'full');

/** The server's words, as apps/server passes them. */
const serverNames: ConsentNames = {
  approvalsListedIn: 'aws://config/environment',
  approvalsWithdrawnWith: 'the aws_withdraw_approvals tool',
  cannotAsk: 'This MCP client cannot ask the user (no elicitation)',
  allowIt: 'set AWS_MCP_MODE=full for the server, or allow it in a policy file',
  answerer: 'the MCP client',
};

const base: BuildConsentTextOptions = {
  decision: write,
  stages: [['aws', 's3api', 'create-bucket', '--bucket', 'b']],
  account: '123456789012',
  question: undefined,
  sandbox: undefined,
};

const head = [
  'An AI assistant asks to run this AWS command:',
  '',
  '  aws s3api create-bucket --bucket b',
  '',
  'Access: write (s3api:create-bucket)',
];
const oneTarget = ['Profile: default', 'Account: 123456789012', 'Region: default'];
const why = `Why it asks: ${writeReason}`;

const subject = (profile: string, account: string): ApprovalSubject => ({
  action: 's3api:create-bucket',
  targets: [{ member: 'Bucket', value: 'b' }],
  profile,
  region: 'eu-west-1',
  account,
});

describe('buildConsentText', () => {
  it('shows the argv, access, profile, account, region and why it asks', () => {
    expect(buildConsentText(base)).toBe([...head, ...oneTarget, why].join('\n'));
  });

  it.each<[string, Partial<BuildConsentTextOptions>, string[]]>([
    [
      'a role, with its account and session, after the profile',
      {
        role: { arn: 'arn:aws:iam::210987654321:role/Deployer', account: '210987654321', sessionName: 's1' },
      },
      [
        ...oneTarget,
        'Role: arn:aws:iam::210987654321:role/Deployer in account 210987654321, session s1',
        '  (assumed with the profile’s credentials above; the command runs as this role)',
        why,
      ],
    ],
    [
      'the sandbox',
      { sandbox: 'bubblewrap: no network but AWS' },
      [...oneTarget, 'Sandbox: bubblewrap: no network but AWS', why],
    ],
    [
      "a fan-out's targets instead of one profile, account and region",
      {
        targets: [
          { profile: 'a', region: 'eu-west-1', account: '111111111111' },
          { profile: 'b', region: 'us-east-1', account: 'looked up when the command runs' },
        ],
      },
      [
        'Targets (2; one answer runs it on every one):',
        '  profile a · region eu-west-1 · account 111111111111',
        '  profile b · region us-east-1 · account looked up when the command runs',
        why,
      ],
    ],
    [
      'the profile and region the decision names, hidden characters escaped',
      { decision: { ...write, profile: 'pro\u202efile', region: 'eu-west-1' }, account: 'unknown\u200b' },
      ['Profile: pro\\u{202E}file', 'Account: unknown\\u{200B}', 'Region: eu-west-1', why],
    ],
    [
      'the secrets question with the secret members',
      {
        decision: secretRead,
        stages: [['aws', 'sts', 'get-session-token']],
        question: {
          members: ['Credentials.SecretAccessKey', 'Credentials.SessionToken'],
          savePath: '/s/t.json',
        },
      },
      [
        ...oneTarget,
        'Why it asks: its output carries secrets',
        '',
        'Its output carries secrets (Credentials.SecretAccessKey, Credentials.SessionToken). Choose:',
        '  save: run it and write the whole output to a file only you open; the assistant sees the secrets masked',
        '        (/s/t.json)',
        '  show: run it and give the secrets to the assistant as they are',
        '  decline: do not run it',
      ],
    ],
  ])('shows %s', (_what, options, rest) => {
    const lines = buildConsentText({ ...base, ...options }).split('\n');
    expect(lines.slice(0, 2)).toEqual(head.slice(0, 2));
    expect(lines.slice(head.length)).toEqual(rest);
  });

  it('says a whole secret output is a secret', () => {
    const text = buildConsentText({
      ...base,
      decision: secretRead,
      question: { members: ['*'], savePath: '/s/all.json' },
    });
    expect(text).toContain('Its output carries secrets (its whole output is a secret). Choose:');
  });

  it.each<[string, Partial<ConsentNames>, string]>([
    [
      "this library's words",
      {},
      'the approval store (ApprovalStore.list) and withdrawn with ApprovalStore.withdraw.',
    ],
    [
      "the caller's words",
      serverNames,
      'aws://config/environment and withdrawn with the aws_withdraw_approvals tool.',
    ],
  ])('offers one standing approval in %s', (_words, names, where) => {
    const text = buildConsentText({ ...base, standing: subject('default', '123456789012'), names });
    expect(text.split('\n').slice(head.length + oneTarget.length + 1)).toEqual([
      '',
      'You may approve it for later calls too. A standing approval covers only this operation',
      '(s3api:create-bucket) on Bucket b,',
      'with profile default, region eu-west-1 and account 123456789012,',
      'for this session or for 1–240 minutes; any other call is asked again. It is listed in',
      where,
    ]);
  });

  it('offers one standing approval per fan-out target', () => {
    const text = buildConsentText({
      ...base,
      standing: [subject('a', '111111111111'), subject('b', '222222222222')],
      names: serverNames,
    });
    expect(text.split('\n').slice(head.length + oneTarget.length + 1)).toEqual([
      '',
      'You may approve it for later calls too: one standing approval per target (2), each covering',
      'only this operation (s3api:create-bucket) on',
      '  Bucket b, with profile a, region eu-west-1 and account 111111111111',
      '  Bucket b, with profile b, region eu-west-1 and account 222222222222',
      'for this session or for 1–240 minutes; any other call is asked again. They are listed in',
      'aws://config/environment and withdrawn with the aws_withdraw_approvals tool.',
    ]);
  });

  it('offers nothing for an empty list of subjects', () => {
    expect(buildConsentText({ ...base, standing: [] })).toBe(buildConsentText(base));
  });
});

describe('readConsentReply', () => {
  const yesNo = { asksSecrets: false, offersStanding: false };
  const standing = { asksSecrets: false, offersStanding: true };
  const secrets = { asksSecrets: true, offersStanding: false };

  it.each<[string, ConsentReply, typeof yesNo, ConsentOutcome]>([
    ['decline', { action: 'decline' }, yesNo, { granted: false, answer: 'declined' }],
    ['cancel', { action: 'cancel' }, yesNo, { granted: false, answer: 'canceled' }],
    ['cancel of the secrets form', { action: 'cancel' }, secrets, { granted: false, answer: 'canceled' }],
    [
      'accept with approve: true',
      { action: 'accept', content: { approve: true } },
      yesNo,
      { granted: true, answer: 'accepted' },
    ],
    [
      'accept with approve: false',
      { action: 'accept', content: { approve: false } },
      yesNo,
      { granted: false, answer: 'declined' },
    ],
    ['accept without content', { action: 'accept' }, yesNo, { granted: false, answer: 'declined' }],
    [
      'accept with approve: "true" (not a boolean)',
      { action: 'accept', content: { approve: 'true' } },
      yesNo,
      { granted: false, answer: 'declined' },
    ],
    [
      'a scope the yes/no form did not ask',
      { action: 'accept', content: { approve: true, scope: 'session' } },
      yesNo,
      { granted: true, answer: 'accepted' },
    ],
    [
      'standing: no scope',
      { action: 'accept', content: { approve: true } },
      standing,
      { granted: true, answer: 'accepted', scope: { kind: 'once' } },
    ],
    [
      'standing: session',
      { action: 'accept', content: { approve: true, scope: 'session' } },
      standing,
      { granted: true, answer: 'accepted', scope: { kind: 'session' } },
    ],
    [
      'standing: minutes without a number (the default)',
      { action: 'accept', content: { approve: true, scope: 'minutes' } },
      standing,
      { granted: true, answer: 'accepted', scope: { kind: 'minutes', minutes: 30 } },
    ],
    [
      'standing: 240 minutes',
      { action: 'accept', content: { approve: true, scope: 'minutes', minutes: 240 } },
      standing,
      { granted: true, answer: 'accepted', scope: { kind: 'minutes', minutes: 240 } },
    ],
    [
      'standing: 1 minute',
      { action: 'accept', content: { approve: true, scope: 'minutes', minutes: 1 } },
      standing,
      { granted: true, answer: 'accepted', scope: { kind: 'minutes', minutes: 1 } },
    ],
    [
      'standing: 241 minutes',
      { action: 'accept', content: { approve: true, scope: 'minutes', minutes: 241 } },
      standing,
      { granted: false, answer: 'invalid answer', detail: "the form's minutes were 241, outside 1–240" },
    ],
    [
      'standing: 0 minutes',
      { action: 'accept', content: { approve: true, scope: 'minutes', minutes: 0 } },
      standing,
      { granted: false, answer: 'invalid answer', detail: "the form's minutes were 0, outside 1–240" },
    ],
    [
      'standing: 1.5 minutes',
      { action: 'accept', content: { approve: true, scope: 'minutes', minutes: 1.5 } },
      standing,
      { granted: false, answer: 'invalid answer', detail: "the form's minutes were 1.5, not a whole number" },
    ],
    [
      'standing: "10" minutes',
      { action: 'accept', content: { approve: true, scope: 'minutes', minutes: '10' } },
      standing,
      {
        granted: false,
        answer: 'invalid answer',
        detail: 'the form\'s minutes were "10", not a whole number',
      },
    ],
    [
      'standing: an unknown scope',
      { action: 'accept', content: { approve: true, scope: 'forever' } },
      standing,
      { granted: false, answer: 'invalid answer', detail: 'the form\'s scope was "forever"' },
    ],
    [
      'standing: a scope with approve: false',
      { action: 'accept', content: { approve: false, scope: 'session' } },
      standing,
      { granted: false, answer: 'declined' },
    ],
    [
      'secrets: save',
      { action: 'accept', content: { answer: 'save' } },
      secrets,
      { granted: true, answer: 'accepted', secrets: 'save' },
    ],
    [
      'secrets: show',
      { action: 'accept', content: { answer: 'show' } },
      secrets,
      { granted: true, answer: 'accepted', secrets: 'show' },
    ],
    [
      'secrets: accept without content (the default, save)',
      { action: 'accept' },
      secrets,
      { granted: true, answer: 'accepted', secrets: 'save' },
    ],
    [
      'secrets: decline as the answer',
      { action: 'accept', content: { answer: 'decline' } },
      secrets,
      { granted: false, answer: 'declined' },
    ],
    [
      'secrets: an unknown answer',
      { action: 'accept', content: { answer: 'print' } },
      secrets,
      { granted: false, answer: 'invalid answer', detail: 'the form\'s answer was "print"' },
    ],
    [
      'secrets: approve instead of an answer (save)',
      { action: 'accept', content: { approve: false } },
      secrets,
      { granted: true, answer: 'accepted', secrets: 'save' },
    ],
  ])('reads %s', (_what, reply, form, outcome) => {
    expect(readConsentReply({ ...reply, ...form })).toEqual(outcome);
  });
});

describe('describeConsentRefusal', () => {
  it.each<[ConsentOutcome, string, string]>([
    [
      { granted: false, answer: 'declined' },
      'CONSENT_DECLINED',
      'Not run: the user declined it. Do not retry unless the user asks.',
    ],
    [
      { granted: false, answer: 'canceled' },
      'CONSENT_CANCELED',
      'Not run: the user canceled it. Do not retry unless the user asks.',
    ],
    [
      { granted: false, answer: 'canceled', detail: 'the consent request failed: closed' },
      'CONSENT_CANCELED',
      'Not run: the consent request failed: closed. The user did not agree to anything.',
    ],
    [
      { granted: false, answer: 'timed out' },
      'CONSENT_TIMED_OUT',
      'Not run: the user did not answer in time. Do not retry unless the user asks.',
    ],
    [
      { granted: false, answer: 'invalid answer', detail: 'the form\'s answer was "print"' },
      'CONSENT_INVALID_ANSWER',
      'Not run: the caller answered the consent form with something it does not allow (the form\'s answer was "print"). The user did not agree to anything.',
    ],
    [
      { granted: false, answer: 'invalid answer' },
      'CONSENT_INVALID_ANSWER',
      'Not run: the caller answered the consent form with something it does not allow (no detail). The user did not agree to anything.',
    ],
    [
      { granted: false, answer: 'unsupported' },
      'CONSENT_UNAVAILABLE',
      `Needs consent (mode:confirm-writes): ${writeReason}. This caller cannot ask the user, so it did not run. To allow it, the user can allow it in the policy (\`mode: 'full'\`, or a rule that allows it).`,
    ],
    [
      { granted: false, answer: 'unsupported', detail: 'Nobody is there' },
      'CONSENT_UNAVAILABLE',
      `Needs consent (mode:confirm-writes): ${writeReason}. Nobody is there, so it did not run. To allow it, the user can allow it in the policy (\`mode: 'full'\`, or a rule that allows it).`,
    ],
  ])('describes %j as %s in its own words', (outcome, code, text) => {
    expect(describeConsentRefusal({ outcome, decision: write })).toEqual({ code, text });
  });

  it.each<[ConsentOutcome, string]>([
    [
      { granted: false, answer: 'invalid answer', detail: 'bad' },
      'Not run: the MCP client answered the consent form with something it does not allow (bad). The user did not agree to anything.',
    ],
    [
      { granted: false, answer: 'unsupported' },
      `Needs consent (mode:confirm-writes): ${writeReason}. This MCP client cannot ask the user (no elicitation), so it did not run. To allow it, the user can set AWS_MCP_MODE=full for the server, or allow it in a policy file.`,
    ],
  ])("describes %j in the caller's words", (outcome, text) => {
    expect(describeConsentRefusal({ outcome, decision: write, names: serverNames }).text).toBe(text);
  });

  it('says why nobody was asked instead of the detail, and that a secret output needed it', () => {
    expect(
      describeConsentRefusal({
        outcome: { granted: false, answer: 'unsupported', detail: 'stateless' },
        decision: secretRead,
        whyNotAsked: 'Nobody can ever be asked here',
      }),
    ).toEqual({
      code: 'CONSENT_UNAVAILABLE',
      text: "Needs consent: its output carries secrets. Nobody can ever be asked here, so it did not run. To allow it, the user can allow it in the policy (`mode: 'full'`, or a rule that allows it).",
    });
  });

  it.each<ConsentOutcome>([
    { granted: true, answer: 'accepted' },
    { granted: true, answer: 'standing approval' },
  ])('throws for an outcome that granted the call ($answer)', (outcome) => {
    expect(() => describeConsentRefusal({ outcome, decision: write })).toThrow(TypeError);
  });
});
