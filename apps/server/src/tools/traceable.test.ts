import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RecordedRequest, type RecordingProxy, startRecordingProxy } from '@aws-mcp/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/test-server.js';
import type { AuditEntry } from '../audit-log.js';
import { serverVersion } from '../server.js';

/** What the audit log must name for one request the CLI sent: the request id moto answered with. */
function requestIdOf(request: RecordedRequest): string | undefined {
  return (
    (request.answer?.headers['x-amzn-requestid'] as string | undefined) ??
    /<RequestId>([^<]+)<\/RequestId>/.exec(request.answer?.body ?? '')?.[1]
  );
}

describe('aws_cli_pipeline calls are traceable (real MCP client, real CLI, moto behind a recording proxy)', () => {
  let proxy: RecordingProxy;
  let test: TestServer | undefined;
  let folder: string;
  let auditLog: string;
  let lines: AuditEntry[];

  beforeAll(async () => {
    // Started before the server, which starts moto: the target is read at each request.
    proxy = await startRecordingProxy(() => (test as TestServer).s3.endpoint);
    folder = await mkdtemp(join(tmpdir(), 'traceable-'));
    auditLog = join(folder, 'audit.jsonl');
    test = await startTestServer(
      { AWS_MCP_AUDIT_LOG: auditLog, AWS_ENDPOINT_URL: proxy.endpoint },
      { emulator: 'moto' },
    );
    // A write (asked and accepted: the consent form looks the account up), a read, a read that fails at AWS,
    // and a line refused before anything ran.
    const calls = [
      'aws sqs create-queue --queue-name traced',
      'aws sqs list-queues',
      'aws sqs get-queue-url --queue-name not-there',
      'aws sqs list-queues && id',
    ];
    for (const command of calls) await test.call('aws_cli_pipeline', { command });
    await test.close();
    lines = (await readFile(auditLog, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as AuditEntry);
  }, 180_000);

  afterAll(async () => {
    await proxy?.close();
    if (folder !== undefined) await rm(folder, { recursive: true, force: true });
  });

  const sent = (operation: string) =>
    proxy.requests.filter((each) => each.headers['x-amz-target'] === `AmazonSQS.${operation}`);

  it('sends exec-env/aws-mcp-<server version> in the user agent of every call', () => {
    expect(proxy.requests.length).toBeGreaterThanOrEqual(4);
    for (const each of proxy.requests)
      expect(String(each.headers['user-agent'])).toContain(`exec-env/aws-mcp-${serverVersion}`);
  });

  it('records the request id moto returned, for the read and for the call AWS refused', () => {
    expect(lines.map((line) => line.status)).toEqual(['success', 'success', 'error', 'refused']);
    const [listQueues] = sent('ListQueues');
    const [getQueueUrl] = sent('GetQueueUrl');
    const idOf = (request: RecordedRequest | undefined) =>
      request === undefined ? undefined : requestIdOf(request);
    expect(idOf(listQueues)).toEqual(expect.any(String));
    expect(lines[1]?.requestIds).toEqual([{ operation: 'ListQueues', requestId: idOf(listQueues) }]);
    expect(lines[2]?.requestIds).toEqual([{ operation: 'GetQueueUrl', requestId: idOf(getQueueUrl) }]);
    const [createQueue] = sent('CreateQueue');
    expect(lines[0]?.requestIds).toEqual([{ operation: 'CreateQueue', requestId: idOf(createQueue) }]);
  });

  it('records the account of the calls that ran, with one caller-identity lookup for all of them', () => {
    const lookups = proxy.requests.filter((each) => each.body.includes('Action=GetCallerIdentity'));
    expect(lookups).toHaveLength(1);
    for (const line of lines.slice(0, 3)) expect(line.account).toBe('123456789012');
  });

  it('records no account or request id for a call refused before it ran', () => {
    expect(lines[3]).toMatchObject({ status: 'refused' });
    expect(lines[3]?.account).toBeUndefined();
    expect(lines[3]?.requestIds).toBeUndefined();
  });
});
