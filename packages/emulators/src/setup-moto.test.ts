import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findMotoServer } from './moto.js';

const run = promisify(execFile);
const script = new URL('../../../scripts/setup-moto.mjs', import.meta.url).pathname;
const motoMissing = findMotoServer() === undefined;
/** A PATH with Python but no moto_server (Debian keeps neither pyenv shims nor a venv there). */
const pathWithoutMoto = '/usr/bin:/bin';

describe('scripts/setup-moto.mjs', () => {
  let folder: string;
  let index: Server;
  let indexUrl: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'setup-moto-'));
    // A package index that has no packages at all: reachable, so pip runs, and finds nothing.
    index = createServer((_, response) => response.writeHead(404).end());
    await new Promise<void>((listening) => index.listen(0, '127.0.0.1', listening));
    const address = index.address();
    indexUrl = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}/simple/`;
  });
  afterAll(async () => {
    await new Promise((closed) => index?.close(closed));
    await rm(folder, { recursive: true, force: true });
  });

  it.skipIf(motoMissing)('reuses an installed moto_server', async () => {
    const { stdout } = await run(process.execPath, [script], {
      env: { PATH: process.env.PATH, AWS_MCP_MOTO_VENV: join(folder, 'unused') },
    });
    expect(stdout).toMatch(/^setup-moto: using \/.*moto_server\n$/);
    expect(existsSync(join(folder, 'unused'))).toBe(false);
  });

  it('says in one line what happens instead when the index cannot be reached, and exits 0', async () => {
    const closed = createServer();
    await new Promise<void>((listening) => closed.listen(0, '127.0.0.1', listening));
    const address = closed.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    await new Promise((done) => closed.close(done));
    const { stdout } = await run(process.execPath, [script], {
      env: {
        PATH: pathWithoutMoto,
        AWS_MCP_MOTO_VENV: join(folder, 'offline'),
        PIP_INDEX_URL: `http://127.0.0.1:${port}/simple/`,
      },
    });
    expect(stdout).toBe(
      `setup-moto: moto is not installed and the package index (127.0.0.1:${port}) is not reachable (ECONNREFUSED); ` +
        'the demo runs its s3rver/dynalite tour instead, and moto-bound tests skip\n',
    );
    expect(existsSync(join(folder, 'offline'))).toBe(false);
  });

  it('installs with pip into the venv where an index answers, and leaves nothing behind when pip fails', async () => {
    const venv = join(folder, 'venv');
    const { stdout } = await run(process.execPath, [script], {
      env: { PATH: pathWithoutMoto, AWS_MCP_MOTO_VENV: venv, PIP_INDEX_URL: indexUrl },
      timeout: 120_000,
    });
    expect(stdout).toContain(
      `setup-moto: moto_server not found: installing "moto[server]" into ${venv} (needs PyPI)\n`,
    );
    expect(stdout).toMatch(
      /setup-moto: could not install moto \(.*moto\[server\].*\); the demo runs its s3rver\/dynalite tour/,
    );
    expect(existsSync(venv)).toBe(false);
  }, 150_000);
});
