import { createRandom } from '@aws-mcp/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArgparseError } from '../src/_argparse.js';
import { type AwsCommandReading, ReadingError, readAwsCommand } from '../src/_read-aws-command.js';
import { loadSnapshotCliModel } from '../src/cli-model.js';
import type { CliAction, CliCommandModel, CliModel } from '../src/cli-model-types.js';
import {
  type CliOracle,
  findCliPython,
  type OracleAnswer,
  probeCliPython,
  startCliOracle,
} from './cli-oracle.js';

/**
 * The CLI is the oracle: generated argv variants go to this package's reading and to the installed CLI's own
 * driver and parsers (scripts/cli-oracle.py), and every parser the CLI runs must take the same words for the same
 * actions and leave the same words over; where the CLI stops with an error, so does the reading. A seeded subset
 * runs by default; `DIFFERENTIAL=full` runs every command family's variants (minutes).
 */

const full = process.env.DIFFERENTIAL === 'full';
const seed = Number(process.env.DIFFERENTIAL_SEED ?? 20261201);

/** Commands every run includes: the ones the attacks and the rules are about. */
const pinned: string[][] = [
  ['s3', 'cp'],
  ['s3', 'sync'],
  ['s3', 'ls'],
  ['s3', 'rm'],
  ['s3', 'mv'],
  ['s3api', 'get-object'],
  ['s3api', 'put-object'],
  ['s3api', 'list-objects-v2'],
  ['ssm', 'get-parameter'],
  ['ssm', 'get-parameters-by-path'],
  ['ec2', 'describe-instances'],
  ['ec2', 'describe-instance-attribute'],
  ['ec2', 'run-instances'],
  ['apigateway', 'get-api-keys'],
  ['configure', 'get'],
  ['configure', 'set'],
  ['cloudformation', 'deploy'],
  ['cloudformation', 'package'],
  ['lambda', 'invoke'],
  ['dynamodb', 'put-item'],
  ['sts', 'assume-role'],
  ['ec2', 'wait', 'instance-running'],
  ['iam', 'create-access-key'],
];

function findCommand(model: CliModel, path: readonly string[]): CliCommandModel | undefined {
  const [service, ...rest] = path;
  let commands = model.loadService(service ?? '')?.commands;
  let command: CliCommandModel | undefined;
  for (const name of rest) {
    command = commands?.[name];
    commands = command?.subcommands;
  }
  return command?.subcommands === undefined || Object.keys(command.subcommands).length === 0
    ? command
    : undefined;
}

/** Some commands of the model picked by the seed (more in a full run). */
function pickCommands(model: CliModel, random: () => number, count: number): string[][] {
  const picked: string[][] = [];
  const services = model.index.services.filter((name) => name !== 'help');
  for (let tries = 0; picked.length < count && tries < count * 20; tries++) {
    const service = services[Math.floor(random() * services.length)] as string;
    const names = Object.keys(model.loadService(service)?.commands ?? {}).filter((name) => name !== 'help');
    const name = names[Math.floor(random() * names.length)];
    if (name === undefined) continue;
    if (findCommand(model, [service, name]) !== undefined) picked.push([service, name]);
  }
  return picked;
}

function valuesFor(action: CliAction, random: () => number): string[] {
  if (action.kind !== 'store' && action.kind !== 'append' && action.kind !== 'command') return [];
  if (action.choices !== undefined && action.choices.length > 0) {
    return [action.choices[Math.floor(random() * action.choices.length)] as string];
  }
  const value = action.valueType === 'int' ? '5' : action.localPath === 's3-path' ? 's3://bucket/key' : 'v1';
  if (action.nargs === '+') return [value, 'v2'];
  if (action.nargs === '*') return [value];
  if (action.nargs === '?') return random() < 0.5 ? [] : [value];
  if (typeof action.nargs === 'number') {
    return Array.from({ length: action.nargs }, (_, index) => (index === 0 ? value : `out-${index}.txt`));
  }
  return [value];
}

function insertAt(words: readonly string[], index: number, inserted: readonly string[]): string[] {
  return [...words.slice(0, index), ...inserted, ...words.slice(index)];
}

