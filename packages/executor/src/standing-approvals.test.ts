import { type AwsSetup, readAwsSetup } from '@aws-mcp/aws-config';
import { loadSnapshotCliModel, type Policy, parseCommandLine } from '@aws-mcp/command';
import { createAwsSandboxHome, MOTO_CREDENTIALS } from '@aws-mcp/emulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JudgedAwsCommand, judgeAwsCommand } from './run-aws-command.js';
import {
  type ApprovalScope,
  type ApprovalSubject,
  bindToApprovalAccount,
  checkStandingApproval,
  confirmFanOutWithStandingApproval,
  confirmWithStandingApproval,
  createApprovalStore,
  type FanOutStandingOffer,
  offerStandingApproval,
  type StandingOffer,
} from './standing-approvals.js';

// The rules of standing approvals over real parses of real argv (the CLI model of the committed snapshot) and a
// real AWS setup read from a throwaway home; nothing here runs the CLI.
const account = '123456789012';
const other = '111122223333';
const confirmWrites: Policy = { mode: 'confirm-writes' };
const model = loadSnapshotCliModel(1);
let home: Awaited<ReturnType<typeof createAwsSandboxHome>>;
let setup: AwsSetup;

beforeAll(async () => {
  home = await createAwsSandboxHome({ credentials: MOTO_CREDENTIALS, profile: 'dev', region: 'us-east-1' });
  setup = await readAwsSetup({ env: home.env });
});
afterAll(async () => {
  await home?.remove();
});

/** A command line judged as the flow judges it, for profile `dev` (region us-east-1). */
function judge(line: string | string[], policy: Policy = confirmWrites): JudgedAwsCommand {
  const pipeline = parseCommandLine(typeof line === 'string' ? line : { args: line }, { model });
  return judgeAwsCommand(pipeline, {
    policy,
    workdir: process.cwd(),
    setup,
    env: home.env,
    choices: { profile: 'dev' },
  });
}

const offerFor = (line: string, options: Partial<Parameters<typeof offerStandingApproval>[1]> = {}) =>
  offerStandingApproval(judge(line, options.policy), {
    policy: confirmWrites,
    account,
    secretsQuestion: false,
    ...options,
  });

