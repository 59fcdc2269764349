import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { removedOperations } from './_customizations.js';
import { gunzip } from './_gunzip.js';
import { toCliName } from './_operation-names.js';
import { loadSnapshotCliModel } from './cli-model.js';
import type { CliCommandModel, CliModel, CliServiceModel } from './cli-model-types.js';
import { CommandError } from './command-error.js';

/** What this package reads of a botocore service model: its operations, and their input members when asked. */
interface BundleService {
  /** CLI operation name (`describe-instances`) → its API name. */
  operations: Map<string, string>;
  apiOperations: Set<string>;
  /** The options an operation's input members make, read on first use (most calls never ask). */
  optionsOf(apiOperation: string): Set<string>;
}

interface ServiceModelFile {
  operations?: Record<string, { input?: { shape: string } }>;
  shapes?: Record<string, { type?: string; members?: Record<string, { shape: string }> }>;
}

/** Where a service's newest model is: `<api-version>/service-2.json` (or `.json.gz`) under its folder. */
interface ModelFile {
  /** Relative to the service's folder. */
  relative: string;
  path: string;
}

/** The newest `<service>/<api-version>/service-2.json` (or `.json.gz`) of a botocore data folder. */
function findServiceModel(dataDirectory: string, apiService: string): ModelFile | undefined {
  const folder = join(dataDirectory, apiService);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) return undefined;
  const newest = readdirSync(folder)
    .filter((entry) => /^\d{4}-\d{2}-\d{2}$/.test(entry))
    .sort()
    .at(-1);
  if (newest === undefined) return undefined;
  for (const name of ['service-2.json', 'service-2.json.gz']) {
    const relative = join(newest, name);
    if (existsSync(join(folder, relative))) return { relative, path: join(folder, relative) };
  }
  return undefined;
}

function parseModel(file: string, bytes: Buffer): ServiceModelFile | undefined {
  const text = file.endsWith('.gz') ? gunzip(bytes).toString('utf8') : bytes.toString('utf8');
  const model = JSON.parse(text) as ServiceModelFile;
  return model?.operations === undefined ? undefined : model;
}

function readServiceModel(dataDirectory: string, apiService: string): ServiceModelFile | undefined {
  const file = findServiceModel(dataDirectory, apiService);
  return file === undefined ? undefined : parseModel(file.path, readFileSync(file.path));
}

/**
 * The operations index of an install's models, kept in the model cache so that the first use of a service reads a
 * list of names instead of parsing its model (ec2's is 3 MB or more). Each entry is used only while its model file
 * has the size and modification time recorded; anything else is read from the model.
 */
const frozenIndexSchema = z.strictObject({
  format: z.literal(1),
  cliVersion: z.string(),
  dataDirectory: z.string(),
  services: z.record(
    z.string(),
    z.strictObject({
      model: z.string(),
      size: z.number().int().nonnegative(),
      mtimeMs: z.number().nonnegative(),
      operations: z.array(z.string()),
    }),
  ),
});
type FrozenIndex = z.infer<typeof frozenIndexSchema>;
type FrozenIndexEntry = FrozenIndex['services'][string];

/** Options of loadFrozenCliModel and indexFrozenCliModel. */
export interface FrozenCliModelOptions {
  /** The install's botocore data folder (the bundle's `awscli/botocore/data`). */
  dataDirectory: string;
  /** The installed CLI's version (from `aws --version`). */
  cliVersion: string;
  pythonVersion?: string;
  /** The model cache (never the workdir): where indexFrozenCliModel keeps the install's operations index. */
  cacheDirectory?: string;
}

/** The index's file for an install: one per CLI version and data folder. */
export function frozenCliIndexFile(options: {
  cacheDirectory: string;
  dataDirectory: string;
  cliVersion: string;
}) {
  const safe = options.cliVersion.replace(/[^A-Za-z0-9._-]/g, '_');
  const folder = createHash('sha256').update(options.dataDirectory).digest('hex').slice(0, 16);
  return join(options.cacheDirectory, `frozen-cli-${safe}-${folder}.json`);
}

function readFrozenIndex(options: FrozenCliModelOptions): FrozenIndex | undefined {
  if (options.cacheDirectory === undefined) return undefined;
  const file = frozenCliIndexFile({ ...options, cacheDirectory: options.cacheDirectory });
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
  // An index that does not validate, or is of another install, is not used: the models are read instead.
  const parsed = frozenIndexSchema.safeParse(data);
  if (!parsed.success) return undefined;
  const index = parsed.data;
  return index.cliVersion === options.cliVersion && index.dataDirectory === options.dataDirectory
    ? index
    : undefined;
}

