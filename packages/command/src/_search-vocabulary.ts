/**
 * The words AWS users say and the names the CLI uses for them: each row maps one word (stemmed as the search
 * stems it: singular, lower case) to services it points to, operations it points to, or other words that mean the
 * same in operation names. Never a whole question to an answer: a row is a word, and its reason says why. The
 * search adds what a row names to what the words themselves match; it never narrows to a service.
 */
export interface VocabularyRow {
  /** Services the word is about (a small bonus for each of their operations). */
  services?: readonly string[];
  /** `service:operation` the word asks for (a large bonus). */
  operations?: readonly string[];
  /** Words meaning the same in operation names (`show` → `describe`), matched a little weaker than the word. */
  words?: readonly string[];
  reason: string;
}

const reading = ['describe', 'list', 'get', 'ls'];

/** The reviewed vocabulary: one row per word. */
export const searchVocabulary: Readonly<Record<string, VocabularyRow>> = {
  // Verbs people use for the verbs of the APIs.
  show: { words: reading, reason: 'reads are describe-, list- and get- operations' },
  display: { words: reading, reason: 'reads are describe-, list- and get- operations' },
  see: { words: reading, reason: 'reads are describe-, list- and get- operations' },
  view: { words: reading, reason: 'reads are describe-, list- and get- operations' },
  what: { words: reading, reason: 'a question about what exists is a read' },
  which: { words: reading, reason: 'a question about what exists is a read' },
  list: { words: ['describe', 'ls'], reason: 'EC2 and many older APIs list with describe-' },
  describe: { words: ['list', 'get'], reason: 'newer APIs describe with list- and get-' },
  find: { words: ['describe', 'list', 'search'], reason: 'finding is a read or a search' },
  read: { words: ['get'], reason: 'reading one item is a get-' },
  get: { words: ['describe'], reason: 'EC2 and many older APIs get details with describe-' },
  scale: {
    words: ['update', 'set'],
    reason: 'scaling changes a desired count: update-service, set-desired-capacity',
  },
  subscription: { words: ['subscribe'], reason: 'SNS creates a subscription with subscribe' },
  check: { words: ['describe', 'get'], reason: 'checking a state is a read' },
  remove: { words: ['delete', 'rm', 'rb'], reason: 'APIs remove with delete-; s3 with rm and rb' },
  erase: { words: ['delete', 'rm'], reason: 'APIs remove with delete-' },
  destroy: { words: ['delete', 'terminate'], reason: 'APIs remove with delete- or terminate-' },
  make: { words: ['create', 'mb'], reason: 'APIs make things with create-; s3 with mb' },
  add: { words: ['create', 'put', 'attach'], reason: 'adding is create-, put- or attach-' },
  take: { words: ['create'], reason: 'taking a snapshot or backup is create-' },
  launch: { words: ['run', 'start', 'create'], reason: 'instances launch with run-instances' },
  boot: { words: ['run', 'start'], reason: 'instances launch with run-instances' },
  kill: { words: ['terminate', 'stop'], reason: 'ending an instance is terminate-' },
  shutdown: { words: ['stop', 'terminate'], reason: 'instances shut down with stop-' },
  upload: {
    words: ['cp', 'put'],
    operations: ['s3:cp', 's3api:put-object'],
    reason: 'uploads are s3 cp (or put-object)',
  },
  download: {
    words: ['cp', 'get'],
    operations: ['s3:cp', 's3api:get-object'],
    reason: 'downloads are s3 cp (or get-object)',
  },
  copy: { words: ['cp'], reason: 's3 copies with cp' },
  open: { words: ['authorize'], reason: 'opening a port is authorizing ingress' },
  allow: { words: ['authorize'], reason: 'allowing traffic is authorizing ingress' },
  close: { words: ['revoke'], reason: 'closing a port is revoking ingress' },
  block: { words: ['revoke'], reason: 'closing a port is revoking ingress' },
  invalidate: {
    words: ['invalidation'],
    operations: ['cloudfront:create-invalidation'],
    reason: 'CloudFront invalidates its cache with create-invalidation',
  },
  // What people call the resources.
  instance: { services: ['ec2'], reason: 'EC2 instances are the virtual machines' },
  vm: { services: ['ec2'], words: ['instance'], reason: 'a virtual machine is an EC2 instance' },
  virtual: { services: ['ec2'], words: ['instance'], reason: 'a virtual machine is an EC2 instance' },
  machine: { services: ['ec2'], words: ['instance'], reason: 'a virtual machine is an EC2 instance' },
  server: { services: ['ec2'], words: ['instance'], reason: 'a server is usually an EC2 instance' },
  vpc: { services: ['ec2'], reason: 'VPCs, subnets and route tables are EC2 operations' },
  subnet: { services: ['ec2'], reason: 'VPCs, subnets and route tables are EC2 operations' },
  ami: { services: ['ec2'], operations: ['ec2:describe-images'], reason: 'AMIs are EC2 images' },
  volume: { services: ['ec2'], reason: 'EBS volumes are EC2 operations' },
  snapshot: { services: ['ec2'], reason: 'EBS snapshots are EC2 operations' },
  port: {
    services: ['ec2'],
    operations: ['ec2:authorize-security-group-ingress'],
    reason: 'a port is opened in a security group',
  },
  firewall: {
    services: ['ec2'],
    operations: ['ec2:authorize-security-group-ingress'],
    reason: 'the instance firewall is its security group',
  },
  ssh: {
    services: ['ec2'],
    operations: ['ec2:authorize-security-group-ingress'],
    reason: 'SSH access is a security group ingress rule',
  },
  bucket: { services: ['s3', 's3api'], reason: 'buckets are S3' },
  folder: { services: ['s3'], reason: 'folders are synced to S3 with s3 sync or cp' },
  function: { services: ['lambda'], reason: 'functions are Lambda' },
  serverless: { services: ['lambda'], reason: 'serverless functions are Lambda' },
  who: { operations: ['sts:get-caller-identity'], reason: 'who the caller is: the caller identity' },
  whoami: { operations: ['sts:get-caller-identity'], reason: 'who the caller is: the caller identity' },
  identity: { services: ['sts'], reason: 'the caller identity is STS' },
  account: {
    operations: ['sts:get-caller-identity'],
    reason: 'the current account is in the caller identity',
  },
  logged: { operations: ['sts:get-caller-identity'], reason: 'who one is logged in as: the caller identity' },
  credential: { services: ['sts'], reason: 'temporary credentials come from STS' },
  temporary: {
    services: ['sts'],
    operations: ['sts:assume-role', 'sts:get-session-token'],
    reason: 'temporary credentials come from STS: assume-role for a role, get-session-token for a user',
  },
  cost: { services: ['ce'], operations: ['ce:get-cost-and-usage'], reason: 'costs are Cost Explorer' },
  bill: { services: ['ce'], operations: ['ce:get-cost-and-usage'], reason: 'the bill is Cost Explorer' },
  spend: { services: ['ce'], operations: ['ce:get-cost-and-usage'], reason: 'spending is Cost Explorer' },
  spent: { services: ['ce'], operations: ['ce:get-cost-and-usage'], reason: 'spending is Cost Explorer' },
  balancer: { services: ['elbv2'], reason: 'load balancers are ELB (v2 for ALB and NLB)' },
  healthy: {
    words: ['health'],
    operations: ['elbv2:describe-target-health'],
    reason: 'whether load balancer targets are healthy: describe-target-health',
  },
  table: { services: ['dynamodb'], reason: 'tables are DynamoDB' },
  item: { services: ['dynamodb'], reason: 'items are DynamoDB' },
  secret: { services: ['secretsmanager'], reason: 'secrets are Secrets Manager' },
  password: { services: ['secretsmanager'], reason: 'stored passwords are Secrets Manager' },
  parameter: { services: ['ssm'], reason: 'Parameter Store is SSM' },
  log: { services: ['logs'], reason: 'logs are CloudWatch Logs' },
  tail: { services: ['logs'], reason: 'tailing logs is CloudWatch Logs' },
  queue: { services: ['sqs'], reason: 'queues are SQS' },
  topic: { services: ['sns'], reason: 'topics are SNS' },
  role: { services: ['iam'], reason: 'roles are IAM' },
  user: { services: ['iam'], reason: 'users are IAM' },
  policy: { services: ['iam'], reason: 'policies are IAM' },
  stack: { services: ['cloudformation'], reason: 'stacks are CloudFormation' },
  template: { services: ['cloudformation'], reason: 'templates are CloudFormation' },
  container: { services: ['ecs'], reason: 'containers run on ECS' },
  kubernetes: { services: ['eks'], reason: 'Kubernetes is EKS' },
  k8s: { services: ['eks'], reason: 'Kubernetes is EKS' },
  docker: {
    services: ['ecr'],
    operations: ['ecr:get-login-password'],
    reason: 'docker logs in to ECR with get-login-password',
  },
  registry: { services: ['ecr'], reason: 'container registries are ECR' },
  database: {
    services: ['rds'],
    words: ['db', 'instance'],
    reason: 'RDS names a database server a DB instance',
  },
  db: { services: ['rds'], reason: 'RDS names a database server a DB instance' },
  dns: { services: ['route53'], reason: 'DNS is Route 53' },
  domain: { services: ['route53', 'route53domains'], reason: 'DNS and domains are Route 53' },
  record: {
    services: ['route53'],
    operations: ['route53:change-resource-record-sets'],
    reason: 'DNS records change with change-resource-record-sets',
  },
  region: { services: ['ec2'], reason: 'regions are listed by ec2 describe-regions' },
  alarm: { services: ['cloudwatch'], reason: 'alarms are CloudWatch' },
  metric: { services: ['cloudwatch'], reason: 'metrics are CloudWatch' },
  cpu: { services: ['cloudwatch'], reason: 'CPU utilization is a CloudWatch metric' },
  utilization: { services: ['cloudwatch'], reason: 'utilization is a CloudWatch metric' },
  encrypt: { services: ['kms'], reason: 'encryption keys are KMS' },
  decrypt: { services: ['kms'], reason: 'encryption keys are KMS' },
  certificate: { services: ['acm'], reason: 'TLS certificates are ACM' },
  ssl: { services: ['acm'], reason: 'TLS certificates are ACM' },
  tls: { services: ['acm'], reason: 'TLS certificates are ACM' },
  cdn: { services: ['cloudfront'], reason: 'the CDN is CloudFront' },
  cache: { services: ['cloudfront'], reason: 'the CDN cache is CloudFront' },
  email: { services: ['sesv2', 'ses'], reason: 'email is SES' },
};
