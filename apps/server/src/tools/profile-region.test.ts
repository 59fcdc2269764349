import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findMotoServer, MOTO_CREDENTIALS, type MotoEmulator, startMoto } from '@aws-mcp/emulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, textOf } from '../../test/test-server.js';

const run = promisify(execFile);
const motoMissing = findMotoServer() === undefined;

/** Three profiles in three regions, all with moto's keys. */
const profiles = { default: 'us-west-2', dev: 'eu-west-1', ops: 'ap-southeast-2' } as const;

/** The server's environment: nothing, a profile variable, a region variable. */
const environments: Array<[string, Record<string, string>]> = [
  ['no AWS variables', {}],
  ['AWS_PROFILE=ops', { AWS_PROFILE: 'ops' }],
  ['AWS_DEFAULT_REGION=ca-central-1', { AWS_DEFAULT_REGION: 'ca-central-1' }],
];

/** Where a call names its profile and region: not at all, as a tool argument, or on the command line. */
type Place = 'none' | 'argument' | 'line';
const places: Place[] = ['none', 'argument', 'line'];

interface Call {
  profile: Place;
  region: Place;
}

const calls: Call[] = places.flatMap((profile) => places.map((region) => ({ profile, region })));

function describeCall(call: Call): string {
  return `profile ${call.profile === 'none' ? 'not given' : `dev as ${call.profile}`}, region ${call.region === 'none' ? 'not given' : `sa-east-1 as ${call.region}`}`;
}

/**
 * The region the real CLI creates the topic in, given the same choices as `--profile`/`--region` (a tool
 * argument means what the option means): the CLI's own precedence is the oracle.
 */
async function regionOfRawCli(
  moto: MotoEmulator,
  files: Record<string, string>,
  env: Record<string, string>,
  call: Call,
  name: string,
): Promise<string> {
  const args = [
    ...(call.profile === 'none' ? [] : ['--profile', 'dev']),
    ...(call.region === 'none' ? [] : ['--region', 'sa-east-1']),
    '--endpoint-url',
    moto.endpoint,
    'sns',
    'create-topic',
    '--name',
    name,
  ];
  const { stdout } = await run('aws', args, {
    env: { PATH: process.env.PATH ?? '', LANG: 'C.UTF-8', AWS_MAX_ATTEMPTS: '1', ...files, ...env },
  });
  return regionOfArn(JSON.parse(stdout).TopicArn);
}

function regionOfArn(arn: string): string {
  return arn.split(':')[3] ?? '';
}

describe.skipIf(motoMissing)(
  `aws_cli_pipeline runs in the region of the profile it runs with${motoMissing ? ' (skipped: moto_server is not installed)' : ''}`,
  () => {
    let moto: MotoEmulator;
    let folder: string;
    let files: Record<string, string>;
    beforeAll(async () => {
      moto = await startMoto();
      folder = await mkdtemp(join(tmpdir(), 'profile-region-'));
      const config = Object.entries(profiles)
        .map(
          ([name, region]) => `[${name === 'default' ? 'default' : `profile ${name}`}]\nregion = ${region}\n`,
        )
        .join('\n');
      const credentials = Object.keys(profiles)
        .map(
          (name) =>
            `[${name}]\naws_access_key_id = ${MOTO_CREDENTIALS.accessKeyId}\naws_secret_access_key = ${MOTO_CREDENTIALS.secretAccessKey}\n`,
        )
        .join('\n');
      files = {
        AWS_CONFIG_FILE: join(folder, 'config'),
        AWS_SHARED_CREDENTIALS_FILE: join(folder, 'credentials'),
      };
      await writeFile(files.AWS_CONFIG_FILE as string, config);
      await writeFile(files.AWS_SHARED_CREDENTIALS_FILE as string, credentials, { mode: 0o600 });
    });
    afterAll(async () => {
      await moto?.stop();
      if (folder !== undefined) await rm(folder, { recursive: true, force: true });
    });

    describe.each(environments)('with %s', (_, env) => {
      let test: TestServer;
      beforeAll(async () => {
        test = await startTestServer({
          ...files,
          ...env,
          AWS_ENDPOINT_URL: moto.endpoint,
          AWS_MCP_AUDIT_LOG: '',
        });
      });
      afterAll(async () => {
        await test?.close();
      });

      it.each(calls.map((call) => [describeCall(call), call] as const))(
        'creates the topic where the CLI would, and the consent names that region: %s',
        async (_, call) => {
          const name = `t-${Object.keys(env).join('') || 'none'}-${call.profile}-${call.region}`;
          const expected = await regionOfRawCli(moto, files, env, call, `${name}-raw`);
          const line = [
            'aws',
            ...(call.profile === 'line' ? ['--profile', 'dev'] : []),
            ...(call.region === 'line' ? ['--region', 'sa-east-1'] : []),
            'sns',
            'create-topic',
            '--name',
            name,
          ].join(' ');
          test.consent.asked.length = 0;
          const result = await test.call('aws_cli_pipeline', {
            command: line,
            ...(call.profile === 'argument' ? { profile: 'dev' } : {}),
            ...(call.region === 'argument' ? { region: 'sa-east-1' } : {}),
          });
          expect(result.isError, textOf(result)).toBeFalsy();
          expect(regionOfArn(JSON.parse(textOf(result)).TopicArn)).toBe(expected);
          expect(test.consent.asked).toHaveLength(1);
          expect(test.consent.asked[0]).toContain(`Region: ${expected}`);
        },
      );
    });
  },
);
