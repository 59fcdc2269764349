import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { type HttpConfig, readServerConfig } from '../config.js';
import { createHostCheck, createTokenCheck } from './_http-security.js';

function httpConfig(env: Record<string, string> = {}): HttpConfig {
  return readServerConfig({ HOME: '/home/someone', AWS_MCP_AUTH_TOKEN: 'a-long-enough-token', ...env }).http;
}

function requestWith(headers: Record<string, string>): IncomingMessage {
  return { headers } as IncomingMessage;
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
