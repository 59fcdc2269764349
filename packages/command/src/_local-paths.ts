import { posix } from 'node:path';
import { type AwsStage, valueGlobals } from './_aws-stage.js';
import { type PathAccess, pathOptions } from './_customizations.js';
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
}

/** `aws s3` options that take exactly one value (awscli s3 ARG_TABLE; `nargs='?'` ones are left out). */
const s3ValueOptions = new Set([
  'acl',
  'bucket-name-prefix',
  'bucket-region',
  'cache-control',
  'case-conflict',
  'checksum-algorithm',
  'checksum-mode',
  'content-disposition',
  'content-encoding',
  'content-language',
  'content-type',
  'error-document',
  'exclude',
  'include',
  'expected-size',
  'expires',
  'expires-in',
  'grants',
  'index-document',
  'metadata',
  'metadata-directive',
  'page-size',
  'source-region',
  'sse-c-copy-source-key',
  'sse-c-key',
  'sse-kms-key-id',
  'storage-class',
  'tags',
  'website-redirect',
]);

/**
 * Whether an option token could be read by the CLI's argparse as `--name`: the exact spelling or an abbreviation
 * (argparse accepts any unique prefix, `--templ` for `--template-file`).
 */
export function mayBeOption(token: string, name: string): boolean {
  if (!token.startsWith('--')) return false;
  const equals = token.indexOf('=');
  const written = token.slice(2, equals === -1 ? undefined : equals);
  return written.length > 0 && name.startsWith(written);
}

interface Word {
  index: number;
  text: string;
}

/** Splits the words after the operation into options (with their inline or next-word value) and positionals. */
function walkOperationWords(
  argv: readonly string[],
  consumesValue: (token: string) => boolean,
): { options: { token: string; values: string[] }[]; positionals: Word[] } {
  const options: { token: string; values: string[] }[] = [];
  const positionals: Word[] = [];
  let seen = 0;
  for (let index = 1; index < argv.length; index++) {
    const token = argv[index] as string;
    if (token.startsWith('--') && token.length > 2) {
      const equals = token.indexOf('=');
      const name = token.slice(2, equals === -1 ? undefined : equals);
      if (equals !== -1) {
        options.push({ token, values: [token.slice(equals + 1)] });
        continue;
      }
      const next = argv[index + 1];
      const takesValue = valueGlobals.has(name) || (seen >= 2 && consumesValue(token));
      if (takesValue && next !== undefined && !next.startsWith('--')) {
        options.push({ token, values: [next] });
        index++;
      } else options.push({ token, values: [] });
      continue;
    }
    seen++;
    if (seen > 2) positionals.push({ index, text: token });
  }
  return { options, positionals };
}

