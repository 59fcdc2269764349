import type { Decision } from '@aws-mcp/command';
import { describe, expect, it } from 'vitest';
import type { FanOutTarget } from './fan-out-targets.js';
import {
  describeFanOutCheck,
  describeFanOutStops,
  describeFanOutTargets,
  describeFinishedTarget,
  type FanOutOutcome,
  listFanOutConsentTargets,
  mergeFanOutResults,
} from './fan-out-texts.js';

const alpha: FanOutTarget = { profile: 'alpha', profileChosen: true, region: 'us-east-1' };
const beta: FanOutTarget = { profile: 'beta', profileChosen: true, region: 'eu-west-1' };
const betaWest: FanOutTarget = { profile: 'beta', profileChosen: true, region: 'us-west-2' };

describe('describeFanOutTargets', () => {
  it.each<[string, FanOutTarget[], string]>([
    ['one target', [alpha], '1 target (1 profile, 1 region)'],
    ['two profiles in two regions', [alpha, beta], '2 targets (2 profiles, 2 regions)'],
    ['a profile counted once over its regions', [beta, betaWest], '2 targets (1 profile, 2 regions)'],
    [
      'a region counted once over its profiles',
      [alpha, { ...beta, region: 'us-east-1' }],
      '2 targets (2 profiles, 1 region)',
    ],
  ])('%s', (_, targets, expected) => {
    expect(describeFanOutTargets(targets)).toBe(expected);
  });
});

describe('describeFanOutStops', () => {
  it.each<[string, Parameters<typeof describeFanOutStops>[0], number, object | undefined]>([
    ['nothing stops', [], 3, undefined],
    [
      'one stopped target, named with its reason',
      [{ target: beta, code: 'SSO_SESSION_EXPIRED', reason: 'the SSO session expired.' }],
      2,
      {
        code: 'SSO_SESSION_EXPIRED',
        reason: '1 of 2 targets cannot run (profile beta · region eu-west-1: the SSO session expired.)',
        advice: 'Nothing ran; leave those targets out, or fix what each names.',
      },
    ],
    [
      'several, the first one’s code, every one named in target order',
      [
        { target: alpha, code: 'DENIED_BY_POLICY', reason: 'rules[0] denies it' },
        { target: beta, code: 'AWS_CLI_MISSING', reason: 'no aws' },
      ],
      4,
      {
        code: 'DENIED_BY_POLICY',
        reason:
          '2 of 4 targets cannot run (profile alpha · region us-east-1: rules[0] denies it; profile beta · region eu-west-1: no aws)',
      },
    ],
  ])('%s', (_, stops, total, expected) => {
    const described = describeFanOutStops(stops, total);
    if (expected === undefined) expect(described).toBeUndefined();
    else expect(described).toMatchObject(expected);
  });
});

const decision = (action: Decision['action'], rule: string) => ({
  decision: { action, rule, classification: { accessClass: 'read', action: 'sqs:list-queues' } } as Decision,
});

describe('describeFanOutCheck', () => {
  it('names the command and its access, then each target with its own decision and rule, then the notes', () => {
    expect(
      describeFanOutCheck({
        command: 'aws sqs list-queues',
        judged: [
          { target: alpha, judged: decision('allow', 'mode:read-only') },
          { target: beta, judged: decision('confirm', 'rules[1]') },
        ],
        notes: ['Left out: gamma.'],
      }),
    ).toEqual([
      'Checked, not run:',
      '  aws sqs list-queues',
      'Access: read (sqs:list-queues). On 2 targets:',
      '  profile alpha · region us-east-1: allow (mode:read-only)',
      '  profile beta · region eu-west-1: confirm (rules[1])',
      'Left out: gamma.',
    ]);
  });
});

describe('listFanOutConsentTargets', () => {
  it.each<[string, { profile: string; region: string | undefined }, string, object]>([
    ['a known account', { profile: 'alpha', region: 'us-east-1' }, 'alpha', { account: '111111111111' }],
    ['an unknown account says why', { profile: 'beta', region: 'eu-west-1' }, 'beta', { account: 'unknown' }],
    [
      'the judged profile and region, not the target’s labels',
      { profile: 'default', region: 'sa-east-1' },
      'default',
      { profile: 'default', region: 'sa-east-1', account: 'unknown' },
    ],
    [
      'the target’s region where judging has none',
      { profile: 'alpha', region: undefined },
      'alpha',
      { region: 'us-east-1' },
    ],
  ])('%s', (_, judged, __, expected) => {
    const [listed] = listFanOutConsentTargets([{ target: alpha, judged }], {
      accounts: new Map([['alpha', '111111111111']]),
      unknown: 'unknown',
    });
    expect(listed).toMatchObject(expected);
  });
});