/** The variants of one command: valid lines, then each kind of word the reading must place as the CLI does. */
function variantsFor(path: readonly string[], command: CliCommandModel, random: () => number): string[][] {
  const options = command.actions.filter((action) => action.options.length > 0);
  const positionals = command.actions.filter(
    (action) => action.options.length === 0 && action.kind !== 'command' && action.dest !== 'help',
  );
  const requiredWords = options
    .filter((action) => action.required)
    .flatMap((action) => [action.options[0] as string, ...valuesFor(action, random)]);
  const positionalWords = positionals.flatMap((action) =>
    valuesFor({ ...action, nargs: action.nargs ?? null }, random),
  );
  const base = [...path, ...positionalWords, ...requiredWords];
  const pick = () => options[Math.floor(random() * options.length)];
  const position = (words: readonly string[]) =>
    path.length + Math.floor(random() * (words.length - path.length + 1));
  const variants: string[][] = [base];
  const optional = pick();
  if (optional !== undefined) {
    const name = optional.options[0] as string;
    const values = valuesFor(optional, random);
    variants.push([...base, name, ...values]);
    if (values.length === 1) variants.push([...base, `${name}=${values[0]}`]);
    // Every prefix length of one option, as argparse's abbreviation matching sees it.
    for (let length = 3; length < name.length; length += 1 + Math.floor(random() * 3)) {
      variants.push([...base, name.slice(0, length), ...values]);
    }
    if (optional.nargs === '?') {
      variants.push([...base, name, 'next-word']);
      variants.push(insertAt(base, path.length, [name]));
    }
  }
  for (const global of [
    ['--no-paginate'],
    ['--no-sign-request'],
    ['--region', 'eu-west-1'],
    ['--output=text'],
  ]) {
    variants.push(insertAt(base, position(base), global));
  }
  for (const prefix of [
    ['--reg', 'eu-west-1'],
    ['--out', 'json'],
    ['--que', 'a'],
    ['--no-pag'],
    ['--p', 'x'],
  ]) {
    variants.push(insertAt(base, position(base), prefix));
  }
  variants.push(insertAt(base, position(base), ['stray-word']));
  variants.push(insertAt(base, position(base), ['--frobnicate', 'x']));
  variants.push(insertAt(base, 1, ['--region', 'eu-west-1']));
  variants.push([...base, 'help']);
  variants.push([...path, 'help']);
  // A word after `help`: the CLI shows the help before it looks at what is left over (required options first).
  variants.push([...base, 'help', 'stray-word']);
  variants.push([...path, 'help', '--frobnicate']);
  const member = options.find((action) => action.member !== undefined && action.type === 'string');
  if (options.some((action) => action.options.includes('--cli-input-json')) && member?.member !== undefined) {
    const json = `{"${member.member}": "v\\u0041l"}`;
    variants.push([...path, ...positionalWords, '--cli-input-json', json]);
    variants.push([...path, ...positionalWords, `--cli-input-json=${json}`]);
  }
  if (requiredWords.length > 0) {
    variants.push([...path, ...positionalWords]);
    // These lift `required` only where the command has them (v1 has no --cli-input-yaml).
    variants.push([...path, ...positionalWords, '--generate-cli-skeleton']);
    variants.push([...path, ...positionalWords, '--cli-input-yaml', 'x']);
  }
  return variants;
}

type Outcome = 'parsed' | 'help' | 'version' | 'error' | 'late-error';

/**
 * How the CLI ended, as far as reading goes: a parser's error or "Unknown options" is a reading error; a value the
 * CLI converts or checks after reading (an int, an endpoint URL) fails later and still counts as read.
 */
function oracleOutcome(answer: OracleAnswer): Outcome {
  if (answer.parsers.some((parser) => parser.name === 'main' && parser.exit === 0)) return 'version';
  if (answer.stopped === 'help') return 'help';
  if (answer.stopped === 'parsed') return 'parsed';
  const parserFailed = answer.parsers.some((parser) => parser.error !== undefined);
  if (parserFailed || /Unknown options|Invalid choice|usage:/.test(answer.stderr)) return 'error';
  return 'late-error';
}

function readingOutcome(
  model: CliModel,
  words: readonly string[],
): { outcome: Outcome; reading?: AwsCommandReading } {
  try {
    const reading = readAwsCommand(model, words);
    if (reading.unknown.length > 0) return { outcome: 'error', reading };
    return { outcome: reading.kind === 'command' ? 'parsed' : reading.kind, reading };
  } catch (error) {
    if (error instanceof ArgparseError || error instanceof ReadingError) return { outcome: 'error' };
    throw error;
  }
}

