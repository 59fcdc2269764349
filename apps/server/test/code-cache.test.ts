import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The real bin (dist/index.js, built from src/bin.ts) beside a small CommonJS bundle of our own in place of the
// server: each test starts it as a person's client would, and reads what it printed and what it left in dist/.
const builtBin = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'index.js');
const run = promisify(execFile);

/** A bundle that uses what a CommonJS bundle gets (require, module, __dirname) and prints the bin's status at exit. */
function bundleSource(greeting: string): string {
  return [
    `const { join } = require('node:path');`,
    `const part = require(join(__dirname, 'part.cjs'));`,
    `module.exports = { greeting: ${JSON.stringify(greeting)} };`,
    `process.stdout.write(part.word + ' ' + module.exports.greeting + ' ' + typeof exports + '\\n');`,
    `process.on('exit', () => process.stdout.write(JSON.stringify(globalThis[Symbol.for('aws-mcp.code-cache')]) + '\\n'));`,
    ...Array.from(
      { length: 200 },
      (_, index) => `function helper${index}(value) { return value * ${index}; }`,
    ),
    `helper1(2);`,
  ].join('\n');
}

describe('the bin runs the server bundle with a V8 code cache beside it', () => {
  let folder: string;
  let dist: string;
  let cacheFile: string;

  const start = async (env: NodeJS.ProcessEnv = {}) => {
    const { stdout } = await run(process.execPath, [join(dist, 'index.js')], {
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    const [printed, status] = stdout.trim().split('\n');
    return { printed, status: JSON.parse(status ?? 'null') as Record<string, unknown> };
  };

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'aws-mcp-code-cache-'));
    dist = join(folder, 'dist');
    cacheFile = join(dist, 'server.cjs.v8-cache');
    await mkdir(dist);
    await copyFile(builtBin, join(dist, 'index.js'));
    await writeFile(join(dist, 'part.cjs'), "exports.word = 'hello';\n");
    await writeFile(join(dist, 'server.cjs'), bundleSource('world'));
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('writes a cache at the first start, for this bundle only and readable by this user alone', async () => {
    const first = await start();
    expect(first.printed).toBe('hello world object');
    expect(first.status).toEqual({ state: 'missing', file: cacheFile, written: true });
    const content = await readFile(cacheFile);
    const digest = createHash('sha256')
      .update(await readFile(join(dist, 'server.cjs')))
      .digest('hex');
    const header = `aws-mcp-v8-cache 1 ${process.version} ${process.arch} ${digest}\n`;
    expect(content.subarray(0, header.length).toString('latin1')).toBe(header);
    expect(content.length).toBeGreaterThan(header.length);
    expect((await stat(cacheFile)).mode & 0o777).toBe(0o600);
  });

  it('uses it at the next start, and writes nothing', async () => {
    const before = await stat(cacheFile);
    const next = await start();
    expect(next.printed).toBe('hello world object');
    expect(next.status).toEqual({ state: 'used', file: cacheFile });
    expect((await stat(cacheFile)).mtimeMs).toBe(before.mtimeMs);
  });

  it('never runs an older bundle: one edited to the same length starts from its own source', async () => {
    const edited = bundleSource('earth');
    expect(edited.length).toBe(bundleSource('world').length);
    await writeFile(join(dist, 'server.cjs'), edited);
    const after = await start();
    expect(after.printed).toBe('hello earth object');
    expect(after.status).toEqual({ state: 'missing', file: cacheFile, written: true });
    expect((await start()).status).toEqual({ state: 'used', file: cacheFile });
  });

  it('writes a new cache when V8 refuses the one it finds', async () => {
    const content = await readFile(cacheFile);
    const headerLength = content.indexOf(10) + 1;
    await writeFile(
      cacheFile,
      Buffer.concat([content.subarray(0, headerLength), Buffer.alloc(content.length - headerLength, 7)]),
      { mode: 0o600 },
    );
    const refused = await start();
    expect(refused.printed).toBe('hello earth object');
    expect(refused.status).toEqual({ state: 'rejected', file: cacheFile, written: true });
    expect((await start()).status).toEqual({ state: 'used', file: cacheFile });
  });

  it('does not read or replace a cache that others may write', async () => {
    await chmod(cacheFile, 0o620);
    const before = await readFile(cacheFile);
    const untrusted = await start();
    expect(untrusted.printed).toBe('hello earth object');
    expect(untrusted.status).toEqual({ state: 'untrusted', file: cacheFile });
    expect(await readFile(cacheFile)).toEqual(before);
    await chmod(cacheFile, 0o600);
  });

  it('is off with Node’s NODE_DISABLE_COMPILE_CACHE, and then writes none', async () => {
    await rm(cacheFile);
    const off = await start({ NODE_DISABLE_COMPILE_CACHE: '1' });
    expect(off.printed).toBe('hello earth object');
    expect(off.status).toEqual({ state: 'off', file: cacheFile });
    await expect(stat(cacheFile)).rejects.toThrow(/ENOENT/);
  });
});
