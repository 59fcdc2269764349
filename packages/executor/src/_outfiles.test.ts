import { existsSync } from 'node:fs';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCommandLine } from '@aws-mcp/command';
import type { MotoEmulator } from '@aws-mcp/emulators';
import {
  bubblewrapMissing,
  describeWithBubblewrap,
  type EmulatedAws,
  type HangingEndpoint,
  startEmulatedAws,
  startHangingEndpoint,
} from '@aws-mcp/test-support';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findExecutable } from './_find-executable.js';
import { describeBinary, findOutfileArgument, looksLikeText } from './_outfiles.js';
import { createBubblewrapSandbox } from './bubblewrap-sandbox.js';
import { type PipelineResult, type RunPipelineOptions, runPipeline } from './run-pipeline.js';

// The real CLI against moto (Lambda without Docker answers invoke without running the function), in the real
// bubblewrap sandbox (skipped where it cannot run).
let aws: EmulatedAws<MotoEmulator>;
let moto: MotoEmulator;
let workdir: string;
let options: RunPipelineOptions;
let env: Record<string, string>;
let silent: HangingEndpoint;
let silentEndpoint: string;

function run(command: string, extra: Partial<RunPipelineOptions> = {}): Promise<PipelineResult> {
  return runPipeline(parseCommandLine(command), { ...options, ...extra });
}

/**
 * The CLI run as a person would in a shell, its stdout an OS pipe (Node's own stdio pipes are sockets, on which
 * the CLI cannot open /dev/stdout): the oracle for what `-` must return. The words go to sh as arguments.
 */
async function runRaw(args: string[]): Promise<string> {
  const words = ['aws', ...args, '--endpoint-url', moto.endpoint];
  const result = await execa('sh', ['-c', '"$@" | cat', 'sh', ...words], {
    cwd: workdir,
    env,
    extendEnv: false,
    encoding: 'utf8',
  });
  return result.stdout;
}

async function listOutfileFolders(): Promise<string[]> {
  return (await readdir(tmpdir())).filter((name) => name.startsWith('aws-mcp-outfile-'));
}

// For the blocks that run the CLI (describeWithBubblewrap), which are skipped where bubblewrap cannot run.
beforeAll(async () => {
  if (bubblewrapMissing !== undefined) return;
  aws = await startEmulatedAws();
  moto = aws.emulator;
  workdir = aws.workdir;
  env = { PATH: process.env.PATH ?? '', LANG: 'C.UTF-8', ...aws.homeEnv, AWS_MAX_ATTEMPTS: '1' };
  const sandbox = createBubblewrapSandbox({ bwrapPath: findExecutable('bwrap', process.env.PATH) as string });
  options = { cwd: workdir, env, endpointUrl: moto.endpoint, timeoutMs: 60_000, sandbox };
  await writeFile(join(workdir, 'f.py'), 'def h(event, context):\n    return {"a": 1}\n');
  await execa('python3', ['-m', 'zipfile', '-c', 'f.zip', 'f.py'], { cwd: workdir });
  await runRaw(['iam', 'create-role', '--role-name', 'r', '--assume-role-policy-document', '{}']);
  await runRaw([
    ...['lambda', 'create-function', '--function-name', 'f', '--runtime', 'python3.12'],
    ...['--role', 'arn:aws:iam::123456789012:role/r', '--handler', 'f.h', '--zip-file', 'fileb://f.zip'],
  ]);
  await runRaw(['s3api', 'create-bucket', '--bucket', 'box']);
  await writeFile(join(workdir, 'text.txt'), 'hello from s3\nsecond line\n');
  await runRaw(['s3api', 'put-object', '--bucket', 'box', '--key', 'k', '--body', 'text.txt']);
  await writeFile(join(workdir, 'binary.bin'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 0xff, 0xfe]));
  await runRaw(['s3api', 'put-object', '--bucket', 'box', '--key', 'bin', '--body', 'binary.bin']);
  await writeFile(join(workdir, 'object.json'), '{"greeting": "hello", "n": [1, 2]}\n');
  await runRaw([
    ...['s3api', 'put-object', '--bucket', 'box', '--key', 'json', '--body', 'object.json'],
    ...['--content-type', 'application/json'],
  ]);
  await writeFile(join(workdir, 'secret.txt'), `key=${moto.credentials.secretAccessKey}\n`);
  await runRaw(['s3api', 'put-object', '--bucket', 'box', '--key', 'secret', '--body', 'secret.txt']);
  // Accepts and never answers: a call that hangs until the timeout or a cancel ends it.
  silent = await startHangingEndpoint();
  silentEndpoint = silent.endpoint;
}, 120_000);

