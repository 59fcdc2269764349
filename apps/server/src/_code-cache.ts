import { isAscii } from 'node:buffer';
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Script, constants as vmConstants } from 'node:vm';

/**
 * V8's code cache for the bundled server: compiling the 3.5 MB bundle is about a third of start-up, and Node 20
 * has no compile cache for ES modules (22's `module.enableCompileCache`). So the bin runs the bundle as a
 * CommonJS script through `vm.Script` with `cachedData`, the way `v8-compile-cache` does for `require`, and writes
 * the cache beside the bundle once a start had none.
 *
 * A code cache is code: V8 checks only the source's length, its own version and its flags before running it. So
 * it is read only when its header names this Node, this CPU and the SHA-256 of this very bundle (a rebuild of the
 * same length gets a new one), and only when it belongs to this user and nobody else may write it (as ssh treats
 * its keys). It lives beside the bundle because whoever can write there can already replace the bundle itself.
 */

/** What the bin did with the code cache, as `aws://config/environment` reports it. */
export interface CodeCacheStatus {
  /**
   * `used`: V8 took the cache; `rejected`: V8 refused it (another V8 or flags); `missing`: none yet, or one for
   * another bundle, Node or CPU; `untrusted`: the file is not this user's alone; `off`: NODE_DISABLE_COMPILE_CACHE.
   */
  state: 'used' | 'rejected' | 'missing' | 'untrusted' | 'off';
  file: string;
  /** Set once a fresh cache was written; `false` with `writeError` when it could not be (a read-only install). */
  written?: boolean;
  writeError?: string;
}

/** Where the bin leaves the status for the server to report (the two share no module: the bin loads the bundle). */
export const codeCacheStatusKey: unique symbol = Symbol.for('aws-mcp.code-cache') as never;

/** The status the bin left, or undefined when the server did not start through the bin (tests, `tsx`). */
export function readCodeCacheStatus(): CodeCacheStatus | undefined {
  return (globalThis as { [codeCacheStatusKey]?: CodeCacheStatus })[codeCacheStatusKey];
}

const headerMagic = 'aws-mcp-v8-cache 1';

/** The header a cache for this bundle on this Node and CPU starts with, newline included. */
export function cacheHeader(bundle: Buffer): string {
  const digest = createHash('sha256').update(bundle).digest('hex');
  return `${headerMagic} ${process.version} ${process.arch} ${digest}\n`;
}

/** Whether a cache file's owner and mode leave it to this user alone; always true where there are no uids. */
export function isOwnFile(stat: { uid: number; mode: number }): boolean {
  const uid = process.getuid?.();
  if (uid === undefined) return true;
  return stat.uid === uid && (stat.mode & 0o022) === 0;
}

type Found = { state: 'found'; data: Buffer } | { state: 'missing' | 'untrusted' };

function readCache(file: string, header: string): Found {
  let descriptor: number;
  try {
    descriptor = openSync(file, 'r');
  } catch {
    return { state: 'missing' };
  }
  try {
    if (!isOwnFile(fstatSync(descriptor))) return { state: 'untrusted' };
    const content = readFileSync(descriptor);
    const headerBytes = Buffer.byteLength(header);
    if (content.length <= headerBytes || content.toString('latin1', 0, headerBytes) !== header) {
      return { state: 'missing' };
    }
    return { state: 'found', data: content.subarray(headerBytes) };
  } finally {
    closeSync(descriptor);
  }
}

function writeCache(file: string, header: string, script: Script, status: CodeCacheStatus): void {
  const fresh = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(fresh, Buffer.concat([Buffer.from(header, 'latin1'), script.createCachedData()]), {
      flag: 'wx',
      mode: 0o600,
    });
    // Renamed into place: a server starting meanwhile reads the old cache or the new one, never half of one.
    renameSync(fresh, file);
    status.written = true;
  } catch (error) {
    rmSync(fresh, { force: true });
    status.written = false;
    status.writeError = error instanceof Error ? error.message : String(error);
  }
}

/**
 * Runs a CommonJS bundle as the process's main program, with V8's code cache at `<bundle>.v8-cache`. Without a
 * usable cache it writes one `writeAfterMs` after the start (the functions start-up and the first requests
 * compiled by then are in it) or at exit, whichever comes first. Returns the status, also left on `globalThis`.
 */
export function runBundleWithCodeCache(bundle: string, { writeAfterMs = 3000 } = {}): CodeCacheStatus {
  const file = `${bundle}.v8-cache`;
  const bytes = readFileSync(bundle);
  // esbuild writes ASCII (non-ASCII escaped), and an ASCII text read as latin1 is the same string, three times faster.
  const text = (isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8')).replace(/^#!.*/, '');
  const off =
    process.env.NODE_DISABLE_COMPILE_CACHE !== undefined && process.env.NODE_DISABLE_COMPILE_CACHE !== '';
  const header = cacheHeader(bytes);
  const found: Found = off ? { state: 'missing' } : readCache(file, header);
  const script = new Script(`(function (exports, require, module, __filename, __dirname) { ${text}\n})`, {
    filename: bundle,
    ...(found.state === 'found' ? { cachedData: found.data } : {}),
    // The bundle's own `import()` of Node's built-ins and any left outside it go through Node's loader.
    importModuleDynamically: vmConstants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const status: CodeCacheStatus = {
    state: off
      ? 'off'
      : found.state !== 'found'
        ? found.state
        : script.cachedDataRejected === true
          ? 'rejected'
          : 'used',
    file,
  };
  (globalThis as { [codeCacheStatusKey]?: CodeCacheStatus })[codeCacheStatusKey] = status;
  if (status.state === 'missing' || status.state === 'rejected') {
    let done = false;
    const write = () => {
      if (done) return;
      done = true;
      writeCache(file, header, script, status);
    };
    setTimeout(write, writeAfterMs).unref();
    process.once('exit', write);
  }
  const module = { exports: {} };
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run.call(module.exports, module.exports, createRequire(bundle), module, bundle, dirname(bundle));
  return status;
}
