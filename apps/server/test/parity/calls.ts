/**
 * The parity suite's workload: what an assistant does in a real account, in sequences that build on each other.
 * `{s}` is the side's suffix (`srv` through the server, `raw` for the CLI itself: same length, so tables line
 * up); `{name}` is a value an earlier call of the same side captured. A call runs on both sides, and both
 * answers must be the same once each side's own names and generated ids are set aside.
 */
export interface ParityCall {
  /** The command line as an assistant writes it (also what the raw side runs in a shell). */
  line: string;
  /** The argv form to send the server instead of `line` (the raw side then runs it without a shell). */
  args?: string[];
  profile?: string;
  region?: string;
  /** Values to keep from this call's output for later calls: name → dotted path into its JSON, or `.` for the whole text. */
  capture?: Record<string, string>;
  /** Sort the output's lines before comparing (the CLI's own order is not stable here). */
  unordered?: boolean;
}

export const profiles = [
  { name: 'default', region: 'us-east-1' },
  { name: 'dev', region: 'eu-west-1' },
  { name: 'ops', region: 'ap-southeast-2' },
];

const vpc: ParityCall[] = [
  { line: 'aws ec2 create-vpc --cidr-block 10.1.0.0/16', capture: { vpc: 'Vpc.VpcId' } },
  {
    line: 'aws ec2 create-tags --resources {vpc} --tags Key=Name,Value=vpc-{s} Key=team,Value=parity',
  },
  {
    line: "aws ec2 describe-vpcs --vpc-ids {vpc} --query 'Vpcs[0].Tags[?Key==`Name`].Value' --output text",
  },
  {
    line: 'aws ec2 create-subnet --vpc-id {vpc} --cidr-block 10.1.1.0/24 --availability-zone us-east-1a',
    capture: { subnetA: 'Subnet.SubnetId' },
  },
  {
    line: 'aws ec2 create-subnet --vpc-id {vpc} --cidr-block 10.1.2.0/24 --availability-zone us-east-1b',
    capture: { subnetB: 'Subnet.SubnetId' },
  },
  {
    line: "aws ec2 describe-subnets --filters Name=vpc-id,Values={vpc} --query 'sort_by(Subnets,&CidrBlock)[].[CidrBlock,AvailabilityZone]' --output text",
  },
  {
    line: 'aws ec2 create-security-group --group-name web-{s} --description parity --vpc-id {vpc}',
    capture: { sg: 'GroupId' },
  },
  {
    line: 'aws ec2 authorize-security-group-ingress --group-id {sg} --protocol tcp --port 443 --cidr 0.0.0.0/0',
  },
  {
    line: "aws ec2 describe-security-groups --group-ids {sg} --output json | jq -c '.SecurityGroups[0].IpPermissions[] | {FromPort, ToPort, IpProtocol}'",
  },
  {
    line: "aws ec2 describe-images --owners amazon --filters Name=name,Values=amzn2-ami-hvm-2.0.20190313-x86_64-gp2 --query 'Images[0].ImageId' --output text",
  },
  {
    line: 'aws ec2 run-instances --image-id ami-0b33d91d --instance-type t3.micro --subnet-id {subnetA} --security-group-ids {sg} --count 2 --query Instances[].InstanceType --output text',
  },
  {
    line: "aws ec2 describe-instances --filters Name=subnet-id,Values={subnetA} --output json | jq -r '.Reservations[].Instances[] | [.InstanceType, .State.Name] | @tsv'",
  },
  {
    line: "aws ec2 describe-instances --filters Name=subnet-id,Values={subnetA} --query 'length(Reservations[].Instances[])'",
  },
  {
    line: 'aws ec2 describe-availability-zones --region eu-west-1 --query AvailabilityZones[].ZoneName --output text',
  },
  { line: 'aws ec2 describe-vpcs --vpc-ids {vpc} --output table' },
];

const iamLambda: ParityCall[] = [
  {
    line: 'aws iam create-role --role-name fn-role-{s} --assume-role-policy-document file://trust.json --query Role.RoleName --output text',
  },
  {
    line: 'aws iam put-role-policy --role-name fn-role-{s} --policy-name logs --policy-document file://logs-policy.json',
  },
  { line: 'aws iam list-role-policies --role-name fn-role-{s}' },
  {
    line: 'aws iam get-role-policy --role-name fn-role-{s} --policy-name logs --query PolicyDocument.Statement[0].Action',
  },
  { line: 'aws iam create-user --user-name dev-{s} --query User.UserName --output text' },
  { line: "aws iam list-users --query 'Users[].UserName' --output json | jq -r 'sort | .[]'" },
  {
    line: 'aws lambda create-function --function-name fn-{s} --runtime python3.12 --role arn:aws:iam::123456789012:role/fn-role-{s} --handler handler.main --zip-file fileb://function.zip --query [FunctionName,Runtime,Handler] --output text',
  },
  {
    line: 'aws lambda get-function-configuration --function-name fn-{s} --query [Runtime,MemorySize,Timeout] --output text',
  },
  {
    line: 'aws lambda update-function-configuration --function-name fn-{s} --memory-size 256 --query MemorySize',
  },
  {
    line: 'aws lambda invoke --function-name fn-{s} --payload {"k":"v"} out-{s}.json',
    args: ['aws', 'lambda', 'invoke', '--function-name', 'fn-{s}', '--payload', '{"k":"v"}', 'out-{s}.json'],
  },
  { line: "aws lambda list-functions --query 'Functions[].FunctionName' --output json | jq -r 'sort | .[]'" },
  {
    line: 'aws lambda tag-resource --resource arn:aws:lambda:us-east-1:123456789012:function:fn-{s} --tags team=parity',
  },
];

