import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/** A successful tool result with one text block. */
export function textResult(text: string, structuredContent?: Record<string, unknown>): CallToolResult {
  return {
    content: [{ type: 'text', text }],
    ...(structuredContent === undefined ? {} : { structuredContent }),
  };
}

/** A failed tool result the model can read and act on (`isError: true`), not a protocol error. */
export function errorResult(text: string, structuredContent?: Record<string, unknown>): CallToolResult {
  return {
    isError: true,
    content: [{ type: 'text', text }],
    ...(structuredContent === undefined ? {} : { structuredContent }),
  };
}