afterAll(async () => {
  await silent?.close();
  await aws?.stop();
});

describe('findOutfileArgument', () => {
  it.each([
    ['aws lambda invoke --function-name f -', 2, '-'],
    ['aws --region us-east-1 lambda invoke --function-name f --payload {} /dev/stdout', 3, '/dev/stdout'],
    ['aws s3api get-object --bucket box --key k out.bin', 2, 'out.bin'],
  ])('finds the OUTFILE of %j in the argv that runs', (line, index, written) => {
    const pipeline = parseCommandLine(line);
    const args = pipeline.aws.argv.slice(1);
    expect(findOutfileArgument(pipeline, args)).toEqual({ index, written });
  });

  it('refuses an argv where the OUTFILE is not where the CLI takes it (INVALID_OPTIONS)', () => {
    const pipeline = parseCommandLine('aws lambda invoke --function-name f -');
    expect(() => findOutfileArgument(pipeline, ['lambda', 'invoke', '--function-name=f', '-'])).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS' }),
    );
  });

  it('finds none where the command has no OUTFILE (s3 cp - is the CLI’s own stdout)', () => {
    for (const line of ['aws s3 cp s3://b/k -', 'aws sts get-caller-identity', 'aws lambda invoke help']) {
      const pipeline = parseCommandLine(line);
      expect(findOutfileArgument(pipeline, pipeline.aws.argv.slice(1))).toBeUndefined();
    }
  });
});

describe('looksLikeText', () => {
  it.each<[string, Buffer, boolean]>([
    ['UTF-8 text', Buffer.from('héllo {"a":1}\n'), true],
    ['a multibyte character cut at the end of the sample', Buffer.from('ab€').subarray(0, 3), true],
    ['a NUL byte', Buffer.from([0x61, 0, 0x62]), false],
    ['invalid UTF-8 (a PNG header)', Buffer.from([0x89, 0x50, 0x4e, 0x47]), false],
  ])('%s: %s', (_, sample, expected) => {
    expect(looksLikeText(sample)).toBe(expected);
  });
});

