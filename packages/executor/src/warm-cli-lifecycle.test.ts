import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { MotoEmulator } from '@aws-mcp/emulators';
import { startHangingEndpoint } from '@aws-mcp/test-support';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSeen, startWarmHarness, type WarmHarness } from './__fixtures__/warm-harness.js';
import { findCliPython } from './_aws-launcher.js';
import { listCliInstallPaths, listHomes, resolvePyenvShim } from './_aws-paths.js';
import { loadExeca } from './_execa.js';
import { findExecutable } from './_find-executable.js';
import { createWarmCli, type WarmCli } from './_warm-cli.js';
import { createBubblewrapSandbox } from './bubblewrap-sandbox.js';
import type { PipelineResult, RunPipelineOptions } from './run-pipeline.js';
import type { SandboxStage } from './sandbox.js';

const bwrapPath = findExecutable('bwrap', process.env.PATH);
const sandbox = bwrapPath === undefined ? undefined : createBubblewrapSandbox({ bwrapPath });
const awsFound = findExecutable('aws', process.env.PATH);
const awsFile = awsFound === undefined ? undefined : resolvePyenvShim(awsFound, process.env, process.cwd());
const python = awsFile === undefined ? undefined : findCliPython(awsFile, process.env);

/** Runs one aws stage in the warm CLI and collects what a caller sees. */
async function runWarmStage(warmCli: WarmCli, stage: SandboxStage) {
  // As spawnStages does before it starts anything: run cannot wait for execa's import.
  await loadExeca();
  const call = warmCli.run(stage, new AbortController().signal);
  const read = async (stream: NodeJS.ReadableStream) => {
    let text = '';
    for await (const chunk of stream) text += String(chunk);
    return text;
  };
  const [stdout, stderr, outcome] = await Promise.all([read(call.stdout), read(call.stderr), call.result]);
  return { stdout, stderr, exitCode: outcome.exitCode };
}

/** What the CLI's own install needs to be read: a cold aws stage and the warm sandbox bind it. */
const installPaths = () => [
  ...listCliInstallPaths(awsFile as string, listHomes(process.env)),
  ...listCliInstallPaths(python as string, listHomes(process.env)),
];

/**
 * A warm CLI whose interpreter imports the `awscli` that `fill` puts in a tree of its own (first on its
 * PYTHONPATH), with a working directory and a home; `remove` stops it and removes the three.
 */
async function createTreeWarmCli(name: string, fill: (tree: string) => Promise<void>) {
  const tree = await mkdtemp(join(tmpdir(), `${name}-`));
  const workdir = await mkdtemp(join(tmpdir(), `${name}-work-`));
  const home = await mkdtemp(join(tmpdir(), `${name}-home-`));
  await fill(tree);
  const warmCli = createWarmCli({
    python: python as string,
    awsFile: awsFile as string,
    sandbox: sandbox as NonNullable<typeof sandbox>,
    env: { PATH: process.env.PATH as string, HOME: home, PYTHONPATH: tree },
    readOnlyPaths: [tree, ...installPaths()],
    writablePaths: [workdir],
  });
  return {
    tree,
    workdir,
    home,
    warmCli,
    async remove() {
      await warmCli.stop();
      for (const folder of [tree, workdir, home]) await rm(folder, { recursive: true, force: true });
    },
  };
}

