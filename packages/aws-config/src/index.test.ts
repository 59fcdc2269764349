import { describe, expect, it } from 'vitest';
import * as api from './index.js';

describe('public API', () => {
  it('exports exactly these values', () => {
    expect(Object.keys(api).sort()).toEqual([
      'AwsConfigError',
      'DEFAULT_REGION',
      'computeAssumeRoleCacheKey',
      'describeRegion',
      'findBotocoreDataDir',
      'listRegions',
      'readAwsSetup',
      'readSsoTokenStatus',
      'resolveAwsContext',
      'resolveAwsFilePaths',
      'watchAwsSetup',
    ]);
  });
});
