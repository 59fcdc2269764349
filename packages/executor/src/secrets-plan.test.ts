import { loadSnapshotCliModel, type Policy, parseCommandLine, validatePipeline } from '@aws-mcp/command';
import { describe, expect, it } from 'vitest';
import { secretOutputOf } from './secret-output.js';
import { planSecrets, readSecretsPreAnswer, secretsHandlingOf } from './secrets-plan.js';

const model = loadSnapshotCliModel(1);
const members = ['Credentials.SecretAccessKey'];
const base = {
  members,
  saveName: undefined,
  preAnswer: 'ask',
  canAsk: true,
  masking: true,
  defaultName: 'auto.txt',
} as const;

describe('planSecrets', () => {
  it.each([
    [
      'a save name saves, whatever else',
      { saveName: 'mine.json', preAnswer: 'show' },
      { saveName: 'mine.json' },
      false,
    ],
    ['masking off shows', { masking: false }, 'show', false],
    ['a `show` pre-answer shows', { preAnswer: 'show' }, 'show', false],
    [
      'a `save` pre-answer saves under the default name',
      { preAnswer: 'save' },
      { saveName: 'auto.txt' },
      false,
    ],
    ['a `save` pre-answer without secret members masks', { preAnswer: 'save', members: [] }, 'mask', false],
    ['no secret members: masked (the backstop), nobody asked', { members: [] }, 'mask', false],
    ['secret members and a form: the person is asked, save by default', {}, { saveName: 'auto.txt' }, true],
    ['secret members and no form: masked, nobody asked', { canAsk: false }, 'mask', false],
  ] as const)('%s', (_what, given, handling, question) => {
    const chosen: readonly string[] = 'members' in given ? given.members : base.members;
    const plan = planSecrets({ ...base, ...given, members: [...chosen] });
    expect(plan).toEqual({ handling, question, members: [...chosen] });
  });
});

describe('readSecretsPreAnswer', () => {
  const policy: Policy = {
    mode: 'read-only',
    secrets: 'save',
    rules: [
      { effect: 'allow', actions: ['sts:get-session-token'], secrets: 'show' },
      { id: 'keys', effect: 'allow', actions: ['iam:create-access-key'] },
      { id: 'named', effect: 'allow', actions: ['sts:assume-role'], secrets: 'ask' },
    ],
  };

  it.each([
    ['the deciding rule’s answer, the rule named by index', 'aws sts get-session-token', 'rules[0]', 'show'],
    ['the policy’s answer when the rule has none', 'aws iam create-access-key', 'keys', 'save'],
    [
      'the rule’s `ask` over the policy’s `save`',
      'aws sts assume-role --role-arn arn:aws:iam::1:role/r --role-session-name s',
      'named',
      'ask',
    ],
  ])('%s', (_what, line, rule, answer) => {
    // The rule name is the one the command package's decision gives, so the two cannot drift apart.
    const decision = validatePipeline(parseCommandLine(line, { model }), policy);
    expect(decision.rule).toBe(rule);
    expect(readSecretsPreAnswer(policy, decision.rule)).toBe(answer);
  });

  it('is `ask` when neither the rule nor the policy answers', () => {
    expect(readSecretsPreAnswer({ mode: 'read-only' }, 'mode')).toBe('ask');
  });

  it('plans a real classified call: sts get-session-token’s members are asked about', () => {
    const pipeline = parseCommandLine('aws sts get-session-token', { model });
    const plan = planSecrets({ ...base, members: secretOutputOf(pipeline).members });
    expect(plan.question).toBe(true);
    expect(plan.members).toEqual(['Credentials.SecretAccessKey', 'Credentials.SessionToken']);
  });
});

describe('secretsHandlingOf', () => {
  it.each([
    [{ saveName: 'a.json' }, { saveTo: '/private/secrets/a.json' }],
    ['mask', 'mask'],
    ['show', 'show'],
  ] as const)('%j in /private/secrets → %j', (handling, expected) => {
    expect(secretsHandlingOf({ handling, question: false, members: [] }, '/private/secrets')).toEqual(
      expected,
    );
  });
});
