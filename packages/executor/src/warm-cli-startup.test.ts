import { readdirSync, readFileSync } from 'node:fs';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startWarmHarness, type WarmHarness } from './__fixtures__/warm-harness.js';
import { findExecutable } from './_find-executable.js';
import { createBubblewrapSandbox } from './bubblewrap-sandbox.js';

const bwrapPath = findExecutable('bwrap', process.env.PATH);
const sandbox = bwrapPath === undefined ? undefined : createBubblewrapSandbox({ bwrapPath });

/** Host processes whose command line contains `needle`. */
function countProcesses(needle: string): number {
  return readdirSync('/proc').filter((name) => {
    if (!/^\d+$/.test(name)) return false;
    try {
      return readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(needle);
    } catch {
      return false;
    }
  }).length;
}

/* The interpreter starts with the first call (planWarmCli starts nothing): what arrives while it starts. */
describe.skipIf(sandbox === undefined)('the warm CLI while its interpreter starts, under bubblewrap', () => {
  let harness: WarmHarness;

  beforeEach(async () => {
    harness = await startWarmHarness({
      sandbox: sandbox as NonNullable<typeof sandbox>,
      name: 'warm-startup',
    });
  }, 120_000);
  afterEach(async () => {
    await harness?.stop();
  });

  it('runs calls that arrive during the start-up warm in the one interpreter starting, none cold', async () => {
    expect(harness.warmCli.status).toMatchObject({ running: false, starts: 0 });
    const results = await Promise.all(
      Array.from({ length: 4 }, () =>
        harness.warm('aws sts get-caller-identity --query Account --output text'),
      ),
    );
    expect(results.map((result) => result.exitCode)).toEqual([0, 0, 0, 0]);
    expect(harness.warmCli.status).toMatchObject({ running: true, starts: 1, calls: 4 });
    expect(harness.warmCli.lastRefusal).toBeUndefined();
  }, 120_000);

  it('ends a call whose timeout comes before the interpreter is ready, leaving no process of it', async () => {
    // An endpoint that accepts and never answers: only the timeout can end the call before the CLI's own read
    // timeout (far longer than this test may take).
    const silent: Server = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const needle = `127.0.0.1:${port}`;
      const timedOut = await harness.warm(
        `aws sts get-caller-identity --endpoint-url http://${needle} --cli-read-timeout 300`,
        { timeoutMs: 1000 },
      );
      expect(timedOut.status).toBe('timeout');
      expect(countProcesses(needle)).toBe(0);
      expect((await harness.warm('aws sts get-caller-identity')).exitCode).toBe(0);
      expect(harness.warmCli.starts).toBe(1);
    } finally {
      silent.close();
    }
  }, 60_000);
});
