import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCommandLine } from '@aws-mcp/command';
import { createAwsSandboxHome, type MotoEmulator, startMoto } from '@aws-mcp/emulators';
import { findProcesses, startHangingEndpoint } from '@aws-mcp/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findExecutable } from './_find-executable.js';
import type { WarmCli } from './_warm-cli.js';
import { warmServerSource } from './_warm-cli-source.js';
import { createBubblewrapSandbox } from './bubblewrap-sandbox.js';
import { type PipelineResult, type RunPipelineOptions, runPipeline } from './run-pipeline.js';
import { planWarmCli } from './warm-cli.js';

const bwrapPath = findExecutable('bwrap', process.env.PATH);

function listLiveProcesses(needle: string): number[] {
  return findProcesses(needle).map((each) => each.pid);
}

describe('createWarmCli', () => {
  it('carries the Python source launcher/warm-server.py has (run `node launcher/embed-warm.mjs`)', () => {
    expect(warmServerSource).toBe(
      readFileSync(new URL('../launcher/warm-server.py', import.meta.url), 'utf8'),
    );
  });
});

describe.skipIf(bwrapPath === undefined)(
  'runPipeline with a warm CLI, under bubblewrap, against moto',
  () => {
    const sandbox = bwrapPath === undefined ? undefined : createBubblewrapSandbox({ bwrapPath });
    let moto: MotoEmulator;
    let home: Awaited<ReturnType<typeof createAwsSandboxHome>>;
    let workdir: string;
    let options: RunPipelineOptions;
    let warmCli: WarmCli;

    const cold = (command: string, extra: Partial<RunPipelineOptions> = {}) =>
      runPipeline(parseCommandLine(command), { ...options, ...extra });
    const warm = (command: string, extra: Partial<RunPipelineOptions> = {}) =>
      runPipeline(parseCommandLine(command), { ...options, warmCli, ...extra });
    const seen = (result: PipelineResult) => ({
      status: result.status,
      exitCode: result.exitCode,
      // A fresh session's expiry is "now + 12 h": the one field that differs between two runs of the same command.
      output: result.output.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)/g, 'TIME'),
      stderr: result.stderr,
      filterStderr: result.filterStderr,
      maskedSecrets: result.maskedSecrets,
    });

    beforeAll(async () => {
      moto = await startMoto();
      home = await createAwsSandboxHome({ credentials: moto.credentials, region: 'us-east-1' });
      workdir = await mkdtemp(join(tmpdir(), 'warm-workdir-'));
      const env = { PATH: process.env.PATH, LANG: 'C.UTF-8', ...home.env, AWS_MAX_ATTEMPTS: '1' };
      options = { cwd: workdir, env, endpointUrl: moto.endpoint, timeoutMs: 60_000, sandbox };
      const planned = planWarmCli({
        sandbox: sandbox as NonNullable<typeof sandbox>,
        env,
        workdirs: [workdir],
      });
      if (!('warmCli' in planned)) throw new Error(planned.reason);
      warmCli = planned.warmCli;
      await cold('aws s3 mb s3://warm-bucket');
      await writeFile(join(workdir, 'object.txt'), 'hello warm\n');
      await cold('aws s3 cp object.txt s3://warm-bucket/a/object.txt');
    }, 120_000);

    afterAll(async () => {
      await warmCli?.stop();
      await moto?.stop();
      await home?.remove();
      await rm(workdir, { recursive: true, force: true });
    });

    // Each row runs both ways; the CLI's own output, errors and exit codes are the oracle.
    const commands = [
      'aws sts get-caller-identity',
      'aws sts get-caller-identity --output text',
      'aws sts get-caller-identity --query Account --output text',
      'aws sts get-session-token',
      'aws sts get-session-token --query Credentials --output table',
      'aws s3 ls',
      'aws s3 ls s3://warm-bucket --recursive',
      'aws s3 ls s3://no-such-bucket',
      'aws s3api list-objects-v2 --bucket warm-bucket',
      'aws s3api list-objects-v2 --bucket warm-bucket | jq -r ".Contents[].Key"',
      'aws s3api head-object --bucket warm-bucket --key missing',
      'aws s3 cp s3://warm-bucket/a/object.txt -',
      'aws ec2 describe-instances',
      'aws ec2 describe-regions --query "Regions[].RegionName" --output text | wc -w',
      'aws dynamodb list-tables',
      'aws iam list-users --output table',
      'aws ec2 describe-instances --instance-ids i-0123456789abcdef0',
      'aws s3api get-object --bucket warm-bucket --key missing out.bin',
      'aws s3api get-object --bucket warm-bucket --key a/object.txt out.bin',
      'aws sqs list-queues',
      'aws ec2 describe-instances --region eu-central-1 --output text',
      'aws sts get-caller-identity --output text | grep -c arn',
      'aws s3 ls s3://warm-bucket | grep nothing-matches',
      'aws sqs create-queue --queue-name warm-queue --query QueueUrl',
      'aws dynamodb describe-table --table-name missing',
      'aws ec2 describe-vpcs --filters Name=isDefault,Values=true --query "Vpcs[].CidrBlock"',
    ];

    it.each(commands)('%s: the same stdout, stderr and exit code warm as cold', async (command) => {
      const coldResult = await cold(command);
      const callsBefore = warmCli.calls;
      const warmResult = await warm(command);
      expect(warmCli.calls).toBe(callsBefore + 1);
      expect(seen(warmResult)).toEqual(seen(coldResult));
    });

    it('reads the profile and config file each call names, and an edit of the config between calls', async () => {
      const configFile = join(workdir, 'other-config');
      await writeFile(configFile, '[profile other]\nregion = eu-west-3\noutput = text\n');
      const extraEnv = { ...options.env, AWS_CONFIG_FILE: configFile };
      const withConfig = { env: extraEnv, readOnlyPaths: [] };
      const command = 'aws configure get region --profile other';
      const first = await warm(command, withConfig);
      expect(seen(first)).toEqual(seen(await cold(command, withConfig)));
      expect(first.output.trim()).toBe('eu-west-3');
      await writeFile(configFile, '[profile other]\nregion = ap-south-1\n');
      const second = await warm(command, withConfig);
      expect(second.output.trim()).toBe('ap-south-1');
      expect(seen(second)).toEqual(seen(await cold(command, withConfig)));
    });

    it('shows no call the environment or /tmp file of the one before', async () => {
      const first = await warm('aws s3 cp s3://warm-bucket/a/object.txt /tmp/left-behind.txt');
      expect(first.exitCode).toBe(0);
      const second = await warm('aws s3 cp /tmp/left-behind.txt s3://warm-bucket/b/copy.txt');
      expect(second.exitCode).not.toBe(0);
      expect(second.stderr).toMatch(/does not exist/);
      const where =
        'aws ec2 describe-availability-zones --query "AvailabilityZones[0].RegionName" --output text';
      const marked = await warm(where, { region: 'eu-west-3' });
      expect(marked.output.trim()).toBe('eu-west-3');
      const unmarked = await warm(where);
      expect(unmarked.output.trim()).toBe('us-east-1');
    });

    it('kills the call on a timeout and on cancel, leaving no child behind', async () => {
      // An endpoint on loopback that accepts and never answers: the CLI waits on its read.
      const silent = await startHangingEndpoint();
      const { port } = silent;
      const slow = `aws sts get-caller-identity --endpoint-url http://127.0.0.1:${port} --cli-read-timeout 60`;
      const timedOut = await warm(slow, { timeoutMs: 1500 });
      expect(timedOut.status).toBe('timeout');
      const controller = new AbortController();
      const canceled = warm(slow, { signal: controller.signal });
      setTimeout(() => controller.abort(), 800);
      expect((await canceled).status).toBe('canceled');
      const server = warmCli.pid as number;
      expect(server).toBeDefined();
      await silent.close();
      expect(listLiveProcesses(`127.0.0.1:${port}`)).toEqual([]);
    });

    it('replaces a warm interpreter killed from outside, and the next call succeeds', async () => {
      await warm('aws sts get-caller-identity');
      const startsBefore = warmCli.starts;
      const interpreters = listLiveProcesses('The warm CLI: one long-lived').filter(
        (each) => each !== process.pid,
      );
      expect(interpreters.length).toBeGreaterThan(0);
      for (const each of interpreters) process.kill(each, 'SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 300));
      const next = await warm('aws sts get-caller-identity');
      expect(next.exitCode).toBe(0);
      expect(warmCli.starts).toBe(startsBefore + 1);
    });
  },
);
