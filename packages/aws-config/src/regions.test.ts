import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeRegion, listRegions } from './regions.js';

const dataDir = join(import.meta.dirname, '__fixtures__', 'botocore-data');

describe('listRegions', () => {
  it('lists every partition from endpoints.json', async () => {
    const list = await listRegions({ dataDir });
    expect(list).toMatchObject({ source: 'botocore', dataDir, warnings: [] });
    expect(list.regions).toEqual([
      { code: 'eu-west-1', description: 'Europe (Ireland)', partition: 'aws', partitionName: 'AWS Standard' },
      {
        code: 'us-east-1',
        description: 'US East (N. Virginia)',
        partition: 'aws',
        partitionName: 'AWS Standard',
      },
      { code: 'cn-north-1', description: 'China (Beijing)', partition: 'aws-cn', partitionName: 'AWS China' },
      {
        code: 'us-gov-west-1',
        description: 'AWS GovCloud (US-West)',
        partition: 'aws-us-gov',
        partitionName: 'AWS GovCloud (US)',
      },
    ]);
  });

  it.each([
    ['missing', join(import.meta.dirname, '__fixtures__', 'nowhere'), 'BOTOCORE_DATA_NOT_FOUND'],
    ['malformed', join(import.meta.dirname, '__fixtures__', 'broken-data'), 'MALFORMED_ENDPOINTS'],
  ])('falls back to the built-in list with a warning when the data is %s', async (_title, folder, code) => {
    const list = await listRegions({ dataDir: folder });
    expect(list.source).toBe('built-in');
    expect(list.warnings.map((warning) => warning.code)).toEqual([code]);
    expect(list.regions.map((region) => region.code)).toEqual(
      expect.arrayContaining(['us-east-1', 'eu-west-1', 'cn-north-1', 'us-gov-west-1']),
    );
  });

  it('falls back when no aws is on PATH', async () => {
    const list = await listRegions({ env: { PATH: '' } });
    expect(list.source).toBe('built-in');
    expect(list.warnings[0]?.code).toBe('BOTOCORE_DATA_NOT_FOUND');
  });
});

describe('describeRegion', () => {
  it('lists the services the data has in the region, and the global ones', async () => {
    expect(await describeRegion('us-east-1', { dataDir })).toEqual({
      code: 'us-east-1',
      description: 'US East (N. Virginia)',
      partition: 'aws',
      partitionName: 'AWS Standard',
      services: ['access-analyzer', 's3'],
      globalServices: ['iam'],
    });
    expect((await describeRegion('cn-north-1', { dataDir }))?.services).toEqual(['s3']);
  });

  it('returns undefined for an unknown region', async () => {
    expect(await describeRegion('mars-north-1', { dataDir })).toBeUndefined();
  });

  it.each(['constructor', '__proto__', 'toString'])(
    'returns undefined for %s (an object key, not a region)',
    async (code) => {
      expect(await describeRegion(code, { dataDir })).toBeUndefined();
    },
  );

  it('describes a built-in region without services when the data is missing', async () => {
    expect(await describeRegion('eu-west-1', { dataDir: '/nowhere' })).toMatchObject({
      code: 'eu-west-1',
      partition: 'aws',
      services: [],
    });
  });
});
