import { judgeStandingApproval, type StandingApproval } from './_approval-risk.js';
import type { AwsStage } from './_aws-stage.js';
import { classifyOperation } from './_classification.js';
import type { AccessClass } from './_classify-rules.js';
import { readSensitiveFloor } from './_classify-rules.js';
import { type Catalog, type CatalogOperation, loadSnapshotCatalog } from './catalog.js';

export type { ApprovalRisk, StandingApproval } from './_approval-risk.js';
export type { AccessClass } from './_classify-rules.js';

/** The class of one AWS command, and why. */
export interface Classification {
  accessClass: AccessClass;
  /** `service:operation` with service aliases resolved, e.g. `s3api:list-buckets`. Policy globs match this. */
  action: string;
  reason: string;
  /** Whether the catalog knows the command; unknown commands are writes. */
  known: boolean;
  /**
   * The API operations the command performs, `service:operation` (for an API operation, itself; for `s3 rm`,
   * `s3api:delete-object`). A policy rule matches `action` or any of these.
   */
  apiActions: string[];
  /** Output member paths that carry secrets (`Credentials.SecretAccessKey`; `*`: the whole output). */
  secretOutput: string[];
  /**
   * Whether a consent may stand for later calls of this operation on the same targets (for a session or N
   * minutes): never for deletes, permission changes, credential issuance, code updates or secrets, unless a policy
   * rule with `standingApproval: true` says so.
   */
  standingApproval: StandingApproval;
}

/** The catalog entry of a stage's command, or undefined when the catalog does not know it. */
export function findCatalogOperation(catalog: Catalog, stage: AwsStage): CatalogOperation | undefined {
  if (stage.service === undefined || stage.operation === undefined) return undefined;
  return catalog.getService(stage.service)?.get(stage.operation);
}

/** What a classifier is told about the arguments: API members for operations, argument names for customizations. */
function classifierParameters(stage: AwsStage, isCustomization: boolean): Record<string, unknown> {
  if (!isCustomization) return stage.parameters;
  const parameters: Record<string, unknown> = {};
  for (const argument of stage.arguments) {
    const { kind } = argument.action;
    parameters[argument.name] =
      kind === 'store_true'
        ? true
        : kind === 'store_false'
          ? false
          : argument.values.length === 1
            ? argument.values[0]
            : argument.values;
  }
  return parameters;
}

/**
 * Classifies an `aws` stage from what the CLI read: commands the catalog does not know are writes (fail closed);
 * known ones by the classification generated from the service models with its reviewed overrides, given the
 * request's parameters (`WithDecryption: true` makes `ssm get-parameter` sensitive, wherever it was set), and the
 * direction of an `s3` transfer. `--dry-run`/`--dryrun` make a write a read. Uses the snapshot catalog unless one
 * is given.
 */
export function classifyAwsStage(stage: AwsStage, catalog: Catalog = loadSnapshotCatalog()): Classification {
  const classification = classifyStage(stage, catalog);
  // Judged when first read: most calls are never asked about a standing approval, and the risk rows' globs were a
  // tenth of a parse + validate. Built field by field: a spread of it was a tenth of a classification.
  let standingApproval: StandingApproval | undefined;
  return {
    accessClass: classification.accessClass,
    action: classification.action,
    reason: classification.reason,
    known: classification.known,
    apiActions: classification.apiActions,
    secretOutput: classification.secretOutput,
    get standingApproval(): StandingApproval {
      standingApproval ??= judgeStandingApproval({ ...classification, parameters: stage.parameters });
      return standingApproval;
    },
  };
}

type StageClassification = Omit<Classification, 'standingApproval'>;

/** A known command's class: the fields every outcome below shares, written out (a spread costs more). */
function knownClass(
  base: Pick<StageClassification, 'action' | 'apiActions' | 'secretOutput'>,
  accessClass: AccessClass,
  reason: string,
): StageClassification {
  return {
    accessClass,
    action: base.action,
    reason,
    known: true,
    apiActions: base.apiActions,
    secretOutput: base.secretOutput,
  };
}

function classifyStage(stage: AwsStage, catalog: Catalog): StageClassification {
  const written = stage.service ?? '';
  const service = catalog.aliases[written] ?? written;
  const operation = stage.path.join(' ') || (stage.operation ?? '');
  const action = `${service}:${stage.operation ?? ''}`;
  if (stage.isHelp || stage.service === undefined || stage.globals.version) {
    return {
      accessClass: 'read',
      action,
      reason: 'help and version requests only read the CLI itself',
      known: true,
      apiActions: [],
      secretOutput: [],
    };
  }
  const entry = findCatalogOperation(catalog, stage);
  if (entry === undefined) {
    return {
      accessClass: 'write',
      action,
      reason: `\`aws ${written} ${operation}\` is not in the command catalog (CLI ${catalog.version}), so it is treated as a write`,
      known: false,
      apiActions: [],
      secretOutput: [],
    };
  }
  if (stage.options.has('generate-cli-skeleton')) {
    return {
      accessClass: 'read',
      action,
      reason: '`--generate-cli-skeleton` prints a template and sends no request',
      known: true,
      apiActions: [],
      secretOutput: [],
    };
  }
  const isCustomization = stage.reading?.command?.kind === 'customization';
  const classified = classifyOperation({
    service,
    operation: stage.operation ?? '',
    parameters: classifierParameters(stage, isCustomization),
  });
  const base = { action, apiActions: classified.apiActions, secretOutput: classified.secretOutput };
  if (classified.accessClass === 'write') {
    if (entry.dryRun && service !== 's3' && stage.parameters.DryRun === true) {
      return knownClass(base, 'read', '`--dry-run` only checks permissions');
    }
    if (entry.dryRun && service === 's3' && stage.options.has('dryrun')) {
      return knownClass(base, 'read', '`--dryrun` only shows what would happen');
    }
  }
  // A read the hand-kept table calls sensitive stays sensitive (a policy floor: consent is asked as before). Its
  // secret members are masked inside the CLI whatever its class; today this keeps only `lambda get-function` and
  // `get-function-configuration` (environment variables) sensitive.
  const floor = readSensitiveFloor(service, stage.operation ?? '');
  if (classified.accessClass === 'read' && floor !== undefined) {
    return knownClass(base, 'sensitive-read', floor);
  }
  return knownClass(base, classified.accessClass, classified.reason);
}
