import { homedir } from 'node:os';
import { relative, resolve, sep } from 'node:path';
import type { FilterStage, Pipeline } from '@aws-mcp/command';
import { planRoleProfile, type RoleProfile, withRoleProfile } from './_assume-role.js';
import { buildLauncherCommand, findCliPython } from './_aws-launcher.js';
import { listAwsStagePaths, listCliInstallPaths, listHomes, resolvePyenvShim } from './_aws-paths.js';
import { buildAwsEnvironment, buildFilterEnvironment } from './_environment.js';
import { resolveFilterProgram } from './_filter-programs.js';
import { findExecutable } from './_find-executable.js';
import { findOutfileArgument, isStdoutOutfile, planStdoutOutfile, type StdoutOutfile } from './_outfiles.js';
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
  /** The throwaway profile the aws stage assumes its role through, written before it starts (assumeRole). */
  roleProfile?: RoleProfile;
  /** The OUTFILE as written, when the command has one (`lambda invoke … response.json`, `-`). */
  outfile?: string;
  /** For an OUTFILE of `-` or `/dev/stdout`: the private file the CLI writes instead, its content returned. */
  stdoutOutfile?: StdoutOutfile;
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
 * `cloudformation package` uploads whatever local files its template names; only the launcher confines them to
 * the working directory (inside the CLI's own exporter). Without it the call is refused. Throws ExecutionError
 * `ARTIFACTS_UNCONFINED`.
 */
function refuseUnconfinedArtifacts(pipeline: Pipeline): void {
  if (pipeline.aws.service !== 'cloudformation' || pipeline.aws.operation !== 'package') return;
  throw new ExecutionError({
    code: 'ARTIFACTS_UNCONFINED',
    message:
      '`aws cloudformation package` uploads the local files its template names, and only a CLI whose Python ' +
      'can be imported lets it keep those to the working directory (this one is a frozen binary, or its Python ' +
      'was not found). Run it in a terminal, or install the AWS CLI with pip or a distribution package.',
  });
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
  const roleProfile =
    options.assumeRole === undefined || pipeline.aws.isHelp
      ? undefined
      : planRoleProfile({
          assumeRole: options.assumeRole,
          pipeline,
          env: source,
          credentialsMode,
          profile: options.profile,
          endpointUrl: options.endpointUrl,
        });
  const awsPaths = listAwsStagePaths(source, credentialsMode, {
    profileFiles: options.profileFiles,
    cacheNames: options.cliCacheFiles,
    ...(roleProfile === undefined ? {} : { roleConfigFile: roleProfile.configFile }),
  });
  const { members, hasSecretOutput, wholeOutput } = plan.secretOutput;
  // Every call goes through the launcher where it can: it masks the members, and reports request ids and the
  // pagination token of any call.
  const python =
    options.maskInCli !== false && !pipeline.aws.isHelp ? findCliPython(awsFile, source) : undefined;
  const masksMembers = hasSecretOutput && !wholeOutput;
  const lineArguments = buildAwsArguments(pipeline, options.endpointUrl);
  const awsArguments =
    roleProfile === undefined ? lineArguments : withRoleProfile(lineArguments, roleProfile);
  const outfile = findOutfileArgument(pipeline, awsArguments);
  const stdoutOutfile =
    outfile !== undefined && isStdoutOutfile(outfile.written) ? planStdoutOutfile() : undefined;
  const runArguments = awsArguments.map((word, index) =>
    stdoutOutfile !== undefined && index === outfile?.index ? stdoutOutfile.file : word,
  );
  if (python === undefined) refuseUnconfinedArtifacts(pipeline);
  const command =
    python === undefined
      ? { file: awsFile, args: planWithoutLauncher(pipeline, runArguments, plan) }
      : buildLauncherCommand(
          python,
          {
            operation: pipeline.aws.operation ?? '',
            paths: members,
            mode: plan.mode === 'mask' ? 'mask' : 'reveal',
            views: plan.mode === 'save' && masksMembers,
          },
          runArguments,
        );
  const homes = listHomes(source);
  return {
    name: 'aws',
    awsArguments: python === undefined ? planWithoutLauncher(pipeline, awsArguments, plan) : awsArguments,
    ...(python === undefined ? {} : { reportsOnFd3: true }),
    ...(roleProfile === undefined ? {} : { roleProfile }),
    ...(outfile === undefined ? {} : { outfile: outfile.written }),
    ...(stdoutOutfile === undefined ? {} : { stdoutOutfile }),
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
        ...(roleProfile === undefined ? {} : { roleProfile }),
        agentVersion: options.agentVersion,
      }),
      readOnlyPaths: [
        ...awsPaths.readOnly,
        ...listCliInstallPaths(awsFile, homes),
        ...(python === undefined ? [] : listCliInstallPaths(python, homes)),
        ...(options.readOnlyPaths ?? []),
      ],
      writablePaths: [
        options.cwd,
        ...(stdoutOutfile === undefined ? [] : [stdoutOutfile.folder]),
        ...(options.writablePaths ?? []),
      ],
      privateCopies: awsPaths.privateCopies,
      ...(roleProfile === undefined ? {} : { callFiles: [roleProfile.configFile] }),
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
  checkWorkdir(options.cwd, options.env ?? process.env);
  const awsStage = prepareAwsStage(pipeline, options, plan);
  return [awsStage, ...(await prepareFilterStages(pipeline.filters, options))];
}

/**
 * Resolves filter stages to their programs, with the filters' environment and no paths of their own. Throws
 * ExecutionError `GAWK_MISSING`, `GNU_SED_MISSING`, `FILTER_UNAVAILABLE`.
 */
export async function prepareFilterStages(
  filters: readonly FilterStage[],
  options: Pick<RunPipelineOptions, 'cwd' | 'env'>,
): Promise<PreparedStage[]> {
  const source = options.env ?? process.env;
  const filterEnv = buildFilterEnvironment(source);
  const filterStages: PreparedStage[] = [];
  for (const stage of filters) {
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
  return filterStages;
}
