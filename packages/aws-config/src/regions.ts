import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fallbackRegions } from './_fallback-regions.js';
import type { AwsConfigErrorCode } from './aws-config-error.js';
import { findBotocoreDataDir } from './find-botocore-data-dir.js';
import type { AwsEnvironment } from './read-aws-setup.js';

/** One region as botocore's endpoints.json describes it. */
export interface AwsRegion {
  code: string;
  description: string;
  /** e.g. `aws`, `aws-cn`, `aws-us-gov`. */
  partition: string;
  partitionName: string;
}

/** One region with the services the endpoint data lists for it. */
export interface AwsRegionDetails extends AwsRegion {
  /**
   * Endpoint prefixes with an endpoint in this region (e.g. `access-analyzer`, `s3`); these are not always the CLI's
   * service names. Empty when the built-in list is used.
   */
  services: string[];
  /** Partition-wide services (e.g. `iam`) that answer for every region of the partition. */
  globalServices: string[];
}

/** Where the region data came from, so a caller can tell the user when it is only the built-in list. */
export interface AwsRegionList {
  regions: AwsRegion[];
  source: 'botocore' | 'built-in';
  /** The endpoints.json folder, when the botocore data was read. */
  dataDir?: string;
  warnings: Array<{ code: AwsConfigErrorCode; message: string; path?: string }>;
}

/** Options for {@link listRegions} and {@link describeRegion}. */
export interface RegionOptions {
  /** Defaults to `process.env`; used to find the installed CLI. */
  env?: AwsEnvironment;
  /** A botocore data folder to read instead of finding the installed CLI's. */
  dataDir?: string;
}

interface EndpointsPartition {
  partition: string;
  partitionName?: string;
  regions?: Record<string, { description?: string }>;
  services?: Record<string, { endpoints?: Record<string, unknown>; isRegionalized?: boolean }>;
}

const cache = new Map<string, { mtimeMs: number; partitions: EndpointsPartition[] }>();

/**
 * Lists every region of every partition (aws, aws-cn, aws-us-gov, the ISO partitions, …) from the installed AWS
 * CLI's endpoints.json, sorted by partition then code. Falls back to a built-in list, with a warning, when the
 * data cannot be found or read; never throws.
 */
export async function listRegions(options: RegionOptions = {}): Promise<AwsRegionList> {
  const loaded = await loadEndpoints(options);
  if (loaded.partitions === undefined) {
    return { regions: [...fallbackRegions], source: 'built-in', warnings: loaded.warnings };
  }
  const regions = loaded.partitions.flatMap((partition) =>
    Object.entries(partition.regions ?? {}).map(([code, region]) => ({
      code,
      description: region.description ?? code,
      partition: partition.partition,
      partitionName: partition.partitionName ?? partition.partition,
    })),
  );
  return { regions, source: 'botocore', dataDir: loaded.dataDir, warnings: loaded.warnings };
}

/**
 * Describes one region with the services the endpoint data lists for it. Returns undefined for a code that no
 * partition has; never throws.
 */
export async function describeRegion(
  code: string,
  options: RegionOptions = {},
): Promise<AwsRegionDetails | undefined> {
  const loaded = await loadEndpoints(options);
  if (loaded.partitions === undefined) {
    const region = fallbackRegions.find((item) => item.code === code);
    return region === undefined ? undefined : { ...region, services: [], globalServices: [] };
  }
  for (const partition of loaded.partitions) {
    // Own keys only: `constructor` or `__proto__` is not a region.
    const region =
      partition.regions !== undefined && Object.hasOwn(partition.regions, code)
        ? partition.regions[code]
        : undefined;
    if (region === undefined) continue;
    const services: string[] = [];
    const globalServices: string[] = [];
    for (const [name, service] of Object.entries(partition.services ?? {})) {
      if (service.isRegionalized === false) globalServices.push(name);
      else if (service.endpoints && Object.hasOwn(service.endpoints, code)) services.push(name);
    }
    return {
      code,
      description: region.description ?? code,
      partition: partition.partition,
      partitionName: partition.partitionName ?? partition.partition,
      services: services.sort(),
      globalServices: globalServices.sort(),
    };
  }
  return undefined;
}

async function loadEndpoints(
  options: RegionOptions,
): Promise<{ partitions?: EndpointsPartition[]; dataDir?: string; warnings: AwsRegionList['warnings'] }> {
  const dataDir = options.dataDir ?? findBotocoreDataDir({ env: options.env ?? process.env })?.dataDir;
  if (dataDir === undefined) {
    return {
      warnings: [
        {
          code: 'BOTOCORE_DATA_NOT_FOUND',
          message:
            'The installed AWS CLI and its botocore data were not found on PATH; using the built-in region list.',
        },
      ],
    };
  }
  const path = join(dataDir, 'endpoints.json');
  try {
    const { mtimeMs } = await stat(path);
    const cached = cache.get(path);
    if (cached?.mtimeMs === mtimeMs) return { partitions: cached.partitions, dataDir, warnings: [] };
    const parsed = JSON.parse(await readFile(path, 'utf8')) as { partitions?: unknown };
    if (!Array.isArray(parsed.partitions)) throw new Error('no partitions array');
    const partitions = parsed.partitions as EndpointsPartition[];
    cache.set(path, { mtimeMs, partitions });
    return { partitions, dataDir, warnings: [] };
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    return {
      warnings: [
        {
          code: missing ? 'BOTOCORE_DATA_NOT_FOUND' : 'MALFORMED_ENDPOINTS',
          message: missing
            ? `${path} does not exist; using the built-in region list.`
            : `${path} could not be read as endpoint data; using the built-in region list.`,
          path,
        },
      ],
    };
  }
}
