import { readFileSync } from 'node:fs';
import { classificationOverrides } from './_classification-overrides.js';
import type { AccessClass } from './_classify-rules.js';
import {
  type CustomizationActions,
  customizationActions,
  type TransferDirection,
} from './_customization-actions.js';

/** An input that changes what a read returns: `[member, value, class with that value, secret output paths]`. */
export type SecretInput = readonly [
  member: string,
  value: unknown,
  accessClass: AccessClass,
  paths: string[],
];

/** What the generator recorded about one operation beyond its class. */
export interface OperationDetails {
  /** Output members that carry secrets (`Functions[].Environment.Variables`). */
  output?: string[];
  /** The member (or input) that makes it a sensitive read, and the documentation phrase when that decided. */
  because?: { member?: string; input?: string; documentation?: string };
  inputs?: SecretInput[];
  /** For `wait`: the operations its waiters poll. */
  actions?: string[];
}

/** `catalog/classification.json`, as written by `scripts/generate-classification.mjs`. */
export interface ClassificationData {
  format: 1;
  /** The botocore version whose models it was generated from. */
  botocore: string;
  source: string;
  /** Rule codes, `code → { id, text }`. */
  rules: Record<string, { id: string; text: string }>;
  aliases: Record<string, string>;
  /** `service → "operation:class[:rule] …"`; class is r, w or s; without a rule, the name rules decided. */
  services: Record<string, string>;
  /** `service:operation → details`, only where there are any. */
  details: Record<string, OperationDetails>;
}

/** What {@link classifyOperation} is asked about. */
export interface ClassifyOperationInput {
  /** The CLI service (`s3api`, `s3`, `configservice`); aliases such as `runtime.sagemaker` are resolved. */
  service: string;
  /** The CLI operation or customization name (`get-parameter`, `cp`). */
  operation: string;
  /**
   * The arguments given: for an API operation by botocore input member name (`{ WithDecryption: true }`), for a
   * customization by the name in its argument table (`{ paths: ['s3://b/k', 'k'], delete: true }`).
   */
  parameters?: Readonly<Record<string, unknown>>;
}

/** How an operation is classified, and what in its output is secret. */
export interface OperationClassification {
  accessClass: AccessClass;
  reason: string;
  /**
   * Output member paths that carry secrets: `.` between members, `[]` for list items, `{}` for map values
   * (`Functions[].Environment.Variables`, `Credentials.SecretAccessKey`); a map key named after `.` is that one
   * key (`Connection.ConnectionProperties.PASSWORD`). `*` means the whole output is the secret
   * (`ecr get-login-password`).
   */
  secretOutput: string[];
  /** Why it is a sensitive read: the output member that is the secret, and the input that turned it on. */
  sensitiveBecause?: { member?: string; input?: { member: string; value: unknown } };
  /** The API operations it performs, `service:operation` (for an API operation, itself). */
  apiActions: string[];
  /** The id of the rule or table that decided (`read-name`, `secret-output`, `override`, `customization`). */
  rule: string;
  /** False when the classification does not know the operation (then it is a write). */
  known: boolean;
}

/** Options for {@link classifyOperation}. */
export interface ClassifyOperationOptions {
  /** Apply the reviewed override table (default true); false shows what the generated rules alone decide. */
  overrides?: boolean;
  /** Classification data to use instead of the committed snapshot. */
  data?: ClassificationData;
}

interface Entry {
  letter: string;
  rule: string;
}

const classOfLetter: Record<string, AccessClass> = { r: 'read', w: 'write', s: 'sensitive-read' };
/** The rule of an entry that names none: the name rules. */
const defaultRules: Record<string, string> = { r: 'n', w: 'w' };
const decoded = new WeakMap<ClassificationData, Map<string, Map<string, Entry>>>();
let snapshot: ClassificationData | undefined;

/**
 * The classification committed with this package (`catalog/classification.json`), loaded once. Throws when the
 * file is missing or not JSON.
 */
export function loadClassificationData(): ClassificationData {
  snapshot ??= JSON.parse(
    readFileSync(new URL('../catalog/classification.json', import.meta.url), 'utf8'),
  ) as ClassificationData;
  return snapshot;
}

function findEntry(data: ClassificationData, service: string, operation: string): Entry | undefined {
  let services = decoded.get(data);
  if (services === undefined) {
    services = new Map();
    decoded.set(data, services);
  }
  let operations = services.get(service);
  if (operations === undefined) {
    operations = new Map();
    for (const encoded of (data.services[service] ?? '').split(' ')) {
      const [name = '', letter = 'w', rule = defaultRules[letter] ?? 'w'] = encoded.split(':');
      if (name !== '') operations.set(name, { letter, rule });
    }
    services.set(service, operations);
  }
  return operations.get(operation);
}

