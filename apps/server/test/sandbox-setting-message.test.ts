import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverEntry, waitForExit } from './http-harness.js';

// The executor speaks of its own options (the sandbox mode `required`); the server says which setting to change.
describe('a required sandbox that cannot run', () => {
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'aws-mcp-required-sandbox-'));
  });
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('stops the server at start with the setting to change, not the library option', async () => {
    // No bubblewrap on this PATH: the probe finds none.
    const child = spawn(process.execPath, [serverEntry], {
      env: { HOME: home, PATH: join(home, 'no-such-bin'), AWS_MCP_SANDBOX: 'required' },
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await waitForExit(child);
    expect(code).toBe(1);
    expect(stderr).toContain(
      'could not start: AWS_MCP_SANDBOX=required, but bubblewrap is not installed (install it: `sudo apt-get install bubblewrap`). Fix that, or set AWS_MCP_SANDBOX=auto to run unconfined.',
    );
    expect(stderr).not.toContain('sandbox mode is `required`');
  });
});
