/**
 * @aws-mcp/mcp-http: serve MCP servers over streamable HTTP (or the deprecated SSE transport) with bearer tokens,
 * Host and Origin checks against DNS rebinding, a session cap with idle eviction, and bounded, masked event stores
 * for resumed streams. Anything exported here is public; nothing else may be imported from outside.
 */
export type { McpHttpErrorCode } from './_errors.js';
export { McpHttpError } from './_errors.js';
export type { McpHttpSettingNames, McpHttpSettings } from './_host.js';
export { defaultSettingNames } from './_host.js';
export { generateAuthToken, isLoopbackHost } from './_http-security.js';
export type { McpHttpServerHandle, StartMcpHttpServerOptions } from './http.js';
export { sessionLabel } from './session-label.js';
export { startMcpHttpServer } from './start.js';
