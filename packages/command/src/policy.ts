import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { AccessClass } from './_classify-rules.js';
import { CommandError } from './command-error.js';

/** Every policy mode, from the most to the least cautious: how much runs without asking. */
export const policyModes = ['read-only', 'confirm-writes', 'full'] as const;

/** How much the server lets run without asking. */
export type PolicyMode = (typeof policyModes)[number];

/** What the policy says about one pipeline. */
export type DecisionAction = 'allow' | 'confirm' | 'deny';

/**
 * One policy rule. `actions` are IAM-style globs on `service:operation` (`iam:*`, `*:delete-*`,
 * `ec2:terminate-instances`; `*` matches any run of characters, `?` one). When several rules match, the strictest
 * wins (deny, then confirm, then allow), as an explicit deny does in IAM.
 */
export interface PolicyRule {
  /** A name for the rule, shown as the deciding rule; defaults to `rules[<index>]`. */
  id?: string;
  effect: DecisionAction;
  /**
   * Globs on `service:operation`. They match the command's own name or the API operations it performs (`s3 rm`
   * performs `s3api:delete-object`): a deny or confirm rule applies when any of them matches, an allow rule when
   * it names the command itself or covers every operation it performs, so allowing `s3api:get-object` never
   * allows `s3 mv`.
   */
  actions?: string[];
  /** Access classes the rule applies to (`read`, `write`, `sensitive-read`); with `actions`, both must match. */
  classes?: AccessClass[];
  /** Only for these profiles (globs). A deny or confirm rule also applies when the profile is unknown. */
  profiles?: string[];
  /** Only for these regions (globs). A deny or confirm rule also applies when the region is unknown. */
  regions?: string[];
  /**
   * Only for calls under these roles (ARN globs, case-sensitive): the role the call assumes (the tool's
   * `roleArn`) or, without one, the role its profile assumes by itself (`role_arn`). A deny or confirm rule also
   * applies when the call's role is unknown (credentials from SSO, a credential_process, a container or the
   * instance, or temporary keys in variables: any of them may be the role); an allow rule never does.
   */
  roles?: string[];
  /** Shown to the person or the model. */
  reason?: string;
  /**
   * Pre-answers the consent question about secret output for the calls this rule decides: `show` returns them,
   * `save` writes the unmasked output to the secrets folder, `ask` asks the person (the default).
   */
  secrets?: SecretsAnswer;
  /**
   * Lets the consent form offer a standing approval (this operation on these targets, for the session or N
   * minutes) for the calls this rule decides, even where the classification refuses one (a delete, a permission
   * change). Never across accounts, and never without targets.
   */
  standingApproval?: boolean;
}

/** What happens to secrets in a call's output without asking: shown, saved to a file, or the person is asked. */
export type SecretsAnswer = 'show' | 'save' | 'ask';

/** Which settings decide what may run. */
export interface Policy {
  mode: PolicyMode;
  /** Endpoint URLs allowed besides loopback ones, e.g. the configured AWS_ENDPOINT_URL. */
  allowedEndpoints?: string[];
  /** Rules evaluated before the mode; see PolicyRule. */
  rules?: PolicyRule[];
  /** When set, only these profiles (globs) may be used; the default profile counts as `default`. */
  allowedProfiles?: string[];
  /**
   * Globs on `service:operation` for CLI commands refused by default (`sso:login`, `eks:update-kubeconfig`,
   * `configure:set` …) that this policy explicitly lets through to the rules and mode. `--debug` and
   * `--no-verify-ssl` stay refused.
   */
  allowedCommands?: string[];
  /** The `secrets` pre-answer for calls whose deciding rule gives none (see PolicyRule); default `ask`. */
  secrets?: SecretsAnswer;
}

const globCache = new Map<string, RegExp>();

function compileGlob(glob: string, flags: 'is' | 's'): RegExp {
  const key = `${flags}:${glob}`;
  let pattern = globCache.get(key);
  if (pattern === undefined) {
    const source = glob
      .split('')
      .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('');
    pattern = new RegExp(`^${source}$`, flags);
    globCache.set(key, pattern);
  }
  return pattern;
}

/** Whether `value` matches an IAM-style glob (`*` any run, `?` one character), ignoring case. */
export function matchesGlob(glob: string, value: string): boolean {
  return compileGlob(glob, 'is').test(value);
}