/** Whether a given argument equals a recorded value: booleans also as `true`/`false` text, enums in any case. */
function matchesValue(given: unknown, expected: unknown): boolean {
  if (typeof expected === 'boolean')
    return given === expected || String(given).toLowerCase() === String(expected);
  if (typeof expected === 'string' && typeof given === 'string')
    return given.toLowerCase() === expected.toLowerCase();
  return given === expected;
}

function ruleText(data: ClassificationData, code: string): { id: string; text: string } {
  return data.rules[code] ?? { id: code, text: 'is classified by an unknown rule' };
}

/**
 * Classifies one AWS CLI operation from the generated classification, the reviewed overrides and the
 * customization table: its access class (a sensitive read returns a secret, and `parameters` can make a read one:
 * `ssm get-parameter` with `{ WithDecryption: true }`), the output members that carry secrets, and the API
 * operations it performs. Unknown operations are writes (fail closed). Never throws for unknown input; throws only
 * when the committed classification file cannot be read.
 */
export function classifyOperation(
  input: ClassifyOperationInput,
  options: ClassifyOperationOptions = {},
): OperationClassification {
  const data = options.data ?? loadClassificationData();
  const service = data.aliases[input.service] ?? input.service;
  const key = `${service}:${input.operation}`;
  const customization = customizationActions[key];
  if (customization !== undefined) {
    return classifyCustomization({ customization, parameters: input.parameters ?? {}, options, data });
  }
  return classifyApiOperation({ ...input, service }, { ...options, data });
}

/**
 * Classifies an API operation of the models even where a CLI customization has taken its name (`emr
 * describe-cluster`): what {@link classifyOperation} uses for the operations a customization performs.
 */
export function classifyApiOperation(
  input: ClassifyOperationInput,
  options: ClassifyOperationOptions & { data: ClassificationData },
): OperationClassification {
  const { data, service } = { data: options.data, service: input.service };
  const key = `${service}:${input.operation}`;
  const entry = findEntry(data, service, input.operation);
  if (entry === undefined) {
    return {
      accessClass: 'write',
      reason: `\`aws ${input.service} ${input.operation}\` is not in the classification (botocore ${data.botocore}), so it is treated as a write`,
      secretOutput: [],
      apiActions: [],
      rule: 'unknown',
      known: false,
    };
  }
  const details = data.details[key] ?? {};
  const result = classifyGenerated({ entry, details, data, operation: input.operation, key });
  const override = options.overrides === false ? undefined : classificationOverrides[key];
  if (override !== undefined) {
    result.accessClass = override.accessClass;
    result.reason = `\`${input.operation}\` ${override.reason} (reviewed override)`;
    result.rule = 'override';
    if (override.secretOutput !== undefined) result.secretOutput = [...override.secretOutput];
    if (override.accessClass !== 'sensitive-read') result.sensitiveBecause = undefined;
    else if (result.sensitiveBecause?.member === undefined && result.secretOutput[0] !== undefined) {
      result.sensitiveBecause = { member: result.secretOutput[0] };
    }
  }
  return applySecretInputs({ result, details, parameters: input.parameters ?? {} });
}

/** {@link classifyApiOperation}'s access class alone, for no parameters: what a customization's actions need. */
function classOfApiOperation(
  service: string,
  operation: string,
  options: ClassifyOperationOptions,
  data: ClassificationData,
): AccessClass {
  const entry = findEntry(data, service, operation);
  if (entry === undefined) return 'write';
  const override =
    options.overrides === false ? undefined : classificationOverrides[`${service}:${operation}`];
  return override?.accessClass ?? classOfLetter[entry.letter] ?? 'write';
}

function classifyGenerated(context: {
  entry: Entry;
  details: OperationDetails;
  data: ClassificationData;
  operation: string;
  key: string;
}): OperationClassification {
  const { entry, details, data } = context;
  const rule = ruleText(data, entry.rule);
  const accessClass = classOfLetter[entry.letter] ?? 'write';
  const result: OperationClassification = {
    accessClass,
    reason: `\`${context.operation}\` ${rule.text}`,
    secretOutput: [...(details.output ?? [])],
    apiActions: details.actions ?? [context.key],
    rule: rule.id,
    known: true,
  };
  if (accessClass === 'sensitive-read') {
    const { member, input, documentation } = details.because ?? {};
    result.sensitiveBecause = member !== undefined ? { member } : {};
    const said = documentation === undefined ? '' : ` (the documentation says "${documentation}")`;
    if (member !== undefined) result.reason = `\`${context.operation}\` ${rule.text}: \`${member}\`${said}`;
    if (input !== undefined) result.reason = `\`${context.operation}\` ${rule.text} (\`${input}\`)`;
  }
  return result;
}

