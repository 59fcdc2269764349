import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseCommandLine } from '@aws-mcp/command';
import type { MotoEmulator } from '@aws-mcp/emulators';
import {
  describeWithBubblewrap,
  type EmulatedAws,
  startEmulatedAws,
  useTempDir,
} from '@aws-mcp/test-support';
import { execa } from 'execa';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { preparePrivateCopies } from './_cli-cache.js';
import { runPipeline } from './run-pipeline.js';
import { noSandbox, type Sandbox, type SandboxStage } from './sandbox.js';
import { selectSandbox } from './select-sandbox.js';

const planted = JSON.stringify({ Credentials: { AccessKeyId: 'ASIAATTACKER', SecretAccessKey: 'x' } });

describe('preparePrivateCopies', () => {
  const folder = useTempDir('private-copies-', { each: true });
  let cache: string;
  const stage = (keep: string[]): SandboxStage => ({
    kind: 'aws',
    file: '/usr/bin/aws',
    args: [],
    cwd: '/tmp',
    env: {},
    readOnlyPaths: [],
    writablePaths: ['/work'],
    privateCopies: [{ target: cache, keep }],
  });
  const binding = { ...noSandbox, name: 'bubblewrap', bindsPrivateCopies: true } as Sandbox;

  beforeEach(async () => {
    cache = join(folder.path, 'cache');
    await mkdir(cache);
    await writeFile(join(cache, 'old.json'), '{"kept": "as it was"}');
  });

  it('binds a copy at the folder, keeps only the named entries that changed, and removes the copy', async () => {
    const copies = await preparePrivateCopies([stage(['role.json', 'old.json'])], binding);
    const bind = copies.stages[0]?.privateBinds?.[0];
    expect(bind?.target).toBe(cache);
    expect(copies.stages[0]?.writablePaths).toEqual(['/work']);
    const copy = bind?.source as string;
    expect(await readFile(join(copy, 'old.json'), 'utf8')).toBe('{"kept": "as it was"}');
    await writeFile(join(copy, 'role.json'), '{"Credentials": {}}');
    await writeFile(join(copy, 'planted.json'), planted);
    await writeFile(join(copy, 'old.json'), 'not json');
    expect(await copies.finish()).toEqual(['role.json']);
    expect((await readdir(cache)).sort()).toEqual(['old.json', 'role.json']);
    expect(await readFile(join(cache, 'old.json'), 'utf8')).toBe('{"kept": "as it was"}');
    await expect(readdir(copy)).rejects.toThrow();
  });

  it('gives a sandbox that cannot bind copies the folder writable as it is', async () => {
    const copies = await preparePrivateCopies([stage([])], noSandbox);
    expect(copies.stages[0]?.writablePaths).toEqual(['/work', cache]);
    expect(copies.stages[0]?.privateBinds).toBeUndefined();
    expect(await copies.finish()).toEqual([]);
  });
});

// The outfile forms of the CLI, each aimed at the real cache: the command layer refuses such paths; this is
// the sandbox's second wall, so the pipeline is run without validation.
describeWithBubblewrap('the CLI caches under the bubblewrap sandbox', () => {
  let aws: EmulatedAws<MotoEmulator>;
  let sandbox: Sandbox;
  let workdir: string;
  let cliCache: string;
  let ssoCache: string;

  beforeAll(async () => {
    ({ sandbox } = await selectSandbox({ mode: 'required' }));
    aws = await startEmulatedAws();
    workdir = aws.workdir;
    cliCache = join(aws.home, '.aws', 'cli', 'cache');
    ssoCache = join(aws.home, '.aws', 'sso', 'cache');
    await mkdir(ssoCache, { recursive: true });
    await writeFile(join(cliCache, 'existing.json'), '{"as": "before"}');
    const { env } = aws;
    await execa('aws', ['s3', 'mb', 's3://bait'], { env, extendEnv: false });
    await writeFile(join(workdir, 'bait.json'), planted);
    await execa('aws', ['s3', 'cp', join(workdir, 'bait.json'), 's3://bait/dir/creds.json'], {
      env,
      extendEnv: false,
    });
  }, 120_000);
  afterAll(async () => {
    await aws?.stop();
  });

  function run(command: string) {
    return runPipeline(parseCommandLine(command), {
      cwd: workdir,
      env: { PATH: process.env.PATH, ...aws.homeEnv, AWS_MAX_ATTEMPTS: '1' },
      endpointUrl: aws.emulator.endpoint,
      sandbox,
      timeoutMs: 60_000,
      cliCacheFiles: { cli: ['existing.json'], sso: [] },
    });
  }

  it.each([
    [
      's3api get-object … OUTFILE',
      (dir: string) => `aws s3api get-object --bucket bait --key dir/creds.json ${dir}/a.json`,
    ],
    ['s3 cp s3://… PATH', (dir: string) => `aws s3 cp s3://bait/dir/creds.json ${dir}/b.json`],
    [
      's3 mv s3://… PATH',
      (dir: string) =>
        `aws s3 cp s3://bait/dir/creds.json s3://bait/mv/creds.json && aws s3 mv s3://bait/mv/creds.json ${dir}/c.json`,
    ],
    ['s3 sync s3://… DIR', (dir: string) => `aws s3 sync s3://bait/dir ${dir}`],
  ])('keeps a file planted through %s out of the real caches', async (_, commandFor) => {
    for (const dir of [cliCache, ssoCache]) {
      for (const command of commandFor(dir).split(' && ')) {
        const result = await run(command);
        expect(result.stderr).not.toMatch(/Read-only file system|Permission denied/);
        expect(result.status).toBe('success');
      }
      expect((await readdir(dir)).sort()).toEqual(dir === cliCache ? ['existing.json'] : []);
    }
    expect(await readFile(join(cliCache, 'existing.json'), 'utf8')).toBe('{"as": "before"}');
  });

  it('keeps a file planted through lambda invoke … OUTFILE out of the real cache', async () => {
    const result = await run(`aws lambda invoke --function-name missing ${cliCache}/lambda.json`);
    // moto answers an unknown function with 404; the point is what reaches the cache either way.
    expect(result.stages[0]?.exitCode).toBeDefined();
    expect(await readdir(cliCache)).toEqual(['existing.json']);
  });
});
