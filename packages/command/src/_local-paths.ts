import { readFileSync, realpathSync, statSync } from 'node:fs';
import { posix } from 'node:path';
import type { AwsStage } from './_aws-stage.js';
import { type PathAccess, pathOptions } from './_customizations.js';
import type { ReadAction } from './_read-aws-command.js';
import { urlParameterExemptions } from './_url-param-exemptions.js';
import type { CatalogOperation } from './catalog.js';
import { CommandError } from './command-error.js';

/** A local file or directory the AWS CLI would read or write, resolved against the working directory. */
export interface LocalPath {
  /** The path as written (after any `file://` prefix). */
  written: string;
  /** The absolute, lexically normalized path inside the working directory. */
  resolved: string;
  access: PathAccess;
  /** What makes it a path: `file://`, `--body`, `OUTFILE`, `s3 cp destination` … */
  source: string;
}

interface PathReference {
  written: string;
  access: PathAccess;
  source: string;
  token: string;
  /** The word names a stream here, not a file (see streamWords), so nothing is bound or checked. */
  stream?: true;
  /** The CLI opens this file to read the parameter's value (awscli/paramfile.py), so it must exist. */
  opened?: true;
}

/**
 * Words that name a stream rather than a file, and where: only there are they no local path. Elsewhere `-` is a
 * file named `-` in the working directory, and `/dev/stdout` a path outside it.
 */
const streamWords: Readonly<Record<'outfile' | 's3-transfer', Readonly<Record<string, string>>>> = {
  outfile: {
    '-': 'the executor gives the CLI a private file and returns its content (the CLI would write a file named -)',
    '/dev/stdout': 'as `-`: the CLI cannot open /dev/stdout when its stdout is a socket',
  },
  's3-transfer': { '-': '`aws s3 cp/mv` read stdin or write stdout for -' },
};

function isStreamWord(where: keyof typeof streamWords, word: string): boolean {
  return Object.hasOwn(streamWords[where], word);
}

