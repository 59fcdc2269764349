// Cases that Stryker's mutants of `_local-paths.ts` survived (docs/testing.md, "Mutation testing"): command-cases
// checks which paths bind and which code a refusal has; these rows add what a person reads: each path's source and
// access, and each refusal's token and message. Which `file://` values the CLI opens comes from
// test/parameter-files.test.ts, which asks the installed CLI v1 and v2 the same rows. Titles name no temporary
// folder: Stryker picks the tests a mutant meets by title, and a title that changes from run to run meets none.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSnapshotCliModel } from '../src/cli-model.js';
import type { CliAction, CliCommandModel, CliModel, CliServiceModel } from '../src/cli-model-types.js';
import {
  type Catalog,
  type CatalogOperation,
  CommandError,
  type LocalPath,
  loadSnapshotCatalog,
  parseCommandLine,
  validatePipeline,
} from '../src/index.js';

const workdir = mkdtempSync(join(tmpdir(), 'mutation-kills-local-paths-'));
writeFileSync(join(workdir, 'present.txt'), 'present');
writeFileSync(join(workdir, 'input.json'), '{}');
writeFileSync(join(workdir, 'large.json'), ' '.repeat(1_048_577));
mkdirSync(join(workdir, 'folder'));
mkdirSync(join(workdir, '.parent/project'), { recursive: true });
symlinkSync('/etc/hostname', join(workdir, 'link.json'));
afterAll(() => rmSync(workdir, { recursive: true, force: true }));

interface Options {
  major?: 1 | 2;
  /** Run with only one of the two sources that say an argument is a local path. */
  only?: 'catalog' | 'model';
  /** The working directory given to both parse and validation; `null` gives none. */
  at?: string | null;
}

function localPaths(line: string, { major = 1, at = workdir, only }: Options = {}): LocalPath[] {
  const snapshot = loadSnapshotCliModel(major);
  const model = only === 'catalog' ? withoutModelPaths(snapshot) : snapshot;
  const catalog = only === 'model' ? withoutCatalogPaths(loadSnapshotCatalog()) : undefined;
  const given = at === null ? {} : { workdir: at };
  const pipeline = parseCommandLine(line, { model, ...given });
  return validatePipeline(
    pipeline,
    { mode: 'full' },
    { ...given, ...(catalog === undefined ? {} : { catalog }) },
  ).localPaths;
}

/** The CLI model with no argument marked as a local path (`localPath`): only the catalog's lists say so. */
function withoutModelPaths(model: CliModel): CliModel {
  const strip = (actions: CliAction[]) => actions.map(({ localPath: _, ...action }) => action);
  const stripCommand = (command: CliCommandModel): CliCommandModel => ({
    ...command,
    actions: strip(command.actions),
    ...(command.subcommands === undefined ? {} : { subcommands: stripCommands(command.subcommands) }),
  });
  const stripCommands = (commands: Record<string, CliCommandModel>) => {
    const stripped: Record<string, CliCommandModel> = {};
    for (const name of Object.keys(commands)) {
      let kept: CliCommandModel | undefined;
      Object.defineProperty(stripped, name, {
        enumerable: true,
        get: () => {
          kept ??= stripCommand(commands[name] as CliCommandModel);
          return kept;
        },
      });
    }
    return stripped;
  };
  const services = new Map<string, CliServiceModel | undefined>();
  return {
    index: model.index,
    loadService(name) {
      if (!services.has(name)) {
        const service = model.loadService(name);
        services.set(
          name,
          service && {
            ...service,
            actions: strip(service.actions),
            commands: stripCommands(service.commands),
          },
        );
      }
      return services.get(name);
    },
  };
}

/** The catalog with no streaming inputs and no OUTFILE: only the CLI model says which arguments are paths. */
function withoutCatalogPaths(catalog: Catalog): Catalog {
  return {
    version: catalog.version,
    source: catalog.source,
    serviceNames: catalog.serviceNames,
    aliases: catalog.aliases,
    describe: (service) => catalog.describe(service),
    getService(service) {
      const operations = catalog.getService(service);
      if (operations === undefined) return undefined;
      return new Map(
        [...operations].map(([name, operation]): [string, CatalogOperation] => [
          name,
          { ...operation, outfile: false, streamingInputs: [] },
        ]),
      );
    },
  };
}

