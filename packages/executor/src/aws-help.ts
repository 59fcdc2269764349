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

/** Man-page sections that repeat on every page and say nothing about the topic. */
const repeatedSections = new Set(['GLOBAL OPTIONS']);

/** The page's sections, by their unindented heading (`OPTIONS`), in order; text before the first is dropped. */
function splitSections(text: string): { heading: string; body: string[] }[] {
  const sections: { heading: string; body: string[] }[] = [];
  for (const line of text.split('\n')) {
    if (/^[A-Z][A-Z -]*$/.test(line)) sections.push({ heading: line.trim(), body: [] });
    else sections.at(-1)?.body.push(line);
  }
  return sections;
}

const indentOf = (line: string) => /^\s*/.exec(line)?.[0].length ?? 0;
const looksLikeCode = (line: string) => /^(aws |\$ |[{}[\]"<])/.test(line.trim());

/** Joins one block of prose into a line, undoing line-end hyphenation unless the page writes the pair hyphenated. */
function joinProse(block: string[], compounds: ReadonlySet<string>): string {
  let paragraph = '';
  for (const line of block) {
    const text = line.trim().replace(/ {2,}/g, ' ');
    const broken = /([A-Za-z]+)-$/.exec(paragraph);
    const next = /^[A-Za-z]+/.exec(text)?.[0];
    if (paragraph === '') paragraph = text;
    else if (broken !== null && next !== undefined && !compounds.has(`${broken[1]}-${next}`.toLowerCase())) {
      paragraph = `${paragraph.slice(0, -1)}${text}`;
    } else paragraph = `${paragraph} ${text}`;
  }
  return paragraph;
}

/**
 * Paragraphs joined into single lines, justification spaces collapsed, and groff's line-end hyphenation undone:
 * a word split at a line end is joined unless the page writes the same pair with a hyphen within a line
 * (`server-side` stays, `Ser- vice` becomes `Service`). A block indented under prose that ends with `:` (an
 * example command, its output, JSON) keeps its lines.
 */
function reflow(lines: string[], compounds: ReadonlySet<string>): string[] {
  const blocks: string[][] = [[]];
  for (const line of lines) {
    if (line.trim() === '') blocks.push([]);
    else blocks.at(-1)?.push(line);
  }
  const out: string[] = [];
  let introduces: number | undefined;
  for (const block of blocks.filter((entry) => entry.length > 0)) {
    const indent = Math.min(...block.map(indentOf));
    // A man-page bullet (`o item`) under a colon is a list, not code.
    const isBullet = /^o /.test(block[0]?.trim() ?? '');
    const isCode =
      (introduces !== undefined && indent > introduces && !isBullet) || block.every(looksLikeCode);
    if (isCode) out.push(...block.map((line) => line.trimEnd()), '');
    else {
      const paragraph = joinProse(block, compounds);
      out.push(`${indent > 0 ? '  ' : ''}${paragraph}`, '');
      introduces = paragraph.endsWith(':') ? indent : undefined;
    }
  }
  return out;
}

/**
 * The CLI's rendered man page made compact for a model: the running header and footer, the GLOBAL OPTIONS
 * section, every line naming a `refusedOptions` entry (options the server refuses) and the `globalOptions` in the
 * synopsis removed, the synopsis on one line, paragraphs joined
 * into lines with the justification spaces collapsed, and groff's line-end hyphenation undone where the joined
 * word appears elsewhere on the page. At most `maxChars` characters; a cut page says how much was left out.
 */
export function compactHelpText(
  text: string,
  options: { refusedOptions?: readonly string[]; globalOptions?: readonly string[]; maxChars?: number } = {},
): string {
  const refused = options.refusedOptions ?? [];
  const globals = [...refused, ...(options.globalOptions ?? [])];
  const compounds = new Set(text.toLowerCase().match(/[a-z]+-[a-z]+/g) ?? []);
  const kept: string[] = [];
  for (const section of splitSections(cleanHelpText(text).replace(/\n\s*\S+\(\)\s*$/, '\n'))) {
    if (repeatedSections.has(section.heading)) continue;
    const body = section.body.filter(
      (line) => !refused.some((option) => new RegExp(`${option}(?![a-z-])`).test(line)),
    );
    if (section.heading === 'SYNOPSIS') {
      const own = body.filter((line) => !globals.some((option) => line.includes(`[${option}`)));
      kept.push(
        section.heading,
        `  ${own
          .map((line) => line.trim())
          .filter(Boolean)
          .join(' ')}`,
        '',
      );
    } else kept.push(section.heading, ...reflow(body, compounds));
  }
  const page = kept
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  const limit = options.maxChars ?? Number.POSITIVE_INFINITY;
  if (page.length <= limit) return page;
  const cut = page.slice(0, Math.max(0, limit - 200));
  return `${cut.slice(0, cut.lastIndexOf('\n'))}\n… ${page.length - cut.lastIndexOf('\n')} more characters of this page not shown; ask for a section or one parameter instead.`;
}

/** The AWS CLI v1 "Note: AWS CLI version 2 … is now stable" banner, which v1 prints in every usage error. */
const versionTwoBanner = /^usage: \r?Note: AWS CLI version 2, the latest major version[^\n]*\n+/m;

/** A CLI usage error without the v1 banner about version 2 (which says nothing about what went wrong). */
export function stripUsageBanner(stderr: string): string {
  return stderr.replace(versionTwoBanner, '');
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
