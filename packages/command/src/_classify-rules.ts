/** What running an operation does: reads, changes something, or reads a secret or grants access. */
export type AccessClass = 'read' | 'write' | 'sensitive-read';

/** Operation-name prefixes that only read. Anything else is a write unless an override says otherwise. */
const readPrefixes = [
  'describe-',
  'list-',
  'get-',
  'head-',
  'search-',
  'lookup-',
  'batch-get-',
  'batch-describe-',
  'estimate-',
  'validate-',
  'simulate-',
];

/** Whole operation names that only read. */
const readNames = new Set(['query', 'scan', 'wait', 'ls', 'help']);

/**
 * Hand-kept exceptions to the name rules, `service:operation → [class, reason]`. Every entry says why, so a
 * reviewer can check it. The sensitive reads are the ones the issue lists plus their kind.
 */
export const classOverrides: Readonly<Record<string, readonly [AccessClass, string]>> = {
  // Reads that return secrets or grant access.
  'secretsmanager:get-secret-value': ['sensitive-read', 'returns a secret value'],
  'secretsmanager:batch-get-secret-value': ['sensitive-read', 'returns secret values'],
  'kms:decrypt': ['sensitive-read', 'returns decrypted data'],
  'kms:generate-data-key': ['sensitive-read', 'returns a plaintext data key'],
  'kms:generate-data-key-pair': ['sensitive-read', 'returns a plaintext private key'],
  'kms:derive-shared-secret': ['sensitive-read', 'returns a shared secret'],
  'ecr:get-login-password': ['sensitive-read', 'returns a registry password'],
  'ecr:get-authorization-token': ['sensitive-read', 'returns a registry token'],
  'ecr-public:get-login-password': ['sensitive-read', 'returns a registry password'],
  'ecr-public:get-authorization-token': ['sensitive-read', 'returns a registry token'],
  'codeartifact:get-authorization-token': ['sensitive-read', 'returns a repository token'],
  'sts:get-session-token': ['sensitive-read', 'returns temporary credentials'],
  'sts:assume-role': ['sensitive-read', 'returns temporary credentials'],
  'sts:assume-role-with-saml': ['sensitive-read', 'returns temporary credentials'],
  'sts:assume-role-with-web-identity': ['sensitive-read', 'returns temporary credentials'],
  'sts:assume-root': ['sensitive-read', 'returns temporary root credentials'],
  'sts:get-federation-token': ['sensitive-read', 'returns temporary credentials'],
  'sts:get-web-identity-token': ['sensitive-read', 'returns a token that grants access'],
  'sso:get-role-credentials': ['sensitive-read', 'returns temporary credentials'],
  'sso-oidc:create-token': ['sensitive-read', 'returns an access token'],
  'sso-oidc:create-token-with-iam': ['sensitive-read', 'returns an access token'],
  'cognito-identity:get-credentials-for-identity': ['sensitive-read', 'returns temporary credentials'],
  'cognito-identity:get-open-id-token': ['sensitive-read', 'returns an identity token'],
  'cognito-identity:get-open-id-token-for-developer-identity': [
    'sensitive-read',
    'returns an identity token',
  ],
  'cognito-idp:initiate-auth': ['sensitive-read', 'returns user tokens'],
  'cognito-idp:admin-initiate-auth': ['sensitive-read', 'returns user tokens'],
  'cognito-idp:respond-to-auth-challenge': ['sensitive-read', 'returns user tokens'],
  'cognito-idp:admin-respond-to-auth-challenge': ['sensitive-read', 'returns user tokens'],
  'cognito-idp:get-tokens-from-refresh-token': ['sensitive-read', 'returns user tokens'],
  'rds:generate-db-auth-token': ['sensitive-read', 'returns a database password'],
  'dsql:generate-db-connect-auth-token': ['sensitive-read', 'returns a database password'],
  'dsql:generate-db-connect-admin-auth-token': ['sensitive-read', 'returns a database admin password'],
  'redshift:get-cluster-credentials': ['sensitive-read', 'returns a database password'],
  'redshift:get-cluster-credentials-with-iam': ['sensitive-read', 'returns a database password'],
  'redshift-serverless:get-credentials': ['sensitive-read', 'returns a database password'],
  'eks:get-token': ['sensitive-read', 'returns a cluster token'],
  'iam:create-access-key': ['sensitive-read', 'creates and returns a secret key'],
  'iam:create-service-specific-credential': ['sensitive-read', 'creates and returns a password'],
  'iam:reset-service-specific-credential': ['sensitive-read', 'creates and returns a password'],
  'iam:create-virtual-mfa-device': ['sensitive-read', 'creates and returns an MFA seed'],
  'iot:create-keys-and-certificate': ['sensitive-read', 'creates and returns a private key'],
  'lambda:get-function-configuration': ['sensitive-read', 'returns environment variables, often secrets'],
  'lambda:get-function': ['sensitive-read', 'returns environment variables and a code download URL'],
  'ec2:get-password-data': ['sensitive-read', 'returns an encrypted Windows password'],
  'lightsail:get-instance-access-details': ['sensitive-read', 'returns SSH keys or a password'],
  'lightsail:download-default-key-pair': ['sensitive-read', 'returns a private key'],
  'lightsail:get-relational-database-master-user-password': ['sensitive-read', 'returns a database password'],
  'glue:get-connection': ['sensitive-read', 'returns connection passwords'],
  'glue:get-connections': ['sensitive-read', 'returns connection passwords'],
  's3:presign': ['sensitive-read', 'returns a URL that grants access'],
  'cloudfront:sign': ['sensitive-read', 'returns a URL that grants access'],
  'sagemaker:create-presigned-domain-url': ['sensitive-read', 'returns a URL that grants access'],
  'sagemaker:create-presigned-notebook-instance-url': ['sensitive-read', 'returns a URL that grants access'],
  'ec2-instance-connect:send-ssh-public-key': ['sensitive-read', 'grants SSH access'],
  // Names that look like reads but change something or run code.
  'stepfunctions:get-activity-task': ['write', 'claims a task from the queue'],
  'apigateway:test-invoke-method': ['write', 'invokes the method backend'],
  'apigateway:test-invoke-authorizer': ['write', 'invokes the authorizer'],
  'iot:test-invoke-authorizer': ['write', 'invokes the authorizer'],
  'sqs:receive-message': ['write', 'hides the messages from other consumers'],
  'ses:get-send-quota': ['read', 'reads a quota'],
  // Names that do not look like reads but only read.
  'logs:filter-log-events': ['read', 'only reads log events'],
  'logs:tail': ['read', 'only reads log events'],
  'logs:test-metric-filter': ['read', 'only evaluates a pattern'],
  'events:test-event-pattern': ['read', 'only evaluates a pattern'],
  'route53:test-dns-answer': ['read', 'only resolves a name'],
  'iot:test-authorization': ['read', 'only evaluates policies'],
  'rds:download-db-log-file-portion': ['read', 'only reads a log file'],
  'sts:get-caller-identity': ['read', 'only says who the caller is'],
  'sts:decode-authorization-message': ['read', 'only decodes a message'],
  'cloudtrail:validate-logs': ['read', 'only reads and checks log files'],
  'datapipeline:list-runs': ['read', 'only lists runs'],
  'configure:list': ['read', 'shows the configuration with secrets masked'],
  'configure:get': ['read', 'reads one configuration value (secret keys are refused separately)'],
  'configure:list-profiles': ['read', 'lists profile names'],
  's3api:select-object-content': ['read', 'only reads an object'],
  'dynamodb:execute-statement': ['write', 'a PartiQL statement may change data'],
};

/**
 * Classifies `service:operation` by its name: the override list first, then the read prefixes. Unknown names are
 * writes (fail closed). Options that change the class (`--dry-run`, `--with-decryption`) are handled by the caller.
 */
export function classifyOperationName(service: string, operation: string): [AccessClass, string] {
  const override = classOverrides[`${service}:${operation}`];
  if (override !== undefined) return [override[0], override[1]];
  if (readNames.has(operation) || readPrefixes.some((prefix) => operation.startsWith(prefix))) {
    return ['read', `\`${operation}\` reads by its name`];
  }
  return ['write', `\`${operation || service}\` is not known to be read-only`];
}
