import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSnapshotCliModel, type Pipeline } from '@aws-mcp/command';
import { createAwsSandboxHome, type MotoEmulator, startMoto } from '@aws-mcp/emulators';
import { type RecordingProxy, startRecordingProxy } from '@aws-mcp/test-support';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findExecutable } from './_find-executable.js';
import { createBubblewrapSandbox } from './bubblewrap-sandbox.js';
import { type RunAwsCommandOptions, type RunAwsCommandResult, runAwsCommand } from './run-aws-command.js';
import { runPipeline } from './run-pipeline.js';
import { noSandbox } from './sandbox.js';
import {
  type ApprovalScope,
  type ApprovalStore,
  confirmWithStandingApproval,
  createApprovalStore,
  type StandingConfirmation,
} from './standing-approvals.js';

// Which S3 writes may stand, asked of moto 5.2.1 with the raw CLI as the oracle, and the owner binding seen on the
// wire: the real CLI runs through runAwsCommand, in the real sandbox where there is one, against a loopback proxy
// in front of moto that records each request's `x-amz-expected-bucket-owner`.
const bwrapPath = findExecutable('bwrap', process.env.PATH);
const sandbox = bwrapPath === undefined ? noSandbox : createBubblewrapSandbox({ bwrapPath });
const account = '123456789012';

let moto: MotoEmulator;
let proxy: RecordingProxy;
let home: Awaited<ReturnType<typeof createAwsSandboxHome>>;
let workdir: string;
let env: Record<string, string>;
let options: RunAwsCommandOptions;

async function rawAws(args: string[]): Promise<{ stdout: string; stderr: string; exitCode?: number }> {
  const result = await execa('aws', [...args, '--endpoint-url', moto.endpoint], {
    cwd: workdir,
    env,
    extendEnv: false,
    reject: false,
  });
  return { stdout: result.stdout.trim(), stderr: result.stderr, exitCode: result.exitCode };
}

async function readObject(bucket: string, key: string): Promise<string> {
  return (await rawAws(['s3', 'cp', `s3://${bucket}/${key}`, '-'])).stdout;
}

/** Runs a line through the flow, confirming it with standing approvals of `store` and answering `scope`. */
async function runWithStanding(
  args: string[],
  { store, session, scope }: { store: ApprovalStore; session: object; scope: ApprovalScope },
): Promise<{
  result: RunAwsCommandResult;
  confirmed: StandingConfirmation<{ granted: boolean }> | undefined;
}> {
  let confirmed: StandingConfirmation<{ granted: boolean; scope: ApprovalScope }> | undefined;
  let bound: Pipeline | undefined;
  const result = await runAwsCommand(
    { args },
    {
      ...options,
      confirm: async (_decision, _pipeline, judged) => {
        confirmed = await confirmWithStandingApproval(judged, {
          store,
          session,
          policy: { mode: 'confirm-writes' },
          account,
          secretsQuestion: false,
          model: () => loadSnapshotCliModel(1),
          workdir,
          ask: async () => ({ granted: true, scope }),
        });
        bound = confirmed.binding?.pipeline;
        return 'covered' in confirmed || confirmed.answer.granted;
      },
      // What runs is what the approval bound, as a caller of confirmWithStandingApproval runs it.
      run: (judged, settings) => runPipeline(bound ?? judged.pipeline, settings),
    },
  );
  return { result, confirmed };
}

beforeAll(async () => {
  moto = await startMoto();
  proxy = await startRecordingProxy(moto.endpoint);
  home = await createAwsSandboxHome({ credentials: moto.credentials, region: 'us-east-1' });
  workdir = await mkdtemp(join(tmpdir(), 'standing-approvals-moto-'));
  env = { PATH: process.env.PATH ?? '', LANG: 'C.UTF-8', ...home.env, AWS_MAX_ATTEMPTS: '1' };
  options = { cwd: workdir, env, endpointUrl: proxy.endpoint, timeoutMs: 60_000, sandbox };
  await writeFile(join(workdir, 'first.txt'), 'first');
  await writeFile(join(workdir, 'second.txt'), 'second');
  for (const bucket of ['standing-bucket', 'conditional-bucket']) {
    expect((await rawAws(['s3api', 'create-bucket', '--bucket', bucket])).exitCode).toBe(0);
  }
}, 120_000);

afterAll(async () => {
  await proxy?.close();
  await moto?.stop();
  await home?.remove();
  if (workdir !== undefined) await rm(workdir, { recursive: true, force: true });
});

const owners = (method: string, path: string) =>
  proxy.requests
    .filter((request) => request.method === method && request.path.startsWith(path))
    .map((request) => request.headers['x-amz-expected-bucket-owner']);

