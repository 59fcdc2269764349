import { createRequire } from 'node:module';

type Zlib = typeof import('node:zlib');

let zlib: Zlib | undefined;

/**
 * zlib's `gunzipSync`, with `node:zlib` loaded at the first gzipped file rather than with the package: Node builds
 * that module on its first require (about 2 ms), and a server reads no gzipped file before its first answer (the
 * catalog, help sources and frozen models load at their first use).
 */
export function gunzip(data: Uint8Array): Buffer {
  zlib ??= createRequire(import.meta.url)('node:zlib') as Zlib;
  return zlib.gunzipSync(data);
}
