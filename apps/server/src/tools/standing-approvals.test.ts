import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createApprovalStore } from '@aws-mcp/executor';
import { startRecordingProxy, useTempDir } from '@aws-mcp/test-support';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult, ElicitRequest, ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, textOf } from '../../test/test-server.js';

const run = promisify(execFile);

async function call(client: Client, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name: 'aws_cli_pipeline', arguments: args })) as CallToolResult;
}

const putItem = (table: string, id: string) => ({
  args: ['aws', 'dynamodb', 'put-item', '--table-name', table, '--item', `{"id":{"S":"${id}"}}`],
});

/** A client that answers every form with `answer` and records what each form offered. */
async function connectPerson(
  test: TestServer,
  answer: (request: ElicitRequest) => ElicitResult,
): Promise<{ client: Client; forms: { scopes: unknown; message: string }[] }> {
  const forms: { scopes: unknown; message: string }[] = [];
  const client = await test.connectAnswering((request) => {
    const schema = request.params.mode === 'url' ? undefined : request.params.requestedSchema;
    forms.push({
      scopes: (schema?.properties.scope as { enum?: string[] } | undefined)?.enum,
      message: request.params.message,
    });
    return answer(request);
  });
  return { client, forms };
}

const approveFor = (scope: string, minutes?: number) => (): ElicitResult => ({
  action: 'accept',
  content: { approve: true, scope, ...(minutes === undefined ? {} : { minutes }) },
});

async function readApprovals(client: Client): Promise<{ id: string; action: string }[]> {
  const read = await client.readResource({ uri: 'aws://config/environment' });
  const text = (read.contents[0] as { text: string }).text;
  return (JSON.parse(text) as { standingApprovals: { id: string; action: string }[] }).standingApprovals;
}

