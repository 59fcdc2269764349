import { describe, expect, it } from 'vitest';
import * as executor from './index.js';

describe('@aws-mcp/executor public API', () => {
  it('exports exactly these values', () => {
    expect(Object.keys(executor).sort()).toEqual([
      'ExecutionError',
      'awsCliInstallHint',
      'awsFailureIds',
      'buildAwsArguments',
      'buildAwsEnvironment',
      'buildBubblewrapArguments',
      'buildFilterEnvironment',
      'buildSeatbeltProfile',
      'checkAssumeRoleOptions',
      'checkAwsCli',
      'checkWorkdir',
      'cleanHelpText',
      'compactHelpText',
      'createBubblewrapSandbox',
      'createPipelineLimiter',
      'createSeatbeltSandbox',
      'credentialsModes',
      'defaultMaxConcurrentPipelines',
      'defaultPipelineLimiter',
      'explainAwsFailure',
      'failureHintIds',
      'gawkInstallHint',
      'gnuSedInstallHint',
      'hintForResult',
      'isSecretFieldName',
      'isSecretOnlyOutput',
      'maskSecrets',
      'maskedValue',
      'noSandbox',
      'planWarmCli',
      'runAwsCommand',
      'runAwsHelp',
      'runFilters',
      'runPipeline',
      'sandboxExecPath',
      'sandboxModes',
      'secretOutputOf',
      'selectSandbox',
      'stageLimitOptions',
      'stripUsageBanner',
    ]);
  });
});
