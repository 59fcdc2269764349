import { type Policy, parseCommandLine, readApprovalTargets, validatePipeline } from '@aws-mcp/command';
import { describe, expect, it } from 'vitest';
import { type ApprovalSubject, createApprovalStore, planStandingOffer } from './_approvals.js';

const subject: ApprovalSubject = {
  action: 'dynamodb:put-item',
  targets: [{ member: 'TableName', value: 'orders' }],
  profile: 'dev',
  region: 'us-east-1',
  account: '123456789012',
};

describe('createApprovalStore', () => {
  it('a session approval covers exactly its subject, only in its session', () => {
    const store = createApprovalStore();
    const session = {};
    const record = store.grant(session, subject, { kind: 'session' });
    expect(record).toMatchObject({ id: expect.stringMatching(/^ap-[0-9a-f]{8}$/), scope: 'session' });
    expect(store.find(session, { ...subject })).toBe(record);
    expect(store.find({}, subject)).toBeUndefined();
    for (const other of [
      { targets: [{ member: 'TableName', value: 'other' }] },
      { action: 'dynamodb:update-item' },
      { profile: 'prod' },
      { region: 'eu-west-1' },
      { account: '210987654321' },
      { endpoint: 'http://127.0.0.1:4566' },
      { targets: [...subject.targets, { member: 'IndexName', value: 'i' }] },
    ]) {
      expect(store.find(session, { ...subject, ...other })).toBeUndefined();
    }
  });

  it('a minutes approval ends when its time is up, on the store’s clock', () => {
    let clock = Date.parse('2026-01-01T00:00:00Z');
    const store = createApprovalStore({ now: () => clock });
    const session = {};
    const record = store.grant(session, subject, { kind: 'minutes', minutes: 5 });
    expect(record?.expiresAt).toBe('2026-01-01T00:05:00.000Z');
    clock += 5 * 60_000 - 1;
    expect(store.find(session, subject)).toBe(record);
    clock += 1;
    expect(store.find(session, subject)).toBeUndefined();
    expect(store.list(session)).toEqual([]);
  });

  it('bounds minutes to 1–240', () => {
    const store = createApprovalStore({ now: () => 0 });
    expect(store.grant({}, subject, { kind: 'minutes', minutes: 100_000 })?.expiresAt).toBe(
      new Date(240 * 60_000).toISOString(),
    );
    expect(store.grant({}, subject, { kind: 'minutes', minutes: 0 })?.expiresAt).toBe(
      new Date(60_000).toISOString(),
    );
  });

  it('records nothing for once, for no targets, or for a target of another account', () => {
    const store = createApprovalStore();
    const session = {};
    expect(store.grant(session, subject, { kind: 'once' })).toBeUndefined();
    expect(store.grant(session, { ...subject, targets: [] }, { kind: 'session' })).toBeUndefined();
    const foreign = {
      member: 'TopicArn',
      value: 'arn:aws:sns:us-east-1:111122223333:t',
      account: '111122223333',
    };
    expect(store.grant(session, { ...subject, targets: [foreign] }, { kind: 'session' })).toBeUndefined();
    expect(store.list(session)).toEqual([]);
  });

  it('withdraws one by id or all, and forgets a session that ended', () => {
    const store = createApprovalStore();
    const session = {};
    const first = store.grant(session, subject, { kind: 'session' });
    const second = store.grant(session, { ...subject, action: 'sqs:send-message' }, { kind: 'session' });
    expect(store.withdraw(session, 'ap-00000000')).toEqual([]);
    expect(store.withdraw(session, first?.id ?? '')).toEqual([first]);
    expect(store.list(session)).toEqual([second]);
    expect(store.withdraw(session, 'all')).toEqual([second]);
    store.grant(session, subject, { kind: 'session' });
    store.endSession(session);
    expect(store.list(session)).toEqual([]);
  });
});

describe('planStandingOffer', () => {
  const offerFor = (line: string, policy: Policy = { mode: 'confirm-writes' }, account = '123456789012') => {
    const pipeline = parseCommandLine(line);
    const decision = validatePipeline(pipeline, policy, { profile: 'dev', region: 'us-east-1' });
    return planStandingOffer({
      decision,
      policy,
      targets: readApprovalTargets(pipeline.aws),
      profile: 'dev',
      region: 'us-east-1',
      account,
      endpoint: undefined,
      secretsQuestion: false,
    });
  };

  it('offers a put-item on a named table', () => {
    expect(offerFor(`aws dynamodb put-item --table-name orders --item '{}'`)).toMatchObject({
      offer: true,
      subject,
    });
  });

  it.each([
    ['aws dynamodb delete-item --table-name orders --key {}', 'it deletes or terminates something'],
    [
      'aws sns publish --topic-arn arn:aws:sns:us-east-1:111122223333:t --message m',
      'belongs to account 111122223333',
    ],
    ['aws ec2 run-instances --image-id ami-1 --dry-run', 'does not ask'],
  ])('does not offer %j', (line, why) => {
    expect(offerFor(line)).toMatchObject({ offer: false, why: expect.stringContaining(why) });
  });

  it('a policy rule with standingApproval: true offers what the classification refuses, never across accounts', () => {
    const policy: Policy = {
      mode: 'confirm-writes',
      rules: [
        {
          id: 'rm-ok',
          effect: 'confirm',
          actions: ['dynamodb:delete-item', 'sns:publish'],
          standingApproval: true,
        },
      ],
    };
    expect(offerFor('aws dynamodb delete-item --table-name orders --key {}', policy)).toMatchObject({
      offer: true,
      because: expect.stringContaining('rm-ok'),
    });
    expect(
      offerFor('aws sns publish --topic-arn arn:aws:sns:us-east-1:111122223333:t --message m', policy),
    ).toMatchObject({ offer: false });
  });
});