describe('offerStandingApproval', () => {
  it.each<[string, string, string]>([
    [
      'a write that names its table',
      `aws dynamodb put-item --table-name orders --item '{}'`,
      'it neither deletes, changes permissions, issues credentials, changes code nor reads secrets',
    ],
    [
      'a put-object that cannot replace an object (S3 and moto answer PreconditionFailed on an existing key)',
      "aws s3api put-object --bucket b --key k --if-none-match '*'",
      "it writes a new S3 object only: with `--if-none-match '*'` S3 refuses to replace an existing one (PreconditionFailed)",
    ],
    [
      'a multipart upload completed only onto a new key (moto 5.2.1 answers PreconditionFailed on an existing one)',
      `aws s3api complete-multipart-upload --bucket b --key k --upload-id u --if-none-match '*'`,
      "it completes a new S3 object only: with `--if-none-match '*'` S3 refuses to replace an existing one (PreconditionFailed)",
    ],
  ])('offers %s', (_, line, because) => {
    expect(offerFor(line)).toMatchObject({ offer: true, because });
  });

  it.each<[string, string, Partial<Parameters<typeof offerStandingApproval>[1]>, string]>([
    [
      'a delete: deletes never stand',
      'aws dynamodb delete-item --table-name t --key {}',
      {},
      'it deletes or terminates something',
    ],
    [
      "a copy-object even with --if-none-match '*': moto 5.2.1 copies onto an existing key anyway, so the guard is unproved",
      "aws s3api copy-object --bucket b --key k --copy-source b/x --if-none-match '*'",
      {},
      'replacing any object at the same key',
    ],
    [
      'a put-object that may replace an object',
      'aws s3api put-object --bucket b --key k',
      {},
      'replacing any object at the same key',
    ],
    [
      "another account's topic: an approval never covers another account's resource",
      `aws sns publish --topic-arn arn:aws:sns:us-east-1:${other}:t --message m`,
      {},
      `belongs to account ${other}, not ${account}`,
    ],
    [
      'a bucket the line says another account owns',
      `aws s3api put-object --bucket b --key k --if-none-match '*' --expected-bucket-owner ${other}`,
      {},
      `\`b\` belongs to account ${other}`,
    ],
    [
      'a call whose consent asks about secrets: that answer is for one call',
      `aws dynamodb put-item --table-name orders --item '{}'`,
      { secretsQuestion: true },
      'answered for one call only',
    ],
    [
      'a call whose account could not be read: nothing to bind it to',
      `aws dynamodb put-item --table-name orders --item '{}'`,
      { account: undefined },
      'the account or region of the call is unknown',
    ],
    [
      "a call under an assumed role: it acts outside the profile's account",
      `aws dynamodb put-item --table-name orders --item '{}'`,
      { assumesRole: true },
      'it runs as an assumed role',
    ],
    [
      'a write that names no resource',
      'aws ec2 allocate-address',
      {},
      'the call names no resource an approval could be bound to',
    ],
    [
      'a read the policy allows: nobody is asked',
      'aws dynamodb describe-table --table-name t',
      {},
      'the policy does not ask for it',
    ],
  ])('does not offer %s', (_, line, options, why) => {
    const offer = offerFor(line, options);
    expect(offer).toMatchObject({ offer: false });
    expect((offer as { why: string }).why).toContain(why);
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
    expect(offerFor('aws dynamodb delete-item --table-name t --key {}', { policy })).toMatchObject({
      offer: true,
      because: 'the policy rule rm-ok allows standing approvals',
    });
    expect(
      offerFor(`aws sns publish --topic-arn arn:aws:sns:us-east-1:${other}:t --message m`, { policy }),
    ).toMatchObject({ offer: false });
  });

  it('binds the subject to the profile, region, account and the line’s endpoint', () => {
    const offer = offerFor(`aws --endpoint-url http://127.0.0.1:4566 sqs create-queue --queue-name q`);
    expect(offer).toEqual({
      offer: true,
      because: expect.any(String),
      subject: {
        action: 'sqs:create-queue',
        targets: [{ member: 'QueueName', value: 'q' }],
        profile: 'dev',
        region: 'us-east-1',
        account,
        endpoint: 'http://127.0.0.1:4566',
      },
    });
  });
});

describe('createApprovalStore', () => {
  const subject: ApprovalSubject = {
    action: 'dynamodb:put-item',
    targets: [{ member: 'TableName', value: 'orders' }],
    profile: 'dev',
    region: 'us-east-1',
    account,
  };

  it.each<[string, Partial<ApprovalSubject>]>([
    ['another table: an approval names its targets', { targets: [{ member: 'TableName', value: 'other' }] }],
    ['another operation on the same table', { action: 'dynamodb:update-item' }],
    ['another profile', { profile: 'prod' }],
    ['another region', { region: 'eu-west-1' }],
    ["the profile's credentials now in another account", { account: other }],
    ['another endpoint: an approval never follows a call elsewhere', { endpoint: 'http://127.0.0.1:4566' }],
    ['one target more', { targets: [...subject.targets, { member: 'IndexName', value: 'i' }] }],
  ])('a session approval does not cover %s', (_, change) => {
    const store = createApprovalStore();
    const session = {};
    store.grant(session, subject, { kind: 'session' });
    expect(store.find(session, { ...subject })).toBeDefined();
    expect(store.find(session, { ...subject, ...change })).toBeUndefined();
  });

  it.each<[string, Partial<ApprovalSubject>, ApprovalScope]>([
    ['this call only', {}, { kind: 'once' }],
    ['no targets: nothing to scope it to', { targets: [] }, { kind: 'session' }],
    [
      'a target of another account',
      { targets: [{ member: 'TopicArn', value: `arn:aws:sns:us-east-1:${other}:t`, account: other }] },
      { kind: 'session' },
    ],
  ])('records nothing for %s', (_, change, scope) => {
    const store = createApprovalStore();
    const session = {};
    expect(store.grant(session, { ...subject, ...change }, scope)).toBeUndefined();
    expect(store.list(session)).toEqual([]);
  });

  it.each<[number, number]>([
    [5, 5],
    [0, 1],
    [100_000, 240],
    [2.6, 3],
  ])('a %d-minute approval lasts %d minutes on the store’s clock', (asked, lasts) => {
    let clock = Date.parse('2026-01-01T00:00:00Z');
    const store = createApprovalStore({ now: () => clock });
    const session = {};
    const record = store.grant(session, subject, { kind: 'minutes', minutes: asked });
    expect(record?.expiresAt).toBe(new Date(clock + lasts * 60_000).toISOString());
    clock += lasts * 60_000 - 1;
    expect(store.find(session, subject)).toBe(record);
    clock += 1;
    expect(store.find(session, subject)).toBeUndefined();
    expect(store.list(session)).toEqual([]);
  });
});

