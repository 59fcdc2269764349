import type { AccessClass } from './_classify-rules.js';

/** Which way an `s3` transfer goes, from its two `paths`: local → S3, S3 → local, or S3 → S3. */
export type TransferDirection = 'upload' | 'download' | 'copy';

/** What one CLI customization does, in the API operations it calls. */
export interface CustomizationActions {
  /** Why it has this class, shown as the reason. */
  reason: string;
  /** API operations it always performs, `service:operation` with CLI names (`s3api:delete-object`). */
  actions: readonly string[];
  /**
   * Set when the class does not follow from the API operations: the command changes local files or processes
   * (`configure set`, `emr ssh`), or computes a secret locally (`s3 presign`, `eks get-token`).
   */
  accessClass?: AccessClass;
  /** For `s3` transfers, the operations of each direction of its `paths` argument. */
  byDirection?: Readonly<Record<TransferDirection, readonly string[]>>;
  /** Operations added when a flag argument is given, `argument name → operations` (`delete` of `s3 sync`). */
  byFlag?: Readonly<Record<string, readonly string[]>>;
  /** The output is a secret when this argument's value matches (`configure get aws_secret_access_key`). */
  secretWhen?: { argument: string; pattern: RegExp };
  /** The whole output is a secret (a password, a token, a signed URL). */
  printsSecret?: boolean;
}

const upload = [
  's3api:put-object',
  's3api:create-multipart-upload',
  's3api:upload-part',
  's3api:complete-multipart-upload',
];
const download = ['s3api:head-object', 's3api:get-object'];
const copy = [
  's3api:head-object',
  's3api:copy-object',
  's3api:create-multipart-upload',
  's3api:upload-part-copy',
  's3api:complete-multipart-upload',
];
const hbaseStep = ['emr:describe-cluster', 'emr:add-job-flow-steps'];
const iamRoleSetup = [
  'iam:get-role',
  'iam:create-role',
  'iam:attach-role-policy',
  'iam:get-instance-profile',
  'iam:create-instance-profile',
  'iam:add-role-to-instance-profile',
];

/**
 * Every command the AWS CLI adds on top of the service models (`cliCustomizations`), `service:command → row`:
 * the API operations it performs under the CLI service that owns them, and a reason. This module only holds data
 * (the generator loads it without a build); a test checks that it covers the catalog's customizations and that
 * every operation it names is in the classification.
 */
