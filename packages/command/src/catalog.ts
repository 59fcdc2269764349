import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { classifyForLabel } from './_catalog-label.js';
import type { AccessClass } from './_classify-rules.js';
import {
  cliCustomizations,
  operationAliases,
  operationRenames,
  removedOperations,
} from './_customizations.js';
import { firstSentenceOfText } from './_doc-text.js';
import { gunzip } from './_gunzip.js';
import { toCliName } from './_operation-names.js';
import { CommandError } from './command-error.js';

/** One command the AWS CLI knows, as the catalog records it. */
export interface CatalogOperation {
  /** The CLI name, e.g. `list-functions`. */
  name: string;
  /** The class the policy gives it without arguments, from the classification (`classifyOperation`). */
  accessClass: AccessClass;
  /** Added by the CLI on top of the service model (`s3 cp`, `eks update-kubeconfig`). */
  customization: boolean;
  /** Takes a positional OUTFILE that the CLI writes the response body to (`s3api get-object`, `lambda invoke`). */
  outfile: boolean;
  /** Has a `--dry-run` flag (EC2 style). */
  dryRun: boolean;
  /** Options whose value the CLI opens as a local file (streaming input, e.g. `s3api put-object --body`). */
  streamingInputs: readonly string[];
  /** Flag options (no value) of an `outfile` operation, so the OUTFILE is found exactly. */
  booleanOptions: readonly string[];
}

/** The serialized catalog, as committed in `catalog/catalog.json` and written to the per-version cache. */
export interface CatalogData {
  format: 1;
  /** The CLI version the catalog was generated from, e.g. `1.45.11`. */
  version: string;
  /** Where it came from, for people. */
  source: string;
  /** CLI service name aliases, `alias → service`. */
  aliases: Record<string, string>;
  /** `service → "op:class[:flags] op:class …"`; class is r, w or s. */
  services: Record<string, string>;
}

/** One-line descriptions, `service → [service description, one per operation in catalog order]`. */
export type CatalogDescriptions = Record<string, string[]>;

/** A loaded catalog: every CLI service and operation with its class. Build one with the functions below. */
export interface Catalog {
  readonly version: string;
  readonly source: string;
  /** Every CLI service name (aliases not included), sorted. */
  readonly serviceNames: readonly string[];
  readonly aliases: Readonly<Record<string, string>>;
  /** The operations of a service or alias, or undefined for an unknown service. Parsed on first use. */
  getService(service: string): ReadonlyMap<string, CatalogOperation> | undefined;
  /** Descriptions of a service: the service itself, then each operation. Loaded on first use. */
  describe(service: string): { service: string; operations: Map<string, string> } | undefined;
}

const classLetters: Record<AccessClass, string> = { read: 'r', write: 'w', 'sensitive-read': 's' };

function decodeService(service: string, encoded: string): Map<string, CatalogOperation> {
  const operations = new Map<string, CatalogOperation>();
  if (encoded === '') return operations;
  for (const entry of encoded.split(' ')) {
    // The letter written with each entry is what the classification said when the file was made; the label is
    // asked of the classification now, so a reviewed override shows at once.
    const [name = '', , ...flags] = entry.split(':');
    const operation: CatalogOperation = {
      name,
      accessClass: classifyForLabel(service, name),
      customization: false,
      outfile: false,
      dryRun: false,
      streamingInputs: [],
      booleanOptions: [],
    };
    for (const flag of flags) {
      if (flag === 'c') operation.customization = true;
      else if (flag === 'o') operation.outfile = true;
      else if (flag === 'd') operation.dryRun = true;
      else if (flag.startsWith('i=')) operation.streamingInputs = flag.slice(2).split('+');
      else if (flag.startsWith('b=')) operation.booleanOptions = flag.slice(2).split('+');
    }
    operations.set(name, operation);
  }
  return operations;
}

function encodeOperation(operation: CatalogOperation): string {
  let entry = `${operation.name}:${classLetters[operation.accessClass]}`;
  if (operation.customization) entry += ':c';
  if (operation.outfile) entry += ':o';
  if (operation.dryRun) entry += ':d';
  if (operation.streamingInputs.length > 0) entry += `:i=${operation.streamingInputs.join('+')}`;
  if (operation.booleanOptions.length > 0) entry += `:b=${operation.booleanOptions.join('+')}`;
  return entry;
}

/**
 * Makes a Catalog from serialized data. `loadDescriptions` is called at most once, the first time a description
 * is asked for. Throws CommandError (INVALID_CATALOG) when the data is not a catalog.
 */
