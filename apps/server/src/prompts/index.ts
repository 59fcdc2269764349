import { listPrompts } from '@aws-mcp/prompts';
import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ZodType } from 'zod';
import type { ServerContext } from '../server-context.js';

/** Registers every prompt of @aws-mcp/prompts, with completion where the prompt offers it. */
export function registerPrompts(server: McpServer, _context: ServerContext): void {
  for (const prompt of listPrompts()) {
    const argsSchema: Record<string, ZodType<string | undefined>> = {};
    for (const [name, schema] of Object.entries(prompt.argsSchema)) {
      const complete = prompt.complete?.[name];
      argsSchema[name] =
        complete === undefined
          ? schema
          : (completable(schema, async (value) => complete(String(value ?? ''))) as typeof schema);
    }
    server.registerPrompt(
      prompt.name,
      { title: prompt.title, description: prompt.description, argsSchema },
      (args) => {
        const result = prompt.build(args as Record<string, string | undefined>);
        return {
          description: result.description,
          messages: result.messages.map((message) => ({
            role: message.role,
            content: { type: 'text' as const, text: message.content.text },
          })),
        };
      },
    );
  }
}
