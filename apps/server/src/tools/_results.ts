import { maskSecrets } from '@aws-mcp/executor';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { describeRefusal, type RefusalCode, type RefusalFields } from './_refusals.js';
import type { PipelineOutput } from './aws-cli-pipeline.js';

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

/** The run fields of a call that started no process (a refusal, a check). */
export const nothingRan = {
  output: '',
  stderr: '',
  truncated: false,
  totalChars: 0,
  durationMs: 0,
  maskedSecrets: 0,
} as const satisfies Partial<PipelineOutput>;

/**
 * A refused call: the text block is the readable message, `structuredContent` carries `code`, `reason` and
 * `suggestion`. Both go through the masking engine, since a message may quote what the call was given.
 */
export function refused(
  refusal: { code: RefusalCode; text: string; reason?: string },
  fields: Partial<PipelineOutput> = {},
): CallToolResult {
  const text = maskSecrets(refusal.text).text;
  const described: RefusalFields = describeRefusal(
    refusal.code,
    maskSecrets(refusal.reason ?? refusal.text).text,
  );
  const structured: PipelineOutput = { status: 'refused', ...nothingRan, ...fields, ...described };
  return errorResult(text, structured);
}
