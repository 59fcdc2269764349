import { definePrompt, type PromptDefinition } from './_define.js';
import { asWord, commandBlock } from './_guidance.js';
import { findRecipe, normalizeService, recipeServices } from './_service-recipes.js';
import { completeRegion, completeServiceName, filterCompletions } from './complete.js';

const fixed = (values: string[]) => (value: string) => filterCompletions(values, value);

const serviceArgument = (
  description = 'AWS CLI service name, e.g. s3, ec2, iam, lambda',
  fallback?: string,
) => ({
  description,
  complete: completeServiceName,
  ...(fallback === undefined ? {} : { default: fallback }),
});

/** How to discover a service's read commands when there is no recipe for it. */
function discover(service: string): string {
  const name = asWord(service, 'SERVICE');
  return `There is no ready recipe for ${name}: call aws_cli_help with service ${name} to find its list-*, describe-* and get-* commands, then run them with --query and --output as above.`;
}

/** The inventory and security commands of a service, or how to find them. */
function recipeText(
  service: string,
  parts: Array<'inventory' | 'security' | 'inspect'>,
  resourceId?: string,
): string {
  const recipe = findRecipe(service);
  if (recipe === undefined) return discover(service);
  const lines = parts.flatMap((part) => recipe[part]);
  const id = asWord(resourceId, 'RESOURCE_ID');
  return commandBlock(lines.map((line) => line.replaceAll('RESOURCE_ID', id)));
}

const createExamples: Record<string, string[]> = {
  bucket: [
    'aws s3api head-bucket --bucket NAME',
    'aws s3api create-bucket --bucket NAME --create-bucket-configuration LocationConstraint=REGION',
    'aws s3api put-public-access-block --bucket NAME --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true',
  ],
  instance: [
    "aws ec2 describe-images --owners amazon --filters Name=name,Values=al2023-ami-2023* --query 'sort_by(Images,&CreationDate)[-1].ImageId' --output text",
    'aws ec2 run-instances --image-id AMI_ID --instance-type t3.micro --subnet-id SUBNET_ID --tag-specifications ResourceType=instance,Tags=[{Key=Name,Value=NAME}] --dry-run',
  ],
  table: [
    'aws dynamodb describe-table --table-name NAME',
    'aws dynamodb create-table --table-name NAME --attribute-definitions AttributeName=pk,AttributeType=S --key-schema AttributeName=pk,KeyType=HASH --billing-mode PAY_PER_REQUEST',
  ],
  queue: ['aws sqs get-queue-url --queue-name NAME', 'aws sqs create-queue --queue-name NAME'],
  topic: [
    "aws sns list-topics --query 'Topics[].TopicArn' --output text | tr '\\t' '\\n' | grep NAME",
    'aws sns create-topic --name NAME',
  ],
  vpc: [
    "aws ec2 describe-vpcs --query 'Vpcs[].[VpcId,CidrBlock]' --output table",
    'aws ec2 create-vpc --cidr-block 10.0.0.0/16 --tag-specifications ResourceType=vpc,Tags=[{Key=Name,Value=NAME}] --dry-run',
  ],
};

function createExample(resourceType: string, resourceName: string): string {
  const type = resourceType.toLowerCase();
  const key = Object.keys(createExamples).find((candidate) => type.includes(candidate));
  if (key === undefined) {
    return `Call aws_cli_help with a free-text query such as "create ${resourceType}" to find the create command and its required options.`;
  }
  const name = asWord(resourceName, 'RESOURCE_NAME');
  return `For this kind of resource the commands look like this (check each with aws_cli_help first):\n${commandBlock(
    (createExamples[key] ?? []).map((line) => line.replaceAll('NAME', name)),
  )}`;
}

const lastMonth = 'Use dates as YYYY-MM-DD in place of START_DATE and END_DATE, e.g. the last full month.';

