import { join } from 'node:path';
import type { ReadResourceResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/test-server.js';

function jsonOf(result: ReadResourceResult): Record<string, unknown> {
  const content = result.contents[0];
  if (content === undefined || !('text' in content)) throw new Error('no text content');
  return JSON.parse(content.text) as Record<string, unknown>;
}

describe('configuration resources', () => {
  let test: TestServer;
  beforeAll(async () => {
    test = await startTestServer({ AWS_MCP_MODE: 'read-only' });
  });
  afterAll(async () => {
    await test?.close();
  });

  it('lists every resource and the region template', async () => {
    const { resources } = await test.client.listResources();
    expect(resources.map((resource) => resource.uri).sort()).toEqual([
      'aws://config/account',
      'aws://config/environment',
      'aws://config/profiles',
      'aws://config/regions',
    ]);
    expect(new Set(resources.map((resource) => resource.title)).size).toBe(resources.length);
    const { resourceTemplates } = await test.client.listResourceTemplates();
    expect(resourceTemplates.map((template) => template.uriTemplate).sort()).toEqual([
      'aws://config/regions/{region}',
      'aws://results/{id}',
      'aws://{name}',
    ]);
  });

  it.each([
    ['aws://profiles', 'aws://config/profiles'],
    ['aws://regions', 'aws://config/regions'],
    ['aws://config', 'aws://config/environment'],
  ])('still reads %s, the older name of %s, with the same content', async (alias, uri) => {
    const older = await test.client.readResource({ uri: alias });
    expect(older.contents[0]?.uri).toBe(alias);
    expect(jsonOf(older)).toEqual(jsonOf(await test.client.readResource({ uri })));
  });

  it.each([
    'aws://config/regions/xx-nowhere-9',
    'aws://config/regions/constructor',
    'aws://config/regions/__proto__',
    'aws://nothing',
    'aws://constructor',
  ])('answers %s with a not-found error, not a success', async (uri) => {
    const read = test.client.readResource({ uri });
    await expect(read).rejects.toMatchObject({ code: -32002 });
    await expect(read).rejects.toThrow(/Unknown region|No resource/);
  });

  it('shows profiles without any secret', async () => {
    const result = await test.client.readResource({ uri: 'aws://config/profiles' });
    const profiles = jsonOf(result).profiles as Array<Record<string, unknown>>;
    expect(profiles.map((profile) => profile.name)).toEqual(['default']);
    expect(profiles[0]).toMatchObject({ hasStaticKeys: true, region: 'us-east-1' });
    expect(JSON.stringify(result)).not.toContain('S3RVER');
  });

  it('lists regions from the installed CLI, and one region with its services', async () => {
    const regions = jsonOf(await test.client.readResource({ uri: 'aws://config/regions' }));
    expect(regions.source).toBe('botocore');
    const codes = (regions.regions as Array<{ code: string }>).map((region) => region.code);
    expect(codes).toEqual(expect.arrayContaining(['us-east-1', 'eu-west-1', 'cn-north-1', 'us-gov-west-1']));
    const one = jsonOf(await test.client.readResource({ uri: 'aws://config/regions/eu-west-1' }));
    expect(one).toMatchObject({ code: 'eu-west-1', partition: 'aws' });
    expect(one.services).toEqual(expect.arrayContaining(['ec2', 's3']));
  });

  it('completes region codes for the template', async () => {
    const completion = await test.client.complete({
      ref: { type: 'ref/resource', uri: 'aws://config/regions/{region}' },
      argument: { name: 'region', value: 'eu-we' },
    });
    expect(completion.completion.values).toEqual(expect.arrayContaining(['eu-west-1', 'eu-west-2']));
    expect(completion.completion.values.every((value) => value.startsWith('eu-we'))).toBe(true);
  });

  it('describes the environment: profile, region, CLI, sandbox and mode', async () => {
    const environment = jsonOf(await test.client.readResource({ uri: 'aws://config/environment' }));
    expect(environment).toMatchObject({
      profile: { name: 'default' },
      region: { name: 'us-east-1' },
      mode: 'read-only',
      sandbox: { backend: 'bubblewrap' },
      awsCli: { version: expect.stringMatching(/^\d+\.\d+\.\d+$/) },
      secretsFolder: join(test.awsEnv.HOME as string, '.local', 'share', 'aws-mcp', 'secrets'),
      // On by default; the interpreter starts with the first warm call.
      warmCli: { state: 'on', running: false },
      // Started from the source, not through the bin: no code cache.
      codeCache: null,
      // No AWS_MCP_ROLES: roleArn is off.
      allowedRoles: null,
    });
  });

  it('reads the caller identity through the CLI', async () => {
    const account = jsonOf(await test.client.readResource({ uri: 'aws://config/account' }));
    // s3rver does not implement STS: the resource reports the CLI's error instead of failing the read.
    expect(account.profile).toBe('default');
    expect(account.error ?? account.account).toBeDefined();
  });
});
