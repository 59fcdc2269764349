/** Popular services by what they are for, so the overview can group them (every other service is listed after). */
export const serviceCategories: readonly (readonly [string, readonly string[]])[] = [
  ['Compute', ['ec2', 'lambda', 'ecs', 'eks', 'autoscaling', 'batch', 'lightsail', 'elasticbeanstalk']],
  ['Storage', ['s3', 's3api', 'efs', 'fsx', 'glacier', 'backup', 'ebs']],
  ['Databases', ['dynamodb', 'rds', 'elasticache', 'redshift', 'docdb', 'neptune', 'memorydb']],
  [
    'Networking',
    ['elbv2', 'elb', 'route53', 'cloudfront', 'apigateway', 'apigatewayv2', 'globalaccelerator'],
  ],
  [
    'Identity & security',
    ['iam', 'sts', 'kms', 'secretsmanager', 'acm', 'sso', 'organizations', 'guardduty'],
  ],
  ['Monitoring & logs', ['cloudwatch', 'logs', 'cloudtrail', 'xray', 'events', 'health']],
  [
    'Messaging & streams',
    ['sqs', 'sns', 'kinesis', 'firehose', 'ses', 'sesv2', 'stepfunctions', 'scheduler'],
  ],
  ['Management', ['cloudformation', 'ssm', 'configservice', 'resourcegroupstaggingapi', 'service-quotas']],
  ['Cost', ['ce', 'budgets', 'pricing', 'cur', 'billing']],
  ['Containers & code', ['ecr', 'codebuild', 'codepipeline', 'codecommit', 'deploy', 'codeartifact']],
  ['Machine learning', ['sagemaker', 'bedrock', 'bedrock-runtime', 'comprehend', 'rekognition', 'textract']],
  ['The CLI itself', ['configure', 'help']],
];

/** Every service named in {@link serviceCategories}: the search ranks their commands a little higher. */
export const commonServices: ReadonlySet<string> = new Set(serviceCategories.flatMap(([, names]) => names));