/** The refusal for `line`, as the fields a caller reads. */
function refusal(line: string, options: Options = {}): { code: string; token?: string; message: string } {
  try {
    localPaths(line, options);
  } catch (error) {
    if (!CommandError.isInstance(error)) throw error;
    return { code: error.code, token: error.token, message: error.message };
  }
  throw new Error(`expected ${line} to be refused`);
}

const read = (written: string, source: string, resolved = `${workdir}/${written}`) => ({
  written,
  resolved,
  access: 'read',
  source,
});
const write = (written: string, source: string, resolved = `${workdir}/${written}`) => ({
  written,
  resolved,
  access: 'write',
  source,
});

const hiddenWhy = (name: string) =>
  `names a dot-file or dot-folder (\`${name}\`), which may hold configuration or secrets (.git, .aws, .envrc, .mcp.json). Use a visible file name.`;
const dotDotWhy = 'contains `..`. Use a path inside the working directory without `..`.';
const missingFile = (parameter: string, token: string, written: string) => ({
  code: 'PARAMETER_FILE_MISSING',
  token,
  message: `\`${parameter} ${token}\`: the CLI reads this value from the file \`${written}\`, which is not a file in the working directory. Save the file there first, or pass the value inline.`,
});

describe('resolveLocalPaths: each path with its source and access', () => {
  it.each<[string, Options, object[]]>([
    // A `file://` inside a value ends at a delimiter; at the start of a value it is the whole rest.
    [
      "aws ec2 describe-instances --filters 'Name=tag:x,Values=file://present.txt,other'",
      {},
      [read('present.txt', 'file:// in --filters')],
    ],
    [
      "aws ec2 run-instances --image-id ami-1 --user-data 'see fileb://present.txt'",
      {},
      [read('present.txt', 'fileb:// in --user-data')],
    ],
    [
      'aws ec2 run-instances --image-id ami-1 --user-data \'{"a":"file://x.sh"}\'',
      {},
      [read('x.sh', 'file:// in --user-data')],
    ],
    // The prefix is found in any case, and named in lower case.
    [
      "aws ec2 run-instances --image-id ami-1 --user-data 'FILE://present.txt'",
      {},
      [read('present.txt', 'file:// in --user-data')],
    ],
    // What the CLI does not open need not exist: an upper-case prefix, a list of two, a v1 URL parameter, an
    // `append` list (`--exclude`), a value given again later.
    [
      'aws sqs get-queue-url --queue-name FILE://missing.json',
      {},
      [read('missing.json', 'file:// in --queue-name')],
    ],
    [
      'aws ec2 describe-instances --instance-ids file://missing.json file://present.txt',
      {},
      [read('missing.json', 'file:// in --instance-ids'), read('present.txt', 'file:// in --instance-ids')],
    ],
    [
      'aws cloudformation create-stack --stack-name s --template-url file://missing.json',
      { major: 1 },
      [read('missing.json', 'file:// in --template-url')],
    ],
    [
      'aws s3 cp present.txt s3://b/k --exclude file://missing',
      {},
      [read('missing', 'file:// in --exclude'), read('present.txt', 's3 cp source')],
    ],
    [
      'aws ec2 describe-instances --filters file://missing.json --filters Name=x,Values=y',
      {},
      [read('missing.json', 'file:// in --filters')],
    ],
    [
      'aws ec2 run-instances --image-id ami-1 --user-data file://present.txt',
      {},
      [read('present.txt', 'file:// in --user-data')],
    ],
    ['aws ec2 describe-instances --ca-bundle file://ca.pem', {}, [read('ca.pem', '--ca-bundle')]],
    ['aws s3api put-object --bucket b --key k --body data.txt', {}, [read('data.txt', '--body')]],
    [
      'aws cloudformation package --template-file t.yaml --s3-bucket b --output-template-file out.yaml',
      {},
      [read('t.yaml', '--template-file'), write('out.yaml', '--output-template-file')],
    ],
    ['aws lambda invoke --function-name f out.json', {}, [write('out.json', 'OUTFILE')]],
    ['aws lambda invoke --function-name f ./x.json', {}, [write('./x.json', 'OUTFILE', `${workdir}/x.json`)]],
    ['aws lambda invoke --function-name f .', {}, [write('.', 'OUTFILE', workdir)]],
    ['aws lambda invoke --function-name f /dev/stdout', {}, []],
    // `-` is a stream only as a positional OUTFILE; `--outfile -` writes a file named `-`.
    [
      'aws iam create-virtual-mfa-device --virtual-mfa-device-name m --outfile - --bootstrap-method QRCodePNG',
      {},
      [write('-', '--outfile')],
    ],
    ['aws s3 cp s3://b/k .', {}, [write('.', 's3 cp destination', workdir)]],
    ['aws s3 cp s3://b/k a', {}, [write('a', 's3 cp destination')]],
    ['aws s3 cp a s3://b/k', {}, [read('a', 's3 cp source')]],
    ['aws s3 mv s3://b/k moved', {}, [write('moved', 's3 mv destination')]],
    // `mv` deletes its source.
    ['aws s3 mv local s3://b/k', {}, [write('local', 's3 mv source')]],
    [
      "aws s3 sync . s3://b --exclude '.*' --exclude '*/.*' --dryrun",
      {},
      [read('.', 's3 sync source', workdir)],
    ],
    ['aws s3 cp s3://b/dir/. local', {}, [write('local', 's3 cp destination')]],
    ['aws s3 cp - s3://b/dir/.env', {}, []],
    ['aws s3 cp s3://b/d/.env s3://c/k', {}, []],
    ['aws s3 ls dir --recursive', {}, []],
    ['aws deploy list-applications', {}, []],
    [
      'aws deploy push --application-name a --s3-location s3://b/k --source src --ignore-hidden-files',
      {},
      [read('src', '--source')],
    ],
    // A positional of a command without an OUTFILE is no path.
    ['aws configure get region', {}, []],
    // The prefix is taken off a path argument's value; one inside it is a second path.
    [
      'aws s3api put-object --bucket b --key k --body file://present.txt',
      {},
      [read('present.txt', 'file:// in --body'), read('present.txt', '--body')],
    ],
    [
      "aws s3api put-object --bucket b --key k --body 'data/file://x'",
      {},
      [read('x', 'file:// in --body'), read('data/file://x', '--body', `${workdir}/data/file:/x`)],
    ],
    // Only the part inside the working directory is checked for dot-folders.
    [
      'aws lambda invoke --function-name f out.json',
      { at: `${workdir}/.parent/project` },
      [write('out.json', 'OUTFILE', `${workdir}/.parent/project/out.json`)],
    ],
    // A working directory given with a trailing slash, or the root itself.
    ['aws ec2 describe-instances --ca-bundle ca.pem', { at: `${workdir}/` }, [read('ca.pem', '--ca-bundle')]],
    [
      'aws ec2 describe-instances --cli-input-json file://input.json',
      { at: `${workdir}/` },
      [read('input.json', 'file:// in --cli-input-json')],
    ],
    ['aws lambda invoke --function-name f /sub/x', { at: '/' }, [write('/sub/x', 'OUTFILE', '/sub/x')]],
    [
      'aws lambda invoke --function-name f out.json',
      { at: '/' },
      [write('out.json', 'OUTFILE', '/out.json')],
    ],
  ])('%s binds its paths (row %#)', (line, options, expected) => {
    expect(localPaths(line, options)).toEqual(expected);
  });
});

