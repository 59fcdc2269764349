import { describe, expect, it } from 'vitest';
import { CommandError, type Policy, parseCommandLine, validatePipeline } from './index.js';

const decide = (line: string, policy: Policy, context = {}) =>
  validatePipeline(parseCommandLine(line), policy, context);

describe('validatePipeline', () => {
  it.each([
    ['aws s3 ls', 'read-only', 'allow'],
    ['aws s3 mb s3://b', 'read-only', 'deny'],
    ['aws s3 mb s3://b', 'confirm-writes', 'confirm'],
    ['aws s3 mb s3://b', 'full', 'allow'],
    ['aws secretsmanager get-secret-value --secret-id x', 'read-only', 'deny'],
    ['aws secretsmanager get-secret-value --secret-id x', 'confirm-writes', 'confirm'],
    ['aws ec2 describe-instances', 'confirm-writes', 'allow'],
    ['aws s3 help', 'read-only', 'allow'],
  ] as const)('%j in %s mode → %s', (line, mode, action) => {
    expect(decide(line, { mode }).action).toBe(action);
  });

  it('names the rule and how to run the write', () => {
    const decision = decide('aws s3 rb s3://b', { mode: 'read-only' });
    expect(decision.rule).toBe('mode:read-only');
    // In the library's own terms (its `mode` option); the server maps that to AWS_MCP_MODE (issue 19).
    expect(decision.reason).toContain('the mode must be `confirm-writes` (it then asks the user) or `full`');
    expect(decision.reason).not.toContain('AWS_MCP_');
  });

  it.each([
    ['aws sso login', 'UNKNOWN_COMMAND'],
    ['aws configure set region x', 'FORBIDDEN_AWS_COMMAND'],
    ['aws configure get aws_secret_access_key', 'FORBIDDEN_AWS_COMMAND'],
    ['aws ssm start-session --target i-1', 'FORBIDDEN_AWS_COMMAND'],
    ['aws eks update-kubeconfig --name c', 'FORBIDDEN_AWS_COMMAND'],
    ['aws s3 ls --endpoint-url https://evil.example.com', 'FORBIDDEN_ENDPOINT'],
  ])('refuses %j with %s', (line, code) => {
    expect(() => decide(line, { mode: 'full' })).toThrow(expect.objectContaining({ code }));
  });

  it('allows loopback endpoints and the configured one', () => {
    expect(decide('aws s3 ls --endpoint-url http://127.0.0.1:4566', { mode: 'full' }).action).toBe('allow');
    const policy: Policy = { mode: 'full', allowedEndpoints: ['https://s3.internal.example'] };
    expect(decide('aws s3 ls --endpoint-url https://s3.internal.example', policy).action).toBe('allow');
  });

  it('refuses a profile given two different ways', () => {
    expect(() => decide('aws s3 ls --profile a', { mode: 'full' }, { profile: 'b' })).toThrow(CommandError);
    expect(decide('aws s3 ls --profile a', { mode: 'full' }, { profile: 'a' }).profile).toBe('a');
  });
});
