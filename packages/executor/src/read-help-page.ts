import { findBotocoreDataDir } from '@aws-mcp/aws-config';
import {
  type Catalog,
  type CliModel,
  CommandError,
  createHelpSources,
  type HelpSection,
  type HelpSources,
  loadSnapshotCliModel,
  readGlobalOptions,
  renderHelpPage,
} from '@aws-mcp/command';
import { type AwsHelpTopic, compactHelpText, runAwsHelp } from './aws-help.js';
import type { AwsCliStatus } from './check-aws-cli.js';
import { ExecutionError } from './execution-error.js';
import type { RunPipelineOptions } from './run-pipeline.js';

/** Which page to read: the overview, a service or a command, whole or in part; `full` is the CLI's own page. */
export interface HelpPageRequest extends AwsHelpTopic {
  section?: HelpSection | 'full';
  /** One parameter of the command in full, e.g. `--filters`. */
  parameter?: string;
}

/**
 * A page read: its text and where it came from (the cache, the installed CLI's model, or the CLI's own
 * `help`), or `failed` when the CLI's own page could not be read (`topic` is `aws …`, `reason` one line).
 */
export type HelpPageResult =
  | { status: 'success'; text: string; source: 'cache' | 'model' | 'cli' }
  | { status: 'failed'; topic: string; reason: string };

/** Options for {@link readHelpPage}. */
export interface ReadHelpPageOptions {
  /** The installed CLI as {@link checkAwsCli} found it; its version is part of every cache key. */
  cli: AwsCliStatus;
  /**
   * The installed CLI's model. While it throws a CommandError (being learned), a service's or command's page
   * is the CLI's own, read with the committed model of the same major version.
   */
  cliModel: () => Promise<CliModel>;
  catalog: Catalog;
  /** What the CLI's own page runs with (environment, sandbox), as any pipeline; `env` also locates botocore. */
  runOptions: RunPipelineOptions;
  /** Pages by CLI version and request, kept by the caller across calls; at most 200, the oldest dropped first. */
  cache?: Map<string, string>;
  signal?: AbortSignal;
}

/** How many pages a help cache keeps. */
export const maxCachedHelpPages = 200;
/** The CLI's own page is the one part not built from the models; it is still bounded. */
export const maxFullHelpPageChars = 40_000;
const fullPageTimeoutMs = 60_000;

const sourcesByModel = new WeakMap<CliModel, HelpSources>();

function helpSources(model: CliModel, env: NodeJS.ProcessEnv, awsPath: string): HelpSources {
  let sources = sourcesByModel.get(model);
  if (sources === undefined) {
    const location = findBotocoreDataDir({ env, awsPath });
    sources = createHelpSources({
      ...(location === undefined ? {} : { dataDirectory: location.dataDir }),
      cli: model.index,
    });
    sourcesByModel.set(model, sources);
  }
  return sources;
}

async function readFullPage(
  topic: AwsHelpTopic,
  options: ReadHelpPageOptions & { model: CliModel | undefined; cliMajor: number },
): Promise<HelpPageResult> {
  const result = await runAwsHelp(topic, {
    ...options.runOptions,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    timeoutMs: fullPageTimeoutMs,
  });
  if (result.status !== 'success') {
    const reason = result.stderr.trim().split('\n').slice(-2).join(' ');
    return {
      status: 'failed',
      topic: ['aws', topic.service, topic.command].filter(Boolean).join(' '),
      reason: reason || `the CLI ${result.status === 'timeout' ? 'timed out' : 'failed'}`,
    };
  }
  const globals = readGlobalOptions(options.model ?? loadSnapshotCliModel(options.cliMajor === 2 ? 2 : 1));
  return {
    status: 'success',
    source: 'cli',
    text: compactHelpText(result.text, {
      refusedOptions: globals.refused,
      globalOptions: globals.accepted,
      maxChars: maxFullHelpPageChars,
    }),
  };
}

function keep(cache: Map<string, string> | undefined, key: string, result: HelpPageResult): HelpPageResult {
  if (cache === undefined || result.status !== 'success') return result;
  if (cache.size >= maxCachedHelpPages) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  cache.set(key, result.text);
  return result;
}

/**
 * Reads a help page for a model: the overview, a service's or a command's page (a section or one parameter on
 * request) built from the installed CLI's model and documentation, or with `section: 'full'` the CLI's own
 * `help` page, compacted and at most 40,000 characters. A page read before (same CLI
 * version, same request) comes from `cache` without running anything. Throws an ExecutionError
 * (`AWS_CLI_MISSING`, or `INVALID_OPTIONS` for a topic that is not a CLI name) or a CommandError for a name the
 * CLI does not have (with the nearest ones), before anything runs; a CLI page that fails is `failed`.
 */
export async function readHelpPage(
  request: HelpPageRequest,
  options: ReadHelpPageOptions,
): Promise<HelpPageResult> {
  const { cli, cache } = options;
  if (!cli.available) throw new ExecutionError({ code: 'AWS_CLI_MISSING', message: cli.message });
  const key = [cli.version, request.service, request.command, request.section, request.parameter].join(
    '\u0000',
  );
  const cached = cache?.get(key);
  if (cached !== undefined) return { status: 'success', text: cached, source: 'cache' };
  let model: CliModel;
  try {
    model = await options.cliModel();
  } catch (error) {
    if (!CommandError.isInstance(error) || request.service === undefined) throw error;
    return keep(
      cache,
      key,
      await readFullPage(request, { ...options, model: undefined, cliMajor: cli.majorVersion }),
    );
  }
  const { section, ...rest } = request;
  // Rendered even for `full`: the model refuses an unknown name before the CLI is run for it.
  const page = renderHelpPage(
    { ...rest, ...(section === undefined || section === 'full' ? {} : { section }) },
    {
      model,
      catalog: options.catalog,
      sources: helpSources(model, options.runOptions.env ?? process.env, cli.path),
    },
  );
  if (section === 'full') {
    return keep(cache, key, await readFullPage(request, { ...options, model, cliMajor: cli.majorVersion }));
  }
  return keep(cache, key, { status: 'success', text: page.text, source: 'model' });
}