/**
 * Whether `profile` may be used under `allowedProfiles` (names and globs: `*` any run, `?` one character),
 * case-sensitive as the CLI's profile names are: the one matcher for a tool's `profile` argument, `--profile` on
 * the line and a rule's `profiles`. An undefined allowlist allows any profile.
 */
export function isProfileAllowed(allowedProfiles: readonly string[] | undefined, profile: string): boolean {
  return (
    allowedProfiles === undefined || allowedProfiles.some((glob) => compileGlob(glob, 's').test(profile))
  );
}

/**
 * Whether `roleArn` matches one of `allowedRoles` (ARN globs: `*` any run, `?` one character), case-sensitive as
 * IAM ARNs are: the one matcher for the server's role allowlist and a rule's `roles`.
 */
export function isRoleAllowed(allowedRoles: readonly string[], roleArn: string): boolean {
  return allowedRoles.some((glob) => compileGlob(glob, 's').test(roleArn));
}

function invalid(field: string, message: string): CommandError {
  return new CommandError({
    code: 'INVALID_POLICY',
    token: field,
    message: `Invalid policy: \`${field}\` ${message}`,
  });
}

const actionPattern = /^[^:\s]+:[^:\s]*$/;
const effects = ['allow', 'confirm', 'deny'] as const;

const nonEmpty = z.string().min(1);
const actionGlob = nonEmpty.regex(actionPattern, 'must look like `service:operation` (globs allowed)');
const endpointUrl = nonEmpty.refine((url) => URL.canParse(url), 'must be a URL');

const ruleSchema = z
  .strictObject({
    id: z.string().optional(),
    effect: z.enum(effects),
    actions: z.array(actionGlob).min(1, 'must list at least one action.').optional(),
    classes: z
      .array(z.enum(['read', 'write', 'sensitive-read']))
      .min(1, 'must list at least one class.')
      .optional(),
    profiles: z.array(nonEmpty).optional(),
    regions: z.array(nonEmpty).optional(),
    roles: z.array(nonEmpty).optional(),
    reason: z.string().optional(),
    secrets: z.enum(['show', 'save', 'ask']).optional(),
    standingApproval: z.boolean().optional(),
  })
  .refine((rule) => rule.actions !== undefined || rule.classes !== undefined, {
    message: 'must list `actions` or `classes`',
    path: ['actions'],
  });

/** The policy file's schema. Strict: an unknown field is refused, so a typo cannot silently weaken a rule. */
const policySchema = z.strictObject({
  $schema: z.string().optional(),
  mode: z.enum(policyModes),
  allowedEndpoints: z.array(endpointUrl).optional(),
  rules: z.array(ruleSchema).optional(),
  allowedProfiles: z.array(nonEmpty).optional(),
  allowedCommands: z.array(actionGlob).optional(),
  secrets: z.enum(['show', 'save', 'ask']).optional(),
});

function fieldPath(path: readonly PropertyKey[]): string {
  let field = '';
  for (const part of path) {
    field += typeof part === 'number' ? `[${part}]` : field === '' ? String(part) : `.${String(part)}`;
  }
  return field === '' ? '(root)' : field;
}

function describeIssue(issue: z.core.$ZodIssue): { field: string; message: string } {
  const field = fieldPath(issue.path);
  const got = 'input' in issue && issue.input !== undefined ? `; got ${JSON.stringify(issue.input)}` : '';
  switch (issue.code) {
    case 'unrecognized_keys': {
      const key = issue.keys[0] ?? '';
      return {
        field: field === '(root)' ? key : `${field}.${key}`,
        message: 'is not a known field; check its spelling against the documented fields.',
      };
    }
    case 'invalid_value':
      return { field, message: `must be one of ${issue.values.map(String).join(', ')}${got}.` };
    case 'invalid_type':
      if (field === '(root)') return { field, message: 'must be an object such as { "mode": "read-only" }.' };
      return {
        field,
        message: `must be ${issue.expected === 'array' ? 'an array' : `a ${issue.expected}`}${got}.`,
      };
    case 'too_small':
      return { field, message: issue.origin === 'string' ? 'must be a non-empty string.' : issue.message };
    default:
      return { field, message: `${issue.message}${got}.` };
  }
}

/** A policy file: a policy whose `mode` may be left to the server's setting. */
export type PolicyFile = Omit<Policy, 'mode'> & { mode?: PolicyMode };

