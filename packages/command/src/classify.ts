import type { AwsStage } from './_aws-stage.js';

/** What running an operation does: reads, changes something, or reads a secret or grants access. */
export type { AccessClass } from './_classify-rules.js';
import type { AccessClass } from './_classify-rules.js';

/** The class of one AWS command, and why. */
export interface Classification {
  accessClass: AccessClass;
  /** `service:operation` as written on the line, e.g. `s3api:list-buckets`. */
  action: string;
  reason: string;
}

const readPrefixes = [
  'describe-',
  'list-',
  'get-',
  'head-',
  'search-',
  'lookup-',
  'batch-get-',
  'batch-describe-',
  'preview-',
  'estimate-',
  'validate-',
  'simulate-',
  'test-',
];
const readOperations = new Set(['query', 'scan', 'select', 'wait', 'ls', 'help']);

/** Reads that return secrets or grant access, with the reason. */
const sensitiveReads: Record<string, string> = {
  'secretsmanager:get-secret-value': 'returns a secret value',
  'secretsmanager:batch-get-secret-value': 'returns secret values',
  'kms:decrypt': 'returns decrypted data',
  'ecr:get-login-password': 'returns a registry password',
  'ecr:get-authorization-token': 'returns a registry token',
  'sts:get-session-token': 'returns temporary credentials',
  'sts:assume-role': 'returns temporary credentials',
  'sts:assume-role-with-saml': 'returns temporary credentials',
  'sts:assume-role-with-web-identity': 'returns temporary credentials',
  'sts:get-federation-token': 'returns temporary credentials',
  'rds:generate-db-auth-token': 'returns a database password',
  'iam:create-access-key': 'creates and returns a secret key',
  'lambda:get-function-configuration': 'returns environment variables, often secrets',
  'ec2:get-password-data': 'returns an encrypted Windows password',
  's3:presign': 'returns a URL that grants access',
  'ssm:get-parameter': 'can return decrypted SecureString values',
  'ssm:get-parameters': 'can return decrypted SecureString values',
  'ssm:get-parameters-by-path': 'can return decrypted SecureString values',
};

/**
 * Classifies an `aws` stage by rules on the operation name plus an override list. Anything unknown is a write
 * (fail closed).
 */
export function classifyAwsStage(stage: AwsStage): Classification {
  const service = stage.service ?? '';
  const operation = stage.operation ?? '';
  const action = `${service}:${operation}`;
  if (stage.isHelp || stage.service === undefined || stage.globals.version) {
    return { accessClass: 'read', action, reason: 'help and version requests only read the CLI itself' };
  }
  const sensitive = sensitiveReads[action];
  if (sensitive !== undefined) return { accessClass: 'sensitive-read', action, reason: sensitive };
  if (readOperations.has(operation) || readPrefixes.some((prefix) => operation.startsWith(prefix))) {
    return { accessClass: 'read', action, reason: `\`${operation}\` reads by its name` };
  }
  return { accessClass: 'write', action, reason: `\`${operation || service}\` is not known to be read-only` };
}
