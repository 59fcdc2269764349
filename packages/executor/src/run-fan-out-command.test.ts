import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readAwsSetup } from '@aws-mcp/aws-config';
import { type Policy, parseCommandLine } from '@aws-mcp/command';
import { useTempDir } from '@aws-mcp/test-support';
import { describe, expect, it } from 'vitest';
import { checkAwsCli } from './check-aws-cli.js';
import { createFanOutContexts, type FanOutRequest } from './fan-out-targets.js';
import { type FanOutAuditEntry, type FanOutConsent, runFanOutCommand } from './run-fan-out-command.js';

// The flow's rules before anything runs, over real AWS files, the real parser and the real CLI's status: each row
// is a call that must end before any target starts, with the outcome, the one audit line and what was asked.
describe('runFanOutCommand before anything runs', () => {
  const folder = useTempDir('run-fan-out-');

  async function callWith({
    line,
    request,
    policy,
    saveOutputTo,
    check,
    answer = false,
    confirm = true,
  }: {
    line: string;
    request: FanOutRequest;
    policy: Policy;
    saveOutputTo?: string;
    check?: boolean;
    answer?: boolean;
    /** `false`: no confirm step is given. */
    confirm?: boolean;
  }) {
    const config = join(folder.path, 'config');
    const credentials = join(folder.path, 'credentials');
    await writeFile(config, '[profile alpha]\nregion = us-east-1\n\n[profile beta]\nregion = eu-west-1\n');
    await writeFile(
      credentials,
      '[alpha]\naws_access_key_id = AKIAALPHA\naws_secret_access_key = a\n\n[beta]\naws_access_key_id = AKIABETA\naws_secret_access_key = b\n',
    );
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: folder.path,
      AWS_CONFIG_FILE: config,
      AWS_SHARED_CREDENTIALS_FILE: credentials,
    };
    const started: string[] = [];
    const asked: string[][] = [];
    const looked: string[] = [];
    const audits: FanOutAuditEntry[] = [];
    const outcome = await runFanOutCommand(parseCommandLine(line), {
      request,
      contexts: createFanOutContexts({ setup: await readAwsSetup({ env }), env }),
      judge: { policy, workdir: folder.path, awsCli: checkAwsCli({ env }) },
      knownRegions: ['us-east-1', 'eu-west-1', 'sa-east-1'],
      maxTargets: 10,
      saveOutputTo,
      check,
      lookupAccount: async (profile) => {
        looked.push(profile);
        return undefined;
      },
      ...(confirm
        ? {
            confirm: async ({ judged }): Promise<FanOutConsent> => {
              asked.push(judged.map(({ target }) => `${target.profile}@${target.region}`));
              return { granted: answer, answer: answer ? 'accepted' : 'declined' };
            },
          }
        : {}),
      options: { cwd: folder.path, env },
      run: async (one) => {
        started.push(one.target.profile);
        throw new Error('no target may start in these rows');
      },
      audit: (entry) => audits.push(entry),
    });
    return { outcome, started, asked, looked, audits };
  }

  const both = { profiles: ['alpha', 'beta'], regions: ['us-east-1', 'sa-east-1'] };
  it.each<[string, Parameters<typeof callWith>[0], object, object]>([
    [
      'arguments that conflict with the line refuse the call before judging',
      {
        line: 'aws sqs list-queues --profile alpha',
        request: { regions: ['us-east-1'] },
        policy: { mode: 'read-only' },
      },
      { status: 'refused', refusal: { code: 'FANOUT_CONFLICTING_SETTING' } },
      { status: 'refused', error: 'FANOUT_CONFLICTING_SETTING' },
    ],
    [
      'a target the policy denies stops the whole call, naming each stopped target',
      { line: 'aws sqs create-queue --queue-name q', request: both, policy: { mode: 'read-only' } },
      {
        status: 'stopped',
        refusal: {
          code: 'DENIED',
          reason: expect.stringMatching(
            /^4 of 4 targets cannot run \(profile alpha · region us-east-1: .*; profile beta · region sa-east-1: /,
          ),
        },
      },
      { status: 'refused', error: 'DENIED' },
    ],
    [
      'a write no rule allows on every target is refused (one consent never covers a fan-out write)',
      { line: 'aws sqs create-queue --queue-name q', request: both, policy: { mode: 'confirm-writes' } },
      {
        status: 'refused',
        refusal: { code: 'FANOUT_WRITE_REFUSED' },
        judged: { target: { profile: 'alpha' } },
      },
      { status: 'refused', error: 'FANOUT_WRITE_REFUSED', profile: 'alpha', action: 'sqs:create-queue' },
    ],
    [
      'secret output is refused unless each target’s output is saved',
      { line: 'aws sts get-session-token', request: both, policy: { mode: 'full' } },
      { status: 'refused', refusal: { code: 'FANOUT_SECRET_OUTPUT' } },
      { status: 'refused', error: 'FANOUT_SECRET_OUTPUT' },
    ],
    [
      'a check judges every target and neither asks nor looks an account up',
      {
        line: 'aws sqs list-queues',
        request: both,
        policy: { mode: 'read-only', rules: [{ effect: 'confirm', actions: ['sqs:list-queues'] }] },
        check: true,
      },
      {
        status: 'checked',
        asks: true,
        perTargetCap: 25_000,
        judged: expect.arrayContaining([expect.anything()]),
      },
      { status: 'checked', profile: 'alpha', region: 'us-east-1' },
    ],
    [
      'a declined consent runs nothing, and the audit says so',
      {
        line: 'aws sqs list-queues',
        request: both,
        policy: {
          mode: 'read-only',
          rules: [{ id: 'ask-lists', effect: 'confirm', actions: ['sqs:list-queues'] }],
        },
      },
      { status: 'declined', consent: { answer: 'declined' }, asking: { target: { profile: 'alpha' } } },
      { status: 'refused', consent: 'declined', rule: 'ask-lists' },
    ],
    [
      'the one consent asks with the reason of the target whose decision asks, not the first target’s',
      {
        line: 'aws sqs list-queues',
        request: both,
        policy: {
          mode: 'read-only',
          rules: [{ id: 'ask-beta', effect: 'confirm', actions: ['sqs:list-queues'], profiles: ['beta'] }],
        },
      },
      {
        status: 'declined',
        asking: { target: { profile: 'beta' }, judged: { decision: { rule: 'ask-beta' } } },
      },
      { status: 'refused', consent: 'declined', profile: 'beta', rule: 'ask-beta' },
    ],
  ])('%s', async (_, call, expected, audited) => {
    const { outcome, started, audits, asked, looked } = await callWith(call);
    expect(outcome).toMatchObject(expected);
    expect(started).toEqual([]);
    expect(audits).toEqual([expect.objectContaining(audited)]);
    // Only a call that reached the confirm step asks, once, listing every target; only it reads accounts.
    const reachedConfirm = outcome.status === 'declined';
    expect(asked).toEqual(
      reachedConfirm ? [['alpha@us-east-1', 'alpha@sa-east-1', 'beta@us-east-1', 'beta@sa-east-1']] : [],
    );
    expect(looked).toEqual(reachedConfirm ? ['alpha', 'beta'] : []);
  });

  it('refuses a call that must ask when no confirm step was given, and starts nothing', async () => {
    const { outcome, started, audits } = await callWith({
      line: 'aws sqs list-queues',
      request: { profiles: ['alpha', 'beta'] },
      policy: { mode: 'read-only', rules: [{ effect: 'confirm', actions: ['sqs:list-queues'] }] },
      confirm: false,
    });
    expect(outcome).toMatchObject({ status: 'declined', consent: undefined });
    expect(started).toEqual([]);
    expect(audits).toEqual([expect.objectContaining({ status: 'refused', rule: 'rules[0]' })]);
    expect(audits[0]).not.toHaveProperty('consent');
  });
});
