import { describeKeptResult, readKeptResult } from '@aws-mcp/executor';
import { type McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import type { ServerContext } from '../server-context.js';

/** The JSON-RPC codes of the MCP specification: a resource that does not exist, and invalid parameters. */
const errorCodes = { RESULT_NOT_FOUND: -32002, RESULT_ARGUMENT_INVALID: -32602 } as const;

/**
 * Registers `aws://results/{id}` (`?offset=N&length=M` for a page): this session's kept outputs (masked), read in
 * pages of at most the output cap with the executor's readKeptResult. The session is the McpServer the template is
 * registered on, so another session's id reads as one that does not exist, and resources/list shows each session
 * only its own.
 */
export function registerKeptResults(server: McpServer, context: ServerContext): void {
  server.registerResource(
    'kept-result',
    // `?offset=N&length=M` is read from the URI itself: the SDK's `{?offset,length}` matches only both, in order.
    new ResourceTemplate('aws://results/{id}', {
      list: () => ({ resources: context.results.list(server).map(describeKeptResult) }),
    }),
    {
      title: 'Kept output',
      description:
        'A cut output of aws_cli_pipeline, whole and masked, kept for this session only: read it in pages with ' +
        '?offset=N&length=M (characters; at most the output cap per page).',
      mimeType: 'text/plain',
    },
    (uri, variables) => {
      const read = readKeptResult(context.results, server, {
        id: String(Array.isArray(variables.id) ? variables.id[0] : variables.id).split('?')[0] ?? '',
        offset: uri.searchParams.get('offset'),
        length: uri.searchParams.get('length'),
        maxChars: context.config.maxOutputChars,
      });
      if ('refusal' in read) {
        const { code, reason } = read.refusal;
        throw new McpError(
          errorCodes[code],
          reason,
          code === 'RESULT_NOT_FOUND' ? { uri: uri.href } : undefined,
        );
      }
      const { page, summary } = read;
      return {
        contents: [{ uri: uri.href, mimeType: 'text/plain', text: page.text }],
        _meta: {
          offset: page.offset,
          totalChars: page.totalChars,
          ...(page.nextOffset === undefined ? {} : { nextOffset: page.nextOffset }),
          page: summary,
        },
      };
    },
  );
}
