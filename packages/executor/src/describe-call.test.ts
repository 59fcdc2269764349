import { loadSnapshotCliModel, type Policy, parseCommandLine, validatePipeline } from '@aws-mcp/command';
import { describe, expect, it } from 'vitest';
import { asSentence, describeCheckedCall } from './describe-call.js';

const model = loadSnapshotCliModel(1);

/** A real decision for `line` under `policy`. */
function decide(line: string, policy: Policy) {
  return validatePipeline(parseCommandLine(line, { model }), policy);
}

describe('describeCheckedCall', () => {
  it('says a read would run without asking, with the rule and its reason as a sentence', () => {
    const decision = decide('aws s3api list-buckets', { mode: 'read-only' });
    expect(
      describeCheckedCall({
        stagesText: 'aws s3api list-buckets',
        decision,
        consentText: undefined,
        canAsk: true,
      }),
    ).toBe(
      [
        'Checked, not run:',
        '  aws s3api list-buckets',
        'Access: read (s3api:list-buckets); decision: allow.',
        `It would run without asking (${decision.rule}: ${asSentence(decision.reason)})`,
      ].join('\n'),
    );
  });

  it.each([
    [
      true,
      {},
      'It would run only after the user agrees (mode:confirm-writes). The user would see:\n\nRun it?',
    ],
    [
      false,
      {},
      "It needs the user's consent (mode:confirm-writes), which this caller cannot ask for, so it would be refused (DENIED). The consent text:\n\nRun it?",
    ],
    [
      false,
      { asker: 'this client', unavailableCode: 'CONSENT_UNAVAILABLE' },
      "It needs the user's consent (mode:confirm-writes), which this client cannot ask for, so it would be refused (CONSENT_UNAVAILABLE). The consent text:\n\nRun it?",
    ],
  ])('says a write that asks (can ask: %s, names %j)', (canAsk, names, what) => {
    const decision = decide('aws s3api create-bucket --bucket b', { mode: 'confirm-writes' });
    expect(decision.rule).toBe('mode:confirm-writes');
    const text = describeCheckedCall({
      stagesText: 'aws s3api create-bucket --bucket b',
      decision,
      consentText: 'Run it?',
      canAsk,
      names,
    });
    expect(text.split('\n').slice(2)).toEqual([
      'Access: write (s3api:create-bucket); decision: confirm.',
      ...what.split('\n'),
    ]);
  });

  it('masks a secret the stages carry', () => {
    const decision = decide('aws s3api list-buckets', { mode: 'read-only' });
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    const text = describeCheckedCall({
      stagesText: `aws s3api list-buckets # aws_secret_access_key=${secret}`,
      decision,
      consentText: undefined,
      canAsk: true,
    });
    expect(text).not.toContain(secret);
  });
});

describe('asSentence', () => {
  it.each([
    ['writes ask first', 'writes ask first.'],
    [' ends already. ', 'ends already.'],
    ['asks?', 'asks?'],
    ['stop!', 'stop!'],
  ])('%j → %j', (text, sentence) => {
    expect(asSentence(text)).toBe(sentence);
  });
});
