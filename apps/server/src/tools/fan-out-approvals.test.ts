import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { motoMissing, useTempDir } from '@aws-mcp/test-support';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult, ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, textOf } from '../../test/test-server.js';

// A fan-out uses the session's standing approvals (the executor's confirmFanOutWithStandingApproval): covered on
// every target, it runs without asking; one target uncovered, the one consent is asked. moto's DynamoDB, a policy
// that asks before describe-table, a real client that answers the forms.

async function call(client: Client, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name: 'aws_cli_pipeline', arguments: args })) as CallToolResult;
}

const describeOrders = { command: 'aws dynamodb describe-table --table-name orders --output json' };

describe.skipIf(motoMissing !== undefined)(
  `a fan-out with standing approvals${motoMissing === undefined ? '' : ` (skipped: ${motoMissing})`}`,
  { timeout: 240_000 },
  () => {
    const folder = useTempDir('fan-out-approvals-');
    let test: TestServer;
    let auditPath: string;

    beforeAll(async () => {
      const policyFile = join(folder.path, 'policy.json');
      auditPath = join(folder.path, 'audit.jsonl');
      await writeFile(
        policyFile,
        JSON.stringify({
          mode: 'confirm-writes',
          rules: [{ id: 'ask-before-describing', effect: 'confirm', actions: ['dynamodb:describe-table'] }],
        }),
      );
      test = await startTestServer(
        { AWS_MCP_POLICY_FILE: policyFile, AWS_MCP_AUDIT_LOG: auditPath },
        { emulator: 'moto' },
      );
      const setup = await test.connectAnswering(() => ({ action: 'accept', content: { approve: true } }));
      for (const region of ['us-east-1', 'eu-west-1', 'ap-southeast-2']) {
        const created = await call(setup, {
          command:
            'aws dynamodb create-table --table-name orders --attribute-definitions AttributeName=id,AttributeType=S ' +
            '--key-schema AttributeName=id,KeyType=HASH --billing-mode PAY_PER_REQUEST',
          region,
        });
        expect(created.structuredContent, textOf(created)).toMatchObject({ status: 'success' });
      }
    }, 180_000);
    afterAll(async () => {
      await test?.close();
    });

    it('runs unasked where the session’s approvals cover every target, and asks once where one is not', async () => {
      const forms: string[] = [];
      let answer: ElicitResult = { action: 'accept', content: { approve: true, scope: 'session' } };
      const client = await test.connectAnswering((request) => {
        forms.push(request.params.message);
        return answer;
      });
      // One call per region grants a session approval for that region's table.
      const ids: string[] = [];
      for (const region of ['us-east-1', 'eu-west-1']) {
        const single = await call(client, { ...describeOrders, region });
        expect(single.structuredContent, textOf(single)).toMatchObject({
          status: 'success',
          approval: { scope: 'session', granted: true },
        });
        ids.push((single.structuredContent as { approval: { id: string } }).approval.id);
      }
      expect(forms).toHaveLength(2);

      const covered = await call(client, { ...describeOrders, regions: ['us-east-1', 'eu-west-1'] });
      expect(covered.isError, textOf(covered)).toBeFalsy();
      expect(forms).toHaveLength(2);
      expect(covered.structuredContent).toMatchObject({
        status: 'success',
        consent: 'standing approval',
        fanOut: { succeeded: 2, failed: 0 },
      });
      const tables = covered.structuredContent?.json as Array<{
        region: string;
        output: { Table: { TableArn: string } };
      }>;
      expect(tables.map(({ region, output }) => [region, output.Table.TableArn])).toEqual([
        ['us-east-1', 'arn:aws:dynamodb:us-east-1:123456789012:table/orders'],
        ['eu-west-1', 'arn:aws:dynamodb:eu-west-1:123456789012:table/orders'],
      ]);
      // Each target's audit line names the approval that covered it.
      let lines: Array<{ region?: string; approval?: string; consent?: string; status: string }> = [];
      for (let tries = 0; tries < 50 && lines.length < 2; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        lines = (await readFile(auditPath, 'utf8'))
          .split('\n')
          .filter((line) => line !== '')
          .map((line) => JSON.parse(line))
          .filter((line) => line.consent === 'standing approval' && line.status === 'success');
      }
      expect(lines.map((line) => [line.region, line.approval]).sort()).toEqual([
        ['eu-west-1', ids[1]],
        ['us-east-1', ids[0]],
      ]);

      // ap-southeast-2 has no approval: the fan-out asks its one consent, and a no runs nothing.
      answer = { action: 'decline' };
      const uncovered = await call(client, {
        ...describeOrders,
        regions: ['us-east-1', 'ap-southeast-2'],
      });
      expect(forms).toHaveLength(3);
      expect(forms[2]).toContain('Targets (2; one answer runs it on every one):');
      expect(uncovered.structuredContent).toMatchObject({ status: 'refused', code: 'CONSENT_DECLINED' });

      // Another session has none of these approvals.
      const other = await test.connectAnswering(() => ({ action: 'decline' }));
      const elsewhere = await call(other, { ...describeOrders, regions: ['us-east-1', 'eu-west-1'] });
      expect(elsewhere.structuredContent).toMatchObject({ status: 'refused', code: 'CONSENT_DECLINED' });
    });

    it('offers a scope in a fan-out’s one consent, and a yes with one grants an approval per target', async () => {
      const forms: Array<{ message: string; scope: boolean }> = [];
      let answer: ElicitResult = { action: 'accept', content: { approve: true, scope: 'session' } };
      const client = await test.connectAnswering((request) => {
        const params = request.params as { message: string; requestedSchema?: { properties: object } };
        forms.push({ message: params.message, scope: 'scope' in (params.requestedSchema?.properties ?? {}) });
        return answer;
      });
      const regions = ['eu-west-1', 'ap-southeast-2'];
      const granting = await call(client, { ...describeOrders, regions });
      expect(granting.structuredContent, textOf(granting)).toMatchObject({
        status: 'success',
        fanOut: { succeeded: 2, failed: 0 },
      });
      expect(forms).toHaveLength(1);
      expect(forms[0]?.scope).toBe(true);
      expect(forms[0]?.message).toContain('one standing approval per target (2)');
      expect(forms[0]?.message).toMatch(/region eu-west-1 and account 123456789012/);
      expect(forms[0]?.message).toMatch(/region ap-southeast-2 and account 123456789012/);

      // The same fan-out again runs unasked, and so does a single call on one of its targets.
      answer = { action: 'decline' };
      const again = await call(client, { ...describeOrders, regions });
      expect(again.structuredContent, textOf(again)).toMatchObject({
        status: 'success',
        consent: 'standing approval',
      });
      const single = await call(client, { ...describeOrders, region: 'ap-southeast-2' });
      expect(single.structuredContent, textOf(single)).toMatchObject({ status: 'success' });
      expect(forms).toHaveLength(1);

      // "This call only" grants none: a new session's same fan-out asks each time.
      answer = { action: 'accept', content: { approve: true, scope: 'once' } };
      const fresh = await test.connectAnswering((request) => {
        forms.push({ message: request.params.message, scope: true });
        return answer;
      });
      await call(fresh, { ...describeOrders, regions });
      await call(fresh, { ...describeOrders, regions });
      expect(forms).toHaveLength(3);
    });
  },
);
