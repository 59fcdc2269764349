import { maskSecrets } from '@aws-mcp/executor';
import {
  McpHttpError,
  type McpHttpServerHandle,
  type McpHttpSettingNames,
  startMcpHttpServer,
} from '@aws-mcp/mcp-http';
import { writeMaskedStderr } from '../_masked-stderr.js';
import type { SettingVariable } from '../_settings.js';
import { createMcpServer } from '../server.js';
import { type ServerContext, StartupError } from '../server-context.js';

/** A running HTTP server. */
export type HttpServerHandle = McpHttpServerHandle;

/** The settings as the texts a client or the operator reads name them: the variables a person sets. */
const settingNames: { [Name in keyof McpHttpSettingNames]: SettingVariable } = {
  port: 'AWS_MCP_PORT',
  maxRequestBytes: 'AWS_MCP_MAX_REQUEST_BYTES',
  maxSessions: 'AWS_MCP_MAX_SESSIONS',
  sessionEvictIdleSeconds: 'AWS_MCP_SESSION_EVICT_IDLE',
  allowedHosts: 'AWS_MCP_ALLOWED_HOSTS',
  allowedOrigins: 'AWS_MCP_ALLOWED_ORIGINS',
};

/** What a resumed stream may replay: every string masked as the tools mask output, whatever the session saw. */
export const maskEventText = (text: string): string => maskSecrets(text).text;

/**
 * Serves MCP over HTTP on the shared context (`@aws-mcp/mcp-http`): one McpServer per session on the context,
 * the configured transport and limits, replayed events masked. Throws StartupError when it cannot listen.
 */
export async function startHttpServer({
  context,
  log = writeMaskedStderr,
}: {
  context: ServerContext;
  /** The operator's log (stderr): what one session did never goes to the others as a notification. */
  log?: (message: string) => void;
}): Promise<HttpServerHandle> {
  const { config } = context;
  try {
    return await startMcpHttpServer({
      transport: config.transport === 'sse' ? 'sse' : 'streamable-http',
      settings: config.http,
      createServer: () => createMcpServer(context),
      maskText: maskEventText,
      // A session's kept events hold a few of its largest results.
      eventBytes: Math.max(2 * 1024 * 1024, 8 * config.maxOutputChars),
      log,
      settingNames,
    });
  } catch (error) {
    if (error instanceof McpHttpError) throw new StartupError(error.message, { cause: error });
    throw error;
  }
}
