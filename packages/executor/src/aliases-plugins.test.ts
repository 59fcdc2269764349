import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseCommandLine } from '@aws-mcp/command';
import { createAwsSandboxHome, findMotoServer, type MotoEmulator, startMoto } from '@aws-mcp/emulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPipeline } from './run-pipeline.js';
import { noSandbox } from './sandbox.js';

const run = promisify(execFile);
const debianAws = '/usr/bin/aws';
const motoMissing = findMotoServer() === undefined;
const clis = [
  { name: 'v1 (PATH)', program: 'aws', awsCli: undefined },
  ...(existsSync(debianAws) ? [{ name: 'v2 (Debian)', program: debianAws, awsCli: debianAws }] : []),
];

let moto: MotoEmulator;
beforeAll(async () => {
  if (!motoMissing) moto = await startMoto();
}, 60_000);
afterAll(async () => {
  await moto?.stop();
});

// The user's CLI aliases and plugins live in their home, which an unconfined aws stage sees (a sandbox binds only
// the AWS files it needs). An alias can take a built-in command's name and run a shell; a plugin is any Python
// module. The command that was parsed and judged must be the one that runs.
describe.skipIf(motoMissing).each(clis)(
  `the aws stage of CLI $name ignores the user's CLI aliases and plugins${motoMissing ? ' (skipped: moto_server is not installed)' : ''}`,
  ({ name, program, awsCli }) => {
    let home: Awaited<ReturnType<typeof createAwsSandboxHome>>;
    let workdir: string;
    let env: Record<string, string | undefined>;
    let markers: { alias: string; plugin: string };

    beforeAll(async () => {
      home = await createAwsSandboxHome({ credentials: moto.credentials, region: 'us-east-1' });
      workdir = await mkdtemp(join(tmpdir(), 'aliases-workdir-'));
      markers = { alias: join(home.home, 'alias-ran'), plugin: join(home.home, 'plugin-loaded') };
      await mkdir(join(home.home, '.aws', 'cli'), { recursive: true });
      await writeFile(
        join(home.home, '.aws', 'cli', 'alias'),
        `[toplevel]\nsts = !f() { touch "${markers.alias}"; }; f\n`,
      );
      const plugins = join(home.home, 'plugins');
      await mkdir(plugins);
      await writeFile(
        join(plugins, 'markerplugin.py'),
        `open(${JSON.stringify(markers.plugin)}, 'w').close()\n\ndef awscli_initialize(cli):\n    pass\n`,
      );
      // v1 imports a plugin from sys.path; v2 only from cli_legacy_plugin_path (and v1 would try to import that).
      const v1 = name.startsWith('v1');
      await appendFile(
        home.env.AWS_CONFIG_FILE as string,
        `\n[plugins]\n${v1 ? '' : `cli_legacy_plugin_path = ${plugins}\n`}marker = markerplugin\n`,
      );
      env = {
        PATH: process.env.PATH,
        LANG: 'C.UTF-8',
        ...home.env,
        AWS_MAX_ATTEMPTS: '1',
        ...(v1 ? { PYTHONPATH: plugins } : {}),
      };
    }, 60_000);
    afterAll(async () => {
      await home?.remove();
      if (workdir !== undefined) await rm(workdir, { recursive: true, force: true });
    });

    async function clearMarkers() {
      for (const file of Object.values(markers)) await rm(file, { force: true });
    }

    it('runs them raw (the oracle: the set-up is live)', async () => {
      await clearMarkers();
      await run(program, ['--endpoint-url', moto.endpoint, 'sts', 'get-caller-identity'], { env }).catch(
        () => {},
      );
      expect(existsSync(markers.plugin)).toBe(true);
      expect(existsSync(markers.alias)).toBe(true);
    });

    it('runs the built-in command and loads no plugin through the executor, even unconfined', async () => {
      await clearMarkers();
      const result = await runPipeline(
        parseCommandLine('aws sts get-caller-identity --query Account --output text'),
        {
          cwd: workdir,
          env,
          endpointUrl: moto.endpoint,
          timeoutMs: 60_000,
          sandbox: noSandbox,
          ...(awsCli === undefined ? {} : { awsCli }),
        },
      );
      expect(result.status, result.stderr).toBe('success');
      expect(result.output.trim()).toBe('123456789012');
      expect(existsSync(markers.alias)).toBe(false);
      expect(existsSync(markers.plugin)).toBe(false);
    });
  },
);
