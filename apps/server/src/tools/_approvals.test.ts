import { type Policy, parseCommandLine, readApprovalTargets, validatePipeline } from '@aws-mcp/command';
import { type ApprovalSubject, createApprovalStore, planStandingOffer } from '@aws-mcp/executor';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { describe, expect, it } from 'vitest';
import type { ServerContext } from '../server-context.js';
import { checkStandingApproval } from './_approvals.js';
import type { ConsentPlan, JudgedCall } from './aws-cli-pipeline.js';

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

describe('checkStandingApproval', () => {
  const policy: Policy = { mode: 'confirm-writes' };
  const line = `aws dynamodb put-item --table-name orders --item '{}'`;
  const pipeline = parseCommandLine(line);
  const decision = validatePipeline(pipeline, policy, { profile: 'dev', region: 'us-east-1' });
  const judged = {
    pipeline,
    decision,
    choices: {},
    profile: 'dev',
    region: 'us-east-1',
  } as unknown as JudgedCall;
  const consent = { asks: true, question: undefined } as ConsentPlan;

  /** The real store with `subject` granted, and an account lookup that answers as `lookup` says (counted). */
  function setUp(lookup: () => Promise<{ account?: string; error?: string }>) {
    const approvals = createApprovalStore();
    const server = {} as McpServer;
    const record = approvals.grant(server, subject, { kind: 'session' });
    const lookups: string[] = [];
    const context = {
      approvals,
      policy,
      lookupAccount: (profile: string) => {
        lookups.push(profile);
        return lookup();
      },
    } as unknown as ServerContext;
    return { server, context, record, lookups };
  }

  it.each<[string, () => Promise<{ account?: string; error?: string }>, object]>([
    ['the account matches', async () => ({ account: '123456789012' }), { covered: 'yes' }],
    [
      'the credentials are now in another account',
      async () => ({ account: '210987654321' }),
      { covered: 'no', why: expect.stringContaining('granted in account 123456789012') },
    ],
    [
      'the lookup fails',
      async () => ({ error: 'ExpiredToken' }),
      { covered: 'unknown', why: expect.stringContaining('could not be read (ExpiredToken)') },
    ],
    [
      'the lookup throws',
      () => Promise.reject(new Error('spawn failed')),
      { covered: 'unknown', why: expect.stringContaining('spawn failed') },
    ],
    [
      'the lookup outlasts the call’s timeout',
      () => new Promise(() => {}),
      { covered: 'unknown', why: expect.stringContaining('within the call') },
    ],
  ])('says so when %s', async (_, lookup, expected) => {
    const { server, context, record } = setUp(lookup);
    const found = await checkStandingApproval({ server, context, judged, consent, timeoutMs: 50 });
    expect(found).toMatchObject(expected);
    if (found?.covered === 'yes') expect(found.id).toBe(record?.id);
  });

  it('looks no account up when no approval is for this operation and target, nor for a call that would not ask', async () => {
    const { server, context, lookups } = setUp(async () => ({ account: '123456789012' }));
    const other = parseCommandLine(`aws dynamodb put-item --table-name invoices --item '{}'`);
    const elsewhere = { ...judged, pipeline: other } as JudgedCall;
    expect(
      await checkStandingApproval({ server, context, judged: elsewhere, consent, timeoutMs: 50 }),
    ).toMatchObject({ covered: 'no', why: expect.stringContaining('on TableName invoices') });
    expect(
      await checkStandingApproval({ server: {} as McpServer, context, judged, consent, timeoutMs: 50 }),
    ).toEqual({ covered: 'no', why: 'this session has no standing approvals' });
    expect(
      await checkStandingApproval({
        server,
        context,
        judged,
        consent: { ...consent, asks: false },
        timeoutMs: 50,
      }),
    ).toBeUndefined();
    expect(lookups).toEqual([]);
  });
});
