import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const demoEntry = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'index.js');

describe('pnpm demo', () => {
  it('runs the scripted session against the emulators and exits 0', async () => {
    const { stdout } = await run(process.execPath, [demoEntry], { timeout: 120_000 });
    expect(stdout).toMatch(/ {2}mode confirm-writes; sandbox: /);
    expect(stdout).toContain('make_bucket: demo-bucket');
    expect(stdout).toContain('✓ the demo approves it');
    expect(stdout).toContain('greetings/hello.txt 20 bytes');
    expect(stdout).toContain('{"id":{"S":"note-1"},"text":{"S":"aws-mcp works offline"}}');
    expect(stdout).toContain('refused, as it should be');
    expect(stdout).toMatch(/Demo finished: 8 calls, all as expected/);
  }, 150_000);
});
