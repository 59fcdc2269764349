import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { McpHttpSettings } from './_host.js';
import { createCorsPolicy, createHostCheck, createTokenCheck, isLoopbackHost } from './_http-security.js';

type Chosen = Partial<Pick<McpHttpSettings, 'host' | 'allowedHosts' | 'allowedOrigins'>>;

/** The settings the checks read: loopback, nothing else allowed, unless the row chooses. */
function httpConfig(chosen: Chosen = {}): Pick<McpHttpSettings, 'host' | 'allowedHosts' | 'allowedOrigins'> {
  return { host: '127.0.0.1', allowedHosts: [], allowedOrigins: [], ...chosen };
}

/** An application's own words for the settings, as the server passes them. */
const names = { allowedHosts: 'AWS_MCP_ALLOWED_HOSTS', allowedOrigins: 'AWS_MCP_ALLOWED_ORIGINS' };

function requestWith(headers: Record<string, string>, method = 'POST'): IncomingMessage {
  return { headers, method } as IncomingMessage;
}

describe('createHostCheck', () => {
  it.each([
    [{}, { host: '127.0.0.1:8000' }],
    [{}, { host: 'localhost:8000' }],
    [{}, { host: 'LOCALHOST' }],
    [{}, { host: '[::1]:8000' }],
    [{}, { host: '127.0.0.1:8000', origin: 'http://localhost:3000' }],
    [{ host: '10.0.0.5' }, { host: '10.0.0.5:8000' }],
    [{ host: '0.0.0.0', allowedHosts: ['mcp.example.com'] }, { host: 'mcp.example.com' }],
    [{ allowedHosts: ['mcp.internal:9000'] }, { host: 'mcp.internal:9000' }],
    [
      { allowedOrigins: ['https://app.example.com'] },
      { host: 'localhost:8000', origin: 'https://app.example.com' },
    ],
  ])('with %j accepts %j', (chosen: Chosen, headers) => {
    expect(createHostCheck(httpConfig(chosen), names)(requestWith(headers))).toBeUndefined();
  });

  it.each([
    [{}, {}, 'Forbidden: Host "" is not allowed'],
    [{}, { host: 'attacker.example:8000' }, 'Forbidden: Host "attacker.example:8000" is not allowed'],
    [
      {},
      { host: 'localhost.attacker.example' },
      'Forbidden: Host "localhost.attacker.example" is not allowed',
    ],
    [{ host: '0.0.0.0' }, { host: '0.0.0.0:8000' }, 'Forbidden: Host "0.0.0.0:8000" is not allowed'],
    [{ allowedHosts: ['mcp.internal:9000'] }, { host: 'mcp.internal:9001' }, 'Forbidden: Host'],
    [
      {},
      { host: 'localhost:8000', origin: 'https://attacker.example' },
      'Forbidden: Origin "https://attacker.example"',
    ],
    [{}, { host: 'localhost:8000', origin: 'null' }, 'Forbidden: Origin "null"'],
  ])('with %j refuses %j', (chosen: Chosen, headers, message) => {
    expect(createHostCheck(httpConfig(chosen), names)(requestWith(headers))).toContain(message);
  });
});

describe('createHostCheck messages', () => {
  it('names the setting to change in the words the application passed, else the option', () => {
    const foreign = requestWith({ host: 'attacker.example' });
    expect(createHostCheck(httpConfig(), names)(foreign)).toBe(
      'Forbidden: Host "attacker.example" is not allowed; add it to AWS_MCP_ALLOWED_HOSTS to accept it.',
    );
    expect(
      createHostCheck(httpConfig())(requestWith({ host: 'localhost', origin: 'https://x.example' })),
    ).toBe(
      'Forbidden: Origin "https://x.example" is not allowed; add it to `settings.allowedOrigins` to accept it.',
    );
  });
});

describe('createTokenCheck', () => {
  const whichToken = createTokenCheck(['the-right-token-123', 'the-other-token-456']);

  it.each([
    ['Bearer the-right-token-123', 0],
    ['bearer the-right-token-123', 0],
    ['Bearer  the-right-token-123 ', 0],
    ['Bearer the-other-token-456', 1],
    ['Bearer the-right-token-1234', undefined],
    ['Bearer the-right-token-12', undefined],
    ['Basic the-right-token-123', undefined],
    ['the-right-token-123', undefined],
    ['Bearer ', undefined],
    ['', undefined],
  ])('%j → token %s', (authorization, expected) => {
    expect(whichToken(requestWith(authorization === '' ? {} : { authorization }))).toBe(expected);
  });
});

describe('createCorsPolicy', () => {
  const allowed = 'https://app.example.com';
  const cors = createCorsPolicy(httpConfig({ allowedOrigins: [allowed] }));

  it.each([
    [
      'an allowed origin',
      { origin: allowed },
      {
        Vary: 'Origin',
        'Access-Control-Allow-Origin': allowed,
        'Access-Control-Expose-Headers': 'mcp-session-id',
      },
    ],
    ['a foreign origin', { origin: 'https://attacker.example' }, { Vary: 'Origin' }],
    ['the same origin with another port', { origin: 'https://app.example.com:8443' }, { Vary: 'Origin' }],
    ['no origin', {}, { Vary: 'Origin' }],
  ])('answers %s with exactly %j', (_case, headers, expected) => {
    expect(cors.headers(requestWith(headers))).toEqual(expected);
  });

  it('sends no CORS header, not even Vary, when no origin is allowed', () => {
    expect(createCorsPolicy(httpConfig()).headers(requestWith({ origin: allowed }))).toEqual({});
  });

  it.each([
    [{ origin: allowed, 'access-control-request-method': 'POST' }, 'OPTIONS', true],
    [{ origin: allowed }, 'OPTIONS', false],
    [{ origin: 'https://attacker.example', 'access-control-request-method': 'POST' }, 'OPTIONS', false],
    [{ origin: allowed, 'access-control-request-method': 'POST' }, 'POST', false],
  ])('treats %j %s as a preflight: %s', (headers, method, expected) => {
    expect(cors.isPreflight(requestWith(headers, method))).toBe(expected);
  });
});

describe('isLoopbackHost', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['localhost', true],
    ['LOCALHOST', true],
    ['app.localhost', true],
    ['::1', true],
    ['[::1]', true],
    ['0.0.0.0', false],
    ['::', false],
    ['10.0.0.1', false],
    ['localhost.example.com', false],
    ['128.0.0.1', false],
  ])('%s → %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});
