import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gunzip } from './_gunzip.js';

/** A botocore shape reference, as a structure member or an operation's input/output names it. */
export interface ShapeReference {
  shape: string;
  documentation?: string;
}

/** A botocore shape: what the help pages read of it. */
export interface ServiceShape {
  type: string;
  documentation?: string;
  members?: Record<string, ShapeReference>;
  required?: string[];
  member?: ShapeReference;
  key?: ShapeReference;
  value?: ShapeReference;
  enum?: string[];
  min?: number;
  max?: number;
}

/** A botocore service model (`service-2.json`): what the help pages read of it. */
export interface ServiceDocs {
  documentation?: string;
  metadata?: { serviceFullName?: string };
  operations: Record<string, { documentation?: string; input?: ShapeReference; output?: ShapeReference }>;
  shapes: Record<string, ServiceShape>;
}

/** The documentation of the CLI's customizations, as `scripts/dump-customization-docs.py` writes it. */
export interface CustomizationDocs {
  format: 1;
  cliVersion: string;
  /**
   * `s3` (with `cp` among its subcommands), `eks update-kubeconfig` for a customization inside a service, or an API
   * operation with the arguments the CLI's handlers add to it (`ec2 run-instances` → `count`).
   */
  commands: Record<string, CustomizationDoc>;
  /** The arguments every paginated or JSON-input operation gets (`starting-token`, `cli-input-json`, …). */
  common?: Record<string, string>;
}

/** One customization's documentation: the first paragraph of its description, each argument's text. */
export interface CustomizationDoc {
  description: string;
  arguments: Record<string, string>;
  subcommands?: Record<string, CustomizationDoc>;
}

/** Where the help pages read documentation from; each source is optional and read on first use. */
export interface HelpSources {
  /** The service model of a botocore service name (`ec2`, `s3`), or undefined when there is none. */
  serviceDocs(apiService: string): ServiceDocs | undefined;
  /** The ReST of the CLI's shipped examples for `aws SERVICE COMMAND`, or undefined when it ships none. */
  examples(service: string, command: string): string | undefined;
  /** The documentation of the CLI's customizations, or undefined when it is not known for this CLI. */
  customizationDocs(): CustomizationDocs | undefined;
}

function readJson(file: string): unknown {
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  if (existsSync(`${file}.gz`)) return JSON.parse(gunzip(readFileSync(`${file}.gz`)).toString('utf8'));
  return undefined;
}

function newestModelFolder(serviceFolder: string): string | undefined {
  if (!existsSync(serviceFolder)) return undefined;
  const versions = readdirSync(serviceFolder)
    .filter((entry) => /^\d{4}-\d{2}-\d{2}$/.test(entry))
    .sort();
  const newest = versions[versions.length - 1];
  return newest === undefined ? undefined : join(serviceFolder, newest);
}

/** The installed CLI's examples folder beside its botocore data: pip's `awscli/examples`, v2's `awscli/examples`. */
function findExamplesDirectory(dataDirectory: string): string | undefined {
  const candidates = [
    join(dirname(dirname(dataDirectory)), 'awscli', 'examples'),
    join(dirname(dirname(dataDirectory)), 'examples'),
  ];
  return candidates.find((candidate) => existsSync(candidate));
}

const customizationDocsFiles: Record<number, URL> = {
  1: new URL('../catalog/customization-docs-v1.json', import.meta.url),
  2: new URL('../catalog/customization-docs-v2.json', import.meta.url),
};

/**
 * The committed customization documentation for a CLI (`catalog/customization-docs-v<major>.json`), when it was
 * written from that very CLI version; undefined otherwise (the help pages then say less about customizations).
 */
export function loadSnapshotCustomizationDocs(cli: {
  cliMajor: number;
  cliVersion: string;
}): CustomizationDocs | undefined {
  const file = customizationDocsFiles[cli.cliMajor];
  if (file === undefined) return undefined;
  const docs = JSON.parse(readFileSync(file, 'utf8')) as CustomizationDocs;
  return docs.cliVersion === cli.cliVersion ? docs : undefined;
}

/**
 * Help sources read from files of the installed CLI: botocore's service models in `dataDirectory` (as
 * findBotocoreDataDir finds it), the examples the CLI ships beside it, and the committed customization
 * documentation for `cli`. Reads nothing until asked; each file once. Never throws for a missing file (that
 * source is then undefined); a file that is not JSON throws a SyntaxError.
 */
export function createHelpSources(options: {
  dataDirectory?: string;
  cli: { cliMajor: number; cliVersion: string };
}): HelpSources {
  const models = new Map<string, ServiceDocs | undefined>();
  const examplesDirectory =
    options.dataDirectory === undefined ? undefined : findExamplesDirectory(options.dataDirectory);
  let customizations: { docs: CustomizationDocs | undefined } | undefined;
  return {
    serviceDocs(apiService) {
      if (options.dataDirectory === undefined || !/^[a-z0-9.-]+$/.test(apiService)) return undefined;
      if (!models.has(apiService)) {
        const folder = newestModelFolder(join(options.dataDirectory, apiService));
        models.set(
          apiService,
          folder === undefined ? undefined : (readJson(join(folder, 'service-2.json')) as ServiceDocs),
        );
      }
      return models.get(apiService);
    },
    examples(service, command) {
      if (examplesDirectory === undefined || !/^[a-z0-9.-]+$/.test(`${service}${command}`)) return undefined;
      const file = join(examplesDirectory, service, `${command}.rst`);
      return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    },
    customizationDocs() {
      customizations ??= { docs: loadSnapshotCustomizationDocs(options.cli) };
      return customizations.docs;
    },
  };
}