export const customizationActions: Readonly<Record<string, CustomizationActions>> = {
  's3:cp': {
    reason: 'copies between the local disk and S3 (put or get) or within S3 (copy)',
    actions: [],
    byDirection: { upload, download, copy },
    byFlag: { recursive: ['s3api:list-objects-v2'] },
  },
  's3:mv': {
    reason: 'copies like `s3 cp`, then deletes the source (an S3 object or the local file)',
    actions: [],
    byDirection: {
      upload,
      download: [...download, 's3api:delete-object'],
      copy: [...copy, 's3api:delete-object'],
    },
    byFlag: { recursive: ['s3api:list-objects-v2'] },
  },
  's3:rm': {
    reason: 'deletes S3 objects',
    actions: ['s3api:delete-object'],
    byFlag: { recursive: ['s3api:list-objects-v2'] },
  },
  's3:sync': {
    reason:
      'lists both sides, then copies what differs like `s3 cp`; `--delete` deletes what the source lacks',
    actions: ['s3api:list-objects-v2'],
    byDirection: { upload, download, copy },
    byFlag: { delete: ['s3api:delete-object'] },
  },
  's3:ls': { reason: 'lists buckets or objects', actions: ['s3api:list-buckets', 's3api:list-objects-v2'] },
  's3:mb': { reason: 'creates a bucket', actions: ['s3api:create-bucket'] },
  's3:rb': {
    reason: 'deletes a bucket; `--force` first deletes every object in it',
    actions: ['s3api:delete-bucket'],
    byFlag: { force: ['s3api:list-objects-v2', 's3api:delete-object'] },
  },
  's3:website': {
    reason: 'sets the website configuration of a bucket',
    actions: ['s3api:put-bucket-website'],
  },
  's3:presign': {
    reason: 'signs a URL locally with your credentials; the URL grants access to the object',
    actions: [],
    accessClass: 'sensitive-read',
    printsSecret: true,
  },
  'configure:list': {
    reason: 'shows the local configuration, with the keys masked',
    actions: [],
    accessClass: 'read',
  },
  'configure:get': {
    reason: 'reads one value of the local configuration',
    actions: [],
    accessClass: 'read',
    secretWhen: { argument: 'varname', pattern: /(secret|token)/i },
  },
  'configure:set': {
    reason: 'writes a value into ~/.aws/config or ~/.aws/credentials',
    actions: [],
    accessClass: 'write',
  },
  'configure:add-model': {
    reason: 'writes a service model under ~/.aws/models',
    actions: [],
    accessClass: 'write',
  },
  'configure:import': {
    reason: 'writes credentials from a CSV file into ~/.aws/credentials',
    actions: [],
    accessClass: 'write',
  },
  'configure:export-credentials': {
    reason: 'prints the resolved credentials',
    actions: [],
    accessClass: 'sensitive-read',
    printsSecret: true,
  },
  'configure:sso': {
    reason: 'signs in through a browser and writes a profile into ~/.aws/config',
    actions: ['sso-oidc:register-client', 'sso-oidc:start-device-authorization', 'sso-oidc:create-token'],
    accessClass: 'write',
  },
  'configure:sso-session': {
    reason: 'writes an sso-session section into ~/.aws/config',
    actions: [],
    accessClass: 'write',
  },
  'configure:list-profiles': { reason: 'lists the local profile names', actions: [], accessClass: 'read' },
  'history:list': { reason: 'reads the local command history', actions: [], accessClass: 'read' },
  'history:show': { reason: 'reads the local command history', actions: [], accessClass: 'read' },
  'deploy:push': {
    reason: 'uploads a bundle to S3 and registers it as an application revision',
    actions: [...upload, 'deploy:register-application-revision'],
  },
  'deploy:register': {
    reason: 'creates an IAM user with an access key and registers an on-premises instance',
    actions: [
      'iam:create-user',
      'iam:put-user-policy',
      'iam:create-access-key',
      'deploy:register-on-premises-instance',
      'deploy:add-tags-to-on-premises-instances',
    ],
  },
  'deploy:deregister': {
    reason: 'deregisters an on-premises instance and deletes its IAM user',
    actions: [
      'deploy:get-on-premises-instance',
      'deploy:remove-tags-from-on-premises-instances',
      'deploy:deregister-on-premises-instance',
      'iam:delete-user-policy',
      'iam:delete-access-key',
      'iam:delete-user',
    ],
  },
  'deploy:install': {
    reason: 'installs the CodeDeploy agent on this machine',
    actions: [],
    accessClass: 'write',
  },
  'deploy:uninstall': {
    reason: 'uninstalls the CodeDeploy agent from this machine',
    actions: [],
    accessClass: 'write',
  },
  'cloudformation:package': {
    reason: 'uploads the local artifacts a template references to S3',
    actions: ['s3api:head-object', ...upload],
  },
  'cloudformation:deploy': {
    reason: 'creates and executes a change set',
    actions: [
      'cloudformation:describe-stacks',
      'cloudformation:get-template-summary',
      'cloudformation:create-change-set',
      'cloudformation:describe-change-set',
      'cloudformation:execute-change-set',
    ],
    byFlag: { 's3-bucket': upload },
  },
  'ecs:deploy': {
    reason: 'registers a task definition and starts a CodeDeploy deployment',
    actions: [
      'ecs:describe-services',
      'ecs:register-task-definition',
      'deploy:get-application',
      'deploy:get-deployment-group',
      'deploy:create-deployment',
      'deploy:get-deployment',
    ],
  },
  'ecs:execute-command': {
    reason: 'runs a command or a shell in a container',
    actions: ['ecs:execute-command'],
    accessClass: 'write',
  },
  'eks:update-kubeconfig': {
    reason: 'writes the cluster into the kubeconfig file',
    actions: ['eks:describe-cluster'],
    accessClass: 'write',
  },
  'eks:get-token': {
    reason: 'presigns an STS request locally; the token grants access to the cluster',
    actions: [],
    accessClass: 'sensitive-read',
    printsSecret: true,
  },
  'emr:add-instance-groups': { reason: 'adds instance groups', actions: ['emr:add-instance-groups'] },
  'emr:add-steps': { reason: 'adds steps', actions: ['emr:add-job-flow-steps'] },
  'emr:create-cluster': { reason: 'creates a cluster', actions: ['emr:run-job-flow'] },
  'emr:create-default-roles': { reason: 'creates the default IAM roles', actions: iamRoleSetup },
  'emr:create-hbase-backup': { reason: 'adds an HBase backup step', actions: hbaseStep },
  'emr:describe-cluster': {
    reason: 'describes a cluster with its instance groups or fleets and bootstrap actions',
    actions: [
      'emr:describe-cluster',
      'emr:list-instance-groups',
      'emr:list-instance-fleets',
      'emr:list-bootstrap-actions',
    ],
  },
  'emr:disable-hbase-backups': { reason: 'adds a step that disables HBase backups', actions: hbaseStep },
  'emr:get': {
    reason: 'runs scp against the master node',
    actions: ['emr:describe-cluster'],
    accessClass: 'write',
  },
  'emr:install-applications': { reason: 'adds installation steps', actions: hbaseStep },
  'emr:modify-cluster-attributes': {
    reason: 'changes cluster attributes',
    actions: [
      'emr:set-visible-to-all-users',
      'emr:set-termination-protection',
      'emr:set-keep-job-flow-alive-when-no-steps',
      'emr:set-unhealthy-node-replacement',
    ],
  },
  'emr:put': {
    reason: 'runs scp against the master node',
    actions: ['emr:describe-cluster'],
    accessClass: 'write',
  },
  'emr:restore-from-hbase-backup': { reason: 'adds an HBase restore step', actions: hbaseStep },
  'emr:schedule-hbase-backup': { reason: 'adds an HBase backup schedule step', actions: hbaseStep },
  'emr:socks': {
    reason: 'opens an ssh tunnel to the master node',
    actions: ['emr:describe-cluster'],
    accessClass: 'write',
  },
  'emr:ssh': {
    reason: 'opens an ssh session on the master node',
    actions: ['emr:describe-cluster'],
    accessClass: 'write',
  },
  'emr:terminate-clusters': { reason: 'terminates clusters', actions: ['emr:terminate-job-flows'] },
  'ecr:get-login': {
    reason: 'prints a docker login command that holds a registry password',
    actions: ['ecr:get-authorization-token'],
    printsSecret: true,
  },
  'ecr:get-login-password': {
    reason: 'prints a registry password',
    actions: ['ecr:get-authorization-token'],
    printsSecret: true,
  },
  'ecr-public:get-login-password': {
    reason: 'prints a registry password',
    actions: ['ecr-public:get-authorization-token'],
    printsSecret: true,
  },
  'rds:generate-db-auth-token': {
    reason: 'presigns a connect request locally; the token is a database password',
    actions: [],
    accessClass: 'sensitive-read',
    printsSecret: true,
  },
  'rds:add-option-to-option-group': {
    reason: 'adds an option to an option group',
    actions: ['rds:modify-option-group'],
  },
  'rds:remove-option-from-option-group': {
    reason: 'removes an option from an option group',
    actions: ['rds:modify-option-group'],
  },
  'codeartifact:login': {
    reason: "writes a repository token into a package manager's configuration",
    actions: ['codeartifact:get-authorization-token', 'codeartifact:get-repository-endpoint'],
    accessClass: 'write',
  },
  'codecommit:credential-helper': {
    reason: 'prints git credentials signed with your AWS credentials',
    actions: [],
    accessClass: 'sensitive-read',
    printsSecret: true,
  },
  'configservice:get-status': {
    reason: 'reads the status of the configuration recorders and delivery channels',
    actions: [
      'configservice:describe-configuration-recorders',
      'configservice:describe-configuration-recorder-status',
      'configservice:describe-delivery-channels',
      'configservice:describe-delivery-channel-status',
    ],
  },
  'configservice:subscribe': {
    reason: 'creates a bucket and a topic and starts a configuration recorder',
    actions: [
      's3api:create-bucket',
      'sns:create-topic',
      'configservice:put-configuration-recorder',
      'configservice:put-delivery-channel',
      'configservice:start-configuration-recorder',
    ],
  },
  'cloudtrail:create-subscription': {
    reason: 'creates a bucket, a topic and a trail, and starts logging',
    actions: [
      's3api:create-bucket',
      's3api:put-bucket-policy',
      'sns:create-topic',
      'sns:set-topic-attributes',
      'cloudtrail:create-trail',
      'cloudtrail:start-logging',
    ],
  },
  'cloudtrail:update-subscription': {
    reason: 'updates a trail and may create its bucket and topic',
    actions: [
      'cloudtrail:describe-trails',
      's3api:create-bucket',
      's3api:put-bucket-policy',
      'sns:create-topic',
      'sns:set-topic-attributes',
      'cloudtrail:update-trail',
    ],
  },
  'cloudtrail:validate-logs': {
    reason: 'reads digest and log files and checks their signatures',
    actions: [
      'cloudtrail:describe-trails',
      'cloudtrail:list-public-keys',
      's3api:get-bucket-location',
      's3api:list-objects',
      's3api:get-object',
    ],
  },
  'datapipeline:create-default-roles': { reason: 'creates the default IAM roles', actions: iamRoleSetup },
  'datapipeline:list-runs': {
    reason: 'lists the runs of a pipeline',
    actions: ['datapipeline:query-objects', 'datapipeline:describe-objects'],
  },
  'dlm:create-default-role': {
    reason: 'creates the default IAM role',
    actions: ['iam:get-role', 'iam:create-role', 'iam:attach-role-policy'],
  },
  'emr-containers:update-role-trust-policy': {
    reason: "changes an IAM role's trust policy",
    actions: ['eks:describe-cluster', 'iam:get-role', 'iam:update-assume-role-policy'],
  },
  'gamelift:get-game-session-log': {
    reason: 'downloads a game session log into a local file through a presigned URL it does not print',
    actions: ['gamelift:get-game-session-log-url'],
    accessClass: 'read',
  },
  'gamelift:upload-build': {
    reason: 'creates a build and uploads it',
    actions: ['gamelift:create-build', 'gamelift:request-upload-credentials', 's3api:put-object'],
  },
  'logs:start-live-tail': {
    reason: 'streams log events',
    actions: ['logs:start-live-tail'],
    accessClass: 'read',
  },
  'logs:tail': { reason: 'shows log events', actions: ['logs:filter-log-events'] },
  'servicecatalog:generate': {
    reason: 'uploads a template and creates a product or provisioning artifact',
    actions: [
      's3api:put-object',
      'servicecatalog:create-product',
      'servicecatalog:create-provisioning-artifact',
    ],
  },
  'ssm:start-session': {
    reason: 'opens an interactive session on a managed node',
    actions: ['ssm:start-session'],
  },
  'cloudfront:sign': {
    reason: 'signs a URL locally with a private key; the URL grants access',
    actions: [],
    accessClass: 'sensitive-read',
    printsSecret: true,
  },
  'sso:login': {
    reason: 'signs in through a browser and writes the token cache',
    actions: ['sso-oidc:register-client', 'sso-oidc:start-device-authorization', 'sso-oidc:create-token'],
    accessClass: 'write',
  },
  'sso:logout': { reason: 'signs out and removes the cached tokens', actions: ['sso:logout'] },
  'ddb:select': { reason: 'queries or scans a table', actions: ['dynamodb:query', 'dynamodb:scan'] },
  'ddb:put': { reason: 'puts items', actions: ['dynamodb:put-item', 'dynamodb:batch-write-item'] },
};
