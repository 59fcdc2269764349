import type { McpHttpSettings } from '../index.js';

/** The bearer token the tests' servers accept. */
export const testToken = 'a-token-long-enough-1234';

/** Settings for a test server on a free loopback port, with `chosen` on top. */
export function testSettings(chosen: Partial<McpHttpSettings> = {}): McpHttpSettings {
  return {
    host: '127.0.0.1',
    port: 0,
    authToken: testToken,
    authTokens: [testToken],
    stateless: false,
    maxSessions: 4,
    sessionIdleTimeoutSeconds: 60,
    sessionEvictIdleSeconds: 60,
    resumeGraceSeconds: 5,
    maxRequestBytes: 1024 * 1024,
    allowedHosts: [],
    allowedOrigins: [],
    ...chosen,
  };
}