/** What one parser took, as `dest=words` in the order taken, then what it left over. */
function describeOracleParsers(answer: OracleAnswer): string[] {
  return answer.parsers
    .filter((parser) => parser.name !== 'help' && parser.name !== 'first-pass' && parser.error === undefined)
    .map(
      (parser) =>
        `${parser.consumed.map((entry) => `${entry.dest}=${JSON.stringify(entry.words)}`).join(' ')} | ${JSON.stringify(parser.remaining ?? [])}`,
    );
}

function describeReading(reading: AwsCommandReading, words: readonly string[]): string[] {
  return reading.parses.map(
    (parse) =>
      `${parse.taken.map((entry) => `${entry.action.dest}=${JSON.stringify(entry.values)}`).join(' ')} | ${JSON.stringify(parse.extras.map((index) => words[index]))}`,
  );
}

const clis = new Map<number, string>();
for (const aws of ['aws', '/usr/bin/aws']) {
  const python = findCliPython(aws);
  const version = probeCliPython(python);
  if (python !== undefined && version !== undefined && !clis.has(Number(version.split('.')[0]))) {
    clis.set(Number(version.split('.')[0]), python);
  }
}

describe.each([1, 2] as const)('the reading agrees with the installed AWS CLI v%i, word by word', (major) => {
  const python = clis.get(major);
  const model = loadSnapshotCliModel(major);
  const title =
    python === undefined
      ? `(skipped: no Python importing awscli ${major}.x behind aws or /usr/bin/aws)`
      : `on ${model.index.cliVersion} (seed ${seed}${full ? ', full run' : ''})`;
  describe.skipIf(python === undefined)(title, () => {
    let oracle: CliOracle;
    beforeAll(async () => {
      oracle = await startCliOracle({ python, jobs: 2 });
    }, 120_000);
    afterAll(async () => {
      await oracle?.close();
    });

    it('gives every word of every variant the same attribution and the same verdict', async () => {
      const random = createRandom(seed + major);
      const paths = [
        ...pinned.filter((path) => findCommand(model, path) !== undefined),
        ...pickCommands(model, random, full ? 400 : 12),
      ];
      const variants = paths.flatMap((path) =>
        variantsFor(path, findCommand(model, path) as CliCommandModel, random),
      );
      variants.push(
        ['--version'],
        ['help'],
        ['s3'],
        ['--region'],
        ['ec3', 'ls'],
        ['s3api', 'list-buckets', '--', 'x'],
      );
      const answers = await oracle.askMany(variants.map((argv) => ({ argv, until: 'parsed' as const })));
      const disagreements: string[] = [];
      variants.forEach((words, index) => {
        if (words.includes('--')) return; // refused before any reading
        const answer = answers[index] as OracleAnswer;
        const ours = readingOutcome(model, words);
        const theirs = oracleOutcome(answer);
        if (theirs === 'late-error' && ours.reading !== undefined && ours.outcome === 'parsed') {
          // The CLI read the line and then refused a value; the parsers it ran must agree with ours.
          const expected = describeOracleParsers(answer);
          const actual = describeReading(ours.reading, words).slice(0, expected.length);
          if (JSON.stringify(expected) !== JSON.stringify(actual)) {
            disagreements.push(
              `${JSON.stringify(words)} (then refused by the CLI):\n  CLI  ${expected.join('\n       ')}\n  ours ${actual.join('\n       ')}`,
            );
          }
          return;
        }
        if (ours.outcome !== theirs) {
          disagreements.push(
            `${JSON.stringify(words)}: CLI ${theirs} (${answer.stderr.trim().split('\n').pop()}), ours ${ours.outcome}`,
          );
          return;
        }
        if (theirs === 'parsed' && ours.reading !== undefined) {
          const expected = describeOracleParsers(answer);
          const actual = describeReading(ours.reading, words);
          if (JSON.stringify(expected) !== JSON.stringify(actual)) {
            disagreements.push(
              `${JSON.stringify(words)}:\n  CLI  ${expected.join('\n       ')}\n  ours ${actual.join('\n       ')}`,
            );
          }
        }
      });
      expect(variants.length).toBeGreaterThan(full ? 2000 : 200);
      expect(disagreements, disagreements.slice(0, 15).join('\n')).toEqual([]);
    }, 600_000);
  });
});
