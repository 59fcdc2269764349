/**
 * @aws-mcp/prompts: prompts for common AWS work that only ask for command lines aws-mcp can run. Anything exported
 * here is public; nothing else may be imported from outside the package.
 */
export type {
  CompleteArgument,
  PromptArguments,
  PromptDefinition,
  PromptMessage,
  PromptResult,
} from './_define.js';
export type { CompletionOptions } from './complete.js';
export { completeProfile, completeRegion, completeServiceName } from './complete.js';
export { getPrompt, listPrompts } from './list-prompts.js';
export type { PromptErrorCode } from './prompt-error.js';
export { PromptError } from './prompt-error.js';
