import { homedir } from 'node:os';
import { relative, resolve, sep } from 'node:path';
import type { Pipeline } from '@aws-mcp/command';
import { listAwsStagePaths, listCliInstallPaths, listHomes, resolvePyenvShim } from './_aws-paths.js';
import { buildAwsEnvironment, buildFilterEnvironment } from './_environment.js';
import { resolveFilterProgram } from './_filter-programs.js';
import { findExecutable } from './_find-executable.js';
import { buildAwsArguments } from './build-aws-arguments.js';
import { awsCliInstallHint, ExecutionError } from './execution-error.js';
import type { RunPipelineOptions } from './run-pipeline.js';
import type { SandboxStage } from './sandbox.js';

/** One stage, resolved to a program and ready for the sandbox to wrap. */
export interface PreparedStage {
  /** The program's name as written, e.g. `aws` or `jq`. */
  name: string;
  sandboxStage: SandboxStage;
}

/** Refuses `/`, a home folder or a parent of one as the working directory: confinement would mean nothing. */
export function checkWorkdir(cwd: string, env: NodeJS.ProcessEnv): void {
  const folder = resolve(cwd);
  for (const home of new Set([homedir(), env.HOME ?? homedir()])) {
    const inside = relative(folder, resolve(home));
    if (folder === sep || inside === '' || !inside.startsWith('..')) {
      const what =
        folder === sep
          ? 'the root folder'
          : inside === ''
            ? 'a home folder'
            : `a parent of the home folder ${home}`;
      throw new ExecutionError({
        code: 'UNSAFE_WORKDIR',
        message:
          `The working directory ${folder} is ${what}; the aws stage may write there, so confinement would mean ` +
          'nothing. Use a dedicated folder, e.g. one under ~/.cache.',
      });
    }
  }
}

function prepareAwsStage(pipeline: Pipeline, options: RunPipelineOptions): PreparedStage {
  const source = options.env ?? process.env;
  const found = findExecutable(options.awsCli ?? 'aws', source.PATH);
  if (found === undefined) {
    throw new ExecutionError({
      code: 'AWS_CLI_MISSING',
      program: options.awsCli ?? 'aws',
      message: awsCliInstallHint,
    });
  }
  // A pyenv shim's own script runs instead: the sandbox then shows that version tree only, not all of pyenv.
  const awsFile = resolvePyenvShim(found, source, process.cwd());
  const credentialsMode = options.credentialsMode ?? 'both';
  const awsPaths = listAwsStagePaths(source, credentialsMode, {
    profileFiles: options.profileFiles,
    cacheNames: options.cliCacheFiles,
  });
  return {
    name: 'aws',
    sandboxStage: {
      kind: 'aws',
      file: awsFile,
      args: buildAwsArguments(pipeline, options.endpointUrl),
      cwd: options.cwd,
      env: buildAwsEnvironment(source, {
        region: options.region,
        profile: options.profile,
        credentialsMode,
        isHelp: pipeline.aws.isHelp,
      }),
      readOnlyPaths: [
        ...awsPaths.readOnly,
        ...listCliInstallPaths(awsFile, listHomes(source)),
        ...(options.readOnlyPaths ?? []),
      ],
      writablePaths: [options.cwd, ...(options.writablePaths ?? [])],
      privateCopies: awsPaths.privateCopies,
    },
  };
}

/**
 * Checks the working directory and resolves every stage to its program, its arguments and its environment:
 * the aws stage first, then the filters. Throws ExecutionError `UNSAFE_WORKDIR`, `AWS_CLI_MISSING`, or the
 * filter's `GAWK_MISSING`, `GNU_SED_MISSING`, `FILTER_UNAVAILABLE`.
 */
export async function prepareStages(
  pipeline: Pipeline,
  options: RunPipelineOptions,
): Promise<PreparedStage[]> {
  const source = options.env ?? process.env;
  checkWorkdir(options.cwd, source);
  const awsStage = prepareAwsStage(pipeline, options);
  const filterEnv = buildFilterEnvironment(source);
  const filterStages: PreparedStage[] = [];
  for (const stage of pipeline.filters) {
    const { file, args } = await resolveFilterProgram(stage, source.PATH);
    filterStages.push({
      name: stage.name,
      sandboxStage: {
        kind: 'filter',
        file,
        args,
        cwd: options.cwd,
        env: filterEnv,
        readOnlyPaths: [],
        writablePaths: [],
      },
    });
  }
  return [awsStage, ...filterStages];
}