describe.skipIf(sandbox === undefined || python === undefined)(
  'the warm CLI, under bubblewrap, against moto',
  () => {
    let harness: WarmHarness;
    let moto: MotoEmulator;
    let home: WarmHarness['home'];
    let workdir: string;
    let cliCache: string;
    let options: RunPipelineOptions;
    let warmCli: WarmCli;
    const cold = (command: string, extra: Partial<RunPipelineOptions> = {}) => harness.cold(command, extra);
    const warm = (command: string, extra: Partial<RunPipelineOptions> = {}) => harness.warm(command, extra);

    beforeAll(async () => {
      // The role's STS call goes to moto too (the CLI's --endpoint-url names the command's service only).
      harness = await startWarmHarness({
        sandbox: sandbox as NonNullable<typeof sandbox>,
        name: 'warm-lifecycle',
        env: (started) => ({ AWS_ENDPOINT_URL_STS: started.endpoint }),
      });
      ({ moto, home, workdir, options, warmCli } = harness);
      await writeFile(
        home.env.AWS_CONFIG_FILE as string,
        `${await readFile(home.env.AWS_CONFIG_FILE as string, 'utf8')}\n[profile role]\n` +
          'role_arn = arn:aws:iam::123456789012:role/warm\nsource_profile = default\nregion = us-east-1\n',
      );
      cliCache = join(home.home, '.aws', 'cli', 'cache');
      // The role's credentials cached as the CLI itself writes them, outside any sandbox.
      await execa('aws', ['sts', 'get-caller-identity', '--profile', 'role'], {
        env: options.env,
        extendEnv: false,
      });
    }, 120_000);

    afterAll(async () => {
      await harness?.stop();
    });

    it('runs a call warm with the role credentials cached, reading them from its private copy as a cold call does', async () => {
      const [entry] = await readdir(cliCache);
      expect(entry).toMatch(/\.json$/);
      const cached = JSON.parse(await readFile(join(cliCache, entry as string), 'utf8'));
      // A second past the cached session's name: a call that assumed the role again would show another name.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const command = 'aws sts get-caller-identity --profile role --query Arn --output text';
      const coldResult = await cold(command);
      const callsBefore = warmCli.calls;
      const warmResult = await warm(command);
      expect(warmCli.calls).toBe(callsBefore + 1);
      expect(warmCli.lastRefusal).toBeUndefined();
      expect(readSeen(warmResult)).toEqual(readSeen(coldResult));
      expect(warmResult.output.trim()).toBe(cached.AssumedRoleUser.Arn);
    });

    it('merges back the entries a warm call wrote to its copy as a cold call would, and no other', async () => {
      const [entry] = await readdir(cliCache);
      await rm(join(cliCache, entry as string));
      const command = 'aws sts get-caller-identity --profile role --query Arn --output text';
      const kept = { cliCacheFiles: { cli: [entry as string], sso: [] } };
      const first = await warm(command, kept);
      expect(first.exitCode).toBe(0);
      expect(await readdir(cliCache)).toEqual([entry]);
      const merged = JSON.parse(await readFile(join(cliCache, entry as string), 'utf8'));
      expect(first.output.trim()).toBe(merged.AssumedRoleUser.Arn);
      // Named by no keep list, the entry a call writes stays in its copy, warm as cold.
      await rm(join(cliCache, entry as string));
      expect(readSeen(await warm(command))).toMatchObject({ exitCode: 0 });
      expect(await readdir(cliCache)).toEqual([]);
    });

    it("passes the launcher's report through as it came: every field a cold call's result has", async () => {
      const command = 'aws sts get-session-token';
      const coldResult = await cold(command);
      const warmResult = await warm(command);
      expect(coldResult.maskedSecrets).toBeGreaterThan(0);
      expect(warmResult.maskedSecrets).toBe(coldResult.maskedSecrets);
      expect(Object.keys(warmResult).sort()).toEqual(Object.keys(coldResult).sort());
      // Request ids differ between two calls; how many came and their fields do not.
      const shape = (result: PipelineResult) =>
        Object.entries(result)
          .filter(([key]) => !['output', 'durationMs', 'stages', 'stderr'].includes(key))
          .map(([key, value]) => [
            key,
            Array.isArray(value) ? value.map((each) => Object.keys(each)) : typeof value,
          ]);
      expect(shape(warmResult)).toEqual(shape(coldResult));
    });

    it('leaves nothing a call wrote under /tmp or ~/.aws for the next call', async () => {
      await cold('aws s3 mb s3://lifecycle');
      await writeFile(join(workdir, 'object.txt'), 'left behind\n');
      await cold('aws s3 cp object.txt s3://lifecycle/object.txt');
      const stage = (argv: string[]): SandboxStage => ({
        kind: 'aws',
        file: awsFile as string,
        args: ['--endpoint-url', moto.endpoint, ...argv],
        cwd: workdir,
        env: { ...(options.env as Record<string, string>) },
        readOnlyPaths: [],
        writablePaths: [workdir],
      });
      for (const path of [join(home.home, '.aws', 'left.txt'), '/var/tmp/left.txt', '/dev/shm/left.txt']) {
        const wrote = await runWarmStage(warmCli, stage(['s3', 'cp', 's3://lifecycle/object.txt', path]));
        expect(wrote.exitCode).toBe(0);
        const read = await runWarmStage(warmCli, stage(['s3', 'cp', path, 's3://lifecycle/copy.txt']));
        expect(read.stderr).toMatch(/does not exist/);
        expect(read.exitCode).not.toBe(0);
      }
    });

    it("keeps one call's data path (a model it added) from the next call", async () => {
      const dataPath = join(workdir, 'models');
      const modelFolder = join(dataPath, 'sts', '2011-06-15');
      await mkdir(modelFolder, { recursive: true });
      const botocoreData = (
        await execa(python as string, ['-c', 'import botocore,os;print(os.path.dirname(botocore.__file__))'])
      ).stdout.trim();
      const modelFile = join(botocoreData, 'data', 'sts', '2011-06-15', 'service-2.json.gz');
      const model = JSON.parse(gunzipSync(await readFile(modelFile)).toString('utf8'));
      model.operations.GetWarmMarker = { ...model.operations.GetCallerIdentity, name: 'GetWarmMarker' };
      await writeFile(join(modelFolder, 'service-2.json'), JSON.stringify(model));
      const stage = (env: Record<string, string>): SandboxStage => ({
        kind: 'aws',
        file: awsFile as string,
        args: ['sts', 'get-warm-marker', '--endpoint-url', moto.endpoint],
        cwd: workdir,
        env: { ...(options.env as Record<string, string>), ...env },
        readOnlyPaths: [],
        writablePaths: [workdir],
      });
      const marked = await runWarmStage(warmCli, stage({ AWS_DATA_PATH: dataPath }));
      expect(marked.stderr).not.toMatch(/Invalid choice/);
      const unmarked = await runWarmStage(warmCli, stage({}));
      expect(unmarked.stderr).toMatch(/Invalid choice/);
      // The CLI itself, run directly without the data path, is the oracle for the refusal.
      const direct = await execa(awsFile as string, stage({}).args, {
        env: stage({}).env,
        extendEnv: false,
        reject: false,
      });
      expect(unmarked).toEqual({
        stdout: direct.stdout,
        stderr: `${direct.stderr}\n`,
        exitCode: direct.exitCode,
      });
    });

    it('lets a call in flight end as the CLI ends it when a config edit retires its interpreter', async () => {
      // An endpoint that accepts and never answers: the call ends at the CLI's own read timeout.
      const silent = await startHangingEndpoint();
      const { port } = silent;
      try {
        await warm('aws sts get-caller-identity');
        const startsBefore = warmCli.starts;
        const slow = warm(
          `aws sts get-caller-identity --endpoint-url http://127.0.0.1:${port} --cli-read-timeout 4`,
        );
        await new Promise((resolve) => setTimeout(resolve, 2000));
        const configFile = home.env.AWS_CONFIG_FILE as string;
        await writeFile(
          configFile,
          `${await readFile(configFile, 'utf8')}\n[profile in-flight]\nregion = eu-west-2\n`,
        );
        const next = await warm('aws configure get region --profile in-flight');
        expect(next.output.trim()).toBe('eu-west-2');
        expect(warmCli.starts).toBe(startsBefore + 1);
        const ended = await slow;
        expect(ended.stderr).toMatch(/Read timeout on endpoint URL/);
      } finally {
        silent.close();
      }
    });

    it('fails a call whose interpreter is killed during it with SPAWN_FAILED saying so, and the next call runs', async () => {
      const silent = await startHangingEndpoint();
      const { port } = silent;
      try {
        await warm('aws sts get-caller-identity');
        const slow = warm(
          `aws sts get-caller-identity --endpoint-url http://127.0.0.1:${port} --cli-read-timeout 30`,
          { reject: true },
        );
        await new Promise((resolve) => setTimeout(resolve, 2000));
        process.kill(-(warmCli.pid as number), 'SIGKILL');
        await expect(slow).rejects.toMatchObject({
          code: 'SPAWN_FAILED',
          message: expect.stringContaining('the warm CLI exited during the call'),
        });
        // And how it ended, so the reason of an unexpected exit is in the message.
        await expect(slow).rejects.toMatchObject({
          message: expect.stringMatching(/exited during the call \((exit code \d+|signal SIG\w+)/),
        });
        expect((await warm('aws sts get-caller-identity')).exitCode).toBe(0);
      } finally {
        silent.close();
      }
    });

    it('starts again before the next call when the config file changes, and says why', async () => {
      await warm('aws sts get-caller-identity');
      const startsBefore = warmCli.starts;
      await warm('aws sts get-caller-identity');
      expect(warmCli.starts).toBe(startsBefore);
      const configFile = home.env.AWS_CONFIG_FILE as string;
      await writeFile(
        configFile,
        `${await readFile(configFile, 'utf8')}\n[profile added]\nregion = eu-west-1\n`,
      );
      const next = await warm('aws configure get region --profile added');
      expect(next.output.trim()).toBe('eu-west-1');
      expect(warmCli.starts).toBe(startsBefore + 1);
      expect(warmCli.lastRestart).toBe(`${configFile} changed`);
    });
  },
);

describe.skipIf(sandbox === undefined || python === undefined)(
  'createWarmCli with a CLI tree that changes',
  () => {
    let tree: string;
    let warmCli: WarmCli;
    let workdir: string;
    let home: string;
    let remove: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      // A copy of the installed awscli: the CLI the warm process imports.
      ({ tree, warmCli, workdir, home, remove } = await createTreeWarmCli('warm-cli-tree', async (folder) => {
        const awscli = (
          await execa(python as string, ['-c', 'import awscli,os;print(os.path.dirname(awscli.__file__))'])
        ).stdout.trim();
        await cp(awscli, join(folder, 'awscli'), { recursive: true });
      }));
    }, 60_000);

    afterAll(async () => {
      await remove?.();
    });

    const version: SandboxStage = {
      kind: 'aws',
      file: '',
      args: ['--version'],
      cwd: '',
      env: {},
      readOnlyPaths: [],
      writablePaths: [],
    };

    it('imports the CLI again when its version changes, and the next call runs the new one', async () => {
      const stage = { ...version, file: awsFile as string, cwd: workdir, env: { HOME: home } };
      const before = await runWarmStage(warmCli, stage);
      expect(`${before.stdout}${before.stderr}`).toMatch(/^aws-cli\/1\./);
      expect(warmCli.version).toMatch(/^1\./);
      const startsBefore = warmCli.starts;
      const init = join(tree, 'awscli', '__init__.py');
      await writeFile(
        init,
        (await readFile(init, 'utf8')).replace(/__version__ = '[^']+'/, "__version__ = '9.9.9'"),
      );
      const after = await runWarmStage(warmCli, stage);
      expect(`${after.stdout}${after.stderr}`).toMatch(/^aws-cli\/9\.9\.9 /);
      expect(warmCli.starts).toBe(startsBefore + 1);
      expect(warmCli.version).toBe('9.9.9');
      expect(warmCli.lastRestart).toBe(`${init} changed`);
    });
  },
);