const stacks: ParityCall[] = [
  {
    line: 'aws cloudformation create-stack --stack-name stack-{s} --template-body file://stack.yaml --parameters ParameterKey=QueueName,ParameterValue=stack-queue-{s}',
  },
  { line: 'aws cloudformation wait stack-create-complete --stack-name stack-{s}' },
  {
    line: "aws cloudformation describe-stacks --stack-name stack-{s} --query 'Stacks[0].[StackStatus,Parameters[0].ParameterValue]' --output text",
  },
  {
    line: 'aws cloudformation describe-stack-events --stack-name stack-{s} --output json | jq -r \'.StackEvents[] | "\\(.LogicalResourceId) \\(.ResourceStatus)"\'',
    unordered: true,
  },
  {
    line: "aws cloudformation list-stack-resources --stack-name stack-{s} --query 'StackResourceSummaries[].[LogicalResourceId,ResourceType]' --output text",
  },
];

const messaging: ParityCall[] = [
  { line: 'aws sqs create-queue --queue-name jobs-{s} --query QueueUrl --output text' },
  {
    line: 'aws sqs get-queue-url --queue-name jobs-{s}',
    capture: { queue: 'QueueUrl' },
  },
  {
    line: 'aws sqs send-message --queue-url {queue} --message-body hello --query MD5OfMessageBody --output text',
  },
  {
    line: 'aws sqs send-message-batch --queue-url {queue} --entries Id=a,MessageBody=one Id=b,MessageBody=two --query Successful[].Id',
  },
  {
    line: 'aws sqs get-queue-attributes --queue-url {queue} --attribute-names ApproximateNumberOfMessages',
  },
  {
    line: "aws sqs receive-message --queue-url {queue} --max-number-of-messages 10 --output json | jq -r '.Messages[].Body' | sort",
  },
  { line: 'aws sqs create-queue --queue-name jobs-{s} --region eu-west-1 --query QueueUrl --output text' },
  {
    line: "aws sqs list-queues --queue-name-prefix jobs- --output json | jq -r '.QueueUrls | sort | .[]'",
    profile: 'dev',
  },
  { line: 'aws sns create-topic --name alerts-{s}', profile: 'dev', capture: { topic: 'TopicArn' } },
  {
    line: 'aws sns subscribe --topic-arn {topic} --protocol sqs --notification-endpoint arn:aws:sqs:eu-west-1:123456789012:jobs-{s} --query SubscriptionArn --output text',
    profile: 'dev',
  },
  {
    line: 'aws sns publish --topic-arn {topic} --message deployed-{s} --query MessageId --output text',
    profile: 'dev',
  },
  {
    line: "aws sns list-subscriptions-by-topic --topic-arn {topic} --query 'Subscriptions[].[Protocol,Endpoint]' --output text",
    profile: 'dev',
  },
  {
    line: 'aws sns get-topic-attributes --topic-arn {topic} --query Attributes.SubscriptionsConfirmed --output text',
    profile: 'dev',
  },
  { line: "aws sns list-topics --output json | jq -r '.Topics[].TopicArn' | sort", profile: 'dev' },
];

const parameters: ParityCall[] = [
  { line: 'aws ssm put-parameter --name /app-{s}/stage --value blue --type String' },
  { line: 'aws ssm put-parameter --name /app-{s}/db/host --value db.internal --type String' },
  { line: 'aws ssm put-parameter --name /app-{s}/db/port --value 5432 --type String' },
  {
    line: 'aws ssm get-parameter --name /app-{s}/stage --query Parameter.[Name,Value,Version] --output text',
  },
  {
    line: "aws ssm get-parameters-by-path --path /app-{s} --recursive --query 'sort_by(Parameters,&Name)[].[Name,Value]' --output text",
  },
  {
    line: 'aws ssm put-parameter --name /app-{s}/stage --value green --type String --overwrite --query Version',
  },
  { line: 'aws ssm get-parameter-history --name /app-{s}/stage --query Parameters[].Value --output text' },
  {
    line: 'aws ssm put-parameter --name /app-{s}/stage --value red --type String --region ap-southeast-2',
    profile: 'ops',
  },
  {
    line: 'aws ssm get-parameter --name /app-{s}/stage --query Parameter.Value --output text',
    profile: 'ops',
  },
];

