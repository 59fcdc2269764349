import { type AwsEnvironment, listRegions, readAwsSetup } from '@aws-mcp/aws-config';
import { loadSnapshotCatalog } from '@aws-mcp/command';

/** Where completions read the AWS setup from; defaults to the process environment. */
export interface CompletionOptions {
  env?: AwsEnvironment;
  homeDir?: string;
}

/** Used only if the command package's catalog cannot be loaded. */
const fallbackServices = [
  'cloudformation',
  'cloudtrail',
  'cloudwatch',
  'dynamodb',
  'ec2',
  'ecr',
  'ecs',
  'eks',
  'elbv2',
  'iam',
  'kms',
  'lambda',
  'logs',
  'organizations',
  'rds',
  'route53',
  's3',
  's3api',
  'secretsmanager',
  'sns',
  'sqs',
  'ssm',
  'sts',
];

/**
 * Every value that starts with `value` (case-insensitive). Not cut to MCP's 100 per answer: the server sends the
 * first 100 with the true `total` and `hasMore`, which it can only count from the whole list.
 */
export function filterCompletions(values: readonly string[], value: string): string[] {
  const prefix = value.trim().toLowerCase();
  return values.filter((item) => item.toLowerCase().startsWith(prefix));
}

let serviceNames: readonly string[] | undefined;

/** AWS CLI service names from @aws-mcp/command's catalog (a built-in short list if it cannot load). */
export function completeServiceName(value: string): string[] {
  if (serviceNames === undefined) {
    try {
      serviceNames = loadSnapshotCatalog().serviceNames;
    } catch {
      serviceNames = fallbackServices;
    }
  }
  return filterCompletions(serviceNames, value);
}

/** Region codes from the installed CLI's endpoint data (or aws-config's built-in list); never throws. */
export async function completeRegion(value: string, options: CompletionOptions = {}): Promise<string[]> {
  const { regions } = await listRegions(options.env === undefined ? {} : { env: options.env });
  return filterCompletions(
    regions.map((region) => region.code),
    value,
  );
}

/** Profile names from the user's AWS config and credentials files; never throws. */
export async function completeProfile(value: string, options: CompletionOptions = {}): Promise<string[]> {
  const setup = await readAwsSetup(options);
  return filterCompletions(
    setup.profiles.map((profile) => profile.name),
    value,
  );
}