describe.skipIf(sandbox === undefined || python === undefined)(
  'createWarmCli whose interpreter cannot import the CLI',
  () => {
    let warmCli: WarmCli;
    let workdir: string;
    let home: string;
    let remove: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      // An `awscli` that fails at import: the warm CLI exits before it is ready.
      ({ warmCli, workdir, home, remove } = await createTreeWarmCli('warm-cli-broken', async (folder) => {
        await mkdir(join(folder, 'awscli'));
        await writeFile(join(folder, 'awscli', '__init__.py'), "raise ImportError('broken on purpose')\n");
      }));
    }, 60_000);

    afterAll(async () => {
      await remove?.();
    });

    it('runs the call that started it cold, and every later one, saying why', async () => {
      const stage: SandboxStage = {
        kind: 'aws',
        file: awsFile as string,
        args: ['--version'],
        cwd: workdir,
        env: { HOME: home, PATH: process.env.PATH as string },
        readOnlyPaths: installPaths(),
        writablePaths: [workdir],
      };
      // The cold run is the oracle: the same stage, run as a cold call runs it.
      const direct = await execa(awsFile as string, ['--version'], { env: stage.env, extendEnv: false });
      const first = await runWarmStage(warmCli, stage);
      expect(first).toEqual({ stdout: `${direct.stdout}\n`, stderr: direct.stderr, exitCode: 0 });
      expect(warmCli.calls).toBe(0);
      expect(warmCli.starts).toBe(1);
      const reason = warmCli.lastRefusal;
      expect(reason).toMatch(
        /^the warm CLI exited before it was ready \(exit code 1: ImportError: broken on purpose\)$/,
      );
      expect(warmCli.lastRestart).toBe(`${reason}; calls run cold`);
      expect(warmCli.refuse(stage, sandbox as NonNullable<typeof sandbox>)).toBe(reason);
      expect(warmCli.starts).toBe(1);
    });
  },
);