const secrets: ParityCall[] = [
  {
    line: 'aws kms create-key --description parity-{s} --query KeyMetadata.KeyId --output text',
    capture: { key: '.' },
  },
  { line: "aws kms list-keys --output json | jq '.Keys | length'" },
  { line: 'aws kms create-alias --alias-name alias/parity-{s} --target-key-id {key}' },
  {
    line: "aws kms list-aliases --query 'Aliases[?starts_with(AliasName,`alias/parity`)].AliasName' --output text",
  },
  {
    line: 'aws kms describe-key --key-id alias/parity-{s} --query KeyMetadata.[Description,KeyState,KeyUsage] --output text',
  },
  {
    line: 'aws secretsmanager create-secret --name db-{s} --secret-string s3cr3t-value-{s} --query Name --output text',
  },
  { line: 'aws secretsmanager describe-secret --secret-id db-{s} --query Name --output text' },
  { line: 'aws secretsmanager get-secret-value --secret-id db-{s} --query SecretString --output text' },
  {
    line: 'aws secretsmanager put-secret-value --secret-id db-{s} --secret-string rotated-{s} --query Name --output text',
  },
  { line: "aws secretsmanager list-secrets --output json | jq -r '.SecretList[].Name' | sort" },
];

const logs: ParityCall[] = [
  { line: 'aws logs create-log-group --log-group-name /parity/{s}' },
  { line: 'aws logs create-log-stream --log-group-name /parity/{s} --log-stream-name app' },
  {
    line: 'aws logs put-log-events --log-group-name /parity/{s} --log-stream-name app --log-events timestamp=1700000000000,message=started timestamp=1700000001000,message=ERROR-boom',
  },
  {
    line: 'aws logs filter-log-events --log-group-name /parity/{s} --filter-pattern ERROR --query events[].message --output text',
  },
  {
    line: "aws logs describe-log-groups --log-group-name-prefix /parity/ --query 'logGroups[].logGroupName' --output text",
  },
  { line: 'aws logs put-retention-policy --log-group-name /parity/{s} --retention-in-days 7' },
];

const streams: ParityCall[] = [
  { line: 'aws kinesis create-stream --stream-name events-{s} --shard-count 1' },
  { line: 'aws kinesis wait stream-exists --stream-name events-{s}' },
  {
    line: 'aws kinesis describe-stream-summary --stream-name events-{s} --query StreamDescriptionSummary.[StreamName,StreamStatus,OpenShardCount] --output text',
  },
  {
    line: 'aws kinesis put-record --stream-name events-{s} --partition-key p1 --data aGVsbG8= --query ShardId --output text',
  },
  { line: "aws kinesis list-streams --output json | jq -r '.StreamNames | sort | .[]'" },
];

const flows: ParityCall[] = [
  {
    line: 'aws stepfunctions create-state-machine --name flow-{s} --definition file://machine.json --role-arn arn:aws:iam::123456789012:role/fn-role-{s}',
    capture: { machine: 'stateMachineArn' },
  },
  {
    line: 'aws stepfunctions describe-state-machine --state-machine-arn {machine} --query [name,status] --output text',
  },
  { line: 'aws stepfunctions start-execution --state-machine-arn {machine} --name run-1' },
  {
    line: "aws stepfunctions list-executions --state-machine-arn {machine} --query 'executions[].name' --output text",
  },
  {
    line: "aws stepfunctions list-state-machines --query 'stateMachines[].name' --output json | jq -r 'sort | .[]'",
  },
  {
    line: 'aws events put-rule --name nightly-{s} --schedule-expression "rate(1 day)" --query RuleArn --output text',
  },
  {
    line: 'aws events put-targets --rule nightly-{s} --targets Id=1,Arn=arn:aws:lambda:us-east-1:123456789012:function:fn-{s}',
  },
  { line: 'aws events list-targets-by-rule --rule nightly-{s} --query Targets[].Id --output text' },
  {
    line: "aws events list-rules --name-prefix nightly- --query 'Rules[].[Name,ScheduleExpression]' --output text",
  },
];

