import { randomBytes } from 'node:crypto';
import type { AwsContext } from '@aws-mcp/aws-config';
import { isRoleAllowed } from '@aws-mcp/command';
import {
  type AssumeRoleOptions,
  checkAssumeRoleOptions,
  describeRunningRole,
  ExecutionError,
} from '@aws-mcp/executor';
import { sessionLabel } from '@aws-mcp/mcp-http';
import { z } from 'zod';
import type { RefusalCode } from './_refusals.js';

/** The pipeline tool's role arguments. */
export const roleInputSchema = {
  roleArn: z
    .string()
    .optional()
    .describe(
      'Run as this IAM role ARN, assumed by the CLI from the call’s profile; only roles the user listed (AWS_MCP_ROLES).',
    ),
  externalId: z.string().optional().describe('With `roleArn`: its external id.'),
  sessionName: z
    .string()
    .optional()
    .describe('With `roleArn`: the session name (default `aws-mcp-<session>`).'),
  // The range is checked with the other role arguments, so a bad value gets ROLE_ARGUMENT_INVALID.
  durationSeconds: z.number().optional().describe('With `roleArn`: 900–43200 seconds (default 3600).'),
};

/** A role a call runs as: its ARN, account and name, and what the executor gets. */
export interface CallRole {
  arn: string;
  account: string;
  name: string;
  assumeRole: AssumeRoleOptions;
}

/** The parts of a role ARN, or undefined for anything else. */
export function parseRoleArn(arn: string): { partition: string; account: string; name: string } | undefined {
  const match = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]+)$/.exec(arn);
  if (match === null) return undefined;
  return { partition: match[1] as string, account: match[2] as string, name: match[3] as string };
}

/** Over stdio there is no session id: the server process is the session, and names itself once. */
const processLabel = randomBytes(4).toString('hex');

/** The default role session name: `aws-mcp-<session label>` (over stdio, a label of the server process). */
export function defaultRoleSessionName(sessionId: string | undefined): string {
  return `aws-mcp-${sessionId === undefined ? processLabel : sessionLabel(sessionId)}`;
}

type RoleRefusal = { refusal: { code: RefusalCode; text: string; reason: string } };

function refuse(code: RefusalCode, reason: string): RoleRefusal {
  return { refusal: { code, text: `Refused (${code}): ${reason}`, reason } };
}

/**
 * Checks the role arguments of a call: none without `roleArn`; the role listed in AWS_MCP_ROLES (off when it is
 * unset); the session name (default defaultRoleSessionName), external id and duration as STS takes them (the
 * executor's own check); a valid role on a fan-out is refused. Returns the call's role, undefined without one, or a refusal (`ROLE_NOT_ALLOWED`,
 * `ROLE_ARGUMENT_INVALID`).
 */
export function checkRoleArguments(
  input: { roleArn?: string; externalId?: string; sessionName?: string; durationSeconds?: number },
  {
    allowedRoles,
    sessionId,
    fanOut = false,
  }: {
    allowedRoles: readonly string[] | undefined;
    sessionId: string | undefined;
    /** The call names `profiles` or `regions`: a role goes with one call, so a valid one is refused then. */
    fanOut?: boolean;
  },
): CallRole | undefined | RoleRefusal {
  const { roleArn, externalId, sessionName, durationSeconds } = input;
  if (roleArn === undefined) {
    const stray = Object.entries({ externalId, sessionName, durationSeconds }).find(
      ([, value]) => value !== undefined,
    );
    return stray === undefined
      ? undefined
      : refuse('ROLE_ARGUMENT_INVALID', `\`${stray[0]}\` goes with \`roleArn\`; give both or neither.`);
  }
  if (allowedRoles === undefined) {
    return refuse(
      'ROLE_NOT_ALLOWED',
      'Assuming a role is off on this server: the user lists the roles calls may assume in AWS_MCP_ROLES. Leave `roleArn` out.',
    );
  }
  const parts = parseRoleArn(roleArn);
  if (parts === undefined) {
    return refuse(
      'ROLE_ARGUMENT_INVALID',
      `\`roleArn\` must be an IAM role ARN such as arn:aws:iam::123456789012:role/ReadOnly; got ${JSON.stringify(roleArn)}.`,
    );
  }
  if (!isRoleAllowed(allowedRoles, roleArn)) {
    return refuse(
      'ROLE_NOT_ALLOWED',
      `The role ${roleArn} is not one the user allows (AWS_MCP_ROLES: ${allowedRoles.join(', ')}).`,
    );
  }
  const assumeRole: AssumeRoleOptions = {
    roleArn,
    sessionName: sessionName ?? defaultRoleSessionName(sessionId),
    ...(externalId === undefined ? {} : { externalId }),
    ...(durationSeconds === undefined ? {} : { durationSeconds }),
  };
  try {
    checkAssumeRoleOptions(assumeRole);
  } catch (error) {
    if (!ExecutionError.isInstance(error)) throw error;
    // The executor names its own option (`assumeRole.sessionName`); the tool's argument is `sessionName`.
    return refuse(
      'ROLE_ARGUMENT_INVALID',
      error.message.replace(/^assumeRole\./, '`').replace(/^(`\w+)/, '$1`'),
    );
  }
  if (fanOut) {
    return refuse(
      'ROLE_ARGUMENT_INVALID',
      '`roleArn` does not go with `profiles` or `regions`: run one call per role.',
    );
  }
  return { arn: roleArn, account: parts.account, name: parts.name, assumeRole };
}

/**
 * The role a call runs under, for policy rules with `roles`: the assumed role; else the role the profile assumes
 * by itself (`role_arn`, web identity); `null` for keys that are no role's (long-term keys); undefined where the
 * credentials may be a role the server cannot name (SSO, credential_process, container, instance, session keys).
 */
export function describeCallRole(
  role: CallRole | undefined,
  credentials: AwsContext['credentials'],
): string | null | undefined {
  return role !== undefined ? role.arn : describeRunningRole(credentials);
}
