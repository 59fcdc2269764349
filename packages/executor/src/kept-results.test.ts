import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFilterStages } from '@aws-mcp/command';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createResultsStore,
  describeFilteredResult,
  describeKeptOutput,
  describeKeptResult,
  findKeptResult,
  type KeptResult,
  keepCutOutput,
  keptResultUri,
  readKeptResult,
  readResultPage,
} from './kept-results.js';
import { runFilters } from './run-filters.js';
import type { PipelineResult } from './run-pipeline.js';

function kept(value: ReturnType<ReturnType<typeof createResultsStore>['keep']>): KeptResult {
  if (typeof value === 'string') throw new Error(`not kept: ${value}`);
  return value;
}

function storeWithClock(options: { sessionBytes?: number; totalBytes?: number; ttlMs?: number } = {}) {
  let time = 1_000_000;
  const store = createResultsStore({
    sessionBytes: options.sessionBytes ?? 1000,
    totalBytes: options.totalBytes ?? 10_000,
    ttlMs: options.ttlMs ?? 60_000,
    now: () => time,
  });
  return { store, advance: (ms: number) => (time += ms) };
}

describe('createResultsStore', () => {
  it('gives each result an unguessable id (128 random bits) that reads it back in its own session', () => {
    const { store } = storeWithClock();
    const session = {};
    const result = kept(store.keep(session, { text: 'hello\n', label: 'aws s3 ls' }));
    expect(result.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(store.get(session, result.id)?.text).toBe('hello\n');
    const ids = new Set(
      Array.from({ length: 200 }, () => kept(store.keep({}, { text: 'x', label: 'x' })).id),
    );
    expect(ids.size).toBe(200);
  });

  it('answers another session as it answers an id that does not exist', () => {
    const { store } = storeWithClock();
    const owner = {};
    const other = {};
    const result = kept(store.keep(owner, { text: 'secret-free but private', label: 'l' }));
    expect(store.get(other, result.id)).toBeUndefined();
    expect(store.get(other, 'AAAAAAAAAAAAAAAAAAAAAA')).toBeUndefined();
    expect(store.list(other)).toEqual([]);
    expect(store.list(owner).map((each) => each.id)).toEqual([result.id]);
  });

  it('drops the session’s oldest results first when its budget is full, and leaves other sessions alone', () => {
    const { store } = storeWithClock({ sessionBytes: 300 });
    const session = {};
    const neighbour = {};
    const theirs = kept(store.keep(neighbour, { text: 'n'.repeat(250), label: 'n' }));
    const first = kept(store.keep(session, { text: 'a'.repeat(100), label: 'a' }));
    const second = kept(store.keep(session, { text: 'b'.repeat(100), label: 'b' }));
    const third = kept(store.keep(session, { text: 'c'.repeat(150), label: 'c' }));
    expect(store.get(session, first.id)).toBeUndefined();
    expect(store.get(session, second.id)).toBeDefined();
    expect(store.get(session, third.id)).toBeDefined();
    expect(store.get(neighbour, theirs.id)).toBeDefined();
  });

  it('drops the oldest results of any session when the server-wide budget is full', () => {
    const { store } = storeWithClock({ sessionBytes: 1000, totalBytes: 500 });
    const one = {};
    const two = {};
    const oldest = kept(store.keep(one, { text: 'x'.repeat(200), label: 'x' }));
    const middle = kept(store.keep(two, { text: 'y'.repeat(200), label: 'y' }));
    const newest = kept(store.keep(two, { text: 'z'.repeat(200), label: 'z' }));
    expect(store.get(one, oldest.id)).toBeUndefined();
    expect(store.get(two, middle.id)).toBeDefined();
    expect(store.get(two, newest.id)).toBeDefined();
    expect(store.totalBytes).toBe(400);
  });

  it('counts bytes, not characters, and refuses what no budget can hold', () => {
    const { store } = storeWithClock({ sessionBytes: 100 });
    expect(store.keep({}, { text: 'é'.repeat(60), label: 'l' })).toBe('over the session budget');
    expect(kept(store.keep({}, { text: 'é'.repeat(50), label: 'l' })).bytes).toBe(100);
    const off = createResultsStore({ sessionBytes: 0, totalBytes: 100, ttlMs: 1000 });
    expect(off.keep({}, { text: 'x', label: 'l' })).toBe('keeping is off');
  });

  it('forgets a result once its time to live has passed', () => {
    const { store, advance } = storeWithClock({ ttlMs: 15 * 60_000 });
    const session = {};
    const result = kept(store.keep(session, { text: 'short-lived', label: 'l' }));
    expect(result.expiresAt - result.createdAt).toBe(15 * 60_000);
    advance(15 * 60_000 - 1);
    expect(store.get(session, result.id)?.text).toBe('short-lived');
    advance(1);
    expect(store.get(session, result.id)).toBeUndefined();
    expect(store.totalBytes).toBe(0);
  });

  it('drops every result of a session that ended', () => {
    const { store } = storeWithClock();
    const ended = {};
    const stays = {};
    const gone = kept(store.keep(ended, { text: 'a', label: 'l' }));
    const kept2 = kept(store.keep(stays, { text: 'b', label: 'l' }));
    store.endSession(ended);
    expect(store.get(ended, gone.id)).toBeUndefined();
    expect(store.get(stays, kept2.id)).toBeDefined();
    expect(store.totalBytes).toBe(1);
  });
});

describe('readResultPage', () => {
  it.each([
    ['the first page', { offset: 0, length: 4 }, { text: 'abcd', offset: 0, nextOffset: 4 }],
    ['a middle page', { offset: 4, length: 4 }, { text: 'efgh', offset: 4, nextOffset: 8 }],
    ['the last page', { offset: 8, length: 4 }, { text: 'ij', offset: 8 }],
    ['past the end', { offset: 50, length: 4 }, { text: '', offset: 10 }],
    ['a length over the cap', { offset: 0, length: 1000 }, { text: 'abcdef', offset: 0, nextOffset: 6 }],
  ])('reads %s', (_, request, expected) => {
    expect(readResultPage('abcdefghij', { ...request, maxChars: 6 })).toEqual({
      ...expected,
      totalChars: 10,
    });
  });

  it('never cuts a character made of two UTF-16 units in two', () => {
    const page = readResultPage('ab😀cd', { offset: 0, length: 3, maxChars: 100 });
    expect(page).toMatchObject({ text: 'ab', nextOffset: 2 });
  });
});

describe('keepCutOutput', () => {
  let workdir: string;
  let cut: PipelineResult;
  const text = `${JSON.stringify({ Items: Array.from({ length: 40 }, (_, index) => ({ id: index })) })}\n`;
  beforeAll(async () => {
    workdir = await mkdtemp(join(tmpdir(), 'keep-cut-output-'));
    // A real cut output: jq prints more than the cap, and its whole masked output is kept beside it.
    cut = await runFilters(parseFilterStages('jq -c .Items[]'), {
      cwd: workdir,
      env: { PATH: process.env.PATH, LANG: 'C.UTF-8' },
      input: text,
      maxOutputChars: 50,
      keepOutputChars: 10_000,
    });
  });
  afterAll(async () => {
    await rm(workdir, { recursive: true, force: true });
  });

  it('keeps the whole output of a cut one for its session and says where', () => {
    expect(cut).toMatchObject({ status: 'success', truncated: true, wholeOutput: { kept: true } });
    const { store } = storeWithClock({ sessionBytes: 10_000 });
    const session = {};
    const kept = keepCutOutput({ store, session, result: cut, label: 'jq -c .Items[]' });
    if (kept?.kept !== true) throw new Error(`not kept: ${JSON.stringify(kept)}`);
    const whole = cut.wholeOutput?.kept === true ? cut.wholeOutput.text : '';
    expect(store.get(session, kept.resultId)?.text).toBe(whole);
    expect(kept).toEqual({
      kept: true,
      resultId: kept.resultId,
      uri: `aws://results/${kept.resultId}`,
      chars: whole.length,
      bytes: Buffer.byteLength(whole),
      expiresAt: new Date(1_000_000 + 60_000).toISOString(),
    });
  });

  it.each([
    ['an output that was not cut', { truncated: false }, undefined],
    ['a run that failed', { status: 'error' }, undefined],
    ['a run that kept nothing whole', { wholeOutput: undefined }, 'keeping is off'],
    [
      'a whole output over keepOutputChars',
      { wholeOutput: { kept: false, reason: 'too large' } },
      'larger than the session budget',
    ],
    [
      'an output shown or saved unmasked',
      { wholeOutput: { kept: false, reason: 'not masked' } },
      'secrets were not masked',
    ],
  ] as const)('keeps nothing of %s', (_, change, reason) => {
    const { store } = storeWithClock({ sessionBytes: 10_000 });
    const kept = keepCutOutput({
      store,
      session: {},
      result: { ...cut, ...change } as PipelineResult,
      label: 'l',
    });
    expect(kept).toEqual(reason === undefined ? undefined : { kept: false, reason });
    expect(store.totalBytes).toBe(0);
  });

  it('says what the store says when the session budget cannot hold it', () => {
    const { store } = storeWithClock({ sessionBytes: 20 });
    expect(keepCutOutput({ store, session: {}, result: cut, label: 'l' })).toEqual({
      kept: false,
      reason: 'over the session budget',
    });
  });
});

describe('findKeptResult', () => {
  it('finds the session’s own result, and answers another session as it answers an unknown id, with the time to live', () => {
    const { store } = storeWithClock({ ttlMs: 15 * 60_000 });
    const owner = {};
    const result = kept(store.keep(owner, { text: 'x', label: 'l' }));
    expect(findKeptResult(store, owner, result.id)).toEqual(result);
    const stolen = findKeptResult(store, {}, result.id);
    const unknown = findKeptResult(store, {}, 'nothing');
    expect(stolen).toEqual({
      refusal: {
        code: 'RESULT_NOT_FOUND',
        kind: 'not-found',
        reason: `No kept result \`${result.id}\` in this session: kept results last 15 minutes, end with their session, and the oldest go first when the budget is full.`,
      },
    });
    expect(JSON.stringify(unknown).replace('nothing', 'ID')).toBe(
      JSON.stringify(stolen).replace(result.id, 'ID'),
    );
  });
});

describe('readKeptResult', () => {
  const { store } = storeWithClock();
  const session = {};
  const { id } = kept(store.keep(session, { text: 'abcdefghij', label: 'l' }));

  it.each([
    [
      'the default page (the cap)',
      null,
      null,
      'abcdef',
      'characters 0–6 of 10; the next page starts at offset 6',
    ],
    ['a page from an offset', '6', null, 'ghij', 'characters 6–10 of 10; the last page'],
    [
      'an empty offset and length as the defaults',
      '',
      '',
      'abcdef',
      'characters 0–6 of 10; the next page starts at offset 6',
    ],
    ['a length under the cap', '2', '3', 'cde', 'characters 2–5 of 10; the next page starts at offset 5'],
  ])('reads %s', (_, offset, length, text, summary) => {
    const read = readKeptResult(store, session, { id, offset, length, maxChars: 6 });
    expect(read).toMatchObject({ page: { text }, summary });
  });

  it.each([
    [
      'an offset that is no whole number',
      '1.5',
      null,
      'RESULT_ARGUMENT_INVALID',
      'offset and length are whole numbers of characters, not "1.5".',
    ],
    [
      'a negative length',
      '0',
      '-1',
      'RESULT_ARGUMENT_INVALID',
      'offset and length are whole numbers of characters, not "-1".',
    ],
  ])('refuses %s', (_, offset, length, code, reason) => {
    expect(readKeptResult(store, session, { id, offset, length, maxChars: 6 })).toEqual({
      refusal: { code, reason },
    });
  });

  it('refuses another session’s id as an unknown one, before reading its offset', () => {
    const stolen = readKeptResult(store, {}, { id, offset: 'x', length: null, maxChars: 6 });
    expect(stolen).toEqual({
      refusal: { code: 'RESULT_NOT_FOUND', reason: `No kept result aws://results/${id} in this session.` },
    });
  });
});

describe('describeKeptResult and describeKeptOutput', () => {
  it('names a kept result by its id and says what made it and until when', () => {
    const { store } = storeWithClock();
    const result = kept(store.keep({}, { text: 'x', label: 'aws ec2 describe-regions' }));
    expect(describeKeptResult(result)).toEqual({
      uri: `aws://results/${result.id}`,
      name: `result-${result.id}`,
      title: 'aws ec2 describe-regions',
      description: `The whole output (masked) of aws ec2 describe-regions; kept until ${new Date(result.expiresAt).toISOString()}.`,
      mimeType: 'text/plain',
    });
    const output = {
      kept: true,
      resultId: 'ID',
      uri: keptResultUri('ID'),
      chars: 12,
      bytes: 12,
      expiresAt: 'T',
    } as const;
    expect(describeKeptOutput(output)).toEqual({
      uri: 'aws://results/ID',
      name: 'result-ID',
      title: 'The whole output (masked)',
      description:
        '12 characters, kept for this session until T. Read pages with aws://results/ID?offset=N&length=M.',
      mimeType: 'text/plain',
    });
    expect(describeKeptOutput(output, 'Target A').title).toBe('Target A');
  });
});

describe('describeFilteredResult', () => {
  const base = { output: '', noMatch: false, durationMs: 12, exitCode: 0, filterStderr: '' };
  it.each([
    ['an output', { status: 'success', output: 'a\n' }, 'a\n'],
    ['no match', { status: 'success', noMatch: true, exitCode: 1 }, '(no lines matched the filter)'],
    ['nothing printed', { status: 'success' }, '(the filters printed nothing)'],
    ['a timeout', { status: 'timeout' }, 'The filters were stopped at the time limit after 12 ms.'],
    ['a cancel', { status: 'canceled' }, 'The filters were canceled.'],
    [
      'a failure with stderr',
      { status: 'error', exitCode: 5, failedStage: 'jq', filterStderr: 'jq: bad\n' },
      'The filters failed (jq exited 5).\njq: bad',
    ],
    [
      'a failure without a stage',
      { status: 'error', exitCode: 2 },
      'The filters failed (a filter exited 2).',
    ],
  ] as const)('says %s', (_, change, text) => {
    expect(describeFilteredResult({ ...base, ...change } as unknown as PipelineResult)).toBe(text);
  });
});
