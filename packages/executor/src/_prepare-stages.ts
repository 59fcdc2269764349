import { homedir } from 'node:os';
import { relative, resolve, sep } from 'node:path';
import type { Pipeline } from '@aws-mcp/command';
import { buildLauncherCommand, findCliPython } from './_aws-launcher.js';
import { listAwsStagePaths, listCliInstallPaths, listHomes, resolvePyenvShim } from './_aws-paths.js';
import { buildAwsEnvironment, buildFilterEnvironment } from './_environment.js';
import { resolveFilterProgram } from './_filter-programs.js';
import { findExecutable } from './_find-executable.js';
import type { SecretsMode } from './_pipeline-outputs.js';
import { buildAwsArguments } from './build-aws-arguments.js';
import { awsCliInstallHint, ExecutionError } from './execution-error.js';
import type { RunPipelineOptions } from './run-pipeline.js';
import type { SandboxStage } from './sandbox.js';
import type { SecretOutput } from './secret-output.js';

/** How the aws stage's secrets are to be handled, decided before it is prepared. */
export interface SecretsPlan {
  mode: SecretsMode;
  secretOutput: SecretOutput;
}

/** One stage, resolved to a program and ready for the sandbox to wrap. */
export interface PreparedStage {
  /** The program's name as written, e.g. `aws` or `jq`. */
  name: string;
  sandboxStage: SandboxStage;
  /** The aws arguments as the CLI gets them (the launcher's own arguments left out), for `awsArgv`. */
  awsArguments?: string[];
  /** The aws stage runs through the launcher, which reports on file descriptor 3. */
  reportsOnFd3?: boolean;
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

/**
 * Without the launcher, a response's secret members can only be masked in its JSON, before anything reads it: so
 * the call runs with `--output json`, and `--query` or another output format is refused (they would be applied to
 * the secrets first). Throws ExecutionError `SECRET_OUTPUT_UNMASKABLE`.
 */
function planWithoutLauncher(pipeline: Pipeline, args: string[], plan: SecretsPlan): string[] {
  if (plan.mode === 'show' || !plan.secretOutput.hasSecretOutput || plan.secretOutput.wholeOutput)
    return args;
  const { query, output } = pipeline.aws.globals;
  const command = `aws ${pipeline.aws.service} ${pipeline.aws.operation}`;
  const why =
    `\`${command}\` returns secrets (${plan.secretOutput.members.join(', ')}), and this AWS CLI cannot be asked ` +
    'to mask them before it applies';
  if (query !== undefined) {
    throw new ExecutionError({
      code: 'SECRET_OUTPUT_UNMASKABLE',
      message: `${why} \`--query\`. Leave \`--query\` out and select with \`| jq\` instead (it reads the masked JSON).`,
    });
  }
  if (output !== undefined && output !== 'json') {
    throw new ExecutionError({
      code: 'SECRET_OUTPUT_UNMASKABLE',
      message: `${why} \`--output ${output}\`. Use \`--output json\` (the default here), and \`| jq -r\` for text.`,
    });
  }
  return output === undefined ? [...args, '--output', 'json'] : args;
}

function prepareAwsStage(pipeline: Pipeline, options: RunPipelineOptions, plan: SecretsPlan): PreparedStage {
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
  const { members, hasSecretOutput, wholeOutput } = plan.secretOutput;
  const python =
    options.maskInCli !== false && hasSecretOutput && !wholeOutput && !pipeline.aws.isHelp
      ? findCliPython(awsFile, source)
      : undefined;
  const awsArguments = buildAwsArguments(pipeline, options.endpointUrl);
  const command =
    python === undefined
      ? { file: awsFile, args: planWithoutLauncher(pipeline, awsArguments, plan) }
      : buildLauncherCommand(
          python,
          {
            operation: pipeline.aws.operation ?? '',
            paths: members,
            mode: plan.mode === 'mask' ? 'mask' : 'reveal',
            views: plan.mode === 'save',
          },
          awsArguments,
        );
  const homes = listHomes(source);
  return {
    name: 'aws',
    awsArguments: python === undefined ? command.args : awsArguments,
    ...(python === undefined ? {} : { reportsOnFd3: true }),
    sandboxStage: {
      kind: 'aws',
      file: command.file,
      args: command.args,
      cwd: options.cwd,
      env: buildAwsEnvironment(source, {
        region: options.region,
        profile: options.profile,
        credentialsMode,
        isHelp: pipeline.aws.isHelp,
      }),
      readOnlyPaths: [
        ...awsPaths.readOnly,
        ...listCliInstallPaths(awsFile, homes),
        ...(python === undefined ? [] : listCliInstallPaths(python, homes)),
        ...(options.readOnlyPaths ?? []),
      ],
      writablePaths: [options.cwd, ...(options.writablePaths ?? [])],
      privateCopies: awsPaths.privateCopies,
    },
  };
}

/**
 * Checks the working directory and resolves every stage to its program, its arguments and its environment:
 * the aws stage first (through the launcher when its response has secret members and its Python can be found),
 * then the filters. Throws ExecutionError `UNSAFE_WORKDIR`, `AWS_CLI_MISSING`, `SECRET_OUTPUT_UNMASKABLE`, or
 * the filter's `GAWK_MISSING`, `GNU_SED_MISSING`, `FILTER_UNAVAILABLE`.
 */
export async function prepareStages(
  pipeline: Pipeline,
  options: RunPipelineOptions,
  plan: SecretsPlan,
): Promise<PreparedStage[]> {
  const source = options.env ?? process.env;
  checkWorkdir(options.cwd, source);
  const awsStage = prepareAwsStage(pipeline, options, plan);
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