const policyFileSchema = policySchema.partial({ mode: true });

function checkPolicy<Schema extends typeof policySchema | typeof policyFileSchema>(
  schema: Schema,
  value: unknown,
): z.infer<Schema> {
  const parsed = schema.safeParse(value, { reportInput: true });
  if (parsed.success) return parsed.data as z.infer<Schema>;
  const issue = parsed.error.issues[0] as z.core.$ZodIssue;
  const { field, message } = describeIssue(issue);
  throw invalid(field, message);
}

/**
 * Checks a policy value (e.g. parsed JSON) against the policy schema (zod) and returns it typed. Unknown fields
 * are refused so a typo cannot silently weaken a rule. Throws CommandError (INVALID_POLICY) whose `token` is the
 * bad field's path, e.g. `rules[2].effect`.
 */
export function parsePolicy(value: unknown): Policy {
  const { $schema: _schema, ...policy } = checkPolicy(policySchema, value);
  return policy;
}

/**
 * Reads a JSON policy file and checks it as parsePolicy does, except that `mode` is optional (the server's mode
 * setting then decides). Throws CommandError (INVALID_POLICY) for an unreadable or empty file, bad JSON or a bad
 * field.
 */
export function loadPolicyFile(path: string): PolicyFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CommandError({
      code: 'INVALID_POLICY',
      token: path,
      message: `Cannot read the policy file ${path}.`,
      cause: error,
    });
  }
  if (text.trim() === '') {
    throw new CommandError({
      code: 'INVALID_POLICY',
      token: path,
      message: `The policy file ${path} is empty: write a JSON object such as {"rules": []} or {"mode": "read-only"}, or leave the policy file setting out.`,
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CommandError({
      code: 'INVALID_POLICY',
      token: path,
      message: `The policy file ${path} is not valid JSON: ${(error as Error).message}`,
      cause: error,
    });
  }
  const { $schema: _schema, ...policy } = checkPolicy(policyFileSchema, value);
  return policy;
}

const strictness: Record<DecisionAction, number> = { allow: 0, confirm: 1, deny: 2 };

/** The strictest rule matching `action` under the effective profile and region, with its id. */
export function findDecidingRule(
  policy: Policy,
  target: {
    action: string;
    profile: string | undefined;
    region: string | undefined;
    /** The API operations the command performs besides its own name. */
    apiActions?: readonly string[];
    accessClass?: AccessClass;
    /** The role ARN the call runs under; `null` when it runs under none; undefined when that is unknown. */
    role?: string | null;
  },
): { rule: PolicyRule; id: string } | undefined {
  let best: { rule: PolicyRule; id: string } | undefined;
  const performed = (target.apiActions ?? []).filter((action) => action !== target.action);
  (policy.rules ?? []).forEach((rule, index) => {
    const restrictive = rule.effect !== 'allow';
    if (rule.classes !== undefined) {
      // An unknown class counts for a deny or confirm rule only, as an unknown profile does.
      const known = target.accessClass !== undefined;
      if (known ? !rule.classes.includes(target.accessClass as AccessClass) : !restrictive) return;
    }
    if (rule.actions !== undefined) {
      const matches = (action: string) => (rule.actions ?? []).some((glob) => matchesGlob(glob, action));
      const applies = restrictive
        ? matches(target.action) || performed.some(matches)
        : matches(target.action) || (performed.length > 0 && performed.every(matches));
      if (!applies) return;
    }
    const inScope = (
      globs: string[] | undefined,
      value: string | undefined,
      matches: (value: string) => boolean,
    ) => globs === undefined || (value === undefined ? restrictive : matches(value));
    const profileInScope = inScope(rule.profiles, target.profile, (profile) =>
      isProfileAllowed(rule.profiles, profile),
    );
    const regionInScope = inScope(rule.regions, target.region, (region) =>
      (rule.regions ?? []).some((glob) => matchesGlob(glob, region)),
    );
    const roleInScope =
      rule.roles === undefined ||
      (target.role === undefined
        ? restrictive
        : target.role !== null && isRoleAllowed(rule.roles, target.role));
    if (!profileInScope || !regionInScope || !roleInScope) return;
    if (best === undefined || strictness[rule.effect] > strictness[best.rule.effect]) {
      best = { rule, id: rule.id ?? `rules[${index}]` };
    }
  });
  return best;
}
