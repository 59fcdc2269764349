import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { describeWithBubblewrap } from '@aws-mcp/test-support';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readSeen, startWarmHarness, type WarmHarness } from './__fixtures__/warm-harness.js';
import type { AssumeRoleOptions } from './_assume-role.js';
import { findExecutable } from './_find-executable.js';
import { createBubblewrapSandbox } from './bubblewrap-sandbox.js';
import type { RunPipelineOptions } from './run-pipeline.js';

async function listRoleFolders(): Promise<string[]> {
  return (await readdir(tmpdir())).filter((name) => name.startsWith('aws-mcp-role-')).sort();
}

/*
 * A call with `assumeRole` reads a throwaway config made for it alone, outside the warm sandbox: the warm child
 * reads a copy in its own folder (SandboxStage.callFiles), and runs as the role exactly as a cold call does.
 */
describeWithBubblewrap('runPipeline with assumeRole and a warm CLI, under bubblewrap, against moto', () => {
  let harness: WarmHarness;
  let roleArn: string;

  beforeAll(async () => {
    harness = await startWarmHarness({
      sandbox: createBubblewrapSandbox({ bwrapPath: findExecutable('bwrap', process.env.PATH) as string }),
      name: 'warm-role',
    });
    const trust = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }],
    });
    const created = await execa(
      'aws',
      [
        'iam',
        'create-role',
        '--role-name',
        'WarmAuditor',
        '--assume-role-policy-document',
        trust,
        '--endpoint-url',
        harness.moto.endpoint,
      ],
      { env: harness.options.env as Record<string, string>, extendEnv: false },
    );
    roleArn = (JSON.parse(created.stdout) as { Role: { Arn: string } }).Role.Arn;
  }, 120_000);

  afterAll(async () => {
    await harness?.stop();
  });

  it.each([
    ['the profile (source_profile)', 'aws sts get-caller-identity', {}],
    [
      "the environment's keys (credential_source = Environment)",
      'aws sts get-caller-identity --output text',
      { credentialsMode: 'env', region: 'us-east-1' },
    ],
    ['the profile, with an external id and a duration', 'aws sts get-caller-identity --query Arn', {}],
  ] as const)(
    'runs as the role from %s warm, with the output of the same call cold',
    async (_source, command, extra) => {
      const { warmCli } = harness;
      const env = harness.options.env as Record<string, string>;
      const options: Partial<RunPipelineOptions> = {
        ...extra,
        ...('credentialsMode' in extra
          ? {
              env: {
                ...env,
                AWS_ACCESS_KEY_ID: harness.moto.credentials.accessKeyId,
                AWS_SECRET_ACCESS_KEY: harness.moto.credentials.secretAccessKey,
              },
            }
          : {}),
      };
      const assumeRole: AssumeRoleOptions = command.includes('--query')
        ? { roleArn, sessionName: 'aws-mcp-warm-ext', externalId: 'ext-16', durationSeconds: 900 }
        : { roleArn, sessionName: 'aws-mcp-warm-role' };
      const before = await listRoleFolders();
      const cold = await harness.cold(command, { ...options, assumeRole });
      const callsBefore = warmCli.calls;
      const warm = await harness.warm(command, { ...options, assumeRole });
      expect(warmCli.calls, warmCli.lastRefusal).toBe(callsBefore + 1);
      expect(cold.stderr).toBe('');
      expect(cold.output).toContain(`:assumed-role/WarmAuditor/${assumeRole.sessionName}`);
      expect(readSeen(warm)).toEqual(readSeen(cold));
      // Each call its own throwaway profile, the rest of the line the same.
      for (const result of [cold, warm])
        expect(result.awsArgv[1]).toMatch(/^--profile=aws-mcp-role-[0-9a-f]{24}$/);
      expect(warm.awsArgv.toSpliced(1, 1)).toEqual(cold.awsArgv.toSpliced(1, 1));
      expect(await listRoleFolders()).toEqual(before);
    },
    120_000,
  );
});
