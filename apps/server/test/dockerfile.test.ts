import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createAwsSandboxHome } from '@aws-mcp/emulators';
import { findFreePort } from '@aws-mcp/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SpawnedServer, spawnServer } from './http-harness.js';

// The image is not built here (no Docker daemon on this machine or in CI); these run the parts of the Dockerfile
// that run on their own: the health check against a real server, and the CLI it installs.
const run = promisify(execFile);
const dockerfile = readFileSync(join(import.meta.dirname, '..', '..', '..', 'Dockerfile'), 'utf8');

/** The HEALTHCHECK's exec form, as Docker reads it (a JSON array after CMD, continued lines joined). */
function healthCheckCommand(): string[] {
  const joined = dockerfile.replace(/\\\n\s*/g, ' ');
  const line = joined.split('\n').find((each) => each.startsWith('HEALTHCHECK '));
  const json = line?.slice(line.indexOf('CMD ') + 4);
  if (json === undefined) throw new Error('the Dockerfile has no HEALTHCHECK … CMD [...]');
  return JSON.parse(json) as string[];
}

async function runHealthCheck(env: Record<string, string>): Promise<number> {
  const [command, ...args] = healthCheckCommand();
  expect(command).toBe('node');
  return run(process.execPath, args, { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 10_000 }).then(
    () => 0,
    (error: { code?: number }) => error.code ?? -1,
  );
}

describe('the Dockerfile health check', () => {
  let home: Awaited<ReturnType<typeof createAwsSandboxHome>>;
  let server: SpawnedServer;

  beforeAll(async () => {
    home = await createAwsSandboxHome({ credentials: { accessKeyId: 'AKIDHEALTH', secretAccessKey: 'x' } });
    server = await spawnServer({
      args: ['--transport', 'streamable-http', '--port', '0'],
      env: { PATH: process.env.PATH ?? '', ...home.env, AWS_MCP_AUTH_TOKEN: 'health-check-token-1234567890' },
    });
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    await home?.remove();
  });

  it('passes while an HTTP server answers /healthz (no token needed)', async () => {
    const port = new URL(server.url).port;
    expect(await runHealthCheck({ AWS_MCP_TRANSPORT: 'streamable-http', AWS_MCP_PORT: port })).toBe(0);
  });

  it('fails when nothing answers on the HTTP port', async () => {
    const port = String(await findFreePort());
    expect(await runHealthCheck({ AWS_MCP_TRANSPORT: 'streamable-http', AWS_MCP_PORT: port })).toBe(1);
  });

  it('passes over stdio, where the client owns the process and there is nothing to probe', async () => {
    expect(await runHealthCheck({})).toBe(0);
  });
});

describe('the CLI the image installs', () => {
  const debianAws = '/usr/bin/aws';
  const installsDebianPackage = /apt-get install[^\n]*\bawscli\b/.test(dockerfile.replace(/\\\n\s*/g, ' '));

  it("is Debian's awscli package, not the frozen binary of AWS's installer", () => {
    expect(installsDebianPackage).toBe(true);
    expect(dockerfile).not.toContain('awscli-exe-linux');
  });

  const debianMissing =
    !existsSync('/var/lib/dpkg/status') ||
    !readFileSync('/var/lib/dpkg/status', 'utf8').includes('Package: awscli\n');
  it.skipIf(debianMissing)(
    `is a Python install whose awscli the launcher can import (checked on the same package here)${debianMissing ? " (skipped: Debian's awscli package is not installed)" : ''}`,
    async () => {
      const shebang = readFileSync(debianAws, 'utf8').split('\n')[0] ?? '';
      expect(shebang).toMatch(/^#!.*python3/);
      const python = shebang.slice(2).trim().split(' ')[0] as string;
      const { stdout } = await run(python, [
        '-c',
        'import awscli.clidriver, awscli; print(awscli.__version__)',
      ]);
      expect(stdout.trim()).toMatch(/^2\./);
    },
  );
});
