import { mkdir } from 'node:fs/promises';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv-provider.js';
import type { jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/types.js';
import type { ServerConfig } from './config.js';
import { registerPrompts } from './prompts/index.js';
import { registerResources } from './resources/index.js';
import { createServerContext, type ServerContext } from './server-context.js';
import { registerTools } from './tools/index.js';

/** The server's version, as it reports it in `initialize`. */
export const serverVersion = '0.1.0';

function describeMode(context: ServerContext): string {
  switch (context.policy.mode) {
    case 'read-only':
      return 'The server is read-only: commands that change anything or read secrets are refused.';
    case 'confirm-writes':
      return 'Reads run at once; a write or a sensitive read asks the user first, so say what it will do before calling.';
    case 'full':
      return 'Every command the IAM permissions allow runs without asking: state writes before running them.';
  }
}

/**
 * Builds one MCP session's server on the shared context: the two tools, the configuration resources and the
 * prompt library. Cheap; an HTTP server builds one per session.
 */
let ajvValidator: AjvJsonSchemaValidator | undefined;

/**
 * The SDK's own Ajv validator (it checks elicitation answers against their form), built at the first answer it
 * checks rather than with every McpServer: building Ajv is a tenth of start-up, and most sessions never ask.
 * One for all sessions: it only compiles and caches schemas.
 */
const lazyAjvValidator: jsonSchemaValidator = {
  getValidator(schema) {
    ajvValidator ??= new AjvJsonSchemaValidator();
    return ajvValidator.getValidator(schema);
  },
};

export function createMcpServer(context: ServerContext): McpServer {
  const server = new McpServer(
    {
      name: 'aws-mcp',
      title: 'AWS CLI',
      version: serverVersion,
      websiteUrl: 'https://github.com/aws-mcp/aws-mcp',
      icons: [
        {
          src: `data:image/svg+xml;base64,${Buffer.from(icon).toString('base64')}`,
          mimeType: 'image/svg+xml',
          sizes: ['any'],
        },
      ],
    },
    {
      capabilities: { tools: {}, resources: {}, prompts: {}, logging: {}, completions: {} },
      jsonSchemaValidator: lazyAjvValidator,
      instructions: [
        'AWS through the AWS CLI. Learn a command with aws_cli_help (service and command, or a free-text query such as',
        '"list lambda functions"), then run it with aws_cli_pipeline. Each call is one `aws …` command line, optionally',
        'piped into filters (jq, grep, head, sort, wc, …); there is no shell, so use --query, --output and filters instead',
        `of \`&&\`, \`;\`, \`$(…)\` or redirections. Local files live in the working directory ${context.config.workdir};`,
        `use paths relative to it. ${describeMode(context)} The resources aws://config/profiles, aws://config/regions and`,
        'aws://config/environment show the AWS setup.',
      ].join(' '),
    },
  );
  registerTools(server, context);
  registerResources(server, context);
  registerPrompts(server, context);
  context.sessions.add(server);
  server.server.onclose = () => {
    context.sessions.delete(server);
    // Standing approvals end with their session, however it ended (HTTP close or eviction, stdio exit).
    context.approvals.endSession(server);
    // Kept results too: nobody can read them once their session is gone.
    context.results.endSession(server);
  };
  server.server.oninitialized = () => {
    if (context.sandbox.unavailableReason === undefined) return;
    server
      .sendLoggingMessage(
        {
          level: 'warning',
          logger: 'aws-mcp',
          data: `No sandbox confines the AWS CLI here: ${context.sandbox.unavailableReason}.`,
        },
        server.server.transport?.sessionId,
      )
      .catch(() => {});
  };
  return server;
}

/**
 * Builds the shared context and one session's server, for stdio and tests. Creates the working directory.
 * `cleanup` closes the server and releases the context (file watches, the audit log).
 */
export async function createServer({
  config,
  env,
  context: given,
}: {
  config: ServerConfig;
  env: NodeJS.ProcessEnv;
  context?: ServerContext;
}): Promise<{ server: McpServer; context: ServerContext; cleanup: () => Promise<void> }> {
  await mkdir(config.workdir, { recursive: true, mode: 0o700 });
  const context = given ?? (await createServerContext({ config, env }));
  const server = createMcpServer(context);
  return {
    server,
    context,
    cleanup: async () => {
      await server.close();
      await context.close();
    },
  };
}

const icon =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="12" fill="#232f3e"/>' +
  '<path d="M14 40c10 6 26 6 36 0" stroke="#ff9900" stroke-width="4" fill="none" stroke-linecap="round"/>' +
  '<text x="32" y="32" font-family="monospace" font-size="18" fill="#fff" text-anchor="middle">aws&gt;</text></svg>';
