import { type AwsStage, parseAwsStage } from './_aws-stage.js';
import { type FilterStage, isWrapperCommand, validateFilterStage } from './_filters.js';
import { checkInputSize, checkStageSizes } from './_input-limits.js';
import { readWorkdirFile } from './_local-paths.js';
import { splitCommandLine } from './_tokenize.js';
import { loadSnapshotCliModel } from './cli-model.js';
import type { CliModel } from './cli-model-types.js';
import { CommandError } from './command-error.js';

/** A command given as argv arrays instead of text, so inline JSON needs no quoting. */
export interface PipelineArgv {
  /** The aws stage, starting with `"aws"`. */
  args: string[];
  /** The filter stages, each an argv such as `["jq", "-r", ".Buckets[].Name"]`. */
  pipe?: string[][];
}

/** A parsed command line: one `aws` stage and zero or more filter stages, each checked against its allowlist. */
export interface Pipeline {
  aws: AwsStage;
  filters: FilterStage[];
}

const assignment = /^[A-Za-z_][A-Za-z0-9_]*=/;

/** How to read the aws stage. */
export interface ParseCommandLineOptions {
  /** The installed CLI's argument model (default: the committed snapshot of the CLI it was generated from). */
  model?: CliModel;
  /** The working directory, so `--cli-input-json`/`--cli-input-yaml file://NAME` is read from it, judged and inlined. */
  workdir?: string;
}

/**
 * Parses `aws … | filter …` (a string, or the argv form) into a Pipeline, reading the aws stage with the CLI's own
 * parsers. Every refusal is a CommandError with a `code` and a message that says what to do instead; nothing here
 * runs anything. Inputs over the size limits (the command line, any argument, any filter program) are refused with
 * `INPUT_TOO_LARGE` before they are read further.
 */
export function parseCommandLine(
  input: string | PipelineArgv,
  options: ParseCommandLineOptions = {},
): Pipeline {
  const stages = typeof input === 'string' ? splitText(input) : checkArgvForm(input);
  checkStageSizes(stages);
  const [awsArgv, ...filterArgvs] = stages as [string[], ...string[][]];
  checkStageHead(awsArgv);
  const { workdir } = options;
  const aws = parseAwsStage(awsArgv, {
    model: options.model ?? loadSnapshotCliModel(1),
    ...(workdir === undefined
      ? {}
      : { readCliInputFile: (path: string, option: string) => readWorkdirFile(workdir, path, option) }),
  });
  // What runs may be larger than what was written: --cli-input-json file:// is inlined.
  if (aws.argv.length !== awsArgv.length || aws.argv.some((word, index) => word !== awsArgv[index])) {
    checkStageSizes([aws.argv, ...filterArgvs]);
  }
  const filters = filterArgvs.map((argv) => {
    checkStageHead(argv);
    return validateFilterStage(argv);
  });
  return { aws, filters };
}

/**
 * Parses filter stages alone, with no aws stage (filters run over a given text, such as a kept result): the text
 * form `jq -r '.Items[]' | sort`, or argv arrays such as [["jq", "-r", ".Items[]"]]. Each stage is checked as a
 * filter after an aws stage is; an `aws` stage is refused (`FORBIDDEN_PROGRAM`), as is every other refusal of
 * parseCommandLine's filters. Nothing here runs anything.
 */
export function parseFilterStages(input: string | string[][]): FilterStage[] {
  const empty = 'The filters are empty. Give at least one, e.g. `jq .`.';
  if (Array.isArray(input) && input.length === 0)
    throw new CommandError({ code: 'EMPTY_COMMAND', message: empty });
  const stages =
    typeof input === 'string'
      ? splitText(input, empty)
      : checkArgvForm({ args: input[0] ?? [], pipe: input.slice(1) });
  checkStageSizes(stages);
  return stages.map((argv) => {
    checkStageHead(argv);
    if (argv[0] === 'aws') {
      throw new CommandError({
        code: 'FORBIDDEN_PROGRAM',
        token: 'aws',
        message:
          'Only filters run here, over a text already given: drop the `aws` stage and keep its filters.',
      });
    }
    return validateFilterStage(argv);
  });
}

function splitText(
  text: string,
  emptyMessage = 'The command is empty. Start it with `aws`, e.g. `aws s3 ls`.',
): string[][] {
  if (text.trim() === '') {
    throw new CommandError({
      code: 'EMPTY_COMMAND',
      message: emptyMessage,
    });
  }
  checkInputSize('command line', text);
  const stages = splitCommandLine(text);
  stages.forEach((stage, index) => {
    if (stage.length === 0) {
      throw new CommandError({
        code: 'EMPTY_STAGE',
        token: '|',
        message:
          index === stages.length - 1 && index > 0
            ? 'The command ends with `|`; add a filter after it (e.g. `| jq .`) or remove the `|`.'
            : 'A `|` has nothing before it; every stage needs a program.',
      });
    }
  });
  return stages;
}

function checkArgvForm(input: PipelineArgv): string[][] {
  const isArgv = (value: unknown): value is string[] =>
    Array.isArray(value) && value.every((word) => typeof word === 'string');
  if (
    !isArgv(input.args) ||
    (input.pipe !== undefined && !(Array.isArray(input.pipe) && input.pipe.every(isArgv)))
  ) {
    throw new CommandError({
      code: 'INVALID_ARGV',
      message:
        'The argv form is { args: string[], pipe?: string[][] }, e.g. { args: ["aws", "s3", "ls"], pipe: [["grep", "logs"]] }.',
    });
  }
  const stages = [input.args, ...(input.pipe ?? [])];
  if (input.args.length === 0) {
    throw new CommandError({
      code: 'EMPTY_COMMAND',
      message: 'The command is empty. Start `args` with "aws", e.g. ["aws", "s3", "ls"].',
    });
  }
  for (const stage of stages) {
    if (stage.length === 0) {
      throw new CommandError({
        code: 'EMPTY_STAGE',
        message: 'A pipe stage is empty; every stage needs a program.',
      });
    }
    for (const word of stage) {
      if (word.includes('\0')) {
        throw new CommandError({
          code: 'CONTROL_CHARACTER',
          token: '\\x00',
          message: 'An argument contains a NUL character.',
        });
      }
    }
  }
  return stages.map((stage) => [...stage]);
}

function checkStageHead(argv: string[]): void {
  const head = argv[0] ?? '';
  if (assignment.test(head)) {
    throw new CommandError({
      code: 'ENV_ASSIGNMENT',
      token: head,
      message: `\`${head}\` sets an environment variable, which is not supported. Use the CLI's own options instead (e.g. --region, --profile) or the tool's profile/region arguments.`,
    });
  }
  if (isWrapperCommand(head)) {
    throw new CommandError({
      code: 'WRAPPER_COMMAND',
      token: head,
      message: `\`${head}\` is not allowed: each stage is run directly, without wrappers. Drop \`${head}\`.`,
    });
  }
}
