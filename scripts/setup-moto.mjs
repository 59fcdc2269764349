#!/usr/bin/env node
// Makes moto (the AWS emulator the demo and the moto-bound tests use) available, without ever failing the
// install: reuses a moto_server in the project's .venv or on PATH; else, where PyPI is reachable, creates .venv
// with `pip install "moto[server]"`; else says in one line that the demo runs its s3rver/dynalite tour and
// moto-bound tests skip. Runs as the root package's postinstall, so the README's two lines set it up.
// AWS_MCP_SKIP_MOTO_SETUP=1 skips it; AWS_MCP_MOTO_VENV names another folder for the environment.
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, rmSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const venv = resolve(process.env.AWS_MCP_MOTO_VENV || join(root, '.venv'));
const say = (line) => console.log(`setup-moto: ${line}`);

function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** moto_server in the venv, else the first one on PATH (absolute folders only), if it starts. */
function findWorkingMoto() {
  const folders = (process.env.PATH ?? '').split(delimiter).filter((folder) => folder.startsWith('/'));
  for (const candidate of [
    join(venv, 'bin', 'moto_server'),
    ...folders.map((folder) => join(folder, 'moto_server')),
  ]) {
    if (!isExecutable(candidate)) continue;
    const check = spawnSync(candidate, ['--help'], { stdio: 'ignore', timeout: 60_000 });
    if (check.status === 0) return candidate;
  }
  return undefined;
}

function findPython() {
  for (const name of ['python3', 'python']) {
    const check = spawnSync(name, ['-c', 'import sys, venv; print(sys.version_info >= (3, 9))'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    if (check.status === 0 && check.stdout.trim() === 'True') return name;
  }
  return undefined;
}

if (process.env.AWS_MCP_SKIP_MOTO_SETUP === '1') {
  say('skipped (AWS_MCP_SKIP_MOTO_SETUP=1)');
  process.exit(0);
}
const existing = findWorkingMoto();
if (existing !== undefined) {
  say(`using ${existing}`);
  process.exit(0);
}
const python = findPython();
const fallback = 'the demo runs its s3rver/dynalite tour instead, and moto-bound tests skip';
if (python === undefined) {
  say(`moto is not installed and there is no Python 3.9+ with venv to install it with; ${fallback}`);
  process.exit(0);
}
// A quick look first, so a machine without PyPI does not spend ~20 s making a venv for nothing. Behind a proxy
// only pip knows how to reach the index, so it is left to pip.
const index = process.env.PIP_INDEX_URL || 'https://pypi.org/simple/';
if (!process.env.HTTPS_PROXY && !process.env.https_proxy) {
  try {
    await fetch(new URL('moto/', index.endsWith('/') ? index : `${index}/`), {
      signal: AbortSignal.timeout(8000),
    });
  } catch (error) {
    say(
      `moto is not installed and the package index (${new URL(index).host}) is not reachable (${error.cause?.code ?? error.cause?.message ?? error.name}); ${fallback}`,
    );
    process.exit(0);
  }
}
say(`moto_server not found: installing "moto[server]" into ${venv} (needs PyPI)`);
try {
  execFileSync(python, ['-m', 'venv', venv], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 120_000 });
  execFileSync(
    join(venv, 'bin', 'pip'),
    [
      'install',
      '--disable-pip-version-check',
      '--quiet',
      '--retries',
      '0',
      '--timeout',
      '15',
      'moto[server]',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], timeout: 600_000 },
  );
} catch (error) {
  rmSync(venv, { recursive: true, force: true });
  const reason =
    String(error.stderr ?? error.message)
      .trim()
      .split('\n')
      .filter(Boolean)
      .pop() ?? 'pip failed';
  say(`could not install moto (${reason.slice(0, 200)}); ${fallback}`);
  process.exit(0);
}
const installed = findWorkingMoto();
say(
  installed === undefined ? `pip ran but moto_server does not start; ${fallback}` : `installed ${installed}`,
);
