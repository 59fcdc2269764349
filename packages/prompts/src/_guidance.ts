/** Filter programs the server runs after the `aws` stage. */
export const filterNames = [
  'jq',
  'grep',
  'egrep',
  'fgrep',
  'head',
  'tail',
  'sort',
  'uniq',
  'wc',
  'cut',
  'tr',
  'column',
  'nl',
  'fold',
  'rev',
  'tac',
  'base64',
  'paste',
  'awk',
  'sed',
] as const;

/** How to use the two tools and what a command line may contain; every prompt starts with it. */
export const toolGuide = `You work through the aws-mcp server, which has two tools:
- aws_cli_help: the AWS CLI's own documentation. Pass \`service\` (e.g. s3) and optionally \`command\` (e.g. list-objects-v2), or a free-text \`query\` when you do not know the service. Check options there instead of guessing.
- aws_cli_pipeline: runs one command line: a single aws command, optionally followed by filter stages: ${filterNames.map((name) => `| ${name}`).join(', ')}.

Every command line you send must follow these rules:
- Exactly one aws command per call. Never use &&, ;, $( ), backticks outside a quoted --query, for or while loops, xargs, sleep, redirection, or any program other than aws and the filters above. To act on several items, list them in one call, then send one call per item.
- Narrow the output in the CLI first with --query (JMESPath) and --output json, text or table, then trim it with filter stages such as | jq, | grep, | sort, | head.
- Placeholders are UPPER_SNAKE words such as BUCKET_NAME or INSTANCE_ID. Replace each with a real value, found with a list or describe command, before running the line. Never write angle brackets.
- Start by confirming the account and identity with \`aws sts get-caller-identity\`.`;

/** Tells the assistant to plan writes and wait; used by every prompt that creates, changes or deletes. */
export const planWrites = `This task changes resources, so plan first and change nothing yet:
1. Inspect the current state with read-only list, describe and get commands.
2. Show the user the plan: every command that creates, changes or deletes something, exactly as you would run it, in order, with what it changes, what it costs and what cannot be undone.
3. Where the command has --dry-run (most EC2 commands do), run it with --dry-run first and report the result.
4. Wait for the user's explicit approval. Then run the approved commands one at a time and check the result of each before the next.`;

/** Placeholder used when an argument cannot be put on a command line as it is. */
const safeWord = /^[A-Za-z0-9._:/@+=,-]+$/;

/** The value if it can stand as one word on a command line, else the UPPER_SNAKE placeholder. */
export function asWord(value: string | undefined, placeholder: string): string {
  const trimmed = value?.trim() ?? '';
  return safeWord.test(trimmed) ? trimmed : placeholder;
}

/** Formats command lines as a fenced block, one per line. */
export function commandBlock(lines: readonly string[]): string {
  return ['```', ...lines, '```'].join('\n');
}