describe('standing approvals through the consent form', () => {
  let test: TestServer;
  let auditPath: string;
  const auditFolder = useTempDir('approvals-audit-');
  beforeAll(async () => {
    auditPath = join(auditFolder.path, 'audit.jsonl');
    test = await startTestServer({ AWS_MCP_AUDIT_LOG: auditPath }, { emulator: 'moto' });
    const setup = await test.connectAnswering(approveFor('once'));
    for (const table of ['orders', 'invoices']) {
      const created = await call(setup, {
        command: `aws dynamodb create-table --table-name ${table} --attribute-definitions AttributeName=id,AttributeType=S --key-schema AttributeName=id,KeyType=HASH --billing-mode PAY_PER_REQUEST`,
      });
      expect(created.structuredContent).toMatchObject({ status: 'success' });
    }
  });
  afterAll(async () => {
    await test?.close();
  });

  it('a session approval covers the same operation on the same table, and nothing else', async () => {
    const { client, forms } = await connectPerson(test, approveFor('session'));
    const first = await call(client, putItem('orders', '1'));
    expect(forms).toHaveLength(1);
    expect(forms[0]?.scopes).toEqual(['once', 'session', 'minutes']);
    expect(forms[0]?.message).toMatch(
      /A standing approval covers only this operation\n\(dynamodb:put-item\) on TableName orders,\nwith profile default, region us-east-1 and account 123456789012,/,
    );
    expect(first.structuredContent).toMatchObject({
      status: 'success',
      consent: 'accepted',
      approval: { scope: 'session', action: 'dynamodb:put-item', granted: true },
    });
    const id = (first.structuredContent as { approval: { id: string } }).approval.id;

    const second = await call(client, putItem('orders', '2'));
    expect(forms).toHaveLength(1);
    expect(second.structuredContent).toMatchObject({
      status: 'success',
      consent: 'standing approval',
      approval: { id, granted: false },
    });
    expect(textOf(second)).toContain(`Ran without asking under standing approval ${id}`);

    await call(client, putItem('invoices', '1'));
    expect(forms).toHaveLength(2);
    await call(client, {
      args: ['aws', 'dynamodb', 'update-item', '--table-name', 'orders', '--key', '{"id":{"S":"1"}}'],
    });
    expect(forms).toHaveLength(3);
    const deleted = await call(client, {
      args: ['aws', 'dynamodb', 'delete-item', '--table-name', 'orders', '--key', '{"id":{"S":"2"}}'],
    });
    expect(forms).toHaveLength(4);
    // A delete is never offered a standing scope, and a scope in the answer grants nothing.
    expect(forms[3]?.scopes).toBeUndefined();
    expect(deleted.structuredContent).toMatchObject({ status: 'success', consent: 'accepted' });
    expect(deleted.structuredContent).not.toHaveProperty('approval');

    const listed = await readApprovals(client);
    expect(listed.map((approval) => approval.action).sort()).toEqual([
      'dynamodb:put-item',
      'dynamodb:put-item',
      'dynamodb:update-item',
    ]);
    const audit = (await readFile(auditPath, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(audit.filter((entry) => entry.approval === id).map((entry) => entry.consent)).toEqual([
      'accepted',
      'standing approval',
    ]);
  });

  it('check: true says whether a standing approval covers the call, asking nobody and running nothing', async () => {
    const { client, forms } = await connectPerson(test, approveFor('session'));
    const before = await call(client, { ...putItem('orders', 'c1'), check: true });
    expect(before.structuredContent).toMatchObject({
      status: 'checked',
      check: {
        asks: true,
        standingApproval: { covered: 'no', why: 'this session has no standing approvals' },
      },
    });
    const granted = await call(client, putItem('orders', 'c1'));
    const id = (granted.structuredContent as { approval: { id: string } }).approval.id;
    expect(forms).toHaveLength(1);

    const covered = await call(client, { ...putItem('orders', 'c2'), check: true });
    expect(covered.structuredContent).toMatchObject({
      status: 'checked',
      check: { asks: false, standingApproval: { covered: 'yes', id } },
    });
    expect(textOf(covered)).toContain(
      `A standing approval covers it: ${id} (for this session), so it would run without asking`,
    );
    const elsewhere = await call(client, { ...putItem('invoices', 'c2'), check: true });
    expect(elsewhere.structuredContent).toMatchObject({
      check: { asks: true, standingApproval: { covered: 'no' } },
    });
    expect(textOf(elsewhere)).toContain(
      'No standing approval covers it: no standing approval of this session is for dynamodb:put-item on TableName invoices',
    );
    expect(forms).toHaveLength(1);
    // Nothing ran: the checked item is not in moto's table.
    const scanned = await call(client, {
      args: ['aws', 'dynamodb', 'get-item', '--table-name', 'orders', '--key', '{"id":{"S":"c2"}}'],
    });
    expect(scanned.structuredContent).toMatchObject({ status: 'success', output: '' });
    // The real call runs as the check said: without asking.
    const ran = await call(client, putItem('orders', 'c2'));
    expect(ran.structuredContent).toMatchObject({ consent: 'standing approval', approval: { id } });
    expect(forms).toHaveLength(1);
  });

  it("s3api put-object --if-none-match '*' may stand: a covered call is bound to the bucket's owner and cannot overwrite", async () => {
    const proxy = await startRecordingProxy(test.s3.endpoint);
    try {
      const bucket = `${test.s3.endpoint}/owned-bucket`;
      expect((await fetch(bucket, { method: 'PUT' })).ok).toBe(true);
      const putNew = {
        args: [
          'aws',
          's3api',
          'put-object',
          '--endpoint-url',
          proxy.endpoint,
          '--bucket',
          'owned-bucket',
          '--key',
          'new.txt',
          '--body',
          'body.txt',
          '--if-none-match',
          '*',
        ],
      };
      await writeFile(join(test.workdir, 'body.txt'), 'first');
      const { client, forms } = await connectPerson(test, approveFor('session'));
      const granted = await call(client, putNew);
      expect(granted.structuredContent, textOf(granted)).toMatchObject({
        status: 'success',
        approval: { scope: 'session', action: 's3api:put-object', granted: true },
      });
      expect(forms[0]?.scopes).toEqual(['once', 'session', 'minutes']);
      expect(forms[0]?.message).toContain(
        'on Bucket owned-bucket (its owner checked: --expected-bucket-owner), Key new.txt,',
      );
      expect(textOf(granted)).toContain(
        'Calls it covers carry `--expected-bucket-owner 123456789012`, so S3 refuses them for a bucket another account owns.',
      );

      // The same call again runs without asking, with the owner on the wire, and S3 keeps the first object.
      await writeFile(join(test.workdir, 'body.txt'), 'second');
      const before = proxy.requests.length;
      const again = await call(client, putNew);
      expect(forms).toHaveLength(1);
      expect(again.structuredContent).toMatchObject({ consent: 'standing approval', status: 'error' });
      expect(textOf(again)).toContain('PreconditionFailed');
      const puts = proxy.requests.filter((request) => request.method === 'PUT');
      // The granting call is bound too, to the account its consent showed (issue 18).
      expect(puts.map((request) => request.headers['x-amz-expected-bucket-owner'])).toEqual([
        '123456789012',
        '123456789012',
      ]);
      expect(proxy.requests.length).toBeGreaterThan(before);
      const { stdout } = await run(
        'aws',
        ['--endpoint-url', test.s3.endpoint, 's3', 'cp', 's3://owned-bucket/new.txt', '-'],
        { env: { PATH: process.env.PATH ?? '', ...test.awsEnv } },
      );
      expect(stdout).toBe('first');

      // Without the guard a put-object may replace an object, so it is never offered a standing scope.
      const { args } = putNew;
      await call(client, { args: args.slice(0, -2) });
      expect(forms).toHaveLength(2);
      expect(forms[1]?.scopes).toBeUndefined();
    } finally {
      await proxy.close();
    }
  });

  it('another session neither sees nor uses an approval', async () => {
    const first = await connectPerson(test, approveFor('session'));
    await call(first.client, putItem('orders', '3'));
    expect(await readApprovals(first.client)).toHaveLength(1);
    const other = await connectPerson(test, approveFor('once'));
    expect(await readApprovals(other.client)).toEqual([]);
    const result = await call(other.client, putItem('orders', '4'));
    expect(other.forms).toHaveLength(1);
    expect(result.structuredContent).toMatchObject({ consent: 'accepted' });
    expect(await readApprovals(other.client)).toEqual([]);
  });

  it('a minutes approval expires on the store’s clock', async () => {
    const realStore = test.context.approvals;
    let clock = Date.parse('2026-06-01T12:00:00Z');
    test.context.approvals = createApprovalStore({ now: () => clock });
    try {
      const { client, forms } = await connectPerson(test, approveFor('minutes', 10));
      const granted = await call(client, putItem('orders', '5'));
      expect(granted.structuredContent).toMatchObject({
        approval: { scope: 'minutes', expiresAt: '2026-06-01T12:10:00.000Z', granted: true },
      });
      clock += 9 * 60_000;
      expect((await call(client, putItem('orders', '6'))).structuredContent).toMatchObject({
        consent: 'standing approval',
      });
      expect(forms).toHaveLength(1);
      clock += 60_000;
      expect((await call(client, putItem('orders', '7'))).structuredContent).toMatchObject({
        consent: 'accepted',
      });
      expect(forms).toHaveLength(2);
    } finally {
      test.context.approvals = realStore;
    }
  });

  it('refuses minutes outside 1–240 as an invalid answer, running nothing', async () => {
    const { client } = await connectPerson(test, approveFor('minutes', 241));
    const result = await call(client, putItem('orders', '8'));
    expect(result.structuredContent).toMatchObject({ status: 'refused', consent: 'invalid answer' });
  });

  it('withdrawal removes an approval, and the next call asks again', async () => {
    const { client, forms } = await connectPerson(test, approveFor('session'));
    await call(client, putItem('orders', '9'));
    const [approval] = await readApprovals(client);
    const unknown = (await client.callTool({
      name: 'aws_withdraw_approvals',
      arguments: { id: 'ap-00000000' },
    })) as CallToolResult;
    expect(unknown.isError).toBe(true);
    expect(textOf(unknown)).toBe(
      `APPROVAL_NOT_FOUND: this session has no standing approval "ap-00000000"; its approvals are ${approval?.id}.`,
    );
    const withdrawn = (await client.callTool({
      name: 'aws_withdraw_approvals',
      arguments: { id: approval?.id ?? '' },
    })) as CallToolResult;
    expect(textOf(withdrawn)).toBe(
      `Withdrew 1 standing approval:\n  ${approval?.id}: dynamodb:put-item on TableName orders`,
    );
    expect(await readApprovals(client)).toEqual([]);
    await call(client, putItem('orders', '10'));
    expect(forms).toHaveLength(2);
  });

  it('a resource of another account is never offered a standing scope', async () => {
    const { client, forms } = await connectPerson(test, approveFor('session'));
    await call(client, {
      args: [
        'aws',
        'sns',
        'publish',
        '--topic-arn',
        'arn:aws:sns:us-east-1:111122223333:t',
        '--message',
        'm',
      ],
    });
    expect(forms).toHaveLength(1);
    expect(forms[0]?.scopes).toBeUndefined();
    expect(await readApprovals(client)).toEqual([]);
  });

  it('approvals end with their session', async () => {
    const ended: object[] = [];
    const store = test.context.approvals;
    const endSession = store.endSession;
    store.endSession = (session) => {
      ended.push(session);
      endSession(session);
    };
    try {
      const { client } = await connectPerson(test, approveFor('session'));
      await call(client, putItem('orders', '11'));
      expect(await readApprovals(client)).toHaveLength(1);
      await client.close();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(ended).toHaveLength(1);
      expect(store.list(ended[0] as object)).toEqual([]);
    } finally {
      store.endSession = endSession;
    }
  });
});
