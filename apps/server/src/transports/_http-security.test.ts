import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { type HttpConfig, readServerConfig } from '../config.js';
import { createCorsPolicy, createHostCheck, createTokenCheck } from './_http-security.js';

function httpConfig(env: Record<string, string> = {}): HttpConfig {
  return readServerConfig({ HOME: '/home/someone', AWS_MCP_AUTH_TOKEN: 'a-long-enough-token', ...env }).http;
}

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
    [{ AWS_MCP_HOST: '10.0.0.5' }, { host: '10.0.0.5:8000' }],
    [{ AWS_MCP_HOST: '0.0.0.0', AWS_MCP_ALLOWED_HOSTS: 'mcp.example.com' }, { host: 'mcp.example.com' }],
    [{ AWS_MCP_ALLOWED_HOSTS: 'mcp.internal:9000' }, { host: 'mcp.internal:9000' }],
    [
      { AWS_MCP_ALLOWED_ORIGINS: 'https://app.example.com' },
      { host: 'localhost:8000', origin: 'https://app.example.com' },
    ],
  ])('with %j accepts %j', (env, headers) => {
    expect(createHostCheck(httpConfig(env))(requestWith(headers))).toBeUndefined();
  });

  it.each([
    [{}, {}, 'Forbidden: Host "" is not allowed'],
    [{}, { host: 'attacker.example:8000' }, 'Forbidden: Host "attacker.example:8000" is not allowed'],
    [
      {},
      { host: 'localhost.attacker.example' },
      'Forbidden: Host "localhost.attacker.example" is not allowed',
    ],
    [{ AWS_MCP_HOST: '0.0.0.0' }, { host: '0.0.0.0:8000' }, 'Forbidden: Host "0.0.0.0:8000" is not allowed'],
    [{ AWS_MCP_ALLOWED_HOSTS: 'mcp.internal:9000' }, { host: 'mcp.internal:9001' }, 'Forbidden: Host'],
    [
      {},
      { host: 'localhost:8000', origin: 'https://attacker.example' },
      'Forbidden: Origin "https://attacker.example"',
    ],
    [{}, { host: 'localhost:8000', origin: 'null' }, 'Forbidden: Origin "null"'],
  ])('with %j refuses %j', (env, headers, message) => {
    expect(createHostCheck(httpConfig(env))(requestWith(headers))).toContain(message);
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
  const cors = createCorsPolicy(httpConfig({ AWS_MCP_ALLOWED_ORIGINS: allowed }));

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