/** The index entry of a service while its newest model file is the one indexed, else undefined. */
function currentEntry(index: FrozenIndex | undefined, dataDirectory: string, apiService: string) {
  const entry = index?.services[apiService];
  if (entry === undefined) return undefined;
  const file = findServiceModel(dataDirectory, apiService);
  if (file === undefined || file.relative !== entry.model) return undefined;
  const info = statSync(file.path);
  return info.size === entry.size && info.mtimeMs === entry.mtimeMs ? entry : undefined;
}

/**
 * Writes the operations index of a frozen CLI's models into `cacheDirectory` (created when missing, mode 0700),
 * reading one service model per turn of the event loop, so a server keeps answering meanwhile. Entries of an
 * earlier index whose model file did not change are kept without reading the model. The file is written whole
 * and renamed into place. Returns its path and how many service models were read. File-system errors reject, and
 * so does `signal` once aborted (between two models, or before the write: nothing is written then).
 */
export async function indexFrozenCliModel(
  options: FrozenCliModelOptions & { cacheDirectory: string; signal?: AbortSignal },
): Promise<{ file: string; servicesRead: number }> {
  const { dataDirectory, cacheDirectory, signal } = options;
  const earlier = readFrozenIndex(options);
  const services: FrozenIndex['services'] = {};
  let servicesRead = 0;
  for (const apiService of (await readdir(dataDirectory)).sort()) {
    await new Promise((resolve) => setImmediate(resolve));
    signal?.throwIfAborted();
    const info = await stat(join(dataDirectory, apiService));
    if (!info.isDirectory()) continue;
    const file = findServiceModel(dataDirectory, apiService);
    if (file === undefined) continue;
    const fileInfo = await stat(file.path);
    const kept = currentEntry(earlier, dataDirectory, apiService);
    if (kept !== undefined) {
      services[apiService] = kept;
      continue;
    }
    const model = parseModel(file.path, await readFile(file.path));
    servicesRead++;
    if (model === undefined) continue;
    const entry: FrozenIndexEntry = {
      model: file.relative,
      size: fileInfo.size,
      mtimeMs: fileInfo.mtimeMs,
      operations: Object.keys(model.operations ?? {}),
    };
    services[apiService] = entry;
  }
  const index: FrozenIndex = { format: 1, cliVersion: options.cliVersion, dataDirectory, services };
  signal?.throwIfAborted();
  await mkdir(cacheDirectory, { recursive: true, mode: 0o700 });
  const target = frozenCliIndexFile(options);
  const temporary = `${target}.${process.pid}.${Date.now()}.tmp`;
  try {
    await writeFile(temporary, JSON.stringify(index), { mode: 0o600 });
    await rename(temporary, target);
  } finally {
    await rm(temporary, { force: true });
  }
  return { file: target, servicesRead };
}

/** The CLI's options for an input shape's members (botocore's kebab names; a boolean also as `--no-x`). */
function optionsOf(model: ServiceModelFile, shapeName: string | undefined): Set<string> {
  const options = new Set<string>();
  const members = shapeName === undefined ? {} : (model.shapes?.[shapeName]?.members ?? {});
  for (const [member, reference] of Object.entries(members)) {
    const name = toCliName(member);
    options.add(`--${name}`);
    if (model.shapes?.[reference.shape]?.type === 'boolean') options.add(`--no-${name}`);
  }
  return options;
}

function bundleService(
  cliService: string,
  apiOperations: string[],
  model: () => ServiceModelFile | undefined,
): BundleService {
  const operations = new Map<string, string>();
  for (const apiOperation of apiOperations) {
    const name = toCliName(apiOperation);
    // The CLI leaves these out of every version (awscli removals.py), so they are no gap in the snapshot.
    if (!removedOperations.has(`${cliService}:${name}`)) operations.set(name, apiOperation);
  }
  const options = new Map<string, Set<string>>();
  return {
    operations,
    apiOperations: new Set(apiOperations),
    optionsOf(apiOperation) {
      let found = options.get(apiOperation);
      if (found === undefined) {
        const read = model();
        found =
          read === undefined ? new Set() : optionsOf(read, read.operations?.[apiOperation]?.input?.shape);
        options.set(apiOperation, found);
      }
      return found;
    },
  };
}

