import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { escapeHiddenJson } from '@aws-mcp/command';
import { type AwsRequestId, maskSecrets } from '@aws-mcp/executor';

/** The argv redaction the audit log's lines go through; the command package owns it. */
export { redactArgv } from '@aws-mcp/command';

/** One tool call, as the audit log records it. Values that carry secrets are redacted before this is built. */
export interface AuditEntry {
  time: string;
  /** The session's label (a hash of its id, as the server's stderr names it), never the id itself. */
  session: string | undefined;
  tool: string;
  argv?: string[][];
  profile?: string;
  region?: string;
  /** The profile's account, where the server knew it (see AuditLog.write's `account`). */
  account?: string;
  classification?: string;
  action?: string;
  decision?: string;
  rule?: string;
  consent?: string;
  /** The role ARN the call assumed (`roleArn`); never its credentials. */
  role?: string;
  /** The role session name CloudTrail shows for it (`assumed-role/<name>/<roleSession>`). */
  roleSession?: string;
  /** The id of the standing approval the call ran under or granted (`consent` says which). */
  approval?: string;
  status: string;
  exitCode?: number;
  durationMs?: number;
  outputChars?: number;
  /** What became of the output's secrets: `masked`, `shown` (the person chose) or `saved`. */
  secrets?: 'masked' | 'shown' | 'saved';
  /** The name of the file in the secrets folder the unmasked output was saved as (never its content). */
  savedAs?: string;
  /** The AWS request ids of the CLI's calls (CloudTrail's `requestID`), where the CLI reported them. */
  requestIds?: AwsRequestId[];
  error?: string;
}

/** What an entry waits for before it is written. */
export interface PendingAuditFields {
  /** The account, once known (undefined: unknown, left out). A rejection counts as unknown. */
  account?: Promise<string | undefined>;
}

/**
 * An append-only JSON-lines file. Writes go through one stream, so concurrent calls never interleave a line. Every
 * argv word goes through the masking engine (a backstop behind the parse's redaction), and hidden characters
 * (bidi, tags, zero-width, base-less combining marks …) are written as `\uXXXX`, so a person reading the file sees
 * what ran.
 */
export interface AuditLog {
  path: string;
  /**
   * Appends an entry. With `pending.account`, the line is written once the account is known; the lines stay in
   * the order they were written in, so a later entry waits for an earlier one's account.
   */
  write(entry: AuditEntry, pending?: PendingAuditFields): void;
  /** Writes what waits, then closes the file. */
  close(): Promise<void>;
}

/** Opens (creating if needed) the audit log at `path` for appending, readable by its owner only. */
export async function openAuditLog(path: string): Promise<AuditLog> {
  await mkdir(dirname(path), { recursive: true });
  const stream: WriteStream = createWriteStream(path, { flags: 'a', mode: 0o600 });
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', reject);
  });
  stream.on('error', () => {});
  let waiting = 0;
  let queue: Promise<void> = Promise.resolve();
  const append = (entry: AuditEntry) => stream.write(`${formatAuditLine(entry)}\n`);
  return {
    path,
    write(entry, pending) {
      if (pending?.account === undefined && waiting === 0) {
        append(entry);
        return;
      }
      waiting += 1;
      const account = (pending?.account ?? Promise.resolve(undefined)).catch(() => undefined);
      queue = queue
        .then(() => account)
        .then((known) => {
          waiting -= 1;
          append(known === undefined ? entry : { ...entry, account: known });
        });
    },
    close: () => queue.then(() => new Promise<void>((resolve) => stream.end(resolve))),
  };
}

/** One audit entry as its JSON line: argv words masked, hidden characters escaped. */
export function formatAuditLine(entry: AuditEntry): string {
  const masked: AuditEntry =
    entry.argv === undefined
      ? entry
      : {
          ...entry,
          // What the parse already judged stays as it is: a redacted value (the masker would read `[redacted]` as
          // a value) and a file reference, which names a file rather than holding a secret.
          argv: entry.argv.map((argv) =>
            argv.map((word) => (judged.test(word) ? word : maskSecrets(word).text)),
          ),
        };
  return escapeHiddenJson(JSON.stringify(masked));
}

/** An argv word whose value the parse redacted, or that names a file (`--x=file://NAME`, `fileb://NAME`). */
const judged = /(?:\[redacted\]$|^(?:--[\w-]+=)?fileb?:\/\/)/;
