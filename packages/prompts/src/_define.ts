import { z } from 'zod';
import { planWrites, toolGuide } from './_guidance.js';
import { PromptError } from './prompt-error.js';

/** One message of a rendered prompt, as MCP's prompts/get returns it. */
export interface PromptMessage {
  role: 'user';
  content: { type: 'text'; text: string };
}

/** A rendered prompt. */
export interface PromptResult {
  description?: string;
  messages: PromptMessage[];
}

/** Prompt arguments as a client sends them: every value is a string, optional ones may be missing. */
export type PromptArguments = Record<string, string | undefined>;

/** Completes one argument from what the user typed so far. */
export type CompleteArgument = (value: string) => string[] | Promise<string[]>;

/** A prompt as data plus a builder; `argsSchema` is a zod raw shape, every argument with a description. */
export interface PromptDefinition {
  name: string;
  title: string;
  description: string;
  argsSchema: Record<string, z.ZodType<string | undefined>>;
  build(args: PromptArguments): PromptResult;
  complete?: Record<string, CompleteArgument>;
}

interface ArgumentSpec {
  description: string;
  /** Arguments with a default are optional. */
  default?: string;
  complete?: CompleteArgument;
}

/** Builds a PromptDefinition: arguments with defaults become optional, and the shared guidance is prepended. */
export function definePrompt<Name extends string>(spec: {
  name: string;
  title: string;
  description: string;
  args: Record<Name, ArgumentSpec>;
  /** True when the task creates, changes or deletes resources: the plan-first rules are added. */
  changes: boolean;
  write: (args: Record<Name, string>) => string;
}): PromptDefinition {
  const entries = Object.entries(spec.args) as Array<[Name, ArgumentSpec]>;
  const argsSchema: Record<string, z.ZodType<string | undefined>> = {};
  const complete: Record<string, CompleteArgument> = {};
  for (const [name, argument] of entries) {
    const description =
      argument.default === undefined
        ? argument.description
        : `${argument.description} (default: ${argument.default})`;
    argsSchema[name] =
      argument.default === undefined
        ? z.string().min(1).describe(description)
        : z.string().optional().describe(description);
    if (argument.complete) complete[name] = argument.complete;
  }
  const parser = z.object(argsSchema);
  return {
    name: spec.name,
    title: spec.title,
    description: spec.description,
    argsSchema,
    ...(Object.keys(complete).length > 0 ? { complete } : {}),
    build(args) {
      const parsed = parser.safeParse(args);
      if (!parsed.success) {
        const names = [...new Set(parsed.error.issues.map((issue) => String(issue.path[0])))];
        throw new PromptError({
          code: 'INVALID_ARGUMENTS',
          message: `Prompt ${spec.name} needs ${names.map((name) => `\`${name}\``).join(', ')} as a non-empty string.`,
          cause: parsed.error,
        });
      }
      const values = {} as Record<Name, string>;
      for (const [name, argument] of entries) {
        const given = (parsed.data[name] as string | undefined)?.trim();
        values[name] = given ? given : (argument.default ?? '');
      }
      const text = [toolGuide, spec.write(values), ...(spec.changes ? [planWrites] : [])].join('\n\n');
      return {
        description: spec.description,
        messages: [{ role: 'user', content: { type: 'text', text } }],
      };
    },
  };
}
