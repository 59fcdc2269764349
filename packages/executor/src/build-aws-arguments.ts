import type { Pipeline } from '@aws-mcp/command';

/** The aws stage's argv after the program name, with `--endpoint-url` added when configured and absent. */
export function buildAwsArguments(pipeline: Pipeline, endpointUrl: string | undefined): string[] {
  const args = pipeline.aws.argv.slice(1);
  const hasEndpoint = args.some((arg) => arg === '--endpoint-url' || arg.startsWith('--endpoint-url='));
  if (endpointUrl !== undefined && endpointUrl !== '' && !hasEndpoint && !pipeline.aws.isHelp) {
    args.push('--endpoint-url', endpointUrl);
  }
  return args;
}
