import { devNull } from 'node:os';
import { buildAwsEnvironment } from './_environment.js';
import { loadExeca } from './_execa.js';
import { findExecutable, readPathExt, readSearchPath } from './_find-executable.js';
import { awsCliInstallHint } from './execution-error.js';

/** Whether the AWS CLI can run here, and which one. */
export type AwsCliStatus =
  | { available: true; path: string; version: string; majorVersion: number; versionLine: string }
  | { available: false; path: string | undefined; message: string };

/**
 * Finds the AWS CLI (`awsCli`: a path, or a name looked up on PATH, with PATHEXT on Windows so `aws` finds
 * `aws.exe`) and asks it for its version (`aws --version`, no network). Never throws: a missing or broken CLI is
 * reported with a message that says how to install it or where to point `awsCliSetting`, a CLI that exists but
 * fails to start with the end of its own stderr, and one that does not answer within `timeoutMs` as such. The
 * user's AWS files play no part: a typo there (a repeated `[profile x]`) makes every command fail with the CLI's
 * own message, not the CLI look missing.
 */
export async function checkAwsCli({
  env = process.env,
  awsCli = 'aws',
  awsCliSetting = 'the `awsCli` option',
  programName = 'this program',
  timeoutMs = 30_000,
  platform = process.platform,
}: {
  env?: NodeJS.ProcessEnv;
  /** The CLI's path, or the name to look up on PATH. */
  awsCli?: string;
  /** How the caller's users set `awsCli` (a server names its setting), for the not-found message. */
  awsCliSetting?: string;
  /** What the person calls the program running the check (a server says `this server`), for the PATH hint. */
  programName?: string;
  timeoutMs?: number;
  platform?: NodeJS.Platform;
} = {}): Promise<AwsCliStatus> {
  const path = findExecutable(awsCli, readSearchPath(env, platform), {
    platform,
    pathExt: readPathExt(env, platform),
  });
  if (path === undefined) {
    return {
      available: false,
      path,
      message: describeMissingCli({ awsCli, awsCliSetting, programName, platform }),
    };
  }
  const execa = await loadExeca();
  const result = await execa(path, ['--version'], {
    env: {
      ...buildAwsEnvironment(env, { credentialsMode: 'aws_config' }),
      AWS_CONFIG_FILE: devNull,
      AWS_SHARED_CREDENTIALS_FILE: devNull,
    },
    extendEnv: false,
    stdin: 'ignore',
    reject: false,
    timeout: timeoutMs,
  });
  // The CLI v1 on old Pythons printed its version on stderr.
  const versionLine = `${result.stdout}\n${result.stderr}`
    .split('\n')
    .find((line) => line.startsWith('aws-cli/'));
  const match = versionLine?.match(/^aws-cli\/((\d+)\.\d+\.\d+)/);
  if (result.timedOut) {
    return {
      available: false,
      path,
      message:
        `The AWS CLI at ${path} did not answer \`aws --version\` within ${timeoutMs / 1000} s (a busy machine, ` +
        'or a CLI that hangs at start).',
    };
  }
  if (result.exitCode !== 0 || versionLine === undefined || match === null || match === undefined) {
    const said = result.stderr.trim().split('\n').slice(-5).join('\n').slice(-2000);
    return {
      available: false,
      path,
      message:
        `The AWS CLI at ${path} did not start (\`aws --version\` exited ${result.exitCode ?? result.signal})` +
        `${said === '' ? '.' : `; it said:\n${said}\n`} Reinstall it. ${awsCliInstallHint}`,
    };
  }
  return {
    available: true,
    path,
    version: match[1] as string,
    majorVersion: Number(match[2]),
    versionLine: versionLine.trim(),
  };
}

/**
 * Why no CLI was found, and what to do: the path that was given does not lead to one, or the name is not on
 * PATH — often because a desktop app started the program without the login shell's PATH.
 */
function describeMissingCli({
  awsCli,
  awsCliSetting,
  programName,
  platform,
}: {
  awsCli: string;
  awsCliSetting: string;
  programName: string;
  platform: NodeJS.Platform;
}): string {
  const isPath = awsCli.includes('/') || (platform === 'win32' && awsCli.includes('\\'));
  const printPath =
    platform === 'win32' ? '`where aws` in a terminal prints it' : '`command -v aws` in a terminal prints it';
  if (isPath) {
    return (
      `The AWS CLI was not found at ${awsCli} (${awsCliSetting}): there is no executable file there. ` +
      `Install the CLI there, or point ${awsCliSetting} at the \`aws\` program (${printPath}).`
    );
  }
  return (
    `${awsCliInstallHint} If \`aws\` works in your terminal, the app that started ${programName} did not pass on ` +
    `your shell's ${platform === 'win32' ? 'Path' : 'PATH'} (desktop apps such as Claude Desktop, Cursor or VS Code ` +
    `started from the Dock, Finder or Start menu often do not): set ${awsCliSetting} to the CLI's full path (${printPath}).`
  );
}
