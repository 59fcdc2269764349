import { homedir } from 'node:os';
import { join } from 'node:path';
import { findBotocoreDataDir } from '@aws-mcp/aws-config';
import { type Catalog, loadCatalogForCliAsync, loadSnapshotCatalog } from '@aws-mcp/command';
import type { AwsCliWatch } from './aws-cli-watch.js';

/** Where catalogs built from an installed CLI's models are kept: `$XDG_CACHE_HOME` (else `~/.cache`)`/aws-mcp/catalog`. */
export function cliCatalogCacheDirectory(env: NodeJS.ProcessEnv): string {
  return join(env.XDG_CACHE_HOME || join(env.HOME ?? homedir(), '.cache'), 'aws-mcp', 'catalog');
}

/** The installed CLI's catalog once known. */
export interface CliCatalogLearner {
  /** The installed CLI's catalog once built (or read from the cache), the committed snapshot until then. */
  current(): Catalog;
  /** Stops building the installed CLI's catalog and resolves once nothing more will be written into the cache. */
  close(): Promise<void>;
}

export interface LearnCliCatalogOptions {
  awsCli: AwsCliWatch;
  env: NodeJS.ProcessEnv;
  /** Default: {@link cliCatalogCacheDirectory} of `env`. */
  cacheDirectory?: string;
  /** Told when the installed CLI's models could not be read, for the caller to log. */
  report?: (message: string, level: 'warning') => void;
}

/**
 * Starts with the watch's first success: for a CLI of another version than the committed catalog's, builds its
 * catalog from its own botocore models (or reads the one built earlier) without blocking the event loop, since
 * regenerating it after a CLI upgrade reads every model. A CLI whose models are not found keeps the snapshot; one
 * whose models cannot be read too, and `report` says why. Never throws.
 */
export function learnCliCatalog({
  awsCli,
  env,
  cacheDirectory = cliCatalogCacheDirectory(env),
  report = () => {},
}: LearnCliCatalogOptions): CliCatalogLearner {
  // The snapshot is read at the first use, not at start-up (a program's first answer never needs it).
  let catalog: Catalog | undefined;
  const current = () => {
    catalog ??= loadSnapshotCatalog();
    return catalog;
  };
  const closing = new AbortController();
  let building: Promise<void> | undefined;
  void awsCli.available.then((status) => {
    if (closing.signal.aborted || status.version === current().version) return;
    const location = findBotocoreDataDir({ env, awsPath: status.path });
    if (location === undefined) return;
    building = loadCatalogForCliAsync({
      dataDirectory: location.dataDir,
      version: status.version,
      cacheDirectory,
      signal: closing.signal,
    }).then(
      (built) => {
        catalog = built;
      },
      (error: unknown) => {
        if (closing.signal.aborted) return;
        report(
          `could not read the installed CLI's models, using the built-in catalog: ${String(error)}`,
          'warning',
        );
      },
    );
  });
  return {
    current,
    async close() {
      closing.abort();
      await building;
    },
  };
}
