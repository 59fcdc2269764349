import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { type CallToolResult, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';

const serverEntry = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'server', 'dist', 'index.js');

/** One call of a tour: a tool call or a resource read, and the outcome it must have. */
export interface Step {
  title: string;
  /** A tool call, or `resource` to read `arguments.uri`. */
  tool: 'aws_cli_help' | 'aws_cli_pipeline' | 'resource';
  arguments: Record<string, unknown>;
  /** `refused`: the server must answer isError (a refusal the tour shows on purpose). */
  expect?: 'ok' | 'refused';
  /** Text the result must contain, so a step that "worked" with the wrong answer still fails the tour. */
  shows?: string | RegExp;
  /** Text the result must not contain (a secret the assistant must never see). */
  hides?: string;
  /** A sentence printed after the result, to say what the user is looking at. */
  note?: string;
  /** Runs after the call; what it returns is printed as a note (what the demo itself sees in the working directory). */
  afterward?: () => Promise<string>;
  /** How many lines of the result to print. */
  showLines?: number;
}

/** A connected demo client: the real server over stdio, with a consent handler that approves and says so. */
export interface DemoSession {
  client: Client;
  close(): Promise<void>;
}

/**
 * Starts `aws-mcp-server` (the built `apps/server/dist/index.js`) with `env` and connects an MCP client that
 * can ask for consent. The demo answers every consent request itself, printing what was asked: a plain write
 * is approved; for output that carries secrets it picks `save` (the secrets go to a file, the assistant sees them
 * masked).
 */
export async function connectDemoClient(env: Record<string, string>): Promise<DemoSession> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [serverEntry],
    env,
    stderr: 'ignore',
  });
  const client = new Client(
    { name: 'aws-mcp-demo', version: '0.1.0' },
    { capabilities: { elicitation: { form: {} } } },
  );
  client.setRequestHandler(ElicitRequestSchema, async (request) => {
    const lines = request.params.message.split('\n');
    const command = lines.find((line) => line.startsWith('  '))?.trim();
    const account = lines.find((line) => line.startsWith('Account: '));
    const region = lines.find((line) => line.startsWith('Region: '));
    console.log(`  ? the server asks for consent: ${command}`);
    console.log(`    (${[account, region].filter(Boolean).join(', ')})`);
    const schema = 'requestedSchema' in request.params ? request.params.requestedSchema : undefined;
    if (schema?.properties !== undefined && 'answer' in schema.properties) {
      console.log(
        '  ✓ the demo answers "save": run it, secrets to a file only you open, masked for the assistant',
      );
      return { action: 'accept', content: { answer: 'save' } };
    }
    console.log('  ✓ the demo approves it (an MCP client would ask you)');
    return { action: 'accept', content: { approve: true } };
  });
  const connectStarted = performance.now();
  await client.connect(transport);
  console.log(`Connected to aws-mcp-server in ${Math.round(performance.now() - connectStarted)} ms.`);
  const environment = await client.readResource({ uri: 'aws://config/environment' });
  const first = environment.contents[0];
  if (first !== undefined && 'text' in first) {
    const settings = JSON.parse(first.text) as { mode: string; sandbox: { description: string } };
    console.log(`  mode ${settings.mode}; sandbox: ${settings.sandbox.description}\n`);
  }
  return { client, close: () => client.close() };
}

function firstText(result: CallToolResult): string {
  const block = result.content[0];
  return block?.type === 'text' ? block.text : '';
}

function indent(text: string, maxLines: number): string {
  const lines = text.trimEnd().split('\n');
  const shown = lines.slice(0, maxLines).map((line) => `    ${line}`);
  if (lines.length > maxLines) shown.push(`    … (${lines.length - maxLines} more lines)`);
  return shown.join('\n');
}

function describeStep(step: Step): string {
  if (step.tool === 'resource') return `read ${String(step.arguments.uri)}`;
  if (step.tool === 'aws_cli_help') return `aws_cli_help ${JSON.stringify(step.arguments)}`;
  const { command, args, ...rest } = step.arguments;
  const line = typeof command === 'string' ? command : JSON.stringify({ args });
  return `aws_cli_pipeline ${line}${Object.keys(rest).length === 0 ? '' : `  ${JSON.stringify(rest)}`}`;
}

/** Runs the steps in order, printing each call, its result and timing. Returns how many went otherwise than expected. */
export async function runSteps(client: Client, steps: Step[]): Promise<number> {
  let failures = 0;
  for (const [index, step] of steps.entries()) {
    console.log(`${index + 1}. ${step.title}\n  → ${describeStep(step)}`);
    const started = performance.now();
    let text: string;
    let isError: boolean;
    if (step.tool === 'resource') {
      const read = await client.readResource({ uri: String(step.arguments.uri) });
      const first = read.contents[0];
      text = first !== undefined && 'text' in first ? first.text : '';
      isError = false;
    } else {
      const result = (await client.callTool({
        name: step.tool,
        arguments: step.arguments,
      })) as CallToolResult;
      text = firstText(result);
      isError = result.isError === true;
    }
    const elapsed = Math.round(performance.now() - started);
    const expected = step.expect ?? 'ok';
    const shows =
      step.shows === undefined ||
      (typeof step.shows === 'string' ? text.includes(step.shows) : step.shows.test(text));
    const hides = step.hides === undefined || !text.includes(step.hides);
    const ok = (expected === 'refused') === isError && shows && hides;
    if (!ok) failures++;
    const outcome = !ok
      ? `FAILED${shows ? '' : ` (expected to show ${String(step.shows)})`}${hides ? '' : ' (it showed a secret)'}`
      : expected === 'refused'
        ? 'refused, as it should be'
        : 'ok';
    console.log(`  ← ${outcome} in ${elapsed} ms`);
    console.log(indent(text, step.showLines ?? 12));
    if (step.note !== undefined) console.log(`  ℹ ${step.note}`);
    if (step.afterward !== undefined) console.log(`  ℹ ${await step.afterward()}`);
    console.log('');
  }
  return failures;
}
