import { readResultPage } from '@aws-mcp/executor';
import { type McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import type { ServerContext } from '../server-context.js';
import { keptResultUri } from '../tools/_kept-results.js';

/** The JSON-RPC code the MCP specification gives a resource that does not exist. */
const resourceNotFound = -32002;

function readNumber(text: string | null, fallback: number): number {
  if (text === null || text === '') return fallback;
  const number = Number(text);
  if (!Number.isInteger(number) || number < 0) {
    throw new McpError(
      -32602,
      `offset and length are whole numbers of characters, not ${JSON.stringify(text)}.`,
    );
  }
  return number;
}

/**
 * Registers `aws://results/{id}` (`?offset=N&length=M` for a page): this session's kept outputs (masked), read in pages of at most
 * the output cap. The session is the McpServer the template is registered on, so another session's id reads as
 * one that does not exist, and resources/list shows each session only its own.
 */
export function registerKeptResults(server: McpServer, context: ServerContext): void {
  server.registerResource(
    'kept-result',
    // `?offset=N&length=M` is read from the URI itself: the SDK's `{?offset,length}` matches only both, in order.
    new ResourceTemplate('aws://results/{id}', {
      list: () => ({
        resources: context.results.list(server).map((kept) => ({
          uri: keptResultUri(kept.id),
          name: `result-${kept.id}`,
          title: kept.label,
          description: `The whole output (masked) of ${kept.label}; kept until ${new Date(kept.expiresAt).toISOString()}.`,
          mimeType: 'text/plain',
        })),
      }),
    }),
    {
      title: 'Kept output',
      description:
        'A cut output of aws_cli_pipeline, whole and masked, kept for this session only: read it in pages with ' +
        '?offset=N&length=M (characters; at most the output cap per page).',
      mimeType: 'text/plain',
    },
    (uri, variables) => {
      const id = String(Array.isArray(variables.id) ? variables.id[0] : variables.id).split('?')[0] ?? '';
      const kept = context.results.get(server, id);
      if (kept === undefined) {
        // The same answer for another session's id as for none, so an id tells nobody whether it exists.
        throw new McpError(resourceNotFound, `No kept result ${keptResultUri(id)} in this session.`, {
          uri: uri.href,
        });
      }
      const maxChars = context.config.maxOutputChars;
      const page = readResultPage(kept.text, {
        offset: readNumber(uri.searchParams.get('offset'), 0),
        length: readNumber(uri.searchParams.get('length'), maxChars),
        maxChars,
      });
      const next =
        page.nextOffset === undefined ? 'the last page' : `the next page starts at offset ${page.nextOffset}`;
      return {
        contents: [{ uri: uri.href, mimeType: 'text/plain', text: page.text }],
        _meta: {
          offset: page.offset,
          totalChars: page.totalChars,
          ...(page.nextOffset === undefined ? {} : { nextOffset: page.nextOffset }),
          page: `characters ${page.offset}–${page.offset + page.text.length} of ${page.totalChars}; ${next}`,
        },
      };
    },
  );
}
