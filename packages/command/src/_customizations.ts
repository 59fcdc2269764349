/** Which way the CLI uses a local path. */
export type PathAccess = 'read' | 'write';

/**
 * Commands the AWS CLI adds on top of the service models (`s3 cp`, `configure`, `eks update-kubeconfig` …), with a
 * one-line description. `v2` marks commands that only the v2 CLI has; they are listed so that both CLIs classify.
 */
export const cliCustomizations: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  s3: {
    cp: 'Copies a local file or S3 object to another location locally or in S3.',
    mv: 'Moves a local file or S3 object to another location locally or in S3.',
    rm: 'Deletes an S3 object.',
    sync: 'Syncs directories and S3 prefixes.',
    ls: 'Lists S3 objects and common prefixes under a prefix or all S3 buckets.',
    mb: 'Creates an S3 bucket.',
    rb: 'Deletes an empty S3 bucket.',
    website: 'Sets the website configuration for a bucket.',
    presign: 'Generates a pre-signed URL for an Amazon S3 object.',
  },
  configure: {
    list: 'Lists the profile, access key, secret key, and region configuration information.',
    get: 'Gets a configuration value from the config file.',
    set: 'Sets a configuration value in the config file.',
    'add-model': 'Adds a service JSON model to the appropriate location in ~/.aws/models.',
    import: 'Imports CLI credentials from a CSV file (v2).',
    'export-credentials': 'Exports credentials in various formats (v2).',
    sso: 'Configures a profile to use IAM Identity Center (v2).',
    'sso-session': 'Configures an sso-session (v2).',
    'list-profiles': 'Lists the profile names (v2).',
  },
  history: {
    list: 'Shows a list of previously run commands.',
    show: 'Shows the important events related to running a command.',
  },
  deploy: {
    push: 'Bundles and uploads an application revision to S3.',
    register: 'Creates an IAM user for an on-premises instance and registers it.',
    deregister: 'Deregisters an on-premises instance.',
    install: 'Configures and installs the CodeDeploy agent on this instance.',
    uninstall: 'Uninstalls the CodeDeploy agent from this instance.',
  },
  cloudformation: {
    package: 'Packages the local artifacts that a template references and uploads them to S3.',
    deploy: 'Deploys the specified template by creating and then executing a change set.',
  },
  ecs: {
    deploy: 'Deploys a new task definition to a service through CodeDeploy.',
    'execute-command': 'Runs a command or an interactive shell in a container.',
  },
  eks: {
    'update-kubeconfig': 'Configures kubectl so that you can connect to an Amazon EKS cluster.',
    'get-token': 'Gets a token for authentication with an Amazon EKS cluster.',
  },
  emr: {
    'add-instance-groups': 'Adds an instance group to a running cluster.',
    'add-steps': 'Adds a list of steps to a cluster.',
    'create-cluster': 'Creates an Amazon EMR cluster.',
    'create-default-roles': 'Creates the default IAM roles for Amazon EMR.',
    'create-hbase-backup': 'Creates an HBase backup in S3.',
    'describe-cluster': 'Provides cluster-level details including status and hardware.',
    'disable-hbase-backups': 'Disables scheduled HBase backups.',
    get: 'Gets a file from the master node with scp.',
    'install-applications': 'Installs applications on a running cluster.',
    'modify-cluster-attributes': 'Modifies cluster attributes.',
    put: 'Puts a file on the master node with scp.',
    'restore-from-hbase-backup': 'Restores HBase from a backup in S3.',
    'schedule-hbase-backup': 'Schedules HBase backups.',
    socks: 'Opens a SOCKS tunnel to the master node with ssh.',
    ssh: 'Opens an ssh session to the master node.',
    'terminate-clusters': 'Shuts down clusters.',
  },
  ecr: {
    'get-login': 'Prints a docker login command (v1 only).',
    'get-login-password': 'Gets a password to authenticate to a registry.',
  },
  'ecr-public': {
    'get-login-password': 'Gets a password to authenticate to the public registry.',
  },
  rds: {
    'generate-db-auth-token': 'Generates an auth token used to connect to a database with IAM.',
    'add-option-to-option-group': 'Adds an option to an option group.',
    'remove-option-from-option-group': 'Removes an option from an option group.',
  },
  codeartifact: { login: 'Configures a package manager to use a CodeArtifact repository.' },
  codecommit: { 'credential-helper': 'A git credential helper that prints credentials for CodeCommit.' },
  configservice: {
    'get-status': 'Reports the status of the configuration recorders and delivery channels.',
    subscribe: 'Subscribes to configuration changes with an S3 bucket and an SNS topic.',
  },
  cloudtrail: {
    'create-subscription': 'Creates and configures the resources needed for CloudTrail logging.',
    'update-subscription': 'Updates the resources needed for CloudTrail logging.',
    'validate-logs': 'Validates CloudTrail log file integrity.',
  },
  datapipeline: {
    'create-default-roles': 'Creates the default IAM roles for AWS Data Pipeline.',
    'list-runs': 'Lists the runs of a pipeline.',
  },
  dlm: { 'create-default-role': 'Creates the default IAM role for Data Lifecycle Manager.' },
  'emr-containers': { 'update-role-trust-policy': 'Updates the trust policy of an IAM role for EMR on EKS.' },
  gamelift: {
    'get-game-session-log': 'Downloads the log file of a game session.',
    'upload-build': 'Uploads a local game build to Amazon GameLift.',
  },
  logs: {
    'start-live-tail': 'Streams log events until interrupted.',
    tail: 'Shows the log events of a log group (v2).',
  },
  servicecatalog: { generate: 'Generates a product or provisioning artifact from a local file.' },
  ssm: { 'start-session': 'Starts an interactive Session Manager session.' },
  cloudfront: { sign: 'Signs a CloudFront URL.' },
  sso: {
    login: 'Signs in to IAM Identity Center through a browser (v2).',
    logout: 'Removes the cached IAM Identity Center tokens (v2).',
  },
  ddb: {
    select: 'Queries or scans a DynamoDB table (v2).',
    put: 'Puts items into a DynamoDB table (v2).',
  },
};

