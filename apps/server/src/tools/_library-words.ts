/** One sentence part a library says in its own words, and the server's words for it. */
export interface ServerWordsRow {
  /** The library error's code whose message holds the words. */
  code: string;
  library: string;
  server: string;
  reason: string;
}

/**
 * Where the server says a library's refusal in its own words, one row each with its reason. The libraries speak
 * of their own options and of "the installed CLI"; a person using the server knows that CLI as the server's.
 */
export const serverWords: readonly ServerWordsRow[] = [
  {
    code: 'NOT_IN_CLI_SNAPSHOT',
    library: '; the installed CLI is ',
    server: '; this server runs ',
    reason: 'the installed CLI is the one the server runs (AWS_MCP_AWS_CLI)',
  },
  {
    code: 'NOT_IN_CLI_SNAPSHOT',
    library: 'so its own tables can be learned',
    server: 'so the server learns its own tables',
    reason: 'the server learns the tables of a pip or packaged CLI by itself, once per version',
  },
  {
    code: 'UNKNOWN_COMMAND',
    library:
      'v1 lists no profiles: `aws configure list` shows the one in use, and the profiles are the sections of the AWS config and credentials files',
    server: 'the aws://config/profiles resource lists the configured profiles',
    reason: 'the server shows the configured profiles as a resource, which the model can read',
  },
];

/** A library error's message in the server's words (the rows of {@link serverWords} for its code applied). */
export function sayInServerWords(error: { code: string; message: string }): string {
  let message = error.message;
  for (const row of serverWords) {
    if (row.code === error.code) message = message.replace(row.library, row.server);
  }
  return message;
}
