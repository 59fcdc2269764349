import { parseCommandLine, validatePipeline } from '@aws-mcp/command';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/test-server.js';

describe('prompts', () => {
  let test: TestServer;
  beforeAll(async () => {
    test = await startTestServer();
  });
  afterAll(async () => {
    await test?.close();
  });

  it('offers the prompt names users of the reference server know', async () => {
    const { prompts } = await test.client.listPrompts();
    expect(prompts.map((prompt) => prompt.name)).toEqual(
      expect.arrayContaining([
        'create_resource',
        'security_audit',
        'cost_optimization',
        'resource_inventory',
        'troubleshoot_service',
        'iam_policy_generator',
        'service_monitoring',
        'disaster_recovery',
        'compliance_check',
        'resource_cleanup',
        'serverless_deployment',
        'container_orchestration',
        'vpc_network_design',
        'infrastructure_automation',
        'security_posture_assessment',
        'performance_tuning',
        'multi_account_governance',
      ]),
    );
    const inventory = prompts.find((prompt) => prompt.name === 'resource_inventory');
    expect(inventory?.arguments).toEqual([
      expect.objectContaining({ name: 'service', required: true }),
      expect.objectContaining({ name: 'region', required: false }),
    ]);
  });

  it('renders a prompt whose commands the server can run', async () => {
    const result = await test.client.getPrompt({ name: 'security_audit', arguments: { service: 's3' } });
    const text = result.messages
      .map((message) => (message.content.type === 'text' ? message.content.text : ''))
      .join('\n');
    expect(text).toContain('aws_cli_pipeline');
    const commands = [...text.matchAll(/`(aws [^`]+)`/g)].map((match) => match[1] as string);
    expect(commands.length).toBeGreaterThan(0);
    for (const command of commands) {
      expect(
        validatePipeline(parseCommandLine(command), { mode: 'full' }, { workdir: '/tmp/work' }).action,
      ).toBe('allow');
    }
  });

  it('completes service names', async () => {
    const completion = await test.client.complete({
      ref: { type: 'ref/prompt', name: 'security_audit' },
      argument: { name: 'service', value: 'dyna' },
    });
    expect(completion.completion.values).toContain('dynamodb');
  });

  it('says how many service names there are when it sends the first 100', async () => {
    const { listCatalogServices, loadSnapshotCatalog } = await import('@aws-mcp/command');
    const services = listCatalogServices(loadSnapshotCatalog()).length;
    const completion = await test.client.complete({
      ref: { type: 'ref/prompt', name: 'security_audit' },
      argument: { name: 'service', value: '' },
    });
    expect(services).toBeGreaterThan(100);
    expect(completion.completion).toMatchObject({ total: services, hasMore: true });
    expect(completion.completion.values).toHaveLength(100);
  });

  it('rejects a missing required argument', async () => {
    await expect(test.client.getPrompt({ name: 'security_audit', arguments: {} })).rejects.toThrow(/service/);
  });
});