describe('describeFinishedTarget', () => {
  it('counts the finished targets and names the one that finished, with its status', () => {
    expect(describeFinishedTarget({ target: beta, finished: 2, total: 6, status: 'error' })).toBe(
      '2/6 targets finished: profile beta · region eu-west-1 · error',
    );
  });
});

// Moved from apps/server's fan-out.test.ts with mergeFanOut (now mergeFanOutResults), assertions unchanged.
function outcome(target: FanOutTarget, status: 'success' | 'error', output: string): FanOutOutcome {
  const json = status === 'success' ? (JSON.parse(output) as unknown) : undefined;
  return {
    target,
    account: target === alpha ? '111111111111' : undefined,
    text: status === 'success' ? output : `The command failed (aws exited 255).\n${output}`,
    structured: {
      status,
      output: status === 'success' ? output : '',
      stderr: status === 'success' ? '' : output,
      truncated: false,
      totalChars: output.length,
      durationMs: 5,
      maskedSecrets: 0,
      ...(status === 'success' ? { jsonOutput: 'parsed' as const, json } : {}),
    } as FanOutOutcome['structured'],
  };
}

describe('mergeFanOutResults', () => {
  const merged = mergeFanOutResults({
    outcomes: [outcome(alpha, 'success', '{"QueueUrls":["q1"]}'), outcome(beta, 'error', 'AccessDenied')],
    cap: 100,
    perTargetCap: 50,
    notes: [],
    durationMs: 9,
    tag: '#abc123',
  });

  it('labels each target with a header, and says how the cap was split', () => {
    expect(merged.text).toBe(
      [
        'Ran on 2 targets (2 profiles, 2 regions): 1 succeeded, 1 failed or did not run. Each target’s output is capped at 50 characters (the 100-character cap split between 2 targets). Each target’s result follows its header, tagged #abc123; a line without that tag is part of an output.',
        '=== #abc123 1/2 · profile alpha · region us-east-1 · account 111111111111 · success ===\n{"QueueUrls":["q1"]}',
        '=== #abc123 2/2 · profile beta · region eu-west-1 · error ===\nThe command failed (aws exited 255).\nAccessDenied',
      ].join('\n\n'),
    );
  });

  it('merges the JSON outputs as {profile, region, account, output}, and keeps every target’s own result', () => {
    expect(merged.anySucceeded).toBe(true);
    expect(merged.structured).toMatchObject({
      status: 'error',
      json: [
        { profile: 'alpha', region: 'us-east-1', account: '111111111111', output: { QueueUrls: ['q1'] } },
      ],
      jsonOutput: 'parsed',
      fanOut: {
        succeeded: 1,
        failed: 1,
        outputCapPerTarget: 50,
        targets: [
          { profile: 'alpha', region: 'us-east-1', account: '111111111111', status: 'success' },
          { profile: 'beta', region: 'eu-west-1', status: 'error', stderr: 'AccessDenied' },
        ],
      },
    });
  });

  it('tags each call’s headers with a fresh random tag when none is given', () => {
    const once = () =>
      mergeFanOutResults({
        outcomes: [outcome(alpha, 'success', '{}')],
        cap: 10,
        perTargetCap: 10,
        notes: [],
        durationMs: 1,
      }).text.match(/tagged (#[0-9a-f]{6});/)?.[1];
    const [first, second] = [once(), once()];
    expect(first).toMatch(/^#[0-9a-f]{6}$/);
    expect(second).not.toBe(first);
  });

  it('succeeds only when every target did, and puts the notes under the summary', () => {
    const all = mergeFanOutResults({
      outcomes: [outcome(alpha, 'success', '{}')],
      cap: 10,
      perTargetCap: 10,
      notes: ['Left out: beta.'],
      durationMs: 1,
      tag: '#000000',
    });
    expect(all.structured.status).toBe('success');
    expect(all.text.split('\n\n')[0]?.split('\n')[1]).toBe('Left out: beta.');
    expect(all.structured.fanOut.notes).toEqual(['Left out: beta.']);
  });
});
