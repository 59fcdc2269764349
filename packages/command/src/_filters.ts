import { readFilterArguments } from './_filter-options.js';
import { type FilterSpec, filterSpecs, neverAllowed, operandExamples, wrappers } from './_filter-specs.js';
import { checkInputSize } from './_input-limits.js';
import { CommandError } from './command-error.js';

/** A filter stage as validated: its name and its argv (argv[0] is the name). */
export interface FilterStage {
  /** The filter's name as written, e.g. `jq`. */
  name: string;
  /** The argv as written, `argv[0]` being the name. */
  argv: string[];
}

/** What runs for a filter stage: the file and the full argument list, sandbox flags included. */
export interface FilterInvocation {
  file: string;
  args: string[];
  /** The package to install when `file` is missing. */
  packageHint?: string;
}

/** The names of the filters a pipeline may use after the `aws` stage. */
export function listFilterNames(): string[] {
  return Object.keys(filterSpecs).sort();
}

/** Whether `name` is a wrapper such as sudo or env, which is refused in any stage. */
export function isWrapperCommand(name: string): boolean {
  return wrappers.has(name);
}

/**
 * Checks one filter stage against its allowlist: known program, exact option spellings, no file operands,
 * safe program text. Throws CommandError naming the offending token.
 */
export function validateFilterStage(argv: string[]): FilterStage {
  const name = argv[0] ?? '';
  if (wrappers.has(name)) {
    throw new CommandError({
      code: 'WRAPPER_COMMAND',
      token: name,
      message: `\`${name}\` is not allowed: each stage is run directly, without wrappers. Drop \`${name}\`.`,
    });
  }
  const spec = filterSpecs[name];
  if (spec === undefined) {
    const reason =
      neverAllowed[name] ??
      (name.includes('/') ? 'programs are named without a path' : 'it is not on the filter allowlist');
    throw new CommandError({
      code: 'FORBIDDEN_PROGRAM',
      token: name,
      message: `\`${name}\` cannot be a pipeline stage: ${reason}. Allowed filters: ${listFilterNames().join(', ')}.`,
    });
  }
  const { operands, programsFromOptions } = readFilterArguments({ name, spec, argv });
  checkOperands({ name, spec, operands, programsFromOptions });
  return { name, argv: [...argv] };
}

function checkOperands(options: {
  name: string;
  spec: FilterSpec;
  operands: string[];
  programsFromOptions: string[];
}): void {
  const { name, spec, operands, programsFromOptions } = options;
  const extra = (token: string): never => {
    throw new CommandError({
      code: 'FILTER_OPERAND',
      token,
      message: `\`${name}\` reads only the previous stage's output, so \`${token}\` cannot be a file or extra operand. Remove it.`,
    });
  };
  switch (spec.operands) {
    case 'none':
      if (operands[0] !== undefined) extra(operands[0]);
      return;
    case 'sets':
      if (operands.length === 0 || operands.length > 2) {
        throw new CommandError({
          code: 'FILTER_OPERAND',
          token: name,
          message: '`tr` takes one or two character sets, e.g. `tr a-z A-Z`.',
        });
      }
      return;
    case 'pattern':
    case 'program': {
      const fromOperands = programsFromOptions.length > 0 ? 0 : 1;
      if (operands.length > fromOperands) extra(operands[fromOperands] as string);
      if (operands.length < fromOperands) {
        throw new CommandError({
          code: 'FILTER_OPERAND',
          token: name,
          message: `\`${name}\` needs a ${spec.operands}, e.g. ${operandExamples[name] ?? `${name} '…'`}.`,
        });
      }
      for (const program of [...programsFromOptions, ...operands]) {
        checkInputSize('filter program', program, `The ${name} ${spec.operands}`);
        spec.checkProgram?.(program);
      }
    }
  }
}

/**
 * What to execute for a filter stage: `awk` runs as `gawk --sandbox`, `sed` as `sed --sandbox`. The stage is
 * checked again first, so a pipeline built by hand rather than by parseCommandLine cannot run a refused filter:
 * throws the same CommandError validateFilterStage would.
 */
export function resolveFilterInvocation(stage: FilterStage): FilterInvocation {
  if (stage.argv[0] !== stage.name) {
    throw new CommandError({
      code: 'FORBIDDEN_PROGRAM',
      token: stage.name,
      message: `The filter stage is named \`${stage.name}\` but runs \`${stage.argv[0] ?? ''}\`; build stages with parseCommandLine.`,
    });
  }
  validateFilterStage(stage.argv);
  const executable = filterSpecs[stage.name]?.executable;
  if (executable === undefined) return { file: stage.name, args: stage.argv.slice(1) };
  return {
    file: executable.file,
    args: [...executable.leadingArgs, ...stage.argv.slice(1)],
    packageHint: executable.packageHint,
  };
}
