import { maskSecrets } from '@aws-mcp/executor';

/**
 * Writes one line of the operator's log to stderr, `aws-mcp: ` first, through the same masking engine as the
 * commands' output: a line can quote a setting's value, a client's request id or an error's message.
 */
export function writeMaskedStderr(message: string): void {
  process.stderr.write(`aws-mcp: ${maskSecrets(message).text}\n`);
}