function applySecretInputs(context: {
  result: OperationClassification;
  details: OperationDetails;
  parameters: Readonly<Record<string, unknown>>;
}): OperationClassification {
  const { result, details, parameters } = context;
  for (const [member, value, accessClass, paths] of details.inputs ?? []) {
    if (!Object.hasOwn(parameters, member) || !matchesValue(parameters[member], value)) continue;
    if (accessClass === 'sensitive-read' && result.accessClass === 'read') {
      result.accessClass = 'sensitive-read';
      result.secretOutput = [...new Set([...result.secretOutput, ...paths])];
      result.sensitiveBecause = {
        ...(paths[0] === undefined ? {} : { member: paths[0] }),
        input: { member, value },
      };
      result.reason = `\`${member}: ${String(value)}\` makes it return ${paths.map((path) => `\`${path}\``).join(', ') || 'secrets'}`;
    } else if (accessClass === 'read' && result.accessClass === 'sensitive-read') {
      result.accessClass = 'read';
      result.sensitiveBecause = undefined;
      result.reason = `\`${member}: ${String(value)}\` leaves the secret out`;
    }
  }
  return result;
}

function isS3Path(path: unknown): boolean {
  return typeof path === 'string' && path.startsWith('s3://');
}

/** The direction of an `s3` transfer from its `paths`, or undefined when they do not say. */
function findDirection(paths: unknown): TransferDirection | undefined {
  if (!Array.isArray(paths) || paths.length !== 2) return undefined;
  const [source, destination] = paths as unknown[];
  if (isS3Path(source) && isS3Path(destination)) return 'copy';
  if (isS3Path(source)) return 'download';
  if (isS3Path(destination)) return 'upload';
  return undefined;
}

function isGiven(value: unknown): boolean {
  return value !== undefined && value !== false && value !== null && value !== 'false';
}

/** The API operations a customization performs with these arguments; every direction when `paths` do not say. */
function findCustomizationActions(
  customization: CustomizationActions,
  parameters: Readonly<Record<string, unknown>>,
): string[] {
  const actions = [...customization.actions];
  if (customization.byDirection !== undefined) {
    const direction = findDirection(parameters.paths);
    const directions = direction === undefined ? (['upload', 'download', 'copy'] as const) : [direction];
    for (const each of directions) actions.push(...customization.byDirection[each]);
  }
  for (const [flag, added] of Object.entries(customization.byFlag ?? {})) {
    if (isGiven(parameters[flag])) actions.push(...added);
  }
  return [...new Set(actions)];
}

const classRank: Record<AccessClass, number> = { read: 0, 'sensitive-read': 1, write: 2 };

function classifyCustomization(context: {
  customization: CustomizationActions;
  parameters: Readonly<Record<string, unknown>>;
  options: ClassifyOperationOptions;
  data: ClassificationData;
}): OperationClassification {
  const { customization, parameters } = context;
  const apiActions = findCustomizationActions(customization, parameters);
  let accessClass: AccessClass = customization.accessClass ?? 'read';
  if (customization.accessClass === undefined) {
    for (const action of apiActions) {
      const separator = action.indexOf(':');
      const performed = classOfApiOperation(
        action.slice(0, separator),
        action.slice(separator + 1),
        context.options,
        context.data,
      );
      if (classRank[performed] > classRank[accessClass]) accessClass = performed;
    }
  }
  const secretArgument = customization.secretWhen;
  const asksForSecret =
    secretArgument?.pattern.test(String(parameters[secretArgument.argument] ?? '')) === true;
  if (asksForSecret && accessClass === 'read') accessClass = 'sensitive-read';
  const printsSecret = customization.printsSecret === true || asksForSecret;
  return {
    accessClass,
    reason: customization.reason,
    secretOutput: printsSecret ? ['*'] : [],
    ...(accessClass === 'sensitive-read' ? { sensitiveBecause: printsSecret ? { member: '*' } : {} } : {}),
    apiActions,
    rule: 'customization',
    known: true,
  };
}
