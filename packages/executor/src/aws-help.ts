import { parseCommandLine } from '@aws-mcp/command';
import { ExecutionError } from './execution-error.js';
import { type RunPipelineOptions, runPipeline } from './run-pipeline.js';

/** Which help page to read: none for the CLI's own, a service, or a service's command. */
export interface AwsHelpTopic {
  service?: string;
  command?: string;
}

/** A help page as plain text. `status: 'error'` with the CLI's message when the topic does not exist. */
export interface AwsHelpResult {
  status: 'success' | 'error' | 'timeout' | 'canceled';
  exitCode: number;
  /** The page, without backspace overstrike or terminal escapes. */
  text: string;
  stderr: string;
  durationMs: number;
}

const topicName = /^[a-z0-9][a-z0-9.-]*$/;

/** Strips the man-page overstrike (`N\bN` bold, `_\bN` underline) and ANSI escapes from rendered help. */
export function cleanHelpText(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escapes are what this removes
  let cleaned = text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
  let previous: string;
  do {
    previous = cleaned;
    // biome-ignore lint/suspicious/noControlCharactersInRegex: backspace overstrike is what this removes
    cleaned = cleaned.replace(/[^\x08]\x08/g, '');
  } while (cleaned !== previous);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: a stray backspace is removed too
  cleaned = cleaned.replace(/\x08/g, '');
  // The man page's running header (`CP()   CP()`) and runs of blank lines carry nothing.
  return cleaned
    .replace(/^\s*\S+\(\)\s+\S+\(\)[ \t]*\n/, '')
    .replace(/\n{3,}/g, '\n\n')
    .replace(/^\n+/, '');
}

function checkTopicName(kind: 'service' | 'command', value: string | undefined): void {
  if (value === undefined || topicName.test(value)) return;
  throw new ExecutionError({
    code: 'INVALID_OPTIONS',
    message:
      `The ${kind} ${JSON.stringify(value)} is not a CLI name: names are lower-case words joined by hyphens, ` +
      `such as \`s3\` or \`describe-instances\`. Ask for the service's help to see its commands.`,
  });
}

/**
 * Reads `aws [SERVICE [COMMAND]] help` as plain text, run like any other pipeline (same environment and
 * sandbox), never through a shell. Throws an ExecutionError for a topic that is not a CLI name or when the
 * AWS CLI is missing.
 */
export async function runAwsHelp(topic: AwsHelpTopic, options: RunPipelineOptions): Promise<AwsHelpResult> {
  checkTopicName('service', topic.service);
  checkTopicName('command', topic.command);
  if (topic.command !== undefined && topic.service === undefined) {
    throw new ExecutionError({
      code: 'INVALID_OPTIONS',
      message: 'A command needs its service, e.g. service `s3` with command `cp`.',
    });
  }
  const args = ['aws'];
  if (topic.service !== undefined) args.push(topic.service);
  if (topic.command !== undefined) args.push(topic.command);
  args.push('help');
  const result = await runPipeline(parseCommandLine({ args }), {
    ...options,
    maxOutputChars: options.maxOutputChars ?? 1_000_000,
    // Help pages name secret fields but hold no secrets; masking would only mangle the examples.
    maskSecrets: options.maskSecrets ?? false,
  });
  return {
    status: result.status,
    exitCode: result.exitCode,
    text: cleanHelpText(result.output),
    stderr: result.stderr,
    durationMs: result.durationMs,
  };
}
