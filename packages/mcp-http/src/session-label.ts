import { createHash } from 'node:crypto';

/**
 * A name for a session in the server's own logs (stderr, the audit log) that is not its id: over HTTP the id is a
 * credential, and whoever reads a log must not be able to answer another session's consent with it.
 */
export function sessionLabel(id: string | undefined): string {
  return id === undefined ? 'uninitialized' : createHash('sha256').update(id).digest('hex').slice(0, 8);
}