function readBundleService(
  dataDirectory: string,
  apiService: string,
  cliService: string,
  index: FrozenIndex | undefined,
): BundleService | undefined {
  const entry = currentEntry(index, dataDirectory, apiService);
  if (entry !== undefined) {
    // The option sets are asked for only where the snapshot lacks an option (a refusal): read the model then.
    let model: ServiceModelFile | undefined;
    return bundleService(cliService, entry.operations, () => {
      model ??= readServiceModel(dataDirectory, apiService);
      return model;
    });
  }
  const model = readServiceModel(dataDirectory, apiService);
  if (model === undefined) return undefined;
  return bundleService(cliService, Object.keys(model.operations ?? {}), () => model);
}

/**
 * The argument model of a CLI v2 whose Python this package cannot import (the official installer's frozen binary):
 * the committed 2.9 snapshot's customizations, global options and operation parsers, for the API operations the
 * install's own botocore models (`dataDirectory`, the bundle's `awscli/botocore/data`) still have. An operation the
 * installed models dropped is an unknown command. An operation, service or option the installed models have and
 * the snapshot does not is never guessed: `snapshotGap` says so, and parseCommandLine refuses it with
 * NOT_IN_CLI_SNAPSHOT ("the snapshot is from CLI 2.9.19; the installed CLI is 2.N"). `cliVersion` is the installed
 * CLI's (from `aws --version`). With `cacheDirectory`, the operations index indexFrozenCliModel wrote there is used
 * for every service whose model file did not change since, so a first use reads no model. Throws CommandError
 * (CLI_MODEL_INVALID) when `dataDirectory` holds no models.
 */
export function loadFrozenCliModel(options: FrozenCliModelOptions): CliModel {
  const { dataDirectory } = options;
  if (!existsSync(join(dataDirectory, 'endpoints.json')) && !existsSync(join(dataDirectory, 'sts'))) {
    throw new CommandError({
      code: 'CLI_MODEL_INVALID',
      message: `${dataDirectory} is not a botocore data folder (no endpoints.json, no service models); point at the bundle's awscli/botocore/data.`,
    });
  }
  const snapshot = loadSnapshotCliModel(2);
  const index = readFrozenIndex(options);
  const bundles = new Map<string, BundleService | undefined>();
  const bundleFor = (service: CliServiceModel) => {
    const apiService = service.apiService as string;
    if (!bundles.has(service.name)) {
      bundles.set(service.name, readBundleService(dataDirectory, apiService, service.name, index));
    }
    return bundles.get(service.name);
  };
  const loaded = new Map<string, CliServiceModel | undefined>();
  const loadService = (name: string): CliServiceModel | undefined => {
    if (loaded.has(name)) return loaded.get(name);
    const service = snapshot.loadService(name);
    let result = service;
    if (service?.kind === 'service' && service.apiService !== undefined) {
      const bundle = bundleFor(service);
      if (bundle === undefined) result = undefined;
      else {
        const commands: Record<string, CliCommandModel> = {};
        for (const [commandName, command] of Object.entries(service.commands)) {
          const kept =
            command.kind !== 'operation' || bundle.apiOperations.has(command.apiOperation as string);
          if (kept) commands[commandName] = command;
        }
        result = { ...service, commands };
      }
    }
    loaded.set(name, result);
    return result;
  };
  let apiServicesOfSnapshot: Set<string> | undefined;
  const isNewService = (name: string) => {
    if (snapshot.index.services.includes(name)) return false;
    apiServicesOfSnapshot ??= new Set(
      snapshot.index.services.flatMap((each) => snapshot.loadService(each)?.apiService ?? []),
    );
    if (apiServicesOfSnapshot.has(name)) return false;
    if (currentEntry(index, dataDirectory, name) !== undefined) return true;
    return readServiceModel(dataDirectory, name) !== undefined;
  };
  const installedHas = (path: { service: string; command?: string; option?: string }): boolean => {
    if (path.command === undefined) return isNewService(path.service);
    const service = snapshot.loadService(path.service);
    if (service?.kind !== 'service' || service.apiService === undefined) return false;
    const bundle = bundleFor(service);
    const known = service.commands[path.command];
    if (path.option === undefined)
      return known === undefined && bundle?.operations.has(path.command) === true;
    if (known?.kind !== 'operation') return false;
    const option = path.option;
    return (
      bundle?.apiOperations.has(known.apiOperation as string) === true &&
      bundle.optionsOf(known.apiOperation as string).has(option) &&
      !known.actions.some((action) => action.options.includes(option))
    );
  };
  return {
    index: {
      ...snapshot.index,
      cliVersion: options.cliVersion,
      botocoreVersion: 'bundled',
      pythonVersion: options.pythonVersion ?? 'frozen',
    },
    loadService,
    snapshotGap: { snapshotVersion: snapshot.index.cliVersion, installedHas },
  };
}
