import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { completeProfile, completeRegion, completeServiceName, filterCompletions } from './complete.js';
import { getPrompt } from './list-prompts.js';

describe('completeServiceName', () => {
  it('completes service names from the command catalog', () => {
    expect(completeServiceName('dynamo')).toEqual(expect.arrayContaining(['dynamodb', 'dynamodbstreams']));
    // Every service, not the first 100: the server counts `total` and `hasMore` from the whole list.
    expect(completeServiceName('').length).toBeGreaterThan(300);
  });
});

describe('completeRegion', () => {
  it('completes region codes, from the built-in list when no CLI is found', async () => {
    expect(await completeRegion('eu-west', { env: { PATH: '' } })).toEqual(
      expect.arrayContaining(['eu-west-1', 'eu-west-2', 'eu-west-3']),
    );
  });
});

describe('completeProfile', () => {
  it('completes profile names from the AWS files', async () => {
    const home = await mkdtemp(join(tmpdir(), 'prompts-profiles-'));
    try {
      await mkdir(join(home, '.aws'));
      await writeFile(
        join(home, '.aws', 'config'),
        '[profile dev.admin]\n[profile prod]\n[sso-session dev-sso]\n',
      );
      expect(await completeProfile('d', { env: {}, homeDir: home })).toEqual(['dev.admin']);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});

describe('prompt completions', () => {
  it.each([
    ['security_audit', 'service', 's3a', 's3api'],
    ['resource_inventory', 'region', 'us-east', 'us-east-1'],
    ['container_orchestration', 'service_type', 'far', 'fargate'],
    ['serverless_deployment', 'runtime', 'python', 'python3.12'],
  ])('%s completes %s', async (name, argument, value, expected) => {
    const complete = getPrompt(name)?.complete?.[argument];
    expect(await complete?.(value)).toContain(expected);
  });

  it('matches case-insensitively', () => {
    expect(filterCompletions(['CIS', 'PCI-DSS'], 'ci')).toEqual(['CIS']);
  });
});
