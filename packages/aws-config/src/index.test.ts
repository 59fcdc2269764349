import { describe, expect, it } from 'vitest';
import * as api from './index.js';

describe('public API', () => {
  it('exports exactly these values', () => {
    expect(Object.keys(api).sort()).toEqual([
      'AwsConfigError',
      'DEFAULT_REGION',
      'computeAssumeRoleCacheKey',
      'describeRegion',
      'findAllExecutables',
      'findBotocoreDataDir',
      'findExecutable',
      'listRegions',
      'readAwsSetup',
      'readPathExt',
      'readSearchPath',
      'readSsoTokenStatus',
      'resolveAwsContext',
      'resolveAwsFilePaths',
      'watchAwsSetup',
    ]);
  });
});
