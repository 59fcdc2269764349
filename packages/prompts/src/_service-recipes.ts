/** Read-only commands that answer common questions about one service. */
export interface ServiceRecipe {
  /** What exists. */
  inventory: string[];
  /** Settings that matter for security. */
  security: string[];
  /** The CloudWatch namespace of its metrics. */
  namespace?: string;
  /** Commands that show one resource in detail; RESOURCE_ID stands for the resource. */
  inspect: string[];
}

const recipes: Record<string, ServiceRecipe> = {
  s3: {
    inventory: [
      "aws s3api list-buckets --query 'Buckets[].[Name,CreationDate]' --output table",
      "aws s3api get-bucket-location --bucket BUCKET_NAME --query 'LocationConstraint' --output text",
    ],
    security: [
      'aws s3api get-public-access-block --bucket BUCKET_NAME',
      'aws s3api get-bucket-policy-status --bucket BUCKET_NAME',
      'aws s3api get-bucket-encryption --bucket BUCKET_NAME',
      "aws s3api get-bucket-versioning --bucket BUCKET_NAME --query 'Status' --output text",
      "aws s3api get-bucket-acl --bucket BUCKET_NAME --query 'Grants[].[Grantee.URI,Permission]' --output table",
    ],
    namespace: 'AWS/S3',
    inspect: [
      'aws s3 ls s3://RESOURCE_ID --recursive --summarize | tail -2',
      'aws s3api get-bucket-lifecycle-configuration --bucket RESOURCE_ID',
    ],
  },
  ec2: {
    inventory: [
      "aws ec2 describe-instances --query 'Reservations[].Instances[].[InstanceId,InstanceType,State.Name,Tags[?Key==`Name`]|[0].Value]' --output table",
      "aws ec2 describe-volumes --query 'Volumes[].[VolumeId,Size,State,VolumeType]' --output table",
    ],
    security: [
      "aws ec2 describe-security-groups --query 'SecurityGroups[?IpPermissions[?IpRanges[?CidrIp==`0.0.0.0/0`]]].[GroupId,GroupName]' --output table",
      "aws ec2 describe-instances --query 'Reservations[].Instances[].[InstanceId,MetadataOptions.HttpTokens,PublicIpAddress]' --output table",
      "aws ec2 get-ebs-encryption-by-default --query 'EbsEncryptionByDefault'",
    ],
    namespace: 'AWS/EC2',
    inspect: [
      'aws ec2 describe-instances --instance-ids RESOURCE_ID',
      'aws ec2 describe-instance-status --instance-ids RESOURCE_ID --include-all-instances',
      'aws ec2 get-console-output --instance-id RESOURCE_ID --latest --output text | tail -50',
    ],
  },
  iam: {
    inventory: [
      "aws iam list-users --query 'Users[].[UserName,CreateDate,PasswordLastUsed]' --output table",
      "aws iam list-roles --query 'Roles[].RoleName' --output text | tr '\\t' '\\n' | sort",
    ],
    security: [
      "aws iam get-account-summary --query 'SummaryMap.[AccountMFAEnabled,AccountAccessKeysPresent]'",
      'aws iam get-account-password-policy',
      "aws iam list-access-keys --user-name USER_NAME --query 'AccessKeyMetadata[].[AccessKeyId,Status,CreateDate]' --output table",
      "aws iam list-attached-user-policies --user-name USER_NAME --query 'AttachedPolicies[].PolicyName' --output text",
    ],
    inspect: [
      'aws iam get-role --role-name RESOURCE_ID',
      "aws iam list-attached-role-policies --role-name RESOURCE_ID --query 'AttachedPolicies[].PolicyArn' --output text",
    ],
  },
  lambda: {
    inventory: [
      "aws lambda list-functions --query 'Functions[].[FunctionName,Runtime,MemorySize,Timeout,LastModified]' --output table",
    ],
    security: [
      "aws lambda get-policy --function-name FUNCTION_NAME --query 'Policy' --output text | jq .",
      "aws lambda get-function-configuration --function-name FUNCTION_NAME --query '[Role,KMSKeyArn,VpcConfig.SubnetIds]'",
      "aws lambda list-function-url-configs --function-name FUNCTION_NAME --query 'FunctionUrlConfigs[].[FunctionUrl,AuthType]' --output table",
    ],
    namespace: 'AWS/Lambda',
    inspect: [
      'aws lambda get-function-configuration --function-name RESOURCE_ID',
      'aws logs filter-log-events --log-group-name /aws/lambda/RESOURCE_ID --filter-pattern ERROR --max-items 50',
    ],
  },
  rds: {
    inventory: [
      "aws rds describe-db-instances --query 'DBInstances[].[DBInstanceIdentifier,Engine,DBInstanceClass,DBInstanceStatus,MultiAZ]' --output table",
    ],
    security: [
      "aws rds describe-db-instances --query 'DBInstances[].[DBInstanceIdentifier,PubliclyAccessible,StorageEncrypted,DeletionProtection]' --output table",
      "aws rds describe-db-snapshots --snapshot-type manual --query 'DBSnapshots[].[DBSnapshotIdentifier,Encrypted]' --output table",
    ],
    namespace: 'AWS/RDS',
    inspect: [
      'aws rds describe-db-instances --db-instance-identifier RESOURCE_ID',
      "aws rds describe-events --source-type db-instance --source-identifier RESOURCE_ID --duration 1440 --query 'Events[].[Date,Message]' --output table",
    ],
  },
  dynamodb: {
    inventory: ["aws dynamodb list-tables --query 'TableNames' --output text | tr '\\t' '\\n'"],
    security: [
      "aws dynamodb describe-table --table-name TABLE_NAME --query 'Table.[SSEDescription.Status,DeletionProtectionEnabled]'",
      "aws dynamodb describe-continuous-backups --table-name TABLE_NAME --query 'ContinuousBackupsDescription.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus' --output text",
    ],
    namespace: 'AWS/DynamoDB',
    inspect: ['aws dynamodb describe-table --table-name RESOURCE_ID'],
  },
  ecs: {
    inventory: [
      "aws ecs list-clusters --query 'clusterArns' --output text | tr '\\t' '\\n'",
      "aws ecs list-services --cluster CLUSTER_NAME --query 'serviceArns' --output text | tr '\\t' '\\n'",
    ],
    security: [
      "aws ecs describe-task-definition --task-definition TASK_DEFINITION --query 'taskDefinition.[taskRoleArn,executionRoleArn,containerDefinitions[].privileged]'",
    ],
    namespace: 'AWS/ECS',
    inspect: [
      "aws ecs describe-services --cluster CLUSTER_NAME --services RESOURCE_ID --query 'services[].[serviceName,status,runningCount,desiredCount,events[:5]]'",
    ],
  },
  eks: {
    inventory: ["aws eks list-clusters --query 'clusters' --output text | tr '\\t' '\\n'"],
    security: [
      "aws eks describe-cluster --name CLUSTER_NAME --query 'cluster.[resourcesVpcConfig.endpointPublicAccess,logging.clusterLogging]'",
    ],
    inspect: [
      'aws eks describe-cluster --name RESOURCE_ID',
      "aws eks list-nodegroups --cluster-name RESOURCE_ID --query 'nodegroups' --output text",
    ],
  },
  cloudtrail: {
    inventory: [
      "aws cloudtrail describe-trails --query 'trailList[].[Name,IsMultiRegionTrail,S3BucketName]' --output table",
    ],
    security: [
      "aws cloudtrail get-trail-status --name TRAIL_NAME --query '[IsLogging,LatestDeliveryTime]'",
      "aws cloudtrail describe-trails --query 'trailList[].[Name,LogFileValidationEnabled,KmsKeyId]' --output table",
    ],
    inspect: ['aws cloudtrail get-trail-status --name RESOURCE_ID'],
  },
  sqs: {
    inventory: ["aws sqs list-queues --query 'QueueUrls' --output text | tr '\\t' '\\n'"],
    security: [
      'aws sqs get-queue-attributes --queue-url QUEUE_URL --attribute-names Policy KmsMasterKeyId SqsManagedSseEnabled',
    ],
    namespace: 'AWS/SQS',
    inspect: ['aws sqs get-queue-attributes --queue-url RESOURCE_ID --attribute-names All'],
  },
  kms: {
    inventory: ["aws kms list-aliases --query 'Aliases[].[AliasName,TargetKeyId]' --output table"],
    security: [
      "aws kms get-key-rotation-status --key-id KEY_ID --query 'KeyRotationEnabled'",
      "aws kms get-key-policy --key-id KEY_ID --policy-name default --query 'Policy' --output text | jq .",
    ],
    inspect: ['aws kms describe-key --key-id RESOURCE_ID'],
  },
};

/** CLI service names users write differently. */
const aliases: Record<string, string> = {
  vpc: 'ec2',
  ebs: 'ec2',
  s3api: 's3',
  fargate: 'ecs',
  dynamo: 'dynamodb',
};

/** The lower-cased CLI service for what a user typed, e.g. `VPC` → `ec2`. */
export function normalizeService(service: string | undefined): string {
  const name = (service ?? '').trim().toLowerCase();
  return aliases[name] ?? name;
}

/** The recipe for a service, or undefined when there is none and the assistant must use aws_cli_help. */
export function findRecipe(service: string): ServiceRecipe | undefined {
  return Object.hasOwn(recipes, service) ? recipes[service] : undefined;
}

/** Services that have a recipe, for prompts that cover "all". */
export const recipeServices = Object.keys(recipes);