describe('bindToApprovalAccount', () => {
  const approval = (line: string) => {
    const offer = offerFor(line);
    if (!offer.offer) throw new Error(`no offer for ${line}: ${offer.why}`);
    return offer.subject;
  };

  it('adds --expected-bucket-owner with the approval’s account, read again by the CLI’s parser', () => {
    const line = "aws s3api put-object --bucket b --key k --if-none-match '*'";
    const judged = judge(`${line} --output json`);
    const binding = bindToApprovalAccount(judged, approval(line), { model, workdir: process.cwd() });
    expect(binding?.account).toBe(account);
    expect(binding?.pipeline.aws.parameters).toMatchObject({ Bucket: 'b', ExpectedBucketOwner: account });
    expect(binding?.pipeline.aws.argv).toContain(`--expected-bucket-owner=${account}`);
    expect(binding?.redactedArgv[0]).toContain(`--expected-bucket-owner=${account}`);
  });

  it.each<[string, string, string]>([
    [
      'a table: DynamoDB has no owner check',
      `aws dynamodb put-item --table-name orders --item '{}'`,
      `aws dynamodb put-item --table-name orders --item '{}'`,
    ],
    [
      'a line that names its owner already',
      "aws s3api put-object --bucket b --key k --if-none-match '*'",
      `aws s3api put-object --bucket b --key k --if-none-match '*' --expected-bucket-owner ${account}`,
    ],
    // The CLI gives create-bucket no --expected-bucket-owner: a bucket that does not exist yet has no owner.
    [
      'a command the CLI gives no owner option',
      'aws s3api create-bucket --bucket b',
      'aws s3api create-bucket --bucket b',
    ],
  ])('changes nothing for %s', (_, granted, line) => {
    expect(
      bindToApprovalAccount(judge(line), approval(granted), { model, workdir: process.cwd() }),
    ).toBeUndefined();
  });
});