// Each call starts the real CLI, several per test; a loaded 2-core machine needs the room.
describe('standing approvals against moto', { timeout: 240_000 }, () => {
  it('binds the granting call and the calls it covers to the account (--expected-bucket-owner on the wire)', async () => {
    const store = createApprovalStore();
    const session = {};
    const put = (key: string, body: string, scope: ApprovalScope) =>
      runWithStanding(
        [
          'aws',
          's3api',
          'put-object',
          '--bucket',
          'standing-bucket',
          '--key',
          key,
          '--body',
          body,
          '--if-none-match',
          '*',
        ],
        { store, session, scope },
      );
    // This call only: nothing is granted, nothing bound, no owner on the wire.
    const once = await put('once.txt', 'first.txt', { kind: 'once' });
    expect(once.result.status, once.result.stderr).toBe('success');
    expect(owners('PUT', '/standing-bucket/once.txt')).toEqual([undefined]);

    const granting = await put('new.txt', 'first.txt', { kind: 'session' });
    expect(granting.result.status, granting.result.stderr).toBe('success');
    expect(granting.confirmed).toMatchObject({ granted: { scope: 'session', account } });
    const covered = await put('new.txt', 'second.txt', { kind: 'once' });
    expect(covered.confirmed).toMatchObject({ covered: { scope: 'session' } });
    expect(owners('PUT', '/standing-bucket/new.txt')).toEqual([account, account]);
    // The covered call could not replace the object the granting call wrote.
    expect(covered.result.status).toBe('error');
    expect(covered.result.stderr).toContain('PreconditionFailed');
    expect(await readObject('standing-bucket', 'new.txt')).toBe('first');
  });

  it("moto refuses to complete a multipart upload onto an existing key with --if-none-match '*', so it may stand", async () => {
    const bucket = 'conditional-bucket';
    expect(
      (await rawAws(['s3api', 'put-object', '--bucket', bucket, '--key', 'kept', '--body', 'first.txt']))
        .exitCode,
    ).toBe(0);
    const upload = (
      await rawAws([
        's3api',
        'create-multipart-upload',
        '--bucket',
        bucket,
        '--key',
        'kept',
        '--query',
        'UploadId',
        '--output',
        'text',
      ])
    ).stdout;
    const etag = (
      await rawAws([
        's3api',
        'upload-part',
        '--bucket',
        bucket,
        '--key',
        'kept',
        '--upload-id',
        upload,
        '--part-number',
        '1',
        '--body',
        'second.txt',
        '--query',
        'ETag',
        '--output',
        'text',
      ])
    ).stdout;
    const complete = [
      'aws',
      's3api',
      'complete-multipart-upload',
      '--bucket',
      bucket,
      '--key',
      'kept',
      '--upload-id',
      upload,
      '--multipart-upload',
      JSON.stringify({ Parts: [{ ETag: etag, PartNumber: 1 }] }),
      '--if-none-match',
      '*',
    ];
    const store = createApprovalStore();
    const { result, confirmed } = await runWithStanding(complete, {
      store,
      session: {},
      scope: { kind: 'session' },
    });
    expect(confirmed).toMatchObject({
      offer: { offer: true },
      granted: { action: 's3api:complete-multipart-upload' },
    });
    expect(result.status).toBe('error');
    expect(result.stderr).toContain('PreconditionFailed');
    expect(await readObject(bucket, 'kept')).toBe('first');
    expect(owners('POST', `/${bucket}/kept`)).toEqual([account]);
  });

  it("moto copies onto an existing key despite --if-none-match '*', so a copy-object never stands", async () => {
    const bucket = 'conditional-bucket';
    await rawAws(['s3api', 'put-object', '--bucket', bucket, '--key', 'source', '--body', 'second.txt']);
    await rawAws(['s3api', 'put-object', '--bucket', bucket, '--key', 'target', '--body', 'first.txt']);
    const copied = await rawAws([
      's3api',
      'copy-object',
      '--bucket',
      bucket,
      '--key',
      'target',
      '--copy-source',
      `${bucket}/source`,
      '--if-none-match',
      '*',
    ]);
    // If moto starts answering PreconditionFailed here, copy-object with --if-none-match '*' can be made
    // approvable like put-object (the `unless` list of destructive:s3-objects in @aws-mcp/command).
    expect(copied.exitCode, copied.stderr).toBe(0);
    expect(await readObject(bucket, 'target')).toBe('second');
    const store = createApprovalStore();
    const session = {};
    const { confirmed } = await runWithStanding(
      [
        'aws',
        's3api',
        'copy-object',
        '--bucket',
        bucket,
        '--key',
        'copy',
        '--copy-source',
        `${bucket}/source`,
        '--if-none-match',
        '*',
      ],
      { store, session, scope: { kind: 'session' } },
    );
    expect(confirmed).toMatchObject({
      offer: { offer: false, why: expect.stringContaining('replacing any object') },
    });
    expect(store.list(session)).toEqual([]);
  });
});