/** The 17 prompts users of the reference server know, with the same names and arguments. */
export const prompts: PromptDefinition[] = [
  definePrompt({
    name: 'create_resource',
    title: 'Create an AWS resource',
    description:
      'Plan the creation of an AWS resource with safe defaults, show the commands and wait for approval.',
    args: {
      resource_type: {
        description: 'Kind of resource, e.g. s3 bucket, ec2 instance, dynamodb table, sqs queue, vpc',
        complete: fixed(['s3 bucket', 'ec2 instance', 'dynamodb table', 'sqs queue', 'sns topic', 'vpc']),
      },
      resource_name: { description: 'Name for the new resource' },
    },
    changes: true,
    write: ({ resource_type, resource_name }) =>
      `Task: create a ${resource_type} named ${resource_name}.
- Check that the name is free and valid (list or describe the existing resources).
- Choose secure defaults: encryption on, no public access, least-privilege access, and tags Name, Owner and Environment.
- ${createExample(resource_type, resource_name)}
- After creation, confirm the resource with a describe or get command and report its ARN or ID.`,
  }),
  definePrompt({
    name: 'security_audit',
    title: 'Security audit of a service',
    description:
      'Review the security settings of one AWS service with read-only commands and rank the findings.',
    args: { service: serviceArgument() },
    changes: false,
    write: ({ service }) => {
      const name = normalizeService(service);
      return `Task: audit the security of ${asWord(name, 'SERVICE')} in this account, read-only.
1. List the resources:
${recipeText(name, ['inventory'])}
2. Check the settings that matter for security, once per resource:
${recipeText(name, ['security'])}
3. Check the account-wide controls that cover it:
${commandBlock([
  "aws cloudtrail describe-trails --query 'trailList[].[Name,IsMultiRegionTrail]' --output table",
  "aws guardduty list-detectors --query 'DetectorIds' --output text",
  "aws accessanalyzer list-analyzers --query 'analyzers[].[name,status]' --output table",
])}
Report each finding with severity (critical, high, medium, low), the resource, the evidence (the command and the relevant output), and the fix as a command the user can approve later. Do not change anything.`;
    },
  }),
  definePrompt({
    name: 'cost_optimization',
    title: 'Cost optimization',
    description: 'Find where a service spends money and what could be cheaper, without changing anything.',
    args: { service: serviceArgument() },
    changes: false,
    write: ({ service }) => {
      const name = normalizeService(service);
      return `Task: find savings for ${asWord(name, 'SERVICE')}. ${lastMonth}
1. Where the money goes:
${commandBlock([
  "aws ce get-cost-and-usage --time-period Start=START_DATE,End=END_DATE --granularity MONTHLY --metrics UnblendedCost --group-by Type=DIMENSION,Key=SERVICE --output json | jq -r '.ResultsByTime[].Groups[] | [.Keys[0], .Metrics.UnblendedCost.Amount] | @tsv' | sort -t '\t' -k2 -rn | head -20",
  'aws ce get-cost-and-usage --time-period Start=START_DATE,End=END_DATE --granularity MONTHLY --metrics UnblendedCost --group-by Type=DIMENSION,Key=USAGE_TYPE',
])}
2. What exists and how it is sized:
${recipeText(name, ['inventory'])}
3. Idle or oversized resources, for example:
${commandBlock([
  "aws ec2 describe-volumes --filters Name=status,Values=available --query 'Volumes[].[VolumeId,Size,CreateTime]' --output table",
  "aws ec2 describe-addresses --query 'Addresses[?AssociationId==null].[PublicIp,AllocationId]' --output table",
  "aws compute-optimizer get-ec2-instance-recommendations --query 'instanceRecommendations[].[instanceArn,finding,recommendationOptions[0].instanceType]' --output table",
])}
Report each saving with the resource, the estimated monthly amount, the risk, and the change that would achieve it. Do not change anything.`;
    },
  }),
  definePrompt({
    name: 'resource_inventory',
    title: 'Resource inventory',
    description: 'List the resources of a service in one region or in every enabled region.',
    args: {
      service: serviceArgument(),
      region: {
        description: 'Region code, or all for every enabled region',
        default: 'all',
        complete: completeRegion,
      },
    },
    changes: false,
    write: ({ service, region }) => {
      const name = normalizeService(service);
      const regionWord = region === 'all' ? 'REGION' : asWord(region, 'REGION');
      const regionStep =
        region === 'all'
          ? `Find the enabled regions, then run the inventory once per region with --region REGION (one call per region):
${commandBlock(["aws ec2 describe-regions --query 'Regions[].RegionName' --output text | tr '\\t' '\\n'"])}`
          : `Work in ${regionWord}: add --region ${regionWord} to every command.`;
      return `Task: inventory ${asWord(name, 'SERVICE')} resources.
${regionStep}
Inventory commands:
${recipeText(name, ['inventory'])}
Tagged resources of any type can also be listed with:
${commandBlock([
  `aws resourcegroupstaggingapi get-resources --region ${regionWord} --query 'ResourceTagMappingList[].ResourceARN' --output text | tr '\\t' '\\n' | sort`,
])}
Present one table per region: identifier, type, state, creation date and Name tag, plus a count per type.`;
    },
  }),
  definePrompt({
    name: 'troubleshoot_service',
    title: 'Troubleshoot a resource',
    description: 'Diagnose a failing AWS resource from its state, logs, metrics and recent API events.',
    args: {
      service: serviceArgument(),
      resource_id: { description: 'ID, name or ARN of the resource that misbehaves' },
    },
    changes: false,
    write: ({ service, resource_id }) => {
      const name = normalizeService(service);
      const id = asWord(resource_id, 'RESOURCE_ID');
      return `Task: find out why ${asWord(name, 'SERVICE')} resource ${id} misbehaves. Gather evidence before proposing fixes.
1. Its current state:
${recipeText(name, ['inspect'], resource_id)}
2. Alarms, recent API calls and AWS-side events:
${commandBlock([
  "aws cloudwatch describe-alarms --state-value ALARM --query 'MetricAlarms[].[AlarmName,StateReason]' --output table",
  `aws cloudtrail lookup-events --lookup-attributes AttributeKey=ResourceName,AttributeValue=${id} --max-results 20 --query 'Events[].[EventTime,EventName,Username]' --output table`,
  "aws health describe-events --region us-east-1 --filter eventStatusCodes=open --query 'events[].[service,eventTypeCode,region]' --output table",
])}
3. Logs: find the log group with \`aws logs describe-log-groups --query 'logGroups[].logGroupName' --output text\`, then search it with \`aws logs filter-log-events --log-group-name LOG_GROUP --filter-pattern ERROR --max-items 50\`.
Explain the most likely cause, the evidence for it, and the fix. If the fix changes anything, show the command and wait for the user.`;
    },
  }),
  definePrompt({
    name: 'iam_policy_generator',
    title: 'Generate an IAM policy',
    description:
      'Write a least-privilege IAM policy, check it with IAM Access Analyzer, and plan its creation.',
    args: {
      service: serviceArgument('AWS service the policy grants access to, e.g. s3'),
      actions: { description: 'Actions to allow, comma-separated, e.g. s3:GetObject,s3:PutObject' },
      resource_pattern: { description: 'Resource ARN or pattern the actions apply to', default: '*' },
    },
    changes: true,
    write: ({ service, actions, resource_pattern }) => {
      const actionList = actions
        .split(/[\s,]+/)
        .filter((action) => action !== '')
        .map((action) => (action.includes(':') ? action : `${normalizeService(service)}:${action}`));
      const document = JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: actionList, Resource: resource_pattern }],
      });
      const quoted = document.includes("'") ? 'POLICY_JSON' : `'${document}'`;
      return `Task: write a least-privilege IAM policy that allows ${actionList.join(', ')} on ${resource_pattern}.
1. Check the action names and the resource types they support with aws_cli_help (query "${normalizeService(service)} actions") and narrow the resource pattern where the actions allow it; a Resource of * deserves a comment on why it is needed.
2. Validate the draft with IAM Access Analyzer (pass the policy inline, single-quoted):
${commandBlock([`aws accessanalyzer validate-policy --policy-type IDENTITY_POLICY --policy-document ${quoted} --query 'findings[].[findingType,issueCode,learnMoreLink]' --output table`])}
3. Show the final policy JSON and explain each statement.
4. Creating it is a change: plan \`aws iam create-policy --policy-name POLICY_NAME --policy-document POLICY_JSON\` with the final JSON and wait for the user.`;
    },
  }),
  definePrompt({
    name: 'service_monitoring',
    title: 'Monitor a service',
    description: 'Review the metrics and alarms of a service and propose the missing alarms.',
    args: {
      service: serviceArgument(),
      metric_type: {
        description: 'What to watch: performance, availability, errors or cost',
        default: 'performance',
        complete: fixed(['performance', 'availability', 'errors', 'cost']),
      },
    },
    changes: true,
    write: ({ service, metric_type }) => {
      const name = normalizeService(service);
      const namespace = findRecipe(name)?.namespace ?? 'NAMESPACE';
      return `Task: set up ${metric_type} monitoring for ${asWord(name, 'SERVICE')}.
1. Metrics and alarms that exist (namespace ${namespace}; find others with aws_cli_help):
${commandBlock([
  `aws cloudwatch list-metrics --namespace ${namespace} --query 'Metrics[].MetricName' --output text | tr '\\t' '\\n' | sort | uniq -c`,
  `aws cloudwatch describe-alarms --query 'MetricAlarms[?Namespace==\`${namespace}\`].[AlarmName,MetricName,StateValue]' --output table`,
])}
2. Recent values of the metrics that matter for ${metric_type}:
${commandBlock([
  `aws cloudwatch get-metric-statistics --namespace ${namespace} --metric-name METRIC_NAME --dimensions Name=DIMENSION_NAME,Value=DIMENSION_VALUE --start-time START_TIME --end-time END_TIME --period 300 --statistics Average Maximum --output table`,
])}
3. Propose the missing alarms with thresholds based on those values, each as an \`aws cloudwatch put-metric-alarm\` command with an SNS topic for notifications.`;
    },
  }),
  definePrompt({
    name: 'disaster_recovery',
    title: 'Disaster recovery review',
    description:
      'Check backups and replication of a service against a recovery point objective and plan the gaps.',
    args: {
      service: serviceArgument(),
      recovery_point_objective: {
        description: 'Largest acceptable data loss, e.g. 15 minutes',
        default: '1 hour',
      },
    },
    changes: true,
    write: ({ service, recovery_point_objective }) => {
      const name = normalizeService(service);
      return `Task: check whether ${asWord(name, 'SERVICE')} can be recovered with at most ${recovery_point_objective} of data loss.
1. What is protected:
${commandBlock([
  "aws backup list-backup-plans --query 'BackupPlansList[].[BackupPlanName,BackupPlanId]' --output table",
  "aws backup list-protected-resources --query 'Results[].[ResourceType,ResourceArn,LastBackupTime]' --output table",
  "aws rds describe-db-instances --query 'DBInstances[].[DBInstanceIdentifier,BackupRetentionPeriod,MultiAZ]' --output table",
  "aws dynamodb list-tables --query 'TableNames' --output text",
  "aws s3api get-bucket-replication --bucket BUCKET_NAME --query 'ReplicationConfiguration.Rules[].[ID,Status]'",
])}
2. The resources of the service:
${recipeText(name, ['inventory'])}
3. For each resource, compare the backup frequency or replication lag with ${recovery_point_objective}, and check that a restore has been tested (recent restore jobs: \`aws backup list-restore-jobs --max-results 20\`).
Report the gaps per resource and propose the backup plans, replication or Multi-AZ changes that close them.`;
    },
  }),
  definePrompt({
    name: 'compliance_check',
    title: 'Compliance check',
    description: 'Check resources against a compliance standard using Security Hub and AWS Config results.',
    args: {
      compliance_standard: {
        description: 'Standard to check, e.g. CIS, PCI-DSS, HIPAA, SOC2, NIST 800-53',
        complete: fixed(['CIS', 'PCI-DSS', 'HIPAA', 'SOC2', 'NIST 800-53', 'ISO 27001', 'GDPR']),
      },
      service: serviceArgument('AWS service to check, or all', 'all'),
    },
    changes: false,
    write: ({ compliance_standard, service }) => {
      const name = service === 'all' ? 'all' : normalizeService(service);
      const scope = name === 'all' ? 'every service' : asWord(name, 'SERVICE');
      return `Task: check ${scope} against ${compliance_standard}, read-only.
1. Standards and rules that are already evaluated:
${commandBlock([
  "aws securityhub get-enabled-standards --query 'StandardsSubscriptions[].[StandardsArn,StandardsStatus]' --output table",
  "aws configservice describe-compliance-by-config-rule --compliance-types NON_COMPLIANT --query 'ComplianceByConfigRules[].ConfigRuleName' --output text | tr '\\t' '\\n'",
])}
2. Failed controls:
${commandBlock([
  "aws securityhub get-findings --filters ComplianceStatus=[{Value=FAILED,Comparison=EQUALS}],RecordState=[{Value=ACTIVE,Comparison=EQUALS}] --max-items 100 --query 'Findings[].[Compliance.SecurityControlId,Severity.Label,Resources[0].Id]' --output table",
])}
3. Where Security Hub or Config are off, check the settings directly:
${name === 'all' ? commandBlock(recipeServices.slice(0, 4).flatMap((item) => findRecipe(item)?.security.slice(0, 1) ?? [])) : recipeText(name, ['security'])}
Map each finding to the ${compliance_standard} requirement it concerns and report pass or fail with evidence. Do not change anything.`;
    },
  }),
  definePrompt({
    name: 'resource_cleanup',
    title: 'Clean up resources',
    description:
      'Find unused resources of a service and plan their removal, with nothing deleted before approval.',
    args: {
      service: serviceArgument(),
      criteria: {
        description: 'What counts as removable: unused, untagged, or older than a date',
        default: 'unused',
        complete: fixed(['unused', 'untagged', 'old', 'stopped']),
      },
    },
    changes: true,
    write: ({ service, criteria }) => {
      const name = normalizeService(service);
      return `Task: find ${asWord(name, 'SERVICE')} resources that are ${criteria} and plan their cleanup.
1. List the candidates:
${recipeText(name, ['inventory'])}
Common candidates:
${commandBlock([
  "aws ec2 describe-volumes --filters Name=status,Values=available --query 'Volumes[].[VolumeId,Size,CreateTime]' --output table",
  "aws ec2 describe-snapshots --owner-ids self --query 'Snapshots[?StartTime<=`CUTOFF_DATE`].[SnapshotId,VolumeSize,StartTime]' --output table",
  "aws ec2 describe-addresses --query 'Addresses[?AssociationId==null].[PublicIp,AllocationId]' --output table",
  "aws logs describe-log-groups --query 'logGroups[?retentionInDays==null].[logGroupName,storedBytes]' --output table",
])}
2. For each candidate, show why it qualifies (last use, attachments, tags) and what depends on it.
3. Prefer reversible steps: snapshot before deleting a volume, stop before terminating.`;
    },
  }),
  definePrompt({
    name: 'serverless_deployment',
    title: 'Deploy a serverless application',
    description:
      'Plan a Lambda-based application: role, function, API and logs, deployed only after approval.',
    args: {
      application_name: { description: 'Name of the application, used for the function and stack' },
      runtime: {
        description: 'Lambda runtime, e.g. python3.12, nodejs20.x, java21',
        complete: fixed([
          'nodejs22.x',
          'nodejs20.x',
          'python3.13',
          'python3.12',
          'java21',
          'dotnet8',
          'ruby3.3',
          'provided.al2023',
        ]),
      },
    },
    changes: true,
    write: ({ application_name, runtime }) => {
      const app = asWord(application_name, 'APPLICATION_NAME');
      const runtimeWord = asWord(runtime, 'RUNTIME');
      return `Task: deploy the serverless application ${app} on ${runtimeWord}.
1. Check what exists and that the runtime is current:
${commandBlock([
  `aws lambda list-functions --query 'Functions[?starts_with(FunctionName,\`${app}\`)].[FunctionName,Runtime]' --output table`,
  `aws cloudformation describe-stacks --stack-name ${app} --query 'Stacks[].[StackName,StackStatus]' --output table`,
])}
2. If the user has a CloudFormation or SAM template in the working directory, deploy it as a change set first, so nothing changes until it is executed:
${commandBlock([
  `aws cloudformation deploy --template-file template.yaml --stack-name ${app} --capabilities CAPABILITY_IAM --no-execute-changeset`,
  `aws cloudformation list-change-sets --stack-name ${app}`,
])}
3. Without a template, plan the pieces one command each: an execution role with only the permissions the function needs, the function (\`aws lambda create-function --function-name ${app} --runtime ${runtimeWord} --role ROLE_ARN --handler HANDLER --zip-file fileb://function.zip\`, with the zip in the working directory), an HTTP API if it needs one, and log retention.
4. After deployment, test with \`aws lambda invoke --function-name ${app} --payload '{}' --cli-binary-format raw-in-base64-out response.json\` and check the logs.`;
    },
  }),
  definePrompt({
    name: 'container_orchestration',
    title: 'Container orchestration',
    description: 'Review or plan an ECS or EKS cluster and its services.',
    args: {
      cluster_name: { description: 'Name of the ECS or EKS cluster' },
      service_type: {
        description: 'Where containers run: fargate, ec2 or eks',
        default: 'fargate',
        complete: fixed(['fargate', 'ec2', 'eks']),
      },
    },
    changes: true,
    write: ({ cluster_name, service_type }) => {
      const cluster = asWord(cluster_name, 'CLUSTER_NAME');
      const eks = service_type.toLowerCase() === 'eks';
      const lines = eks
        ? [
            `aws eks describe-cluster --name ${cluster} --query 'cluster.[status,version,resourcesVpcConfig.subnetIds]'`,
            `aws eks list-nodegroups --cluster-name ${cluster}`,
            `aws eks list-fargate-profiles --cluster-name ${cluster}`,
          ]
        : [
            `aws ecs describe-clusters --clusters ${cluster} --query 'clusters[].[clusterName,status,runningTasksCount,capacityProviders]'`,
            `aws ecs list-services --cluster ${cluster} --query 'serviceArns' --output text | tr '\\t' '\\n'`,
            `aws ecs describe-services --cluster ${cluster} --services SERVICE_NAME --query 'services[].[serviceName,launchType,desiredCount,runningCount]' --output table`,
          ];
      return `Task: review and, if needed, set up the ${service_type} container cluster ${cluster}.
1. Current state (the cluster may not exist yet):
${commandBlock(lines)}
2. Check networking (private subnets, security groups) and the task or node roles with aws_cli_help for the options you need.
3. Propose what is missing (cluster, capacity, task definition, service with health checks and autoscaling) as one command per step.`;
    },
  }),
  definePrompt({
    name: 'vpc_network_design',
    title: 'Design a VPC network',
    description:
      'Design a VPC with public and private subnets across availability zones and plan its creation.',
    args: {
      vpc_name: { description: 'Name tag for the VPC' },
      cidr_block: { description: 'IPv4 CIDR block of the VPC', default: '10.0.0.0/16' },
    },
    changes: true,
    write: ({ vpc_name, cidr_block }) => {
      const name = asWord(vpc_name, 'VPC_NAME');
      const cidr = asWord(cidr_block, 'CIDR_BLOCK');
      return `Task: design the VPC ${name} with CIDR ${cidr}.
1. Check for overlaps and available zones:
${commandBlock([
  "aws ec2 describe-vpcs --query 'Vpcs[].[VpcId,CidrBlock,Tags[?Key==`Name`]|[0].Value]' --output table",
  "aws ec2 describe-availability-zones --query 'AvailabilityZones[?State==`available`].ZoneName' --output text",
])}
2. Design: public and private subnets in at least two zones, route tables, an internet gateway, NAT (one per zone for production, one shared otherwise), VPC endpoints for S3 and DynamoDB, and flow logs. Give each subnet's CIDR.
3. Validate the first step with --dry-run:
${commandBlock([
  `aws ec2 create-vpc --cidr-block ${cidr} --tag-specifications ResourceType=vpc,Tags=[{Key=Name,Value=${name}}] --dry-run`,
])}
Then list the remaining commands (subnets, gateways, routes) in order, each with --dry-run where EC2 supports it.`;
    },
  }),
  definePrompt({
    name: 'infrastructure_automation',
    title: 'Automate infrastructure',
    description:
      'Plan automation (deployment, scaling, backup, patching) for a kind of resource with AWS services.',
    args: {
      resource_type: { description: 'Kind of resource to automate, e.g. ec2 instances, lambda functions' },
      automation_scope: {
        description: 'What to automate: deployment, scaling, backup, patching or remediation',
        default: 'deployment',
        complete: fixed(['deployment', 'scaling', 'backup', 'patching', 'remediation']),
      },
    },
    changes: true,
    write: ({ resource_type, automation_scope }) =>
      `Task: automate ${automation_scope} for ${resource_type}.
1. What automation exists:
${commandBlock([
  "aws cloudformation list-stacks --stack-status-filter CREATE_COMPLETE UPDATE_COMPLETE --query 'StackSummaries[].[StackName,LastUpdatedTime]' --output table",
  "aws ssm list-documents --filters Key=Owner,Values=Self --query 'DocumentIdentifiers[].[Name,DocumentType]' --output table",
  "aws events list-rules --query 'Rules[].[Name,ScheduleExpression,State]' --output table",
  "aws ssm describe-maintenance-windows --query 'WindowIdentities[].[Name,Schedule,Enabled]' --output table",
])}
2. Choose the AWS-native tool for ${automation_scope}: CloudFormation change sets for deployment, Auto Scaling policies for scaling, AWS Backup plans for backup, Systems Manager Patch Manager and maintenance windows for patching, EventBridge rules with Systems Manager Automation for remediation. Look up the exact commands with aws_cli_help.
3. Describe the automation, its trigger, its permissions and how to roll it back, then list the commands that set it up.`,
  }),
  definePrompt({
    name: 'security_posture_assessment',
    title: 'Security posture assessment',
    description: 'Assess the account-wide security posture: identity, logging, detection, data protection.',
    args: {},
    changes: false,
    write: () => `Task: assess this account's overall security posture, read-only.
${commandBlock([
  "aws iam get-account-summary --query 'SummaryMap.[AccountMFAEnabled,AccountAccessKeysPresent,Users,Roles]'",
  'aws iam get-account-password-policy',
  "aws iam get-credential-report --query 'Content' --output text | base64 -d | cut -d, -f1,4,8,9,11 | column -t -s,",
  "aws cloudtrail describe-trails --query 'trailList[].[Name,IsMultiRegionTrail,LogFileValidationEnabled]' --output table",
  "aws guardduty list-detectors --query 'DetectorIds' --output text",
  "aws securityhub describe-hub --query 'HubArn' --output text",
  "aws configservice describe-configuration-recorder-status --query 'ConfigurationRecordersStatus[].[name,recording]' --output table",
  "aws accessanalyzer list-analyzers --query 'analyzers[].[name,type,status]' --output table",
  "aws ec2 get-ebs-encryption-by-default --query 'EbsEncryptionByDefault'",
  "aws ec2 describe-security-groups --query 'SecurityGroups[?IpPermissions[?IpRanges[?CidrIp==`0.0.0.0/0`]]].[GroupId,GroupName]' --output table",
])}
If the credential report is missing, tell the user it must be generated first (aws iam generate-credential-report) and ask before doing so.
Score each area (identity, logging, threat detection, data protection, network) as good, needs work, or missing, with the evidence, and list the five most important fixes.`,
  }),
  definePrompt({
    name: 'performance_tuning',
    title: 'Performance tuning',
    description: 'Find the bottleneck of one resource from its configuration and metrics and propose tuning.',
    args: {
      service: serviceArgument(),
      resource_id: { description: 'ID, name or ARN of the resource to tune' },
    },
    changes: true,
    write: ({ service, resource_id }) => {
      const name = normalizeService(service);
      const namespace = findRecipe(name)?.namespace ?? 'NAMESPACE';
      return `Task: tune the performance of ${asWord(name, 'SERVICE')} resource ${asWord(resource_id, 'RESOURCE_ID')}.
1. Its configuration:
${recipeText(name, ['inspect'], resource_id)}
2. Its metrics over the last days (namespace ${namespace}; list them with \`aws cloudwatch list-metrics --namespace ${namespace}\`):
${commandBlock([
  `aws cloudwatch get-metric-statistics --namespace ${namespace} --metric-name METRIC_NAME --dimensions Name=DIMENSION_NAME,Value=${asWord(resource_id, 'RESOURCE_ID')} --start-time START_TIME --end-time END_TIME --period 3600 --statistics Average Maximum --output table`,
  "aws compute-optimizer get-ec2-instance-recommendations --query 'instanceRecommendations[].[instanceArn,finding,recommendationOptions[0].instanceType]' --output table",
])}
3. Name the bottleneck (CPU, memory, I/O, network, concurrency, throttling) with the evidence, and propose changes with their expected effect and cost.`;
    },
  }),
  definePrompt({
    name: 'multi_account_governance',
    title: 'Multi-account governance',
    description:
      'Review an AWS Organizations setup: accounts, organizational units, policies and central controls.',
    args: {
      account_type: {
        description: 'Which account you are in: organization (management), member, security or log-archive',
        default: 'organization',
        complete: fixed(['organization', 'management', 'member', 'security', 'log-archive']),
      },
    },
    changes: true,
    write: ({
      account_type,
    }) => `Task: review multi-account governance from the ${account_type} account's point of view.
${commandBlock([
  "aws organizations describe-organization --query 'Organization.[Id,MasterAccountId,FeatureSet]'",
  "aws organizations list-accounts --query 'Accounts[].[Id,Name,Status]' --output table",
  "aws organizations list-roots --query 'Roots[].[Id,PolicyTypes[].Type]'",
  "aws organizations list-policies --filter SERVICE_CONTROL_POLICY --query 'Policies[].[Name,Id]' --output table",
  "aws organizations list-delegated-administrators --query 'DelegatedAdministrators[].[Id,Name]' --output table",
  "aws cloudtrail describe-trails --query 'trailList[?IsOrganizationTrail].[Name,S3BucketName]' --output table",
])}
Outside the management account some of these are refused; say which, and continue with what the account can see.
Assess the account structure, service control policies, central logging, security tooling delegation and tag policies, and propose improvements.`,
  }),
];
