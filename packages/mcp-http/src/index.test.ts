import { describe, expect, it } from 'vitest';
import * as mcpHttp from './index.js';

describe('@aws-mcp/mcp-http public API', () => {
  it('exports exactly these values', () => {
    expect(Object.keys(mcpHttp).sort()).toEqual([
      'McpHttpError',
      'defaultSettingNames',
      'generateAuthToken',
      'isLoopbackHost',
      'sessionLabel',
      'startMcpHttpServer',
    ]);
  });
});
