// The one PATH search lives in aws-config, the lowest package that needs it (the botocore data and a profile's
// credential_process are found with it too); the executor's modules import it from here.
export type { FindExecutableOptions } from '@aws-mcp/aws-config';
export { findExecutable, readPathExt, readSearchPath } from '@aws-mcp/aws-config';
