import type { AwsStage } from './_aws-stage.js';
import type { AccessClass } from './_classify-rules.js';
import { classifyOperationName } from './_classify-rules.js';
import { mayBeOption } from './_local-paths.js';
import { type Catalog, type CatalogOperation, loadSnapshotCatalog } from './catalog.js';

export type { AccessClass } from './_classify-rules.js';

/** The class of one AWS command, and why. */
export interface Classification {
  accessClass: AccessClass;
  /** `service:operation` with service aliases resolved, e.g. `s3api:list-buckets`. Policy globs match this. */
  action: string;
  reason: string;
  /** Whether the catalog knows the command; unknown commands are writes. */
  known: boolean;
}

const ssmDecrypting = new Set([
  'get-parameter',
  'get-parameters',
  'get-parameters-by-path',
  'get-parameter-history',
]);

/** The catalog entry of a stage's command, or undefined when the catalog does not know it. */
export function findCatalogOperation(catalog: Catalog, stage: AwsStage): CatalogOperation | undefined {
  if (stage.service === undefined || stage.operation === undefined) return undefined;
  return catalog.getService(stage.service)?.get(stage.operation);
}

function optionTokens(stage: AwsStage): string[] {
  return stage.argv.slice(1).filter((word) => word.startsWith('--'));
}

/** A flag counts only when written exactly and nothing else on the line could be read as it or its negation. */
function hasExactFlag(stage: AwsStage, flag: string): boolean {
  const tokens = optionTokens(stage);
  if (!tokens.includes(`--${flag}`)) return false;
  return !tokens.some(
    (token) => token !== `--${flag}` && (mayBeOption(token, flag) || mayBeOption(token, `no-${flag}`)),
  );
}

function s3DownloadReason(stage: AwsStage): string | undefined {
  if (stage.service !== 's3' || (stage.operation !== 'cp' && stage.operation !== 'sync')) return undefined;
  if (optionTokens(stage).some((token) => mayBeOption(token, 'delete'))) return undefined;
  const paths = stage.argv.slice(3).filter((word, index, words) => {
    const previous = index > 0 ? (words[index - 1] as string) : '';
    return (
      !word.startsWith('--') &&
      !(previous.startsWith('--') && !previous.includes('=') && isS3ValueOption(previous))
    );
  });
  const [source, destination] = paths;
  if (
    paths.length === 2 &&
    source?.startsWith('s3://') &&
    destination !== undefined &&
    !destination.startsWith('s3://')
  ) {
    return `\`s3 ${stage.operation}\` from S3 into the working directory only reads AWS`;
  }
  return undefined;
}

const s3FlagNames = new Set([
  'dryrun',
  'follow-symlinks',
  'force',
  'force-glacier-transfer',
  'human-readable',
  'ignore-glacier-warnings',
  'no-follow-symlinks',
  'no-guess-mime-type',
  'no-progress',
  'only-show-errors',
  'quiet',
  'recursive',
  'summarize',
  'validate-same-s3-paths',
  'delete',
  'exact-timestamps',
  'size-only',
  'sse',
  'sse-c',
  'request-payer',
  'sse-c-copy-source',
  'no-overwrite',
]);

function isS3ValueOption(token: string): boolean {
  return !s3FlagNames.has(token.slice(2));
}

/**
 * Classifies an `aws` stage: commands the catalog does not know are writes (fail closed); known ones go by the
 * override list and name rules, then by options that change what they do (`--dry-run`/`--dryrun` make a write a
 * read, `--with-decryption` and `--attribute userData` make a read sensitive, an S3 download is a read). Uses the
 * snapshot catalog unless one is given.
 */
export function classifyAwsStage(stage: AwsStage, catalog: Catalog = loadSnapshotCatalog()): Classification {
  const written = stage.service ?? '';
  const service = catalog.aliases[written] ?? written;
  const operation = stage.operation ?? '';
  const action = `${service}:${operation}`;
  if (stage.isHelp || stage.service === undefined || stage.globals.version) {
    return {
      accessClass: 'read',
      action,
      reason: 'help and version requests only read the CLI itself',
      known: true,
    };
  }
  const entry = findCatalogOperation(catalog, stage);
  if (entry === undefined) {
    return {
      accessClass: 'write',
      action,
      reason: `\`aws ${written} ${operation}\` is not in the command catalog (CLI ${catalog.version}), so it is treated as a write`,
      known: false,
    };
  }
  let [accessClass, reason] = classifyOperationName(service, operation);
  if (service === 'ssm' && ssmDecrypting.has(operation)) {
    if (optionTokens(stage).some((token) => mayBeOption(token, 'with-decryption'))) {
      return {
        accessClass: 'sensitive-read',
        action,
        reason: '`--with-decryption` returns SecureString values',
        known: true,
      };
    }
  }
  if (service === 'ec2' && operation === 'describe-instance-attribute') {
    if (stage.argv.some((word) => word.toLowerCase().includes('userdata'))) {
      return {
        accessClass: 'sensitive-read',
        action,
        reason: 'instance user data often holds secrets',
        known: true,
      };
    }
  }
  if (service === 'apigateway' && (operation === 'get-api-key' || operation === 'get-api-keys')) {
    if (
      optionTokens(stage).some(
        (token) => mayBeOption(token, 'include-value') || mayBeOption(token, 'include-values'),
      )
    ) {
      return { accessClass: 'sensitive-read', action, reason: 'returns API key values', known: true };
    }
  }
  if (accessClass === 'write') {
    if (entry.dryRun && service !== 's3' && hasExactFlag(stage, 'dry-run')) {
      return { accessClass: 'read', action, reason: '`--dry-run` only checks permissions', known: true };
    }
    if (entry.dryRun && service === 's3' && hasExactFlag(stage, 'dryrun')) {
      return { accessClass: 'read', action, reason: '`--dryrun` only shows what would happen', known: true };
    }
    const download = s3DownloadReason(stage);
    if (download !== undefined) [accessClass, reason] = ['read', download];
  }
  return { accessClass, action, reason, known: true };
}