const fileUrl = /fileb?:\/\//gi;
const nestedEnd = /["',;}\]\s)]/;

/** `file://`/`fileb://` anywhere in a value: the CLI opens top-level ones; nested ones are checked too, to be safe. */
function fileUrlReferences(value: string, source: string): PathReference[] {
  const found: PathReference[] = [];
  // Most values name no URL at all: skip the regex iterator for them.
  if (!value.includes('://')) return found;
  for (const match of value.matchAll(fileUrl)) {
    const start = match.index + match[0].length;
    const rest = value.slice(start);
    let written = rest;
    if (match.index !== 0) {
      const end = rest.search(nestedEnd);
      written = end === -1 ? rest : rest.slice(0, end);
    }
    found.push({ written, access: 'read', source: `${match[0].toLowerCase()} in ${source}`, token: value });
  }
  return found;
}

/**
 * The value awscli's paramfile handler sees for one argument, as argparse leaves it in the namespace: the last
 * value of a single-value option, the list of a list option (the last one given), every value of an `append`.
 */
function namespaceValues(entries: readonly ReadAction[]): { single: boolean; values: string[] } {
  const last = entries[entries.length - 1] as ReadAction;
  const { action } = last;
  if (action.kind === 'append') {
    const isList = action.nargs !== null && action.nargs !== '?';
    return { single: false, values: isList ? [] : entries.flatMap((entry) => entry.values) };
  }
  const single = action.nargs === null || action.nargs === '?';
  return { single, values: last.values };
}

/**
 * The `file://`/`fileb://` values the CLI opens to read a parameter (awscli/paramfile.py: a value that starts
 * with exactly that prefix, when it is a string or a list of one), each by its parser and argument. CLI v1 skips
 * the parameters in PARAMFILE_DISABLED and those marked `no_paramfile` (the exemptions table); v2 skips none.
 */
function openedParameterFiles(stage: AwsStage): Set<string> {
  const opened = new Set<string>();
  const reading = stage.reading;
  if (reading === undefined || reading.kind !== 'command') return opened;
  const groups = new Map<string, ReadAction[]>();
  for (const entries of [reading.intermediate, reading.arguments]) {
    for (const entry of entries) {
      const key = `${entry.parser}\0${entry.action.dest}`;
      const group = groups.get(key);
      if (group === undefined) groups.set(key, [entry]);
      else group.push(entry);
    }
  }
  for (const entries of groups.values()) {
    const first = entries[0] as ReadAction;
    const name = first.action.argument ?? first.action.dest;
    const exempt =
      reading.cliMajor === 1 &&
      first.optionString !== undefined &&
      urlParameterExemptions.has(`${first.parser} --${name}`);
    const { single, values } = namespaceValues(entries);
    const value = single ? values[0] : values.length === 1 ? values[0] : undefined;
    if (exempt || value === undefined) continue;
    if (value.startsWith('file://') || value.startsWith('fileb://')) opened.add(value);
  }
  return opened;
}

function stripFilePrefix(value: string): string {
  return value.replace(/^fileb?:\/\//i, '');
}

/**
 * Every local path an `aws` stage would read or write, unresolved, from the CLI's own attribution of its words:
 * `file://`/`fileb://` values anywhere, arguments the model marks as local files (the OUTFILE of streaming
 * output, `s3` path positionals), path options of customizations (`--template-file`, `--kubeconfig` …),
 * streaming-input options from the catalog, and `--ca-bundle`.
 */
function collectPathReferences(stage: AwsStage, operation: CatalogOperation | undefined): PathReference[] {
  const references: PathReference[] = [];
  const service = stage.service ?? '';
  const name = stage.operation ?? '';
  // Worked out only when a value names a file URL: most calls have none.
  let opened: Set<string> | undefined;
  const addFileUrls = (option: string | undefined, name: string, values: readonly string[]) => {
    for (const value of values) {
      const found = fileUrlReferences(value, option ?? name.toUpperCase());
      const whole = found[0];
      if (whole === undefined) continue;
      opened ??= openedParameterFiles(stage);
      if (opened.has(value)) whole.opened = true;
      references.push(...found);
    }
  };
  for (const entry of stage.reading?.intermediate ?? []) {
    addFileUrls(entry.optionString, entry.action.argument ?? entry.action.dest, entry.values);
  }
  for (const argument of stage.arguments) addFileUrls(argument.option, argument.name, argument.values);
  if (stage.globals.caBundle !== undefined) {
    references.push({
      written: stripFilePrefix(stage.globals.caBundle),
      access: 'read',
      source: '--ca-bundle',
      token: stage.globals.caBundle,
    });
  }
  const named = new Map<string, PathAccess>([
    ...(pathOptions[`${service}:${name}`] ?? []),
    ...(operation?.streamingInputs ?? []).map((option) => [option, 'read'] as const),
  ]);
  const isTransfer = service === 's3' && (name === 'cp' || name === 'mv' || name === 'sync');
  for (const argument of stage.arguments) {
    const access = argument.action.localPath;
    const listed = argument.option === undefined ? undefined : named.get(argument.name);
    const isOutfile = operation?.outfile === true && argument.option === undefined;
    if (access === 's3-path' || (isTransfer && argument.option === undefined)) continue;
    const effective: PathAccess | undefined =
      access === 'read' || access === 'write' ? access : (listed ?? (isOutfile ? 'write' : undefined));
    if (effective === undefined) continue;
    const isOutfilePositional = argument.option === undefined && effective === 'write';
    for (const value of argument.values) {
      references.push({
        written: stripFilePrefix(value),
        access: effective,
        source: argument.option ?? (isOutfile ? 'OUTFILE' : argument.name.toUpperCase()),
        token: value,
        ...(isOutfilePositional && isStreamWord('outfile', value) ? { stream: true as const } : {}),
      });
    }
  }
  if (isTransfer) {
    const { positionals } = stage;
    positionals.forEach((word, position) => {
      if (word.startsWith('s3://')) return;
      const isDestination = position === positionals.length - 1 && positionals.length > 1;
      const access: PathAccess = isDestination || name === 'mv' ? 'write' : 'read';
      references.push({
        written: word,
        access,
        source: `s3 ${name} ${isDestination ? 'destination' : 'source'}`,
        token: word,
        ...(isStreamWord('s3-transfer', word) ? { stream: true as const } : {}),
      });
    });
  }
  return references;
}

function refuse(
  code: 'LOCAL_PATH_OUTSIDE_WORKDIR' | 'LOCAL_PATH_HIDDEN',
  reference: PathReference,
  why: string,
) {
  return new CommandError({
    code,
    token: reference.token,
    message: `The local path \`${reference.written}\` (${reference.source}) ${why}`,
  });
}

/**
 * Resolves each local path against `workdir` and refuses any that leaves it or names a dot-file. Throws
 * CommandError: WORKDIR_NOT_CONFIGURED (a path but no workdir, or a relative workdir), LOCAL_PATH_OUTSIDE_WORKDIR
 * (absolute path outside, `..`, `~`, `$`), LOCAL_PATH_HIDDEN (a dot-file or dot-folder inside),
 * PARAMETER_FILE_MISSING (a `file://`/`fileb://` value the CLI would read is not a file there).
 */
export function resolveLocalPaths(
  stage: AwsStage,
  operation: CatalogOperation | undefined,
  workdir: string | undefined,
): LocalPath[] {
  const references = collectPathReferences(stage, operation).filter((reference) => reference.stream !== true);
  checkS3Transfer(stage);
  if (references.length === 0) return [];
  if (workdir === undefined || !posix.isAbsolute(workdir)) {
    const first = references[0] as PathReference;
    throw new CommandError({
      code: 'WORKDIR_NOT_CONFIGURED',
      token: first.token,
      message:
        workdir === undefined
          ? `The command uses the local path \`${first.written}\` (${first.source}), but no working directory is configured. Pass the \`workdir\` option (an absolute path) or leave local files out, e.g. write an OUTFILE to \`-\` (its content comes back with the output).`
          : `The configured working directory \`${workdir}\` is not an absolute path; configure an absolute one.`,
    });
  }
  const root = posix.normalize(workdir).replace(/(.)\/+$/, '$1');
  const paths = references.map((reference) => confine(reference, root));
  references.forEach((reference, position) => {
    if (reference.opened === true) checkParameterFile(reference, (paths[position] as LocalPath).resolved);
  });
  return paths;
}

/** The CLI fails with "Unable to load paramfile" when it cannot read the file; refuse before anything runs. */
function checkParameterFile(reference: PathReference, resolved: string): void {
  let isFile = false;
  try {
    isFile = statSync(resolved).isFile();
  } catch {
    // Missing, or a dangling link: the CLI could not open it either.
  }
  if (isFile) return;
  const parameter = reference.source.replace(/^fileb?:\/\/ in /, '');
  throw new CommandError({
    code: 'PARAMETER_FILE_MISSING',
    token: reference.token,
    message: `\`${parameter} ${reference.token}\`: the CLI reads this value from the file \`${reference.written}\`, which is not a file in the working directory. Save the file there first, or pass the value inline.`,
  });
}

/** Resolves one reference inside `root`, or refuses it (outside, `..`, `~`, `$`, a dot-file). */
function confine(reference: PathReference, root: string): LocalPath {
  const { written } = reference;
  if (written.startsWith('~')) {
    throw refuse(
      'LOCAL_PATH_OUTSIDE_WORKDIR',
      reference,
      'starts with `~`, which the CLI expands to a home directory. Use a path relative to the working directory.',
    );
  }
  if (written.includes('$') || written.includes('%')) {
    throw refuse(
      'LOCAL_PATH_OUTSIDE_WORKDIR',
      reference,
      'contains `$` or `%`, which the CLI expands from the environment. Write the path literally, relative to the working directory.',
    );
  }
  const segments = written.split(/[/\\]/);
  if (segments.includes('..')) {
    throw refuse(
      'LOCAL_PATH_OUTSIDE_WORKDIR',
      reference,
      'contains `..`. Use a path inside the working directory without `..`.',
    );
  }
  const resolved = posix.resolve(root, written);
  if (resolved !== root && !resolved.startsWith(root === '/' ? '/' : `${root}/`)) {
    throw refuse(
      'LOCAL_PATH_OUTSIDE_WORKDIR',
      reference,
      `is outside the working directory \`${root}\`. Use a path inside it, e.g. a relative path.`,
    );
  }
  const inside = resolved === root ? [] : resolved.slice(root === '/' ? 1 : root.length + 1).split('/');
  const hidden = inside.find((segment) => segment.startsWith('.'));
  if (hidden !== undefined || segments.some((segment) => segment.startsWith('.') && segment !== '.')) {
    throw refuse(
      'LOCAL_PATH_HIDDEN',
      reference,
      `names a dot-file or dot-folder (\`${hidden ?? written}\`), which may hold configuration or secrets (.git, .aws, .envrc, .mcp.json). Use a visible file name.`,
    );
  }
  return { written, resolved, access: reference.access, source: reference.source };
}

/** The largest file this package reads to judge it (`--cli-input-json file://…`). */
const maxInputFileBytes = 1_048_576;

/**
 * Reads a file the command names so it can be judged and inlined, under the same rules as every local path, and
 * with its real path (symlinks resolved) inside the working directory too. Throws CommandError
 * (LOCAL_PATH_OUTSIDE_WORKDIR, LOCAL_PATH_HIDDEN, PARAMETER_FILE_MISSING for a missing file, INVALID_CLI_INPUT for
 * a too large one).
 */
export function readWorkdirFile(workdir: string, written: string, source: string): string {
  const root = posix.normalize(workdir).replace(/(.)\/+$/, '$1');
  const reference: PathReference = { written, access: 'read', source, token: written };
  const { resolved } = confine(reference, root);
  let real: string;
  let realRoot: string;
  try {
    real = realpathSync(resolved);
    realRoot = realpathSync(root);
  } catch {
    throw new CommandError({
      code: 'PARAMETER_FILE_MISSING',
      token: written,
      message: `The file \`${written}\` (${source}) does not exist in the working directory; save it there first.`,
    });
  }
  if (real !== realRoot && !real.startsWith(`${realRoot}/`)) {
    throw refuse(
      'LOCAL_PATH_OUTSIDE_WORKDIR',
      reference,
      'is a link to a file outside the working directory.',
    );
  }
  const stat = statSync(real);
  if (!stat.isFile()) {
    throw new CommandError({
      code: 'PARAMETER_FILE_MISSING',
      token: written,
      message: `\`${written}\` (${source}) is ${stat.isDirectory() ? 'a folder' : 'not a regular file'}, not a file to read; name a file in the working directory.`,
    });
  }
  if (stat.size > maxInputFileBytes) {
    throw new CommandError({
      code: 'INVALID_CLI_INPUT',
      token: written,
      message: `The file \`${written}\` (${source}) is larger than ${maxInputFileBytes} bytes; give a smaller one.`,
    });
  }
  return readFileSync(real, 'utf8');
}

/** Hidden files can also enter or leave through a directory transfer or an S3 key's name. */
function checkS3Transfer(stage: AwsStage): void {
  if (stage.service === 'deploy' && stage.operation === 'push') {
    if (!stage.options.has('ignore-hidden-files') || stage.options.has('no-ignore-hidden-files')) {
      throw new CommandError({
        code: 'LOCAL_PATH_HIDDEN',
        token: 'aws deploy push',
        message:
          '`aws deploy push` bundles a whole directory; add `--ignore-hidden-files` so dot-files (.git, .aws, .env) stay out of the bundle.',
      });
    }
  }
  if (stage.service !== 's3' || !['cp', 'mv', 'sync'].includes(stage.operation ?? '')) return;
  const paths = stage.positionals;
  const locals = paths.filter((word) => !word.startsWith('s3://') && word !== '-');
  if (locals.length === 0) return;
  const recursive = stage.operation === 'sync' || stage.options.has('recursive');
  if (recursive) {
    const excludes = new Set(stage.options.get('exclude') ?? []);
    if (!excludes.has('.*') || !excludes.has('*/.*') || stage.options.has('include')) {
      throw new CommandError({
        code: 'LOCAL_PATH_HIDDEN',
        token: `aws s3 ${stage.operation}`,
        message: `A recursive \`aws s3 ${stage.operation}\` with a local side could copy dot-files (.git, .aws, .envrc) in or out of the working directory. Add \`--exclude '.*' --exclude '*/.*'\` and no \`--include\`.`,
      });
    }
    return;
  }
  for (const word of paths) {
    if (!word.startsWith('s3://')) continue;
    const key = word.slice('s3://'.length);
    const base = key.slice(key.lastIndexOf('/') + 1);
    if (base.startsWith('.') && base !== '.' && key.includes('/')) {
      throw new CommandError({
        code: 'LOCAL_PATH_HIDDEN',
        token: word,
        message: `The S3 object \`${word}\` has a dot-file name, which a download could write into the working directory as a hidden file. Copy it to an explicit visible file name with \`aws s3api get-object\` instead.`,
      });
    }
  }
}