export function createCatalog(data: CatalogData, loadDescriptions?: () => CatalogDescriptions): Catalog {
  if (
    typeof data !== 'object' ||
    data === null ||
    data.format !== 1 ||
    typeof data.services !== 'object' ||
    typeof data.version !== 'string'
  ) {
    throw new CommandError({
      code: 'INVALID_CATALOG',
      message: 'The catalog data is not a format-1 catalog.',
    });
  }
  const decoded = new Map<string, Map<string, CatalogOperation>>();
  let descriptions: CatalogDescriptions | undefined;
  const aliases = data.aliases ?? {};
  const resolve = (service: string): string | undefined => {
    const name = Object.hasOwn(aliases, service) ? aliases[service] : service;
    return name !== undefined && Object.hasOwn(data.services, name) ? name : undefined;
  };
  return {
    version: data.version,
    source: data.source,
    serviceNames: Object.keys(data.services).sort(),
    aliases,
    getService(service) {
      const name = resolve(service);
      if (name === undefined) return undefined;
      let operations = decoded.get(name);
      if (operations === undefined) {
        operations = decodeService(name, data.services[name] as string);
        decoded.set(name, operations);
      }
      return operations;
    },
    describe(service) {
      const name = resolve(service);
      const operations = name === undefined ? undefined : this.getService(name);
      if (name === undefined || operations === undefined) return undefined;
      descriptions ??= loadDescriptions?.() ?? {};
      const lines = descriptions[name] ?? [];
      const byOperation = new Map<string, string>();
      let index = 1;
      for (const operationName of operations.keys()) byOperation.set(operationName, lines[index++] ?? '');
      return { service: lines[0] ?? '', operations: byOperation };
    },
  };
}

const snapshotDirectory = new URL('../catalog/', import.meta.url);
let snapshot: Catalog | undefined;

/**
 * The catalog committed with this package (generated from the AWS CLI named in its `version`), loaded once and
 * shared. Reads `catalog/catalog.json` next to the package's `dist`; throws if the file is missing.
 */
export function loadSnapshotCatalog(): Catalog {
  snapshot ??= createCatalog(
    JSON.parse(readFileSync(new URL('catalog.json', snapshotDirectory), 'utf8')) as CatalogData,
    () =>
      JSON.parse(
        readFileSync(new URL('descriptions.json', snapshotDirectory), 'utf8'),
      ) as CatalogDescriptions,
  );
  return snapshot;
}

/** botocore service names the CLI shows under another name. */
const serviceRenames: Record<string, string> = { s3: 's3api', config: 'configservice', codedeploy: 'deploy' };
/** CLI aliases of services (botocore `SERVICE_NAME_ALIASES`). */
const serviceAliases: Record<string, string> = { 'runtime.sagemaker': 'sagemaker-runtime' };

interface ShapeReference {
  shape: string;
  streaming?: boolean;
}
interface ServiceModel {
  documentation?: string;
  metadata?: { serviceFullName?: string };
  operations: Record<string, { documentation?: string; input?: ShapeReference; output?: ShapeReference }>;
  shapes: Record<
    string,
    { type?: string; streaming?: boolean; payload?: string; members?: Record<string, ShapeReference> }
  >;
}

function readModelFile(directory: string, name: string): unknown {
  const plain = join(directory, name);
  if (existsSync(plain)) return JSON.parse(readFileSync(plain, 'utf8'));
  const gzipped = `${plain}.gz`;
  if (existsSync(gzipped)) return JSON.parse(gunzip(readFileSync(gzipped)).toString('utf8'));
  return undefined;
}

