import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseCommandLine } from '@aws-mcp/command';
import { createAwsSandboxHome, findMotoServer, type MotoEmulator, startMoto } from '@aws-mcp/emulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findExecutable } from './_find-executable.js';
import { createBubblewrapSandbox } from './bubblewrap-sandbox.js';
import { ExecutionError } from './execution-error.js';
import { type RunPipelineOptions, runPipeline } from './run-pipeline.js';
import { noSandbox, type Sandbox } from './sandbox.js';

const run = promisify(execFile);
const motoMissing = findMotoServer() === undefined;
const debianAws = '/usr/bin/aws';
const bwrapPath = findExecutable('bwrap', process.env.PATH);

/** A SAM function whose code is the folder (or file) `codeUri`, relative to the template. */
const template = (codeUri: string) =>
  `AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: handler.main\n      Runtime: python3.12\n      CodeUri: ${codeUri}\n`;

// `cloudformation package` zips and uploads whatever local paths a template names. The launcher confines what the
// CLI's own exporter reads to the working directory: no file outside it, no dot-file, no link that leaves it.
describe.skipIf(motoMissing)(
  `cloudformation package uploads only artifacts inside the working directory${motoMissing ? ' (skipped: moto_server is not installed)' : ''}`,
  () => {
    let moto: MotoEmulator;
    let home: Awaited<ReturnType<typeof createAwsSandboxHome>>;
    let folder: string;
    let workdir: string;
    let options: RunPipelineOptions;

    beforeAll(async () => {
      moto = await startMoto();
      home = await createAwsSandboxHome({ credentials: moto.credentials, region: 'us-east-1' });
      folder = await mkdtemp(join(tmpdir(), 'package-artifacts-'));
      workdir = join(folder, 'workdir');
      await mkdir(join(workdir, 'src'), { recursive: true });
      await writeFile(join(workdir, 'src', 'handler.py'), 'def main(event, context):\n    return event\n');
      await mkdir(join(workdir, 'with-dotenv'));
      await writeFile(join(workdir, 'with-dotenv', 'handler.py'), 'x = 1\n');
      await writeFile(join(workdir, 'with-dotenv', '.env'), 'DB_PASSWORD=hunter2\n');
      await mkdir(join(workdir, 'with-link'));
      await writeFile(join(folder, 'outside-secret.txt'), 'not for upload\n');
      await symlink(join(folder, 'outside-secret.txt'), join(workdir, 'with-link', 'notes.txt'));
      await mkdir(join(folder, 'outside'));
      await writeFile(join(folder, 'outside', 'handler.py'), 'x = 2\n');
      for (const [name, codeUri] of [
        ['clean', 'src'],
        ['dotenv', 'with-dotenv'],
        ['link', 'with-link'],
        ['outside', '../outside'],
      ]) {
        await writeFile(join(workdir, `${name}.yaml`), template(codeUri as string));
      }
      // The package command makes its own S3 client, which takes the endpoint only from the environment.
      const env = {
        PATH: process.env.PATH,
        LANG: 'C.UTF-8',
        ...home.env,
        AWS_MAX_ATTEMPTS: '1',
        AWS_ENDPOINT_URL: moto.endpoint,
      };
      await run('aws', ['--endpoint-url', moto.endpoint, 's3', 'mb', 's3://artifacts'], { env });
      options = { cwd: workdir, env, endpointUrl: moto.endpoint, timeoutMs: 90_000, sandbox: noSandbox };
    }, 90_000);
    afterAll(async () => {
      await moto?.stop();
      await home?.remove();
      if (folder !== undefined) await rm(folder, { recursive: true, force: true });
    });

    const packageLine = (name: string) =>
      `aws cloudformation package --template-file ${name}.yaml --s3-bucket artifacts --output-template-file packaged-${name}.yaml`;

    const clis: [string, string | undefined][] = [
      ['v1', undefined],
      ...(existsSync(debianAws) ? ([['v2', debianAws]] as [string, string][]) : []),
    ];

    it('packages a folder inside the working directory (v1)', async () => {
      const result = await runPipeline(parseCommandLine(packageLine('clean')), options);
      expect(result.status, result.stderr).toBe('success');
      expect(await readFile(join(workdir, 'packaged-clean.yaml'), 'utf8')).toMatch(
        /CodeUri: s3:\/\/artifacts\//,
      );
    });

    // CLI 2.9's package command builds its S3 client without --endpoint-url and has no AWS_ENDPOINT_URL (2.13+),
    // so it cannot reach moto: the clean folder gets past every check and fails at the upload itself.
    it.skipIf(!existsSync(debianAws))(
      'lets a folder inside the working directory through to the upload (v2)',
      async () => {
        const result = await runPipeline(parseCommandLine(packageLine('clean')), {
          ...options,
          awsCli: debianAws,
        });
        expect(result.stderr).not.toContain('aws-mcp refused');
        expect(result.stderr).toContain('Could not connect to the endpoint URL: "https://artifacts.s3.');
      },
    );

    it.each(
      clis.flatMap(([cli, awsCli]) => [
        [cli, 'dotenv', 'is a dot-file or inside a dot-folder', awsCli],
        [cli, 'link', 'leads outside the working directory', awsCli],
        [cli, 'outside', 'is outside the working directory', awsCli],
      ]),
    )('%s refuses the template %s.yaml: a file it would upload %s', async (_, name, why, awsCli) => {
      const result = await runPipeline(parseCommandLine(packageLine(name as string)), {
        ...options,
        ...(awsCli === undefined ? {} : { awsCli }),
      });
      expect(result.status).toBe('error');
      expect(result.stderr).toContain('aws-mcp refused cloudformation package:');
      expect(result.stderr).toContain(why);
      expect(existsSync(join(workdir, `packaged-${name}.yaml`))).toBe(false);
    });

    it.skipIf(bwrapPath === undefined)('refuses a dot-file in the sandbox too', async () => {
      const sandbox: Sandbox = createBubblewrapSandbox({ bwrapPath: bwrapPath as string });
      const result = await runPipeline(parseCommandLine(packageLine('dotenv')), { ...options, sandbox });
      expect(result.stderr).toContain('is a dot-file or inside a dot-folder');
    });

    it('is refused without the launcher (a frozen CLI), before any process starts', async () => {
      await expect(
        runPipeline(parseCommandLine(packageLine('clean')), { ...options, maskInCli: false }),
      ).rejects.toSatisfy(
        (error) => ExecutionError.isInstance(error) && error.code === 'ARTIFACTS_UNCONFINED',
      );
    });
  },
);
