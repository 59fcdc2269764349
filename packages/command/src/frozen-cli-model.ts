import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { removedOperations } from './_customizations.js';
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

function readJson(file: string): unknown {
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  if (existsSync(`${file}.gz`)) return JSON.parse(gunzipSync(readFileSync(`${file}.gz`)).toString('utf8'));
  return undefined;
}

/** The newest `<service>/<api-version>/service-2.json` (or `.json.gz`) of a botocore data folder. */
function readServiceModel(dataDirectory: string, apiService: string): ServiceModelFile | undefined {
  const folder = join(dataDirectory, apiService);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) return undefined;
  const newest = readdirSync(folder)
    .filter((entry) => /^\d{4}-\d{2}-\d{2}$/.test(entry))
    .sort()
    .at(-1);
  if (newest === undefined) return undefined;
  const model = readJson(join(folder, newest, 'service-2.json')) as ServiceModelFile | undefined;
  return model?.operations === undefined ? undefined : model;
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

function readBundleService(dataDirectory: string, apiService: string, cliService: string) {
  const model = readServiceModel(dataDirectory, apiService);
  if (model === undefined) return undefined;
  const operations = new Map<string, string>();
  const definitions = model.operations ?? {};
  for (const apiOperation of Object.keys(definitions)) {
    const name = toCliName(apiOperation);
    // The CLI leaves these out of every version (awscli removals.py), so they are no gap in the snapshot.
    if (!removedOperations.has(`${cliService}:${name}`)) operations.set(name, apiOperation);
  }
  const options = new Map<string, Set<string>>();
  const service: BundleService = {
    operations,
    apiOperations: new Set(Object.keys(definitions)),
    optionsOf(apiOperation) {
      let found = options.get(apiOperation);
      if (found === undefined) {
        found = optionsOf(model, definitions[apiOperation]?.input?.shape);
        options.set(apiOperation, found);
      }
      return found;
    },
  };
  return service;
}

/**
 * The argument model of a CLI v2 whose Python this package cannot import (the official installer's frozen binary):
 * the committed 2.9 snapshot's customizations, global options and operation parsers, for the API operations the
 * install's own botocore models (`dataDirectory`, the bundle's `awscli/botocore/data`) still have. An operation the
 * installed models dropped is an unknown command. An operation, service or option the installed models have and
 * the snapshot does not is never guessed: `snapshotGap` says so, and parseCommandLine refuses it with
 * NOT_IN_CLI_SNAPSHOT ("the snapshot is from CLI 2.9.19; this server runs 2.N"). `cliVersion` is the installed
 * CLI's (from `aws --version`). Throws CommandError (CLI_MODEL_INVALID) when `dataDirectory` holds no models.
 */
export function loadFrozenCliModel(options: {
  dataDirectory: string;
  cliVersion: string;
  pythonVersion?: string;
}): CliModel {
  const { dataDirectory } = options;
  if (!existsSync(join(dataDirectory, 'endpoints.json')) && !existsSync(join(dataDirectory, 'sts'))) {
    throw new CommandError({
      code: 'CLI_MODEL_INVALID',
      message: `${dataDirectory} is not a botocore data folder (no endpoints.json, no service models); point at the bundle's awscli/botocore/data.`,
    });
  }
  const snapshot = loadSnapshotCliModel(2);
  const bundles = new Map<string, BundleService | undefined>();
  const bundleFor = (service: CliServiceModel) => {
    const apiService = service.apiService as string;
    if (!bundles.has(service.name)) {
      bundles.set(service.name, readBundleService(dataDirectory, apiService, service.name));
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
    return !apiServicesOfSnapshot.has(name) && readServiceModel(dataDirectory, name) !== undefined;
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
