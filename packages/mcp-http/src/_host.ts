import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';

/** Where and how the HTTP transports listen, and the limits they keep. */
export interface McpHttpSettings {
  /** The address to listen on (a name, an IPv4 address, or an IPv6 one with or without brackets). */
  host: string;
  /** The port; 0 picks a free one (the handle's `url` names it). */
  port: number;
  /** The first accepted bearer token; undefined: one is made at start (the handle's `authToken`). */
  authToken: string | undefined;
  /** Every accepted token, `authToken` first; a session takes requests only with the token that created it. */
  authTokens: readonly string[];
  /** Streamable HTTP without sessions: a new server per POST. */
  stateless: boolean;
  /** At most this many sessions at once. */
  maxSessions: number;
  /** A session with no open request for this long is closed, in seconds. */
  sessionIdleTimeoutSeconds: number;
  /** At the cap, a session idle this long is closed for a new client, in seconds. */
  sessionEvictIdleSeconds: number;
  /** How long a lost call stream may be resumed before its calls are canceled, in seconds. */
  resumeGraceSeconds: number;
  /** The largest request body accepted, in bytes. */
  maxRequestBytes: number;
  /** Host names accepted besides the loopback names and the bound host, lowercased. */
  allowedHosts: readonly string[];
  /** Browser origins accepted besides loopback ones. */
  allowedOrigins: readonly string[];
}

/**
 * How the texts a client or the log reads name the settings: an application passes its own words (an environment
 * variable, a flag) so the person reading a 503 or a 413 learns what to change.
 */
export interface McpHttpSettingNames {
  port: string;
  maxRequestBytes: string;
  maxSessions: string;
  sessionEvictIdleSeconds: string;
  allowedHosts: string;
  allowedOrigins: string;
}

/** The library's own option names, for callers that pass none. */
export const defaultSettingNames: McpHttpSettingNames = {
  port: '`settings.port`',
  maxRequestBytes: '`settings.maxRequestBytes`',
  maxSessions: '`settings.maxSessions`',
  sessionEvictIdleSeconds: '`settings.sessionEvictIdleSeconds`',
  allowedHosts: '`settings.allowedHosts`',
  allowedOrigins: '`settings.allowedOrigins`',
};

/** What every part of one HTTP server shares: its settings, how it names them, and what makes a session's server. */
export interface McpHttpHost {
  settings: McpHttpSettings;
  names: McpHttpSettingNames;
  /** A new McpServer, one per session (or per request when stateless). */
  createServer: () => McpServer;
  /** Applied to every string of an event kept for resumed streams: a replay returns nothing it did not mask. */
  maskText: (text: string) => string;
  /** How many bytes of events one session keeps for resumed streams. */
  eventBytes: number;
  /** The operator's log. */
  log: (message: string) => void;
}