/**
 * Options whose value is a local path, per `service:operation` (from the awscli customizations that add them).
 * `*` applies to every command. Values with `file://` / `fileb://` are found anywhere, so they are not listed.
 */
export const pathOptions: Readonly<Record<string, readonly (readonly [string, PathAccess])[]>> = {
  '*': [['ca-bundle', 'read']],
  'cloudformation:package': [
    ['template-file', 'read'],
    ['output-template-file', 'write'],
  ],
  'cloudformation:deploy': [['template-file', 'read']],
  'deploy:push': [['source', 'read']],
  'ecs:deploy': [
    ['task-definition', 'read'],
    ['codedeploy-appspec', 'read'],
  ],
  'eks:update-kubeconfig': [['kubeconfig', 'write']],
  'gamelift:upload-build': [['build-root', 'read']],
  'gamelift:get-game-session-log': [['save-as', 'write']],
  'servicecatalog:generate': [['file-path', 'read']],
  'iam:create-virtual-mfa-device': [['outfile', 'write']],
  'iot:create-keys-and-certificate': [
    ['certificate-pem-outfile', 'write'],
    ['public-key-outfile', 'write'],
    ['private-key-outfile', 'write'],
  ],
  'iot:create-certificate-from-csr': [['certificate-pem-outfile', 'write']],
  'ec2:get-password-data': [['priv-launch-key', 'read']],
  'emr:ssh': [['key-pair-file', 'read']],
  'emr:socks': [['key-pair-file', 'read']],
  'emr:get': [
    ['key-pair-file', 'read'],
    ['dest', 'write'],
  ],
  'emr:put': [
    ['key-pair-file', 'read'],
    ['src', 'read'],
  ],
};

/** Operations the CLI renames (`service:model-name → cli-name`), from the awscli customizations. */
export const operationRenames: Readonly<Record<string, string>> = {};

/** Second names the CLI accepts for an operation (`service:alias → operation`). */
export const operationAliases: Readonly<Record<string, string>> = {
  'cloudwatch:get-o-tel-enrichment': 'get-otel-enrichment',
  'cloudwatch:start-o-tel-enrichment': 'start-otel-enrichment',
  'cloudwatch:stop-o-tel-enrichment': 'stop-otel-enrichment',
  'mturk:list-hi-ts-for-qualification-type': 'list-hits-for-qualification-type',
  'socialmessaging:delete-whatsapp-media-message': 'delete-whatsapp-message-media',
};

/**
 * Model operations the CLI does not offer (awscli `removals.py` and the `rds` split of `modify-option-group`):
 * event-stream and deprecated calls. Left out of the catalog, so they classify as unknown writes.
 */
export const removedOperations: ReadonlySet<string> = new Set([
  'ses:delete-verified-email-address',
  'ses:list-verified-email-addresses',
  'ses:verify-email-address',
  'ec2:import-instance',
  'ec2:import-volume',
  'emr:run-job-flow',
  'emr:describe-job-flows',
  'emr:add-job-flow-steps',
  'emr:terminate-job-flows',
  'emr:list-bootstrap-actions',
  'emr:list-instance-groups',
  'emr:set-termination-protection',
  'emr:set-keep-job-flow-alive-when-no-steps',
  'emr:set-visible-to-all-users',
  'emr:set-unhealthy-node-replacement',
  'kinesis:subscribe-to-shard',
  'lexv2-runtime:start-conversation',
  'lambda:invoke-with-response-stream',
  'sagemaker-runtime:invoke-endpoint-with-response-stream',
  'bedrock-runtime:invoke-model-with-response-stream',
  'bedrock-runtime:invoke-model-with-bidirectional-stream',
  'bedrock-runtime:converse-stream',
  'bedrock-agent-runtime:invoke-agent',
  'bedrock-agent-runtime:invoke-flow',
  'bedrock-agent-runtime:invoke-inline-agent',
  'bedrock-agent-runtime:optimize-prompt',
  'bedrock-agent-runtime:retrieve-and-generate-stream',
  'bedrock-agentcore:invoke-code-interpreter',
  'bedrock-agentcore:invoke-agent-runtime-command',
  'bedrock-agentcore:invoke-harness',
  'qbusiness:chat',
  'iotsitewise:invoke-assistant',
  'logs:get-log-object',
  'connecthealth:start-medical-scribe-listening-session',
  'polly:start-speech-synthesis-stream',
  'devops-agent:send-message',
  'rds:modify-option-group',
]);