/** First sentence of a model's HTML documentation, as plain text of at most 160 characters. */
function summarize(html: string | undefined): string {
  if (html === undefined) return '';
  const text = html
    .replace(/<[^>]*>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
  const sentence = firstSentenceOfText(text);
  return sentence.length > 160 ? `${sentence.slice(0, 157).trimEnd()}…` : sentence;
}

function newestVersionDirectory(serviceDirectory: string): string | undefined {
  const versions = readdirSync(serviceDirectory)
    .filter((entry) => /^\d{4}-\d{2}-\d{2}$/.test(entry))
    .sort();
  const newest = versions[versions.length - 1];
  return newest === undefined ? undefined : join(serviceDirectory, newest);
}

function operationFromModel(
  service: string,
  name: string,
  model: ServiceModel,
  operationName: string,
): CatalogOperation {
  const definition = model.operations[operationName] ?? {};
  const accessClass = classifyForLabel(service, name);
  const inputShape = definition.input === undefined ? undefined : model.shapes[definition.input.shape];
  const outputShape = definition.output === undefined ? undefined : model.shapes[definition.output.shape];
  const streamingInputs: string[] = [];
  const booleanOptions: string[] = [];
  let dryRun = false;
  for (const [member, reference] of Object.entries(inputShape?.members ?? {})) {
    const target = model.shapes[reference.shape];
    if (target?.type === 'blob' && (reference.streaming === true || target.streaming === true)) {
      streamingInputs.push(toCliName(member));
    }
    if (target?.type === 'boolean') {
      booleanOptions.push(toCliName(member));
      if (member === 'DryRun') dryRun = true;
    }
  }
  const payload = outputShape?.payload;
  const payloadReference = payload === undefined ? undefined : outputShape?.members?.[payload];
  const outfile = payloadReference !== undefined && model.shapes[payloadReference.shape]?.type === 'blob';
  return {
    name,
    accessClass,
    customization: false,
    outfile,
    dryRun,
    streamingInputs,
    booleanOptions: outfile ? booleanOptions : [],
  };
}

/**
 * Builds a catalog from a botocore `data` directory (pip CLI v1: `site-packages/botocore/data`; v2 bundle:
 * `…/awscli/botocore/data`), reading only files. `version` is the CLI version it belongs to. Returns the data and
 * the descriptions, ready for createCatalog or for writing out. Throws CommandError (INVALID_CATALOG) when the
 * directory holds no service models.
 */
export function buildCatalogFromBotocore(options: BotocoreCatalogSource): BuiltCatalog {
  const steps = buildCatalogSteps(options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * buildCatalogFromBotocore that lets the event loop run after each service, so a server regenerating its catalog
 * after a CLI upgrade keeps answering meanwhile. Rejects as buildCatalogFromBotocore throws.
 */
export async function buildCatalogFromBotocoreAsync(options: BotocoreCatalogSource): Promise<BuiltCatalog> {
  const steps = buildCatalogSteps(options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await new Promise((resolve) => setImmediate(resolve));
    options.signal?.throwIfAborted();
  }
}

/** Where buildCatalogFromBotocore reads the models, and the CLI version they belong to. */
export interface BotocoreCatalogSource {
  dataDirectory: string;
  version: string;
  source?: string;
  /** The asynchronous build stops (rejects) at the next model once this is aborted. */
  signal?: AbortSignal;
}

/** A catalog as built from botocore models: its data and its descriptions. */
export interface BuiltCatalog {
  data: CatalogData;
  descriptions: CatalogDescriptions;
}

/** The catalog build, one step per service model read. */
function* buildCatalogSteps(options: BotocoreCatalogSource): Generator<void, BuiltCatalog> {
  const services: Record<string, Map<string, CatalogOperation>> = {};
  const descriptions: CatalogDescriptions = {};
  const entries = existsSync(options.dataDirectory) ? readdirSync(options.dataDirectory).sort() : [];
  for (const directoryName of entries) {
    const serviceDirectory = join(options.dataDirectory, directoryName);
    if (!statSync(serviceDirectory).isDirectory()) continue;
    const versionDirectory = newestVersionDirectory(serviceDirectory);
    if (versionDirectory === undefined) continue;
    const model = readModelFile(versionDirectory, 'service-2.json') as ServiceModel | undefined;
    if (model?.operations === undefined) continue;
    const service = serviceRenames[directoryName] ?? directoryName;
    const operations = new Map<string, CatalogOperation>();
    const lines = [summarize(model.documentation) || (model.metadata?.serviceFullName ?? '')];
    const documentation = new Map<string, string>();
    for (const operationName of Object.keys(model.operations)) {
      const modelName = toCliName(operationName);
      if (removedOperations.has(`${service}:${modelName}`)) continue;
      const name = operationRenames[`${service}:${modelName}`] ?? modelName;
      operations.set(name, operationFromModel(service, name, model, operationName));
      documentation.set(name, summarize(model.operations[operationName]?.documentation));
    }
    for (const [alias, target] of Object.entries(operationAliases)) {
      const [aliasService, aliasName = ''] = alias.split(':');
      const targetOperation = operations.get(target);
      if (aliasService !== service || targetOperation === undefined) continue;
      operations.set(aliasName, { ...targetOperation, name: aliasName });
      documentation.set(aliasName, `Another name for \`${target}\`.`);
    }
    const waiters = readModelFile(versionDirectory, 'waiters-2.json') as { waiters?: object } | undefined;
    if (Object.keys(waiters?.waiters ?? {}).length > 0) {
      operations.set('wait', customOperation(service, 'wait'));
      documentation.set('wait', `Waits until a condition on ${service} resources is met.`);
    }
    services[service] = operations;
    descriptions[service] = lines;
    for (const [name] of operations) lines.push(documentation.get(name) ?? '');
    yield;
  }
  if (Object.keys(services).length === 0) {
    throw new CommandError({
      code: 'INVALID_CATALOG',
      message: `No botocore service models were found in ${options.dataDirectory}.`,
    });
  }
  for (const [service, commands] of Object.entries(cliCustomizations)) {
    let operations = services[service];
    if (operations === undefined) {
      operations = new Map();
      services[service] = operations;
      descriptions[service] = [`AWS CLI ${service} commands.`];
    }
    for (const [name, description] of Object.entries(commands)) {
      const existing = operations.has(name);
      operations.set(name, customOperation(service, name));
      if (!existing) (descriptions[service] as string[]).push(description);
      else {
        const index = [...operations.keys()].indexOf(name) + 1;
        (descriptions[service] as string[])[index] = description;
      }
    }
  }
  const encoded: Record<string, string> = {};
  for (const service of Object.keys(services).sort()) {
    encoded[service] = [...(services[service] as Map<string, CatalogOperation>).values()]
      .map(encodeOperation)
      .join(' ');
  }
  const sortedDescriptions: CatalogDescriptions = {};
  for (const service of Object.keys(encoded)) sortedDescriptions[service] = descriptions[service] ?? [];
  return {
    data: {
      format: 1,
      version: options.version,
      source: options.source ?? `botocore models in ${options.dataDirectory}`,
      aliases: { ...serviceAliases },
      services: encoded,
    },
    descriptions: sortedDescriptions,
  };
}

function customOperation(service: string, name: string): CatalogOperation {
  const accessClass = classifyForLabel(service, name);
  return {
    name,
    accessClass,
    customization: name !== 'wait',
    outfile: false,
    dryRun: service === 's3' && ['cp', 'mv', 'rm', 'sync'].includes(name),
    streamingInputs: [],
    booleanOptions: [],
  };
}

/**
 * The catalog for the installed CLI: the snapshot when `version` matches it, else one built from
 * `dataDirectory` and cached as `catalog-<version>.json` (+ descriptions) in `cacheDirectory`, which is created
 * when missing. Throws CommandError (INVALID_CATALOG) when the models cannot be read; file-system errors pass
 * through.
 */
export function loadCatalogForCli(options: CliCatalogOptions): Catalog {
  const current = loadSnapshotCatalog();
  if (options.version === current.version) return current;
  return readCachedCatalog(options) ?? cacheCatalog(options, buildCatalogFromBotocore(options));
}

/**
 * loadCatalogForCli for a server: a catalog it must build is built with buildCatalogFromBotocoreAsync, so the event
 * loop keeps running meanwhile. Rejects as loadCatalogForCli throws.
 */
export async function loadCatalogForCliAsync(options: CliCatalogOptions): Promise<Catalog> {
  const current = loadSnapshotCatalog();
  if (options.version === current.version) return current;
  const cached = readCachedCatalog(options);
  if (cached !== undefined) return cached;
  const built = await buildCatalogFromBotocoreAsync(options);
  // Aborted while building: nothing is written into the cache.
  options.signal?.throwIfAborted();
  return cacheCatalog(options, built);
}

/** Options for {@link loadCatalogForCli}: the installed CLI's models and version, and where to cache its catalog. */
export interface CliCatalogOptions {
  dataDirectory: string;
  version: string;
  cacheDirectory: string;
  /** For {@link loadCatalogForCliAsync}: stop building (reject) and write nothing once aborted. */
  signal?: AbortSignal;
}

function catalogCacheFiles(options: CliCatalogOptions): { catalogFile: string; descriptionsFile: string } {
  const safeVersion = options.version.replace(/[^A-Za-z0-9._-]/g, '_');
  return {
    catalogFile: join(options.cacheDirectory, `catalog-${safeVersion}.json`),
    descriptionsFile: join(options.cacheDirectory, `descriptions-${safeVersion}.json`),
  };
}

function readCachedCatalog(options: CliCatalogOptions): Catalog | undefined {
  const { catalogFile, descriptionsFile } = catalogCacheFiles(options);
  if (!existsSync(catalogFile) || !existsSync(descriptionsFile)) return undefined;
  return createCatalog(
    JSON.parse(readFileSync(catalogFile, 'utf8')) as CatalogData,
    () => JSON.parse(readFileSync(descriptionsFile, 'utf8')) as CatalogDescriptions,
  );
}

function cacheCatalog(options: CliCatalogOptions, { data, descriptions }: BuiltCatalog): Catalog {
  const { catalogFile, descriptionsFile } = catalogCacheFiles(options);
  mkdirSync(options.cacheDirectory, { recursive: true });
  // Write then rename, so a concurrent reader never sees half a file.
  const suffix = `.${process.pid}.tmp`;
  writeFileSync(`${descriptionsFile}${suffix}`, JSON.stringify(descriptions));
  renameSync(`${descriptionsFile}${suffix}`, descriptionsFile);
  writeFileSync(`${catalogFile}${suffix}`, JSON.stringify(data));
  renameSync(`${catalogFile}${suffix}`, catalogFile);
  return createCatalog(data, () => descriptions);
}
