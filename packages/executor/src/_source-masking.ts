import { Transform } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { maskResponseMembers } from './_mask-members.js';
import { maskedValue, maxLineChars, type SecretMasker } from './mask-secrets.js';

/** Masks the aws stage's stdout on its way to the filters (or to the result): bytes in, masked bytes or text out. */
export interface SourceMasking {
  write(chunk: Buffer): Buffer | string;
  end(): Buffer | string;
  /** Values masked so far. */
  readonly count: number;
  /** The secret members found (for structural masking), or `*` for a whole output masked. */
  readonly members: string[];
}

/** Where a cut of `bytes` before `at` falls on a UTF-8 character boundary. */
function characterBoundary(bytes: Buffer, at: number): number {
  let cut = at;
  while (cut > 0 && ((bytes[cut] as number) & 0xc0) === 0x80) cut -= 1;
  return cut === 0 ? at : cut;
}

/**
 * The backstop: the line masker (self-identifying formats, secret-named fields, learned values) run on every
 * complete line before any filter sees it. Work is linear: a line is scanned once, over-long lines masked whole.
 * Lines in which nothing was masked pass as the very bytes they were, so binary data (`s3 cp … - | wc -c`) is
 * not changed by decoding.
 */
export function createBackstopMasking(masker: SecretMasker): SourceMasking {
  let carry: Buffer = Buffer.alloc(0);
  const mask = (block: Buffer): Buffer | string => {
    if (block.length === 0) return block;
    const text = block.toString('utf8');
    const masked = masker.maskBlock(text);
    return masked === text ? block : masked;
  };
  return {
    write(chunk) {
      const bytes = carry.length === 0 ? chunk : Buffer.concat([carry, chunk]);
      const end = bytes.lastIndexOf(0x0a);
      if (end === -1 && bytes.length <= maxLineChars) {
        carry = bytes;
        return '';
      }
      const cut = end === -1 ? characterBoundary(bytes, bytes.length - 1) : end + 1;
      carry = bytes.subarray(cut);
      return mask(bytes.subarray(0, cut));
    },
    end() {
      const rest = carry;
      carry = Buffer.alloc(0);
      return mask(rest);
    },
    get count() {
      return masker.count;
    },
    members: [],
  };
}

/**
 * For a command whose whole output is a secret (`s3 presign`, `ecr get-login-password`): every non-empty line is
 * replaced by `[MASKED]`, so no filter can print any part of it.
 */
export function createWholeOutputMasking(): SourceMasking {
  const decoder = new StringDecoder('utf8');
  let lineHasText = false;
  let count = 0;
  const members: string[] = [];
  const mask = (text: string) => {
    let out = '';
    for (const character of text) {
      if (character === '\n') {
        out += '\n';
        lineHasText = false;
      } else if (!lineHasText) {
        lineHasText = true;
        count += 1;
        if (members.length === 0) members.push('*');
        out += maskedValue;
      }
    }
    return out;
  };
  return {
    write: (chunk) => mask(decoder.write(chunk)),
    end: () => mask(decoder.end()),
    get count() {
      return count;
    },
    members,
  };
}

/** The most a JSON response is held for structural masking; a larger one is masked whole. */
export const maxStructuralBytes = 16 * 1_048_576;

/**
 * For a CLI whose Python cannot be imported: the response (run with `--output json`, no `--query`) is held whole,
 * its secret members masked by path, and printed again as the CLI prints JSON (4-space indent). Output that is not
 * one JSON document, or is over `maxStructuralBytes`, is masked whole (fail closed).
 */
export function createStructuralMasking(paths: string[]): SourceMasking & { values: string[] } {
  const chunks: Buffer[] = [];
  let size = 0;
  let count = 0;
  const members: string[] = [];
  const values: string[] = [];
  return {
    write(chunk) {
      size += chunk.length;
      if (size <= maxStructuralBytes) chunks.push(chunk);
      return '';
    },
    end() {
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return text;
      let response: unknown;
      try {
        if (size > maxStructuralBytes) throw new Error('too large');
        response = JSON.parse(text);
      } catch {
        count += 1;
        members.push('*');
        return `${maskedValue}\n`;
      }
      const found = maskResponseMembers(response, paths);
      count += found.values.length;
      members.push(...found.members);
      values.push(...found.values);
      return `${JSON.stringify(response, null, 4)}\n`;
    },
    get count() {
      return count;
    },
    members,
    values,
  };
}

/** A stream through a SourceMasking, for the pipe between the aws stage and the first filter. */
export function createMaskingTransform(masking: SourceMasking): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      const out = masking.write(chunk);
      callback(null, out.length === 0 ? undefined : out);
    },
    flush(callback) {
      const out = masking.end();
      callback(null, out.length === 0 ? undefined : out);
    },
  });
}
