import { homedir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { findBotocoreDataDir } from '@aws-mcp/aws-config';
import {
  type CliModel,
  CommandError,
  type FrozenCliModelOptions,
  generateCliModel,
  indexFrozenCliModel,
  loadCachedCliModel,
  loadFrozenCliModel,
  loadSnapshotCliModel,
} from '@aws-mcp/command';
import { findCliPython } from './_aws-launcher.js';
import { resolvePyenvShim } from './_aws-paths.js';
import type { AvailableAwsCli, AwsCliWatch } from './aws-cli-watch.js';
import { ExecutionError } from './execution-error.js';

/**
 * Where models learned from an installed CLI are kept: the user's cache (`$XDG_CACHE_HOME`, else `~/.cache`),
 * folder `aws-mcp-cli-model`, apart from a working directory such as `~/.cache/aws-mcp/workdir`, since what is read
 * from there decides how every command is judged.
 */
export function cliModelCacheDirectory(env: NodeJS.ProcessEnv): string {
  return join(env.XDG_CACHE_HOME || join(env.HOME ?? homedir(), '.cache'), 'aws-mcp-cli-model');
}

/**
 * Refuses a working directory that is the model cache, holds it, lies in it or beside it (a sibling folder): a
 * command that may write there could change the tables every later command is judged by. Throws ExecutionError
 * `UNSAFE_WORKDIR`.
 */
export function checkModelCacheApart({
  workdir,
  cacheDirectory,
  workdirSetting = '`workdir`',
}: {
  workdir: string;
  cacheDirectory: string;
  /** How the caller's users set the working directory, for the message. */
  workdirSetting?: string;
}): void {
  const work = resolve(workdir);
  const model = resolve(cacheDirectory);
  const inside = (child: string, parent: string) => child === parent || child.startsWith(`${parent}${sep}`);
  if (inside(work, model) || inside(model, work) || dirname(work) === dirname(model)) {
    const reason = `The working directory ${work} is the CLI model cache ${model}, holds it, lies in it or beside it`;
    throw new ExecutionError({
      code: 'UNSAFE_WORKDIR',
      message:
        `${reason}; commands could rewrite the tables they are judged by. Choose a working directory elsewhere ` +
        `(${workdirSetting}).`,
      reason,
    });
  }
}

/** The installed CLI's argument model, once it is known. */
export interface CliModelLearner {
  /**
   * The model to read commands with. While the CLI is missing it asks the watch again (throttled there), so the
   * call that finds the CLI waits for the model's decision. Throws CommandError `CLI_MODEL_UNAVAILABLE` while the
   * model is being learned or when it cannot be, saying which.
   */
  current(): Promise<CliModel>;
  /**
   * Stops the work it does in the background (a frozen CLI's operations index) and resolves once that has ended,
   * so nothing is written into the cache folder afterwards. A model being generated with the CLI's own Python runs
   * on to its end (its process writes into a folder of its own, renamed into place).
   */
  close(): Promise<void>;
}

export interface LearnCliModelOptions {
  awsCli: AwsCliWatch;
  env: NodeJS.ProcessEnv;
  /** Default: {@link cliModelCacheDirectory} of `env`. Never a folder commands may write to. */
  cacheDirectory?: string;
  /** Told what the learner does and what went wrong, one line each, for the caller to log. */
  report?: (message: string, level: 'info' | 'warning' | 'error') => void;
  /** What the person calls the program that learns the model (a server says `the server`). Default: `this program`. */
  programName?: string;
}

/**
 * Chooses the argument model for the installed CLI: the committed snapshot when it is of that very CLI and Python,
 * else one learned earlier into the cache, else, for a frozen v2 build (no Python to ask), the committed v2 tables
 * limited to the operations its own models have (with an operations index written in the background), else one
 * generated now in the background with the CLI's own Python. It starts with the watch's first success. Until a
 * model of the installed CLI exists, `current()` refuses rather than read commands with another version's tables.
 */
export function learnCliModel({
  awsCli,
  env,
  cacheDirectory = cliModelCacheDirectory(env),
  report = () => {},
  programName = 'this program',
}: LearnCliModelOptions): CliModelLearner {
  let model: CliModel | undefined;
  let problem = `${programName} is still checking the installed AWS CLI; try again in a few seconds`;
  const refuse = () => new CommandError({ code: 'CLI_MODEL_UNAVAILABLE', message: `Not run: ${problem}.` });
  // Settles once the snapshot or the cache decided, or generation started: a call waits that long, not longer.
  let decision: Promise<void> | undefined;
  const closing = new AbortController();
  const background = new Set<Promise<void>>();
  const learn = (status: AvailableAwsCli): Promise<void> => {
    decision ??= new Promise<void>((decided) => {
      learnFrom(status, decided)
        .catch((error: unknown) => {
          problem = `the installed AWS CLI's argument tables could not be learned (${error instanceof Error ? error.message : String(error)})`;
          report(problem, 'error');
        })
        .finally(() => decided());
    });
    return decision;
  };
  const learnFrom = async (status: AvailableAwsCli, decided: () => void): Promise<void> => {
    const python = /Python\/(\d+\.\d+\.\d+)/.exec(status.versionLine)?.[1] ?? 'unknown';
    const major = status.majorVersion === 2 ? 2 : 1;
    const snapshot = loadSnapshotCliModel(major);
    if (snapshot.index.cliVersion === status.version && snapshot.index.pythonVersion === python) {
      model = snapshot;
      return;
    }
    try {
      model = loadCachedCliModel({ cacheDirectory, cliVersion: status.version, pythonVersion: python });
      if (model !== undefined) return;
    } catch {
      // A cached model that does not validate is generated again.
    }
    const interpreter = findCliPython(resolvePyenvShim(status.path, env, process.cwd()), env);
    if (interpreter === undefined && major === 2) {
      const bundle = findBotocoreDataDir({ env, awsPath: status.path });
      if (bundle?.install === 'bundle') {
        const frozen = {
          dataDirectory: bundle.dataDir,
          cliVersion: status.version,
          pythonVersion: python,
          cacheDirectory,
        };
        model = readFrozenCliModel({
          frozen,
          snapshotVersion: snapshot.index.cliVersion,
          report,
          indexed: (indexed) => {
            model = indexed;
          },
          signal: closing.signal,
          track: (work) => {
            background.add(work);
            void work.finally(() => background.delete(work));
          },
        });
        return;
      }
    }
    if (interpreter === undefined) {
      problem =
        `the AWS CLI at ${status.path} (${status.version}) is not a Python install ${programName} can read its ` +
        `argument tables from, and the committed models are of CLI ${snapshot.index.cliVersion}; install the CLI ` +
        `with pip or your package manager, or run ${programName} with that version`;
      report(problem, 'warning');
      return;
    }
    problem = `learning the installed AWS CLI ${status.version} (about a minute, once per version); try again in a few seconds`;
    decided();
    report(`learning the argument tables of AWS CLI ${status.version} with ${interpreter}`, 'info');
    const generated = await generateCliModel({ python: interpreter, cacheDirectory });
    model = generated.model;
    report(`learned AWS CLI ${status.version} into ${generated.directory}`, 'info');
  };
  void awsCli.available.then(learn);
  return {
    async current() {
      if (model !== undefined) return model;
      const status = await awsCli.current();
      if (!status.available) {
        problem = status.message.replace(/\.$/, '');
        throw refuse();
      }
      await learn(status);
      if (model === undefined) throw refuse();
      return model;
    },
    async close() {
      closing.abort();
      await Promise.all(background);
    },
  };
}

/**
 * The installer's frozen v2: no Python to ask, but its own botocore models say which operations exist. Returns the
 * committed v2 tables limited to them, and writes the operations index in the background (a turn of the event loop
 * per model), which makes a service's first use read a list of names, not its model; `indexed` gets the model read
 * with it once it exists.
 */
function readFrozenCliModel({
  frozen,
  snapshotVersion,
  report,
  indexed,
  signal,
  track,
}: {
  frozen: FrozenCliModelOptions & { cacheDirectory: string };
  snapshotVersion: string;
  report: NonNullable<LearnCliModelOptions['report']>;
  indexed: (model: CliModel) => void;
  /** Aborted when the learner closes: the index stops between two models and is not written. */
  signal: AbortSignal;
  /** Told of the background work, which never rejects. */
  track: (work: Promise<void>) => void;
}): CliModel {
  const model = loadFrozenCliModel(frozen);
  track(
    indexFrozenCliModel({ ...frozen, signal }).then(
      () => indexed(loadFrozenCliModel(frozen)),
      (error: unknown) => {
        if (!signal.aborted) report(`could not index the frozen CLI's models: ${String(error)}`, 'warning');
      },
    ),
  );
  report(
    `AWS CLI ${frozen.cliVersion} is a frozen build: its commands are read with the committed CLI ` +
      `${snapshotVersion} tables for the operations its own models (${frozen.dataDirectory}) have; ` +
      'what those tables lack is refused (NOT_IN_CLI_SNAPSHOT)',
    'warning',
  );
  return model;
}
