import type { AwsFailureNames } from '@aws-mcp/executor';

/** The server's means in the executor's failure explanations: its settings, resources, arguments and tools. */
export const serverFailureNames: AwsFailureNames = {
  readPathsSetting: 'AWS_MCP_SANDBOX_READ_PATHS for the server',
  profilesResource: 'the aws://config/profiles resource',
  regionChoice: 'pass the `region` argument (e.g. `us-east-1`) or set AWS_REGION for the server',
  helpTool: '`aws_cli_help`',
  reloads: 'the server reads it again by itself when it changes (no restart)',
};
