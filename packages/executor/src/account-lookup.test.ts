import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadSnapshotCliModel } from '@aws-mcp/command';
import { createAwsSandboxHome, type MotoEmulator, startMoto } from '@aws-mcp/emulators';
import { useTempDir } from '@aws-mcp/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccountLookup } from './account-lookup.js';
import { checkAwsCli } from './check-aws-cli.js';
import type { RunAwsCommandOptions } from './run-aws-command.js';
import { noSandbox } from './sandbox.js';

// The pip CLI's own script (not the pyenv shim): the committed v1 model is of it.
const pipCli = execFileSync('pyenv', ['which', 'aws'], { encoding: 'utf8' }).trim();

describe('createAccountLookup', { timeout: 120_000 }, () => {
  const temp = useTempDir('account-lookup-');
  let moto: MotoEmulator;
  let home: Awaited<ReturnType<typeof createAwsSandboxHome>>;
  let options: RunAwsCommandOptions;
  /** How many times the CLI ran: a real script in front of the pip CLI notes each start. */
  let starts: () => Promise<number>;

  beforeAll(async () => {
    moto = await startMoto();
    home = await createAwsSandboxHome({
      credentials: moto.credentials,
      profiles: [
        { name: 'default', region: 'us-east-1' },
        { name: 'dev', region: 'eu-west-2' },
      ],
    });
    const runs = join(temp.path, 'runs');
    const cli = join(temp.path, 'aws');
    await writeFile(cli, `#!/bin/sh\necho "$*" >> '${runs}'\nexec '${pipCli}' "$@"\n`, { mode: 0o755 });
    starts = async () =>
      (await readFile(runs, 'utf8').catch(() => ''))
        .split('\n')
        .filter((line) => line.includes('get-caller-identity')).length;
    const env = { PATH: process.env.PATH ?? '', LANG: 'C.UTF-8', ...home.env, AWS_MAX_ATTEMPTS: '1' };
    options = {
      cwd: temp.path,
      env,
      awsCli: cli,
      endpointUrl: moto.endpoint,
      sandbox: noSandbox,
      policy: { mode: 'read-only' },
      model: loadSnapshotCliModel(1),
      cliStatus: await checkAwsCli({ env, awsCli: cli }),
    };
  }, 120_000);

  afterAll(async () => {
    await moto?.stop();
    await home?.remove();
  });

  it('looks a profile up with the CLI once, shares the run between lookups at once, and keeps it', async () => {
    const accounts = createAccountLookup({ runOptions: () => options, ttlMs: 60_000 });
    const before = await starts();
    const [first, same] = await Promise.all([accounts.lookup('dev'), accounts.lookup('dev')]);
    expect(first).toEqual({
      profile: 'dev',
      account: '123456789012',
      arn: expect.stringMatching(/^arn:aws:sts::123456789012:/),
      userId: expect.any(String),
    });
    expect(same).toBe(first);
    expect(await accounts.lookup('dev')).toBe(first);
    expect(await starts()).toBe(before + 1);
  });

  it('looks up again once `ttlMs` passed', async () => {
    const accounts = createAccountLookup({ runOptions: () => options, ttlMs: 1000 });
    const before = await starts();
    expect((await accounts.lookup('default')).account).toBe('123456789012');
    await sleep(1200);
    expect((await accounts.lookup('default')).account).toBe('123456789012');
    expect(await starts()).toBe(before + 2);
  });

  it('says why a lookup failed, and keeps a failure `errorTtlMs` only', async () => {
    let asked = 0;
    const accounts = createAccountLookup({
      runOptions: () => {
        asked++;
        return Promise.reject(new Error('the model is still being learned'));
      },
      ttlMs: 60_000,
      errorTtlMs: 1000,
    });
    expect(await accounts.lookup('dev')).toEqual({
      profile: 'dev',
      error: 'the model is still being learned',
    });
    expect((await accounts.lookup('dev')).error).toBe('the model is still being learned');
    expect(asked).toBe(1);
    await sleep(1200);
    await accounts.lookup('dev');
    expect(asked).toBe(2);
  });

  it('gives the CLI’s last stderr line for a profile whose call fails', async () => {
    const accounts = createAccountLookup({
      runOptions: () => ({ ...options, endpointUrl: 'http://127.0.0.1:9' }),
    });
    const identity = await accounts.lookup('dev');
    expect(identity.account).toBeUndefined();
    expect(identity.error).toMatch(/Could not connect to the endpoint URL: "http:\/\/127\.0\.0\.1:9\/"/);
  });
});