describe('resolveLocalPaths: the CLI model and the catalog each find the paths alone', () => {
  it.each<[string, object[]]>([
    ['aws s3api put-object --bucket b --key k --body data.txt', [read('data.txt', '--body')]],
    ['aws lambda invoke --function-name f out.json', [write('out.json', 'OUTFILE')]],
    ['aws s3api get-object --bucket b --key k obj.bin', [write('obj.bin', 'OUTFILE')]],
    ['aws lambda invoke --function-name f -', []],
    [
      'aws cloudformation package --template-file t.yaml --s3-bucket b --output-template-file out.yaml',
      [read('t.yaml', '--template-file'), write('out.yaml', '--output-template-file')],
    ],
    [
      'aws iam create-virtual-mfa-device --virtual-mfa-device-name m --outfile - --bootstrap-method QRCodePNG',
      [write('-', '--outfile')],
    ],
    [
      'aws ec2 get-password-data --instance-id i-1 --priv-launch-key key.pem',
      [read('key.pem', '--priv-launch-key')],
    ],
    [
      'aws gamelift upload-build --name n --build-version 1 --build-root build',
      [read('build', '--build-root')],
    ],
    ['aws s3 cp s3://b/k a', [write('a', 's3 cp destination')]],
    ['aws s3 cp a s3://b/k', [read('a', 's3 cp source')]],
    ['aws s3 mv local s3://b/k', [write('local', 's3 mv source')]],
    ['aws s3 mv s3://b/k local', [write('local', 's3 mv destination')]],
    ["aws s3 sync . s3://b --exclude '.*' --exclude '*/.*'", [read('.', 's3 sync source', workdir)]],
    ["aws s3 sync s3://b dir --exclude '.*' --exclude '*/.*'", [write('dir', 's3 sync destination')]],
  ])('%s binds the same paths from either alone (row %#)', (line, expected) => {
    expect({
      both: localPaths(line),
      catalog: localPaths(line, { only: 'catalog' }),
      model: localPaths(line, { only: 'model' }),
    }).toEqual({
      both: expected,
      catalog: expected,
      model: expected,
    });
  });
});

