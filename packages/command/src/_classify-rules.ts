/** What running an operation does: reads, changes something, or reads a secret or grants access. */
export type AccessClass = 'read' | 'write' | 'sensitive-read';

/**
 * Hand-kept reads that stay sensitive, `service:operation → why`: a policy floor over the generated classification
 * (consent is asked as before) until their secret members are masked at the source. The generated rules call most
 * of them sensitive already; today this keeps `lambda get-function` and `get-function-configuration` (environment
 * variables) sensitive. Every row says why, so a reviewer can check it.
 */
export const sensitiveFloor: Readonly<Record<string, string>> = {
  'secretsmanager:get-secret-value': 'returns a secret value',
  'secretsmanager:batch-get-secret-value': 'returns secret values',
  'kms:decrypt': 'returns decrypted data',
  'kms:generate-data-key': 'returns a plaintext data key',
  'kms:generate-data-key-pair': 'returns a plaintext private key',
  'kms:derive-shared-secret': 'returns a shared secret',
  'ecr:get-login-password': 'returns a registry password',
  'ecr:get-authorization-token': 'returns a registry token',
  'ecr-public:get-login-password': 'returns a registry password',
  'ecr-public:get-authorization-token': 'returns a registry token',
  'codeartifact:get-authorization-token': 'returns a repository token',
  'sts:get-session-token': 'returns temporary credentials',
  'sts:assume-role': 'returns temporary credentials',
  'sts:assume-role-with-saml': 'returns temporary credentials',
  'sts:assume-role-with-web-identity': 'returns temporary credentials',
  'sts:assume-root': 'returns temporary root credentials',
  'sts:get-federation-token': 'returns temporary credentials',
  'sts:get-web-identity-token': 'returns a token that grants access',
  'sso:get-role-credentials': 'returns temporary credentials',
  'sso-oidc:create-token': 'returns an access token',
  'sso-oidc:create-token-with-iam': 'returns an access token',
  'cognito-identity:get-credentials-for-identity': 'returns temporary credentials',
  'cognito-identity:get-open-id-token': 'returns an identity token',
  'cognito-identity:get-open-id-token-for-developer-identity': 'returns an identity token',
  'cognito-idp:initiate-auth': 'returns user tokens',
  'cognito-idp:admin-initiate-auth': 'returns user tokens',
  'cognito-idp:respond-to-auth-challenge': 'returns user tokens',
  'cognito-idp:admin-respond-to-auth-challenge': 'returns user tokens',
  'cognito-idp:get-tokens-from-refresh-token': 'returns user tokens',
  'rds:generate-db-auth-token': 'returns a database password',
  'dsql:generate-db-connect-auth-token': 'returns a database password',
  'dsql:generate-db-connect-admin-auth-token': 'returns a database admin password',
  'redshift:get-cluster-credentials': 'returns a database password',
  'redshift:get-cluster-credentials-with-iam': 'returns a database password',
  'redshift-serverless:get-credentials': 'returns a database password',
  'eks:get-token': 'returns a cluster token',
  'iam:create-access-key': 'creates and returns a secret key',
  'iam:create-service-specific-credential': 'creates and returns a password',
  'iam:reset-service-specific-credential': 'creates and returns a password',
  'iam:create-virtual-mfa-device': 'creates and returns an MFA seed',
  'iot:create-keys-and-certificate': 'creates and returns a private key',
  'lambda:get-function-configuration': 'returns environment variables, often secrets',
  'lambda:get-function': 'returns environment variables and a code download URL',
  'ec2:get-password-data': 'returns an encrypted Windows password',
  'lightsail:get-instance-access-details': 'returns SSH keys or a password',
  'lightsail:download-default-key-pair': 'returns a private key',
  'lightsail:get-relational-database-master-user-password': 'returns a database password',
  'glue:get-connection': 'returns connection passwords',
  'glue:get-connections': 'returns connection passwords',
  's3:presign': 'returns a URL that grants access',
  'cloudfront:sign': 'returns a URL that grants access',
  'sagemaker:create-presigned-domain-url': 'returns a URL that grants access',
  'sagemaker:create-presigned-notebook-instance-url': 'returns a URL that grants access',
  'ec2-instance-connect:send-ssh-public-key': 'grants SSH access',
};

/** Why the hand-kept floor keeps `service:operation` a sensitive read, or undefined when it does not. */
export function readSensitiveFloor(service: string, operation: string): string | undefined {
  const key = `${service}:${operation}`;
  return Object.hasOwn(sensitiveFloor, key) ? sensitiveFloor[key] : undefined;
}