const objects: ParityCall[] = [
  { line: 'aws s3 mb s3://bucket-{s}' },
  { line: 'aws s3 cp report.txt s3://bucket-{s}/reports/2024/report.txt' },
  // The server refuses a recursive local side that could carry dot-files unless they are excluded.
  { line: "aws s3 sync site s3://bucket-{s}/site --exclude '.*' --exclude '*/.*'", unordered: true },
  { line: 'aws s3 ls s3://bucket-{s}/site/' },
  { line: 'aws s3 ls s3://bucket-{s} --recursive --summarize', unordered: true },
  { line: "aws s3api list-objects-v2 --bucket bucket-{s} --query 'Contents[].[Key,Size]' --output text" },
  { line: 'aws s3api list-objects-v2 --bucket bucket-{s} --max-items 2 --query NextToken --output text' },
  {
    line: "aws s3api list-objects-v2 --bucket bucket-{s} --max-items 2 --output json | jq -r '.Contents[].Key'",
  },
  { line: 'aws s3api list-objects-v2 --bucket bucket-{s} --max-items 2', capture: { token: 'NextToken' } },
  {
    line: 'aws s3api list-objects-v2 --bucket bucket-{s} --starting-token {token} --query Contents[].Key --output text',
  },
  {
    line: 'aws s3api head-object --bucket bucket-{s} --key reports/2024/report.txt --query [ContentLength,ContentType] --output text',
  },
  { line: 'aws s3api put-bucket-tagging --bucket bucket-{s} --tagging TagSet=[{Key=team,Value=parity}]' },
  { line: 'aws s3api get-bucket-tagging --bucket bucket-{s} --output table' },
];

const tables: ParityCall[] = [
  {
    line: 'aws dynamodb create-table --cli-input-json file://table-{s}.json --query TableDescription.[TableName,TableStatus] --output text',
  },
  { line: 'aws dynamodb wait table-exists --table-name notes-{s}' },
  {
    line: 'aws dynamodb put-item --table-name notes-{s} --item {"id":{"S":"n1"},"text":{"S":"hi"}}',
    args: [
      'aws',
      'dynamodb',
      'put-item',
      '--table-name',
      'notes-{s}',
      '--item',
      '{"id":{"S":"n1"},"text":{"S":"hi"}}',
    ],
  },
  {
    line: 'aws dynamodb put-item --table-name notes-{s} --item file://item.json',
  },
  { line: "aws dynamodb scan --table-name notes-{s} --output json | jq -c '.Items | sort_by(.id.S) | .[]'" },
  {
    line: 'aws dynamodb get-item --table-name notes-{s} --key {"id":{"S":"n1"}} --output text',
    args: [
      'aws',
      'dynamodb',
      'get-item',
      '--table-name',
      'notes-{s}',
      '--key',
      '{"id":{"S":"n1"}}',
      '--output',
      'text',
    ],
  },
  {
    line: 'aws dynamodb describe-table --table-name notes-{s} --query Table.[TableName,ItemCount,KeySchema[0].AttributeName] --output text',
  },
];

const registries: ParityCall[] = [
  {
    line: 'aws ecr create-repository --repository-name app-{s} --query repository.repositoryName --output text',
  },
  {
    line: "aws ecr describe-repositories --query 'repositories[].repositoryName' --output json | jq -r 'sort | .[]'",
  },
  {
    line: 'aws route53 create-hosted-zone --name {s}.example.com --caller-reference ref-{s} --query HostedZone.Name --output text',
  },
  { line: "aws route53 list-hosted-zones --query 'HostedZones[].Name' --output json | jq -r 'sort | .[]'" },
  { line: 'aws sts get-caller-identity --query [Account,Arn] --output text' },
  { line: 'aws sts get-caller-identity --output table', profile: 'ops' },
];

/**
 * The workload's sequences, split where a service's calls do not build on another's (logs, streams and flows;
 * objects, tables and registries), since the longest sequence sets the suite's time. Each builds on itself only, so
 * the suite runs them at once: no call captures or names
 * what another sequence makes, and no listing shows a kind of resource another sequence makes where it looks (the
 * stack's queue and topic are in us-east-1 and not named `jobs-`, while the listings of queues and topics are in
 * eu-west-1; keys, users, functions, secrets, streams, state machines, repositories and zones are each made by one
 * sequence only; the state machine's and the rule's role and function ARNs are only text to moto).
 */
export const paritySequences: { name: string; calls: ParityCall[] }[] = [
  { name: 'vpc', calls: vpc },
  { name: 'iam and lambda', calls: iamLambda },
  { name: 'stacks', calls: stacks },
  { name: 'messaging', calls: messaging },
  { name: 'parameters', calls: parameters },
  { name: 'secrets', calls: secrets },
  { name: 'logs', calls: logs },
  { name: 'streams', calls: streams },
  { name: 'flows', calls: flows },
  { name: 'objects', calls: objects },
  { name: 'tables', calls: tables },
  { name: 'registries', calls: registries },
];

/** Every call, in order. */
export const parityCalls: ParityCall[] = paritySequences.flatMap((sequence) => sequence.calls);
