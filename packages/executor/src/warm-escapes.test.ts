import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWarmHarness, type WarmHarness } from './__fixtures__/warm-harness.js';
import { findExecutable } from './_find-executable.js';
import { createBubblewrapSandbox } from './bubblewrap-sandbox.js';

const bwrapPath = findExecutable('bwrap', process.env.PATH);
const sandbox = bwrapPath === undefined ? undefined : createBubblewrapSandbox({ bwrapPath });

/*
 * The escapes of bubblewrap-sandbox.test.ts, made by a program the aws stage itself starts: a profile's
 * credential_process runs a script in the CLI's process (the cold stage's, or the warm interpreter's forked child)
 * and its stderr comes back in the CLI's error. The same script must meet the same walls both ways.
 */
describe.skipIf(sandbox === undefined).each(['cold', 'warm'] as const)('the aws stage run %s', (mode) => {
  let harness: WarmHarness;
  let hostSecretDir: string;

  beforeAll(async () => {
    harness = await startWarmHarness({
      sandbox: sandbox as NonNullable<typeof sandbox>,
      name: `warm-escapes-${mode}`,
    });
    hostSecretDir = await mkdtemp(join(homedir(), '.aws-mcp-warm-escape-'));
    await writeFile(join(hostSecretDir, 'id_rsa'), 'PRIVATE KEY MATERIAL');
  }, 120_000);

  afterAll(async () => {
    await harness?.stop();
    await rm(hostSecretDir, { recursive: true, force: true });
  });

  /** Runs `script` as the credential_process of a profile and returns what it printed (the CLI's stderr). */
  async function runAsCredentialProcess(script: string): Promise<string> {
    const { workdir, warmCli } = harness;
    await writeFile(join(workdir, 'escape.sh'), `exec 1>&2\n${script}\nexit 1\n`);
    const configFile = join(workdir, 'escape-config');
    await writeFile(
      configFile,
      `[profile escape]\nregion = us-east-1\ncredential_process = /bin/bash ${join(workdir, 'escape.sh')}\n`,
    );
    const callsBefore = warmCli.calls;
    const run = mode === 'warm' ? harness.warm : harness.cold;
    const result = await run('aws sts get-caller-identity --profile escape', {
      env: { ...harness.options.env, AWS_CONFIG_FILE: configFile },
    });
    expect(warmCli.calls, warmCli.lastRefusal).toBe(callsBefore + (mode === 'warm' ? 1 : 0));
    expect(result.stderr).toMatch(/custom-process/);
    return result.stderr;
  }

  it('lets the script write in the working directory only', async () => {
    const printed = await runAsCredentialProcess(
      `echo ok > inside-${mode}.txt; echo "in:$?"; (echo x > /etc/aws-mcp-escape) 2>/dev/null; echo "etc:$?"; ` +
        '(echo x > /usr/aws-mcp-escape) 2>/dev/null; echo "usr:$?"',
    );
    expect(printed).toMatch(/in:0\netc:1\nusr:1/);
    expect(await readFile(join(harness.workdir, `inside-${mode}.txt`), 'utf8')).toBe('ok\n');
    expect(existsSync('/etc/aws-mcp-escape')).toBe(false);
  });

  it('keeps its writes to the home and /tmp inside the sandbox', async () => {
    const marker = `aws-mcp-warm-escape-${process.pid}-${mode}`;
    const printed = await runAsCredentialProcess(
      `echo x > ~/${marker} && echo x > /tmp/${marker} && echo x > ${homedir()}/${marker} && echo written`,
    );
    expect(printed).toContain('written');
    for (const folder of [homedir(), harness.home.home, '/tmp'])
      expect(existsSync(join(folder, marker))).toBe(false);
  });

  it("hides the server user's home, even through a symlink in the working directory", async () => {
    await symlink(join(hostSecretDir, 'id_rsa'), join(harness.workdir, `link-${mode}`)).catch(() => {});
    const printed = await runAsCredentialProcess(
      `cat link-${mode}; cat ${join(hostSecretDir, 'id_rsa')}; ls ~/.ssh`,
    );
    expect(printed).not.toContain('PRIVATE KEY MATERIAL');
    expect(printed).toMatch(/No such file or directory/);
  });

  it('cannot remount the root read-write nor write to it or /dev', async () => {
    const printed = await runAsCredentialProcess(
      'mount -o remount,rw / 2>&1; echo "mount:$?"; for path in /aws-mcp-escape /dev/aws-mcp-escape; do ' +
        'touch $path 2>/dev/null; echo "touch:$?"; done',
    );
    expect(printed).toMatch(/mount:(?!0)\d+/);
    expect(printed).toContain('touch:1\ntouch:1');
    expect(existsSync('/aws-mcp-escape')).toBe(false);
  });

  it('cannot signal a process outside', async () => {
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const printed = await runAsCredentialProcess(`kill -TERM ${sleeper.pid} 2>&1; echo "kill:$?"`);
      expect(printed).toMatch(/kill:1/);
      expect(sleeper.exitCode).toBeNull();
      expect(sleeper.signalCode).toBeNull();
    } finally {
      sleeper.kill('SIGKILL');
    }
  });

  it("cannot open the warm interpreter's descriptors (its requests and events), nor its CLI process's", async () => {
    // Through /proc/PID/fd a process of the same user could write requests to the warm interpreter, forge its
    // events or read another call's streams: the interpreter and its forked children are not dumpable, and the
    // sandbox's init holds sockets, which /proc cannot open. The cold CLI's own are open to its child (one call,
    // one sandbox), so the CLI process is asserted warm only.
    const printed = await runAsCredentialProcess(
      'for dir in /proc/[0-9]*; do tr "\\0" " " < $dir/cmdline 2>/dev/null | grep -q "The warm CLI" || continue; ' +
        'echo "warm:${dir#/proc/}"; for fd in 0 1 2 3; do (: >> $dir/fd/$fd) 2>/dev/null && echo "reached:$dir/$fd"; ' +
        'done; done; (: >> /proc/$PPID/fd/0) 2>/dev/null && echo "cli-reached"; echo done',
    );
    expect(printed).toContain('done');
    expect(printed).not.toMatch(/reached:/);
    if (mode === 'warm') {
      expect(printed).toMatch(/warm:\d+/);
      expect(printed).not.toContain('cli-reached');
    }
  });
});
