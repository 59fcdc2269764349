import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { findExecutable } from './_find-executable.js';
import { checkAwsCli } from './check-aws-cli.js';

// Debian's CLI starts without PATH (an absolute shebang); a pyenv shim would need PATH to find pyenv.
const realCli = findExecutable('aws', '/usr/bin');

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'find-aws-cli-'));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

async function makeProgram(path: string, mode = 0o755): Promise<string> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, '#!/bin/sh\necho "aws-cli/9.9.9 Python/3 fake"\n');
  await chmod(path, mode);
  return path;
}

describe('checkAwsCli', () => {
  it('says a GUI app may not pass on the shell PATH, and names the setting that takes the path', async () => {
    const status = await checkAwsCli({
      env: { PATH: join(folder, 'empty') },
      awsCliSetting: 'AWS_MCP_AWS_CLI',
      programName: 'this server',
    });
    expect(status.available).toBe(false);
    expect(status.available === false && status.message).toContain('was not found on PATH');
    expect(status.available === false && status.message).toContain(
      'the app that started this server did not pass on your shell',
    );
    expect(status.available === false && status.message).toContain(
      "set AWS_MCP_AWS_CLI to the CLI's full path (`command -v aws` in a terminal prints it)",
    );
  });

  it.skipIf(realCli === undefined)('runs the CLI at the path it is given, with nothing on PATH', async () => {
    const status = await checkAwsCli({ env: { PATH: '' }, awsCli: realCli as string });
    expect(status).toMatchObject({ available: true, path: realCli });
    expect(status.available && status.versionLine).toMatch(/^aws-cli\/\d/);
  });

  it.skipIf(realCli === undefined)(
    'finds the CLI available even when the AWS config file has a typo',
    async () => {
      const config = join(folder, 'typo-config');
      await writeFile(config, '[profile x]\nregion = eu-west-1\n[profile x]\nregion = us-east-1\n');
      const status = await checkAwsCli({
        env: { PATH: '', AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: config },
        awsCli: realCli as string,
      });
      expect(status).toMatchObject({ available: true, path: realCli });
    },
  );

  it('shows what a CLI that exists but does not start said', async () => {
    const broken = join(folder, 'broken', 'aws');
    await mkdir(join(broken, '..'), { recursive: true });
    await writeFile(
      broken,
      '#!/bin/sh\necho "Traceback (most recent call last):" >&2\necho "ModuleNotFoundError: No module named awscli" >&2\nexit 1\n',
    );
    await chmod(broken, 0o755);
    const status = await checkAwsCli({ awsCli: broken });
    expect(status.available).toBe(false);
    expect(status.available === false && status.message).toContain(
      `The AWS CLI at ${broken} did not start (\`aws --version\` exited 1); it said:\nTraceback (most recent call last):\nModuleNotFoundError: No module named awscli\n Reinstall it.`,
    );
  });

  it('says a path that leads to no program leads nowhere, and what to point the setting at', async () => {
    const missing = join(folder, 'nowhere', 'aws');
    const status = await checkAwsCli({ awsCli: missing, awsCliSetting: 'AWS_MCP_AWS_CLI' });
    expect(status).toEqual({
      available: false,
      path: undefined,
      message:
        `The AWS CLI was not found at ${missing} (AWS_MCP_AWS_CLI): there is no executable file there. ` +
        'Install the CLI there, or point AWS_MCP_AWS_CLI at the `aws` program (`command -v aws` in a terminal prints it).',
    });
  });

  it('names its own option and "this program" when the caller gives no names of its own', async () => {
    const status = await checkAwsCli({ env: { PATH: join(folder, 'empty') } });
    expect(status.available === false && status.message).toContain(
      "the app that started this program did not pass on your shell's PATH",
    );
    expect(status.available === false && status.message).toContain(
      "set the `awsCli` option to the CLI's full path",
    );
    expect(status.available === false && status.message).not.toMatch(/server|AWS_MCP_/);
  });

  it('says a CLI that does not answer `--version` in time did not answer, and how long it was given', async () => {
    const hanging = join(folder, 'hanging', 'aws');
    await mkdir(join(hanging, '..'), { recursive: true });
    await writeFile(hanging, '#!/bin/sh\nexec sleep 30\n');
    await chmod(hanging, 0o755);
    const status = await checkAwsCli({ awsCli: hanging, timeoutMs: 300 });
    expect(status).toEqual({
      available: false,
      path: hanging,
      message: `The AWS CLI at ${hanging} did not answer \`aws --version\` within 0.3 s (a busy machine, or a CLI that hangs at start).`,
    });
  });
});

describe('findExecutable', () => {
  it('finds a program in the first absolute PATH folder that has it', async () => {
    const first = await makeProgram(join(folder, 'one', 'aws'));
    await makeProgram(join(folder, 'two', 'aws'));
    expect(findExecutable('aws', `${join(folder, 'one')}:${join(folder, 'two')}`)).toBe(first);
  });

  it('skips a file that is not executable, and relative PATH folders', async () => {
    await makeProgram(join(folder, 'plain', 'aws'), 0o644);
    const later = await makeProgram(join(folder, 'later', 'aws'));
    expect(findExecutable('aws', `${join(folder, 'plain')}:.:bin:${join(folder, 'later')}`)).toBe(later);
    expect(findExecutable('aws', 'one:two')).toBeUndefined();
  });
});

describe('findExecutable on Windows', () => {
  // `which` and `isexe` choose their Windows rules when they load, so load them again as if on Windows.
  const platform = Object.getOwnPropertyDescriptor(process, 'platform') as PropertyDescriptor;
  const requireFromWhich = createRequire(createRequire(import.meta.url).resolve('which'));
  let windowsFinder: typeof import('./_find-executable.js');
  let windowsCheck: typeof import('./check-aws-cli.js');
  beforeAll(async () => {
    Object.defineProperty(process, 'platform', { ...platform, value: 'win32' });
    delete createRequire(import.meta.url).cache[requireFromWhich.resolve('isexe')];
    vi.resetModules();
    windowsFinder = await import('./_find-executable.js');
    windowsCheck = await import('./check-aws-cli.js');
  });
  afterAll(() => {
    Object.defineProperty(process, 'platform', platform);
    delete createRequire(import.meta.url).cache[requireFromWhich.resolve('isexe')];
    vi.resetModules();
  });

  it('finds aws.exe through PATHEXT on a `Path` (not PATH) with `;` between folders', async () => {
    await makeProgram(join(folder, 'win-a', 'aws'));
    const exe = await makeProgram(join(folder, 'win-b', 'aws.exe'), 0o644);
    const env = {
      Path: `${join(folder, 'win-empty')};${join(folder, 'win-a')};${join(folder, 'win-b')}`,
      PATHEXT: '.COM;.EXE;.BAT',
    };
    const { findExecutable: find, readPathExt, readSearchPath } = windowsFinder;
    expect(find('aws', readSearchPath(env), { pathExt: readPathExt(env) })).toBe(exe);
  });

  it('says `aws.exe` was not found on Path and how to find its path there', async () => {
    const status = await windowsCheck.checkAwsCli({
      env: { Path: join(folder, 'win-empty'), PATHEXT: '.EXE' },
      awsCliSetting: 'AWS_MCP_AWS_CLI',
    });
    expect(status.available === false && status.message).toContain("pass on your shell's Path");
    expect(status.available === false && status.message).toContain('`where aws` in a terminal prints it');
  });
});