describeWithBubblewrap('runPipeline with an OUTFILE of - or /dev/stdout', () => {
  it.each(['-', '/dev/stdout'])(
    'lambda invoke %s returns what raw `aws … /dev/stdout` prints on a pipe',
    async (word) => {
      const raw = await runRaw(['lambda', 'invoke', '--function-name', 'f', '/dev/stdout']);
      const result = await run(`aws lambda invoke --function-name f ${word}`);
      expect(result.status).toBe('success');
      // The payload first, then the CLI's own StatusCode JSON, as the CLI prints them.
      expect(raw).toMatch(/^Simple Lambda happy path OK\{\s*"StatusCode": 200/);
      expect(result.output.trimEnd()).toBe(raw.trimEnd());
      expect(result.awsArgv).toContain(word);
      expect(await readdir(workdir)).not.toContain('-');
    },
  );

  it('lets a filter read the payload: | grep, | jq', async () => {
    const grep = await run('aws lambda invoke --function-name f - | grep -o happy.path');
    expect(grep.status).toBe('success');
    expect(grep.output).toBe('happy path\n');
    const jq = await run('aws s3api get-object --bucket box --key json - | jq -c .');
    expect(jq.status).toBe('success');
    expect(jq.output.split('\n')[0]).toBe('{"greeting":"hello","n":[1,2]}');
    expect(JSON.parse(jq.output.split('\n')[1] as string)).toMatchObject({ ContentType: 'application/json' });
  });

  it('s3api get-object - returns the object, then the response metadata', async () => {
    const result = await run('aws s3api get-object --bucket box --key k -');
    expect(result.status).toBe('success');
    expect(result.output).toMatch(/^hello from s3\nsecond line\n\{/);
    const metadata = JSON.parse(result.output.slice('hello from s3\nsecond line\n'.length));
    expect(metadata.ContentLength).toBe(26);
    expect(await readdir(workdir)).not.toContain('-');
  });

  it('says how many bytes a binary object has instead of returning them', async () => {
    const result = await run('aws s3api get-object --bucket box --key bin -');
    expect(result.status).toBe('success');
    expect(result.output.startsWith(`${describeBinary(9)}\n{`)).toBe(true);
  });

  it('masks the configured secret in the content, as in any output', async () => {
    const secret = moto.credentials.secretAccessKey;
    const masked = await run('aws s3api get-object --bucket box --key secret - | head -1');
    expect(masked.output).not.toContain(secret);
    expect(masked.output).toContain('key=');
    const shown = await run('aws s3api get-object --bucket box --key secret - | head -1', {
      secrets: 'show',
    });
    expect(shown.output).toBe(`key=${secret}\n`);
  });

  it('returns nothing of a file it did not write: a failed call returns the CLI’s error only', async () => {
    const result = await run('aws s3api get-object --bucket box --key missing -');
    expect(result.status).toBe('error');
    expect(result.output).toBe('');
    expect(result.stderr).toMatch(/NoSuchKey|Not Found/);
  });
});

describeWithBubblewrap('runPipeline with an OUTFILE of - on the Debian CLI v2', () => {
  it.skipIf(!existsSync('/usr/bin/aws'))('returns the payload, then the CLI’s StatusCode JSON', async () => {
    const result = await run('aws lambda invoke --function-name f -', { awsCli: '/usr/bin/aws' });
    expect(result.status, result.stderr).toBe('success');
    expect(result.output).toMatch(/^Simple Lambda happy path OK\{\s*"StatusCode": 200/);
    expect(await readdir(workdir)).not.toContain('-');
  });
});

describeWithBubblewrap('the private file of an OUTFILE of -', () => {
  it('is gone after a success', async () => {
    const before = await listOutfileFolders();
    await run('aws lambda invoke --function-name f -');
    expect(await listOutfileFolders()).toEqual(before);
  });

  it.each([
    ['a timeout', { timeoutMs: 2500 }],
    ['a cancel', {}],
  ])(
    'exists while the call runs and is gone after %s',
    async (what, extra) => {
      const before = await listOutfileFolders();
      const controller = new AbortController();
      let seen: string[] = [];
      const call = run('aws s3api get-object --bucket box --key k -', {
        ...extra,
        endpointUrl: undefined,
        env: { ...env, AWS_ENDPOINT_URL: silentEndpoint },
        signal: controller.signal,
        progressIntervalMs: 200,
        onProgress: () => {
          void listOutfileFolders().then((names) => {
            if (names.length > seen.length) seen = names;
          });
        },
      });
      if (what === 'a cancel') setTimeout(() => controller.abort(), 2000);
      const result = await call;
      expect(result.status).toBe(what === 'a cancel' ? 'canceled' : 'timeout');
      expect(seen.filter((name) => !before.includes(name))).toHaveLength(1);
      expect(await listOutfileFolders()).toEqual(before);
    },
    20_000,
  );
});

describeWithBubblewrap('runPipeline with a named OUTFILE', () => {
  it('returns the file the CLI wrote in the working directory', async () => {
    await rm(join(workdir, 'response.json'), { force: true });
    const result = await run('aws lambda invoke --function-name f response.json');
    expect(result.status).toBe('success');
    expect(JSON.parse(result.output)).toMatchObject({ StatusCode: 200 });
    const content = await readFile(join(workdir, 'response.json'), 'utf8');
    expect(result.outfiles).toEqual([{ name: 'response.json', bytes: content.length, content }]);
  });

  it('returns it capped and masked as the output is', async () => {
    await rm(join(workdir, 'secret-out.txt'), { force: true });
    const result = await run('aws s3api get-object --bucket box --key secret secret-out.txt', {
      maxOutputChars: 1000,
    });
    const [outfile] = result.outfiles ?? [];
    expect(outfile?.content).toBe('key=[MASKED]\n');
    await rm(join(workdir, 'big.txt'), { force: true });
    await writeFile(join(workdir, 'big-body.txt'), 'x'.repeat(5000));
    await runRaw(['s3api', 'put-object', '--bucket', 'box', '--key', 'big', '--body', 'big-body.txt']);
    const big = await run('aws s3api get-object --bucket box --key big big.txt', { maxOutputChars: 1000 });
    expect(big.outfiles?.[0]).toMatchObject({ name: 'big.txt', bytes: 5000, truncated: true });
    expect(big.outfiles?.[0]?.content?.length).toBeLessThan(1200);
  });

  it('returns only the size of binary content', async () => {
    await rm(join(workdir, 'object.bin'), { force: true });
    const result = await run('aws s3api get-object --bucket box --key bin object.bin');
    expect(result.outfiles).toEqual([{ name: 'object.bin', bytes: 9, note: describeBinary(9) }]);
  });
});
