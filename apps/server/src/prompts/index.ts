import { listPrompts, type PromptDefinition } from '@aws-mcp/prompts';
import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ZodType } from 'zod';
import type { ServerContext } from '../server-context.js';

type ArgsShape = Record<string, ZodType<string | undefined>>;

let shapes: Map<string, ArgsShape> | undefined;

/**
 * The prompts' argument shapes with completion attached. Built once per process: `completable` marks the schema
 * object itself, and the prompt library's schemas are shared by every session.
 */
function argumentShapes(prompts: PromptDefinition[]): Map<string, ArgsShape> {
  if (shapes !== undefined) return shapes;
  shapes = new Map();
  for (const prompt of prompts) {
    const shape: ArgsShape = {};
    for (const [name, schema] of Object.entries(prompt.argsSchema)) {
      const complete = prompt.complete?.[name];
      shape[name] =
        complete === undefined
          ? schema
          : (completable(schema, async (value) => complete(String(value ?? ''))) as typeof schema);
    }
    shapes.set(prompt.name, shape);
  }
  return shapes;
}

/** Registers every prompt of @aws-mcp/prompts, with completion where the prompt offers it. */
export function registerPrompts(server: McpServer, _context: ServerContext): void {
  const prompts = listPrompts();
  const shapesByName = argumentShapes(prompts);
  for (const prompt of prompts) {
    server.registerPrompt(
      prompt.name,
      {
        title: prompt.title,
        description: prompt.description,
        argsSchema: shapesByName.get(prompt.name) ?? {},
      },
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