const fileUrl = /fileb?:\/\//gi;
const nestedEnd = /["',;}\]\s)]/;

function fileUrlReferences(argv: readonly string[]): PathReference[] {
  const found: PathReference[] = [];
  for (const word of argv.slice(1)) {
    const valueStart = word.startsWith('--') && word.includes('=') ? word.indexOf('=') + 1 : 0;
    for (const match of word.matchAll(fileUrl)) {
      const start = match.index + match[0].length;
      let written: string;
      if (match.index === valueStart) written = word.slice(start);
      else {
        // Nested in a JSON or shorthand value: the CLI itself only opens top-level values, but stay on the safe side.
        const rest = word.slice(start);
        const end = rest.search(nestedEnd);
        written = end === -1 ? rest : rest.slice(0, end);
      }
      found.push({ written, access: 'read', source: match[0].toLowerCase(), token: word });
    }
  }
  return found;
}

function stripFilePrefix(value: string): string {
  return value.replace(/^fileb?:\/\//i, '');
}

/**
 * Every local path an `aws` stage would read or write, unresolved: `file://`/`fileb://` values anywhere, path
 * options (`--ca-bundle`, `--template-file`, `--kubeconfig`, `--outfile` …), streaming-input options from the
 * catalog, the OUTFILE of streaming-output operations, and the local side of `s3 cp/mv/sync`.
 */
function collectPathReferences(stage: AwsStage, operation: CatalogOperation | undefined): PathReference[] {
  const references = fileUrlReferences(stage.argv);
  const service = stage.service ?? '';
  const name = stage.operation ?? '';
  const booleans = operation?.booleanOptions ?? [];
  const isS3 = service === 's3';
  const consumesValue = (token: string): boolean => {
    if (isS3) return token.length > 2 && s3ValueOptions.has(token.slice(2));
    // A token that may be a flag consumes nothing, so the word after it is still checked.
    return !booleans.some((flag) => mayBeOption(token, flag) || mayBeOption(token, `no-${flag}`));
  };
  const { options, positionals } = walkOperationWords(stage.argv, consumesValue);
  const named = [...(pathOptions['*'] ?? []), ...(pathOptions[`${service}:${name}`] ?? [])];
  const streaming = (operation?.streamingInputs ?? []).map((option) => [option, 'read'] as const);
  for (const [option, access] of [...named, ...streaming]) {
    for (const { token, values } of options) {
      if (!mayBeOption(token, option)) continue;
      for (const value of values) {
        references.push({ written: stripFilePrefix(value), access, source: `--${option}`, token });
      }
    }
  }
  if (operation?.outfile) {
    for (const word of positionals) {
      references.push({ written: word.text, access: 'write', source: 'OUTFILE', token: word.text });
    }
  }
  if (isS3 && (name === 'cp' || name === 'mv' || name === 'sync')) {
    positionals.forEach((word, position) => {
      if (word.text.startsWith('s3://')) return;
      const isDestination = position === positionals.length - 1 && positionals.length > 1;
      const access: PathAccess = isDestination || name === 'mv' ? 'write' : 'read';
      references.push({
        written: word.text,
        access,
        source: `s3 ${name} ${isDestination ? 'destination' : 'source'}`,
        token: word.text,
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
 * (absolute path outside, `..`, `~`, `$`), LOCAL_PATH_HIDDEN (a dot-file or dot-folder inside).
 */
export function resolveLocalPaths(
  stage: AwsStage,
  operation: CatalogOperation | undefined,
  workdir: string | undefined,
): LocalPath[] {
  const references = collectPathReferences(stage, operation).filter((reference) => reference.written !== '-');
  checkS3Transfer(stage);
  if (references.length === 0) return [];
  if (workdir === undefined || !posix.isAbsolute(workdir)) {
    const first = references[0] as PathReference;
    throw new CommandError({
      code: 'WORKDIR_NOT_CONFIGURED',
      token: first.token,
      message:
        workdir === undefined
          ? `The command uses the local path \`${first.written}\` (${first.source}), but no working directory is configured. Configure one (the server's workdir setting) or leave local files out, e.g. write to \`-\` (stdout).`
          : `The configured working directory \`${workdir}\` is not an absolute path; configure an absolute one.`,
    });
  }
  const root = posix.normalize(workdir).replace(/(.)\/+$/, '$1');
  const resolvedPaths: LocalPath[] = [];
  for (const reference of references) {
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
    resolvedPaths.push({ written, resolved, access: reference.access, source: reference.source });
  }
  return resolvedPaths;
}

/** Hidden files can also enter or leave through a directory transfer or an S3 key's name. */
function checkS3Transfer(stage: AwsStage): void {
  if (stage.service === 'deploy' && stage.operation === 'push') {
    const tokens = stage.argv.filter((word) => word.startsWith('--'));
    const ignores = tokens.includes('--ignore-hidden-files');
    const unignores = tokens.some(
      (token) => token !== '--ignore-hidden-files' && mayBeOption(token, 'no-ignore-hidden-files'),
    );
    if (!ignores || unignores) {
      throw new CommandError({
        code: 'LOCAL_PATH_HIDDEN',
        token: 'aws deploy push',
        message:
          '`aws deploy push` bundles a whole directory; add `--ignore-hidden-files` so dot-files (.git, .aws, .env) stay out of the bundle.',
      });
    }
  }
  if (stage.service !== 's3' || !['cp', 'mv', 'sync'].includes(stage.operation ?? '')) return;
  const words = stage.argv.slice(3);
  const locals = words.filter((word) => !word.startsWith('--') && !word.startsWith('s3://') && word !== '-');
  if (locals.length === 0) return;
  const recursive =
    stage.operation === 'sync' ||
    words.some((word) => word.startsWith('--') && mayBeOption(word, 'recursive'));
  if (recursive) {
    const excludes = new Set<string>();
    words.forEach((word, index) => {
      if (word === '--exclude') excludes.add(words[index + 1] ?? '');
      else if (word.startsWith('--exclude=')) excludes.add(word.slice('--exclude='.length));
    });
    const includes = words.some((word) => word.startsWith('--') && mayBeOption(word, 'include'));
    if (!excludes.has('.*') || !excludes.has('*/.*') || includes) {
      throw new CommandError({
        code: 'LOCAL_PATH_HIDDEN',
        token: `aws s3 ${stage.operation}`,
        message: `A recursive \`aws s3 ${stage.operation}\` with a local side could copy dot-files (.git, .aws, .envrc) in or out of the working directory. Add \`--exclude '.*' --exclude '*/.*'\` and no \`--include\`.`,
      });
    }
    return;
  }
  for (const word of words) {
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
