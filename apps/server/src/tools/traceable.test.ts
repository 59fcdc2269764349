import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, request as forward, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/test-server.js';
import type { AuditEntry } from '../audit-log.js';
import { serverVersion } from '../server.js';

/** One request the CLI sent, as a recording proxy in front of moto saw it and moto's answer. */
interface Seen {
  target: string | undefined;
  body: string;
  userAgent: string;
  requestId: string | undefined;
}

/**
 * A loopback proxy in front of moto that records each request's user agent, what it asked for and the request id
 * moto answered with: the oracle for what the audit log must name.
 */
async function startRecordingProxy(): Promise<{ server: Server; endpoint: string; seen: Seen[]; to: URL[] }> {
  const seen: Seen[] = [];
  const to: URL[] = [];
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      const target = to[0] as URL;
      const upstream = forward(
        {
          host: target.hostname,
          port: target.port,
          method: incoming.method,
          path: incoming.url,
          headers: incoming.headers,
        },
        (answer) => {
          const answered: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => answered.push(chunk));
          answer.on('end', () => {
            const text = Buffer.concat(answered).toString('utf8');
            seen.push({
              target: incoming.headers['x-amz-target'] as string | undefined,
              body: body.toString('utf8'),
              userAgent: String(incoming.headers['user-agent']),
              requestId:
                (answer.headers['x-amzn-requestid'] as string | undefined) ??
                /<RequestId>([^<]+)<\/RequestId>/.exec(text)?.[1],
            });
            outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
            outgoing.end(Buffer.concat(answered));
          });
        },
      );
      upstream.on('error', () => outgoing.destroy());
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, to };
}

describe('aws_cli_pipeline calls are traceable (real MCP client, real CLI, moto behind a recording proxy)', () => {
  let proxy: Awaited<ReturnType<typeof startRecordingProxy>>;
  let test: TestServer;
  let folder: string;
  let auditLog: string;
  let lines: AuditEntry[];

  beforeAll(async () => {
    proxy = await startRecordingProxy();
    folder = await mkdtemp(join(tmpdir(), 'traceable-'));
    auditLog = join(folder, 'audit.jsonl');
    test = await startTestServer(
      { AWS_MCP_AUDIT_LOG: auditLog, AWS_ENDPOINT_URL: proxy.endpoint },
      { emulator: 'moto' },
    );
    proxy.to.push(new URL(test.s3.endpoint));
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
    await new Promise((resolve) => proxy?.server.close(resolve));
    if (folder !== undefined) await rm(folder, { recursive: true, force: true });
  });

  const sent = (operation: string) => proxy.seen.filter((each) => each.target === `AmazonSQS.${operation}`);

  it('sends exec-env/aws-mcp-<server version> in the user agent of every call', () => {
    expect(proxy.seen.length).toBeGreaterThanOrEqual(4);
    for (const each of proxy.seen) expect(each.userAgent).toContain(`exec-env/aws-mcp-${serverVersion}`);
  });

  it('records the request id moto returned, for the read and for the call AWS refused', () => {
    expect(lines.map((line) => line.status)).toEqual(['success', 'success', 'error', 'refused']);
    const [listQueues] = sent('ListQueues');
    const [getQueueUrl] = sent('GetQueueUrl');
    expect(listQueues?.requestId).toEqual(expect.any(String));
    expect(lines[1]?.requestIds).toEqual([{ operation: 'ListQueues', requestId: listQueues?.requestId }]);
    expect(lines[2]?.requestIds).toEqual([{ operation: 'GetQueueUrl', requestId: getQueueUrl?.requestId }]);
    const [createQueue] = sent('CreateQueue');
    expect(lines[0]?.requestIds).toEqual([{ operation: 'CreateQueue', requestId: createQueue?.requestId }]);
  });

  it('records the account of the calls that ran, with one caller-identity lookup for all of them', () => {
    const lookups = proxy.seen.filter((each) => each.body.includes('Action=GetCallerIdentity'));
    expect(lookups).toHaveLength(1);
    for (const line of lines.slice(0, 3)) expect(line.account).toBe('123456789012');
  });

  it('records no account or request id for a call refused before it ran', () => {
    expect(lines[3]).toMatchObject({ status: 'refused' });
    expect(lines[3]?.account).toBeUndefined();
    expect(lines[3]?.requestIds).toBeUndefined();
  });
});