describe('confirmWithStandingApproval', () => {
  /** The confirm step for a line, answering `scope` (or no) and counting what was asked. */
  function confirmer(store = createApprovalStore(), session = {}) {
    const asked: StandingOffer[] = [];
    const confirm = (line: string, answer: { granted: boolean; scope?: ApprovalScope }) =>
      confirmWithStandingApproval(judge(line), {
        store,
        session,
        policy: confirmWrites,
        account,
        secretsQuestion: false,
        model: () => model,
        workdir: process.cwd(),
        ask: async (offer) => {
          asked.push(offer);
          return answer;
        },
      });
    return { confirm, asked, store, session };
  }
  const putNew = "aws s3api put-object --bucket b --key k --if-none-match '*'";

  it('a yes for the session grants an approval, binds the granting call, and covers the next identical call unasked', async () => {
    const { confirm, asked, store, session } = confirmer();
    const first = await confirm(putNew, { granted: true, scope: { kind: 'session' } });
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({ offer: true });
    expect(first).toMatchObject({ granted: { scope: 'session', action: 's3api:put-object', account } });
    // The granting call carries the owner too, for the account its consent showed.
    expect('binding' in first && first.binding?.pipeline.aws.parameters.ExpectedBucketOwner).toBe(account);
    const second = await confirm(putNew, { granted: false });
    expect(asked).toHaveLength(1);
    expect(second).toMatchObject({ covered: { id: store.list(session)[0]?.id } });
    expect(second.binding?.pipeline.aws.parameters.ExpectedBucketOwner).toBe(account);
    await confirm("aws s3api put-object --bucket b --key other --if-none-match '*'", { granted: false });
    expect(asked).toHaveLength(2);
  });

  it('an approval to complete uploads onto a new key covers the next upload of that key, whose id is new', async () => {
    const { confirm, asked } = confirmer();
    const complete = (uploadId: string, key = 'k') =>
      confirm(
        `aws s3api complete-multipart-upload --bucket b --key ${key} --upload-id ${uploadId} --if-none-match '*'`,
        { granted: true, scope: { kind: 'session' } },
      );
    await complete('first-upload');
    expect(await complete('second-upload')).toHaveProperty('covered');
    expect(asked).toHaveLength(1);
    await complete('third-upload', 'other-key');
    expect(asked).toHaveLength(2);
  });

  it.each<[string, string, { granted: boolean; scope?: ApprovalScope }]>([
    ['a yes for this call only', putNew, { granted: true, scope: { kind: 'once' } }],
    ['a no, whatever scope it names', putNew, { granted: false, scope: { kind: 'session' } }],
    [
      'a scope on a call never offered one (a delete)',
      'aws s3api delete-object --bucket b --key k',
      { granted: true, scope: { kind: 'session' } },
    ],
  ])('grants nothing and binds nothing for %s', async (_, line, answer) => {
    const { confirm, store, session } = confirmer();
    const confirmed = await confirm(line, answer);
    expect(confirmed).toMatchObject({ answer });
    expect(confirmed).not.toHaveProperty('granted');
    expect(confirmed).not.toHaveProperty('binding');
    expect(store.list(session)).toEqual([]);
  });
});

describe('checkStandingApproval', () => {
  const line = `aws dynamodb put-item --table-name orders --item '{}'`;
  const grantedStore = () => {
    const store = createApprovalStore();
    const session = {};
    const offer = offerFor(line);
    if (!offer.offer) throw new Error(offer.why);
    return { store, session, record: store.grant(session, offer.subject, { kind: 'session' }) };
  };

  it.each<[string, () => Promise<{ account?: string; error?: string }>, object]>([
    ['the account matches', async () => ({ account }), { covered: 'yes' }],
    [
      'the credentials are now in another account',
      async () => ({ account: other }),
      {
        covered: 'no',
        why: `the approval for it was granted in account ${account}; the profile's credentials are now in account ${other}`,
      },
    ],
    [
      'the lookup fails',
      async () => ({ error: 'ExpiredToken' }),
      { covered: 'unknown', why: 'the account of profile dev could not be read (ExpiredToken)' },
    ],
    [
      'the lookup never answers',
      () => new Promise(() => {}),
      { covered: 'unknown', why: "the account of profile dev was not read within the call's timeout" },
    ],
  ])('says so when %s', async (_, lookupAccount, expected) => {
    const { store, session, record } = grantedStore();
    const found = await checkStandingApproval(judge(line), {
      store,
      session,
      policy: confirmWrites,
      lookupAccount,
      timeoutMs: 50,
      secretsQuestion: false,
    });
    expect(found).toMatchObject(expected);
    if (found.covered === 'yes') expect(found.id).toBe(record?.id);
  });

  it('looks no account up when no approval is for this call', async () => {
    const { store, session } = grantedStore();
    const lookups: string[] = [];
    const found = await checkStandingApproval(
      judge(`aws dynamodb put-item --table-name invoices --item '{}'`),
      {
        store,
        session,
        policy: confirmWrites,
        lookupAccount: async (profile) => {
          lookups.push(profile);
          return { account };
        },
        timeoutMs: 50,
        secretsQuestion: false,
      },
    );
    expect(found).toEqual({
      covered: 'no',
      why: 'no standing approval of this session is for dynamodb:put-item on TableName invoices with profile dev and region us-east-1',
    });
    expect(lookups).toEqual([]);
  });
});

