import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWarmHarness, type WarmHarness } from './__fixtures__/warm-harness.js';
import { findCliPython } from './_aws-launcher.js';
import { resolvePyenvShim } from './_aws-paths.js';
import { findExecutable } from './_find-executable.js';
import { createBubblewrapSandbox } from './bubblewrap-sandbox.js';

const bwrapPath = findExecutable('bwrap', process.env.PATH);
// A small process limit, so one call reaching it takes seconds; the warm interpreter's own cgroup gets it too.
const processes = 64;
const sandbox =
  bwrapPath === undefined
    ? undefined
    : createBubblewrapSandbox({ bwrapPath, limits: { aws: { processes } } });
const processLimitOff = sandbox?.limitsOff?.find((off) => off.option === 'processes')?.reason;
const awsFound = findExecutable('aws', process.env.PATH);
const awsFile = awsFound === undefined ? undefined : resolvePyenvShim(awsFound, process.env, process.cwd());
// The CLI's own interpreter: the warm sandbox shows it, so a credential_process can be a Python script.
const python = awsFile === undefined ? undefined : findCliPython(awsFile, process.env);

/** Host processes whose command line contains `marker`. */
function countProcesses(marker: string): number {
  let found = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(marker)) found += 1;
    } catch {
      // Gone.
    }
  }
  return found;
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/*
 * Calls running at once in one warm interpreter, and a program one of them starts (a profile's credential_process
 * runs inside the CLI's forked child, as the CLI's own subprocesses do): it must reach neither the interpreter nor
 * the other calls, by signal or by using up their process limit.
 */
describe.skipIf(sandbox === undefined)('warm calls kept apart, under bubblewrap', () => {
  let harness: WarmHarness;
  let silent: Server;
  let silentPort: number;

  beforeAll(async () => {
    harness = await startWarmHarness({
      sandbox: sandbox as NonNullable<typeof sandbox>,
      name: 'warm-isolation',
    });
    // An endpoint that accepts and never answers: a call to it ends at the CLI's own read timeout.
    silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentPort = (silent.address() as AddressInfo).port;
  }, 120_000);

  afterAll(async () => {
    silent?.close();
    await harness?.stop();
  });

  /** A config whose `hostile` profile runs `script` (bash) as its credential_process, in the working directory. */
  async function writeHostileConfig(name: string, script: string, runner = '/bin/bash'): Promise<string> {
    const file = join(harness.workdir, `${name}.script`);
    await writeFile(file, runner === '/bin/bash' ? `exec 1>&2\n${script}\nexit 1\n` : script);
    const configFile = join(harness.workdir, `${name}-config`);
    await writeFile(
      configFile,
      `[profile hostile]\nregion = us-east-1\ncredential_process = ${runner} ${file}\n`,
    );
    return configFile;
  }

  it("survives a call's program that SIGKILLs every process it can: the interpreter and the call beside it run on", async () => {
    await harness.warm('aws sts get-caller-identity');
    const startsBefore = harness.warmCli.starts;
    const beside = harness.warm(
      `aws sts get-caller-identity --endpoint-url http://127.0.0.1:${silentPort} --cli-read-timeout 8`,
    );
    await new Promise((resolve) => setTimeout(resolve, 1500));
    // `kill -9 -1`, then each pid /proc shows: the interpreter (its pid 2), bubblewrap's init, the other call.
    const configFile = await writeHostileConfig(
      'killer',
      'kill -9 -1; for entry in /proc/[0-9]*; do pid=${entry#/proc/}; [ "$pid" = $$ ] || kill -9 "$pid"; done; echo survived',
    );
    const hostile = await harness.warm('aws sts get-caller-identity --profile hostile', {
      env: { ...harness.options.env, AWS_CONFIG_FILE: configFile },
    });
    expect(hostile.exitCode).not.toBe(0);
    const besideResult = await beside;
    expect(besideResult.stderr).toMatch(/Read timeout on endpoint URL/);
    expect(harness.warmCli.starts).toBe(startsBefore);
    expect((await harness.warm('aws sts get-caller-identity')).exitCode).toBe(0);
    expect(harness.warmCli.starts).toBe(startsBefore);
    expect(harness.warmCli.lastRestart).toBeUndefined();
  }, 120_000);

  it.skipIf(processLimitOff !== undefined || python === undefined)(
    "counts a call's processes against its own limit: a call beside one at its limit runs, and a cancel leaves none",
    async () => {
      const marker = `warm-isolation-forker-${process.pid}`;
      const reached = join(harness.workdir, 'reached');
      // Forks until the limit refuses (a shell would retry for a long time), then holds the call open.
      // The script's name carries the marker: each fork's command line names it.
      const configFile = await writeHostileConfig(
        marker,
        [
          'import os, time',
          `marker = '${marker}'`,
          'count = 0',
          `while count < ${processes * 3}:`,
          '    try:',
          '        pid = os.fork()',
          '    except OSError:',
          '        break',
          '    if pid == 0:',
          '        time.sleep(600)',
          '        os._exit(0)',
          '    count += 1',
          `open('${reached}', 'w').write(str(count))`,
          'time.sleep(600)',
          '',
        ].join('\n'),
        python as string,
      );
      const abort = new AbortController();
      const forking = harness.warm('aws sts get-caller-identity --profile hostile', {
        env: { ...harness.options.env, AWS_CONFIG_FILE: configFile },
        signal: abort.signal,
      });
      await waitFor(() => existsSync(reached), 90_000);
      // At its own limit: the call's child, the script and its forks share `processes` (threads count too).
      const forked = Number(readFileSync(reached, 'utf8'));
      expect(forked).toBeGreaterThan(processes / 2);
      expect(forked).toBeLessThan(processes);
      expect(countProcesses(marker)).toBe(forked + 1);
      const beside = await harness.warm('aws sts get-caller-identity --query Account --output text');
      expect(beside.exitCode, beside.stderr).toBe(0);
      expect(beside.output.trim()).toMatch(/^\d{12}$/);
      abort.abort();
      const ended = await forking;
      expect(ended.status).not.toBe('success');
      await waitFor(() => countProcesses(marker) === 0, 10_000);
    },
    180_000,
  );
});