describe('resolveLocalPaths: refusals name the path, where it came from and what to do', () => {
  it.each<[string, Options, { code: string; token?: string; message: string }]>([
    [
      'aws ec2 run-instances --image-id ami-1 --user-data file://a,b.txt',
      {},
      missingFile('--user-data', 'file://a,b.txt', 'a,b.txt'),
    ],
    [
      'aws ec2 describe-instances --filters file://missing.json',
      {},
      missingFile('--filters', 'file://missing.json', 'missing.json'),
    ],
    [
      'aws ec2 describe-instances --filters Name=x,Values=y --filters file://missing.json',
      {},
      missingFile('--filters', 'file://missing.json', 'missing.json'),
    ],
    [
      'aws ec2 describe-instances --instance-ids file://missing.json',
      {},
      missingFile('--instance-ids', 'file://missing.json', 'missing.json'),
    ],
    [
      'aws cloudformation create-stack --stack-name s --template-url file://missing.json',
      { major: 2 },
      missingFile('--template-url', 'file://missing.json', 'missing.json'),
    ],
    [
      'aws s3api get-object --bucket b --key k file://missing.out',
      {},
      missingFile('OUTFILE', 'file://missing.out', 'missing.out'),
    ],
    ['aws s3 ls file://missing', {}, missingFile('PATHS', 'file://missing', 'missing')],
    [
      'aws lambda invoke --function-name f --payload fileb://missing out.json',
      {},
      missingFile('--payload', 'fileb://missing', 'missing'),
    ],
    // A folder is not a file the CLI can read.
    [
      'aws ec2 run-instances --image-id ami-1 --user-data file://folder',
      {},
      missingFile('--user-data', 'file://folder', 'folder'),
    ],
    [
      'aws lambda invoke --function-name f ~/out.json',
      {},
      {
        code: 'LOCAL_PATH_OUTSIDE_WORKDIR',
        token: '~/out.json',
        message:
          'The local path `~/out.json` (OUTFILE) starts with `~`, which the CLI expands to a home directory. Use a path relative to the working directory.',
      },
    ],
    [
      "aws lambda invoke --function-name f 'a%b'",
      {},
      {
        code: 'LOCAL_PATH_OUTSIDE_WORKDIR',
        token: 'a%b',
        message:
          'The local path `a%b` (OUTFILE) contains `$` or `%`, which the CLI expands from the environment. Write the path literally, relative to the working directory.',
      },
    ],
    [
      'aws lambda invoke --function-name f a/../b',
      {},
      {
        code: 'LOCAL_PATH_OUTSIDE_WORKDIR',
        token: 'a/../b',
        message: `The local path \`a/../b\` (OUTFILE) ${dotDotWhy}`,
      },
    ],
    [
      "aws lambda invoke --function-name f 'a\\..\\b'",
      {},
      {
        code: 'LOCAL_PATH_OUTSIDE_WORKDIR',
        token: 'a\\..\\b',
        message: `The local path \`a\\..\\b\` (OUTFILE) ${dotDotWhy}`,
      },
    ],
    ...(['', '/'] as const).map(
      (slash): [string, Options, { code: string; token: string; message: string }] => [
        'aws lambda invoke --function-name f /etc/x',
        { at: `${workdir}${slash}` },
        {
          code: 'LOCAL_PATH_OUTSIDE_WORKDIR',
          token: '/etc/x',
          message: `The local path \`/etc/x\` (OUTFILE) is outside the working directory \`${workdir}\`. Use a path inside it, e.g. a relative path.`,
        },
      ],
    ),
    [
      'aws s3api put-object --bucket b --key k --body /dev/stdout',
      {},
      {
        code: 'LOCAL_PATH_OUTSIDE_WORKDIR',
        token: '/dev/stdout',
        message: `The local path \`/dev/stdout\` (--body) is outside the working directory \`${workdir}\`. Use a path inside it, e.g. a relative path.`,
      },
    ],
    [
      'aws lambda invoke --function-name f sub/.git/x',
      {},
      {
        code: 'LOCAL_PATH_HIDDEN',
        token: 'sub/.git/x',
        message: `The local path \`sub/.git/x\` (OUTFILE) ${hiddenWhy('.git')}`,
      },
    ],
    [
      'aws lambda invoke --function-name f ./.env',
      {},
      {
        code: 'LOCAL_PATH_HIDDEN',
        token: './.env',
        message: `The local path \`./.env\` (OUTFILE) ${hiddenWhy('.env')}`,
      },
    ],
    [
      'aws lambda invoke --function-name f /.env',
      { at: '/' },
      {
        code: 'LOCAL_PATH_HIDDEN',
        token: '/.env',
        message: `The local path \`/.env\` (OUTFILE) ${hiddenWhy('.env')}`,
      },
    ],
    // A backslash separates folders for the check too (the CLI on Windows).
    [
      "aws lambda invoke --function-name f 'a\\.env'",
      {},
      {
        code: 'LOCAL_PATH_HIDDEN',
        token: 'a\\.env',
        message: `The local path \`a\\.env\` (OUTFILE) ${hiddenWhy('a\\.env')}`,
      },
    ],
    [
      "aws ec2 run-instances --image-id ami-1 --user-data 'x file://.env'",
      {},
      {
        code: 'LOCAL_PATH_HIDDEN',
        token: 'x file://.env',
        message: `The local path \`.env\` (file:// in --user-data) ${hiddenWhy('.env')}`,
      },
    ],
    [
      'aws s3 cp folder/.env s3://b/k',
      {},
      {
        code: 'LOCAL_PATH_HIDDEN',
        token: 'folder/.env',
        message: `The local path \`folder/.env\` (s3 cp source) ${hiddenWhy('.env')}`,
      },
    ],
    [
      'aws s3 cp s3://b/dir/.env local',
      {},
      {
        code: 'LOCAL_PATH_HIDDEN',
        token: 's3://b/dir/.env',
        message:
          'The S3 object `s3://b/dir/.env` has a dot-file name, which a download could write into the working directory as a hidden file. Copy it to an explicit visible file name with `aws s3api get-object` instead.',
      },
    ],
    [
      'aws s3 mv s3://b/dir/.env local',
      {},
      {
        code: 'LOCAL_PATH_HIDDEN',
        token: 's3://b/dir/.env',
        message:
          'The S3 object `s3://b/dir/.env` has a dot-file name, which a download could write into the working directory as a hidden file. Copy it to an explicit visible file name with `aws s3api get-object` instead.',
      },
    ],
    [
      'aws s3 sync s3://b dir',
      {},
      {
        code: 'LOCAL_PATH_HIDDEN',
        token: 'aws s3 sync',
        message:
          "A recursive `aws s3 sync` with a local side could copy dot-files (.git, .aws, .envrc) in or out of the working directory. Add `--exclude '.*' --exclude '*/.*'` and no `--include`.",
      },
    ],
    ...[
      'aws deploy push --application-name a --s3-location s3://b/k --source src',
      'aws deploy push --application-name a --s3-location s3://b/k --source src --ignore-hidden-files --no-ignore-hidden-files',
    ].map((line): [string, Options, { code: string; token: string; message: string }] => [
      line,
      {},
      {
        code: 'LOCAL_PATH_HIDDEN',
        token: 'aws deploy push',
        message:
          '`aws deploy push` bundles a whole directory; add `--ignore-hidden-files` so dot-files (.git, .aws, .env) stay out of the bundle.',
      },
    ]),
    [
      'aws lambda invoke --function-name f out.json',
      { at: null },
      {
        code: 'WORKDIR_NOT_CONFIGURED',
        token: 'out.json',
        message:
          'The command uses the local path `out.json` (OUTFILE), but no working directory is configured. Pass the `workdir` option (an absolute path) or leave local files out, e.g. write an OUTFILE to `-` (its content comes back with the output).',
      },
    ],
    [
      'aws lambda invoke --function-name f out.json',
      { at: 'relative' },
      {
        code: 'WORKDIR_NOT_CONFIGURED',
        token: 'out.json',
        message:
          'The configured working directory `relative` is not an absolute path; configure an absolute one.',
      },
    ],
  ])('%s is refused, saying why (row %#)', (line, options, expected) => {
    expect(refusal(line, options)).toEqual(expected);
  });
});

