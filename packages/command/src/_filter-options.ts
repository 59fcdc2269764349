import type { FilterSpec } from './_filter-specs.js';
import { CommandError } from './command-error.js';

/**
 * Reads a filter stage's argv by its spec: exact option spellings (clusters such as `-rc`, `-n5`, `-F,`, and
 * `--name=value`), the values options take, and the operands left over. Throws CommandError
 * (FORBIDDEN_FILTER_OPTION, MISSING_OPTION_VALUE) naming the offending token.
 */
export function readFilterArguments(options: { name: string; spec: FilterSpec; argv: string[] }): {
  /** Operands as written; after jq's --args/--jsonargs only the program is kept. */
  operands: string[];
  /** Programs given with `-e`, `--expression` or `--regexp`. */
  programsFromOptions: string[];
} {
  const { name, spec, argv } = options;
  const operands: string[] = [];
  const programsFromOptions: string[] = [];
  let index = 1;
  let optionsEnded = false;
  // After jq's --args/--jsonargs, operands past the program are values ($ARGS.positional), never files.
  let operandsAreValues = false;
  const refuse = (token: string): never => {
    const reason = spec.refusals?.[token];
    throw new CommandError({
      code: 'FORBIDDEN_FILTER_OPTION',
      token,
      message: reason
        ? `\`${name} ${token}\` is not allowed: ${reason}.`
        : `\`${name}\` does not accept \`${token}\` here. Spell options in full from this list: ${describeOptions(spec)}.`,
    });
  };
  const takeValue = (option: string, attached: string | undefined, count: 1 | 2): void => {
    if (attached !== undefined) {
      if (count === 2) refuse(option);
      if (option === '-e' || option === '--expression' || option === '--regexp')
        programsFromOptions.push(attached);
      return;
    }
    for (let taken = 0; taken < count; taken++) {
      index++;
      const value = argv[index];
      if (value === undefined) {
        throw new CommandError({
          code: 'MISSING_OPTION_VALUE',
          token: option,
          message: `\`${name} ${option}\` needs a value.`,
        });
      }
      if (option === '-e' || option === '--expression' || option === '--regexp')
        programsFromOptions.push(value);
    }
  };
  for (; index < argv.length; index++) {
    const token = argv[index] as string;
    if (
      optionsEnded ||
      token === '-' ||
      !token.startsWith('-') ||
      (spec.numericShorthand && /^[-+]\d+$/.test(token))
    ) {
      if (!optionsEnded && spec.numericShorthand && /^[-+]\d+$/.test(token)) continue;
      if (!(operandsAreValues && operands.length > 0)) operands.push(token);
      continue;
    }
    if (token === '--') {
      optionsEnded = true;
      continue;
    }
    if (token.startsWith('--')) {
      const equals = token.indexOf('=');
      const optionName = token.slice(2, equals === -1 ? undefined : equals);
      const kind = spec.long[optionName];
      if (kind === undefined) refuse(equals === -1 ? token : token.slice(0, equals));
      if (kind === 'flag') {
        if (equals !== -1) refuse(token);
        if (spec.valueOperandOptions?.includes(token)) operandsAreValues = true;
        continue;
      }
      takeValue(
        `--${optionName}`,
        equals === -1 ? undefined : token.slice(equals + 1),
        kind === 'two-values' ? 2 : 1,
      );
      continue;
    }
    // A cluster of short options: `-rc`, `-n5`, `-F,`.
    for (let position = 1; position < token.length; position++) {
      const letter = token[position] as string;
      const kind = spec.short[letter];
      if (kind === undefined) refuse(`-${letter}`);
      if (kind === 'flag') continue;
      const rest = token.slice(position + 1);
      takeValue(`-${letter}`, rest === '' ? undefined : rest, kind === 'two-values' ? 2 : 1);
      break;
    }
  }
  return { operands, programsFromOptions };
}

function describeOptions(spec: FilterSpec): string {
  const shorts = Object.keys(spec.short).map((letter) => `-${letter}`);
  const longs = Object.keys(spec.long).map((option) => `--${option}`);
  const all = [...shorts, ...longs];
  return all.length === 0 ? '(none)' : all.join(' ');
}
