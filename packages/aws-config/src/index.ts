/**
 * @aws-mcp/aws-config: the user's AWS setup (profiles, sso-sessions, regions, SSO logins) as data, never a
 * secret. Anything exported here is public; nothing else may be imported from outside the package.
 */
export type { AwsConfigErrorCode } from './aws-config-error.js';
export { AwsConfigError } from './aws-config-error.js';
export type { CliCacheFiles } from './cli-cache-files.js';
export { computeAssumeRoleCacheKey } from './cli-cache-files.js';
export type { BotocoreLocation, FindBotocoreDataDirOptions } from './find-botocore-data-dir.js';
export { findBotocoreDataDir } from './find-botocore-data-dir.js';
export type { FindExecutableOptions } from './find-executable.js';
export { findAllExecutables, findExecutable, readPathExt, readSearchPath } from './find-executable.js';
export type {
  AwsEnvironment,
  AwsFileKind,
  AwsFileStatus,
  AwsProfileSummary,
  AwsServicesSection,
  AwsSetup,
  AwsSetupWarning,
  AwsSsoSession,
  ProfileCredentials,
  ProfilePaths,
  ReadAwsSetupOptions,
} from './read-aws-setup.js';
export { readAwsSetup, resolveAwsFilePaths } from './read-aws-setup.js';
export type { SsoTokenStatus } from './read-sso-token-status.js';
export { readSsoTokenStatus } from './read-sso-token-status.js';
export type { AwsRegion, AwsRegionDetails, AwsRegionList, RegionOptions } from './regions.js';
export { describeRegion, listRegions } from './regions.js';
export type { AwsContext, CredentialOrigin } from './resolve-aws-context.js';
export { DEFAULT_REGION, resolveAwsContext } from './resolve-aws-context.js';
export type { AwsSetupWatcher, WatchAwsSetupOptions } from './watch-aws-setup.js';
export { watchAwsSetup } from './watch-aws-setup.js';