describe('readWorkdirFile: a --cli-input-json file read to judge the command', () => {
  it.each<[string, { code: string; token: string; message: string }]>([
    [
      'link.json',
      {
        code: 'LOCAL_PATH_OUTSIDE_WORKDIR',
        token: 'link.json',
        message:
          'The local path `link.json` (--cli-input-json) is a link to a file outside the working directory.',
      },
    ],
    [
      'large.json',
      {
        code: 'INVALID_CLI_INPUT',
        token: 'large.json',
        message: 'The file `large.json` (--cli-input-json) is larger than 1048576 bytes; give a smaller one.',
      },
    ],
    [
      'absent.json',
      {
        code: 'PARAMETER_FILE_MISSING',
        token: 'absent.json',
        message:
          'The file `absent.json` (--cli-input-json) does not exist in the working directory; save it there first.',
      },
    ],
    [
      '.hidden.json',
      {
        code: 'LOCAL_PATH_HIDDEN',
        token: '.hidden.json',
        message: `The local path \`.hidden.json\` (--cli-input-json) ${hiddenWhy('.hidden.json')}`,
      },
    ],
    [
      '../x.json',
      {
        code: 'LOCAL_PATH_OUTSIDE_WORKDIR',
        token: '../x.json',
        message: `The local path \`../x.json\` (--cli-input-json) ${dotDotWhy}`,
      },
    ],
  ])('file://%s is refused with %j', (file, expected) => {
    expect(refusal(`aws ec2 describe-instances --cli-input-json file://${file}`)).toEqual(expected);
  });

  it('reads a file of exactly the largest size', () => {
    writeFileSync(join(workdir, 'largest.json'), `{}${' '.repeat(1_048_574)}`);
    expect(localPaths('aws ec2 describe-instances --cli-input-json file://largest.json')).toEqual([
      read('largest.json', 'file:// in --cli-input-json'),
    ]);
  });
});