describe('confirmFanOutWithStandingApproval', () => {
  const putNew = "aws s3api put-object --bucket b --key k --if-none-match '*'";
  /** The same line judged for each region of profile dev, each with the account given (default: `account`). */
  const targetsOf = (line: string, regions: string[], accounts: Array<string | undefined> = []) =>
    regions.map((region, index) => ({
      judged: { ...judge(line), region },
      account: index < accounts.length ? accounts[index] : account,
    }));
  function fanOut(store = createApprovalStore(), session = {}) {
    const asked: FanOutStandingOffer[] = [];
    const confirm = (
      targets: ReturnType<typeof targetsOf>,
      answer: { granted: boolean; scope?: ApprovalScope },
    ) =>
      confirmFanOutWithStandingApproval(targets, {
        store,
        session,
        policy: confirmWrites,
        secretsQuestion: false,
        model: () => model,
        workdir: process.cwd(),
        ask: async (offer) => {
          asked.push(offer);
          return answer;
        },
      });
    return { confirm, asked, store, session };
  }

  it('one yes for the session grants one approval per target, each bound to its account, and covers the fan-out again unasked', async () => {
    const { confirm, asked, store, session } = fanOut();
    const regions = ['us-east-1', 'eu-west-1'];
    const first = await confirm(targetsOf(putNew, regions), { granted: true, scope: { kind: 'session' } });
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({ offer: true });
    expect(store.list(session).map((record) => record.region)).toEqual(regions);
    expect(first.bindings.map((binding) => binding?.pipeline.aws.parameters.ExpectedBucketOwner)).toEqual([
      account,
      account,
    ]);
    const again = await confirm(targetsOf(putNew, regions), { granted: false });
    expect(asked).toHaveLength(1);
    expect(again).toMatchObject({ covered: store.list(session) });
    // One target the session has no approval for: the fan-out is asked again as a whole.
    await confirm(targetsOf(putNew, [...regions, 'ap-south-1']), { granted: false });
    expect(asked).toHaveLength(2);
  });

  it.each<[string, () => ReturnType<typeof targetsOf>, string]>([
    [
      'a target whose account could not be read',
      () => targetsOf(putNew, ['us-east-1', 'eu-west-1'], [account, undefined]),
      'profile dev, region eu-west-1: the account or region of the call is unknown',
    ],
    [
      'a target in another account than the bucket owner the line names',
      () =>
        targetsOf(
          `${putNew} --expected-bucket-owner ${account}`,
          ['us-east-1', 'eu-west-1'],
          [account, other],
        ),
      `profile dev, region eu-west-1: \`b\` belongs to account ${account}, not ${other}`,
    ],
    [
      'a delete',
      () => targetsOf('aws s3api delete-object --bucket b --key k', ['us-east-1']),
      'it deletes or terminates something',
    ],
    ['no targets', () => [], 'the fan-out has no targets'],
  ])('offers no scope and grants nothing for %s', async (_, targets, why) => {
    const { confirm, asked, store, session } = fanOut();
    const confirmed = await confirm(targets(), { granted: true, scope: { kind: 'session' } });
    expect(asked).toEqual([{ offer: false, why: expect.stringContaining(why) }]);
    expect(confirmed).not.toHaveProperty('granted');
    expect(confirmed.bindings.every((binding) => binding === undefined)).toBe(true);
    expect(store.list(session)).toEqual([]);
  });

  it('a yes for this call only grants nothing and binds nothing', async () => {
    const { confirm, store, session } = fanOut();
    const confirmed = await confirm(targetsOf(putNew, ['us-east-1']), {
      granted: true,
      scope: { kind: 'once' },
    });
    expect(confirmed).toMatchObject({ answer: { granted: true }, bindings: [undefined] });
    expect(store.list(session)).toEqual([]);
  });
});
