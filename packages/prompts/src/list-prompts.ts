import type { PromptDefinition } from './_define.js';
import { prompts } from './_prompts.js';

/**
 * Every prompt: the 17 the reference server had, with its names and argument names, plus their builders and
 * completions. Returns the same definitions on every call.
 */
export function listPrompts(): PromptDefinition[] {
  return [...prompts];
}

/** The prompt with this name, or undefined when there is none. */
export function getPrompt(name: string): PromptDefinition | undefined {
  return prompts.find((prompt) => prompt.name === name);
}
