import { readFileSync } from 'node:fs';
import { CommandError } from './command-error.js';

/** How much the server lets run without asking. */
export type PolicyMode = 'read-only' | 'confirm-writes' | 'full';

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
  actions: string[];
  /** Only for these profiles (globs). A deny or confirm rule also applies when the profile is unknown. */
  profiles?: string[];
  /** Only for these regions (globs). A deny or confirm rule also applies when the region is unknown. */
  regions?: string[];
  /** Shown to the person or the model. */
  reason?: string;
}

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
}

const globCache = new Map<string, RegExp>();

/** Whether `value` matches an IAM-style glob (`*` any run, `?` one character), ignoring case. */
export function matchesGlob(glob: string, value: string): boolean {
  let pattern = globCache.get(glob);
  if (pattern === undefined) {
    const source = glob
      .split('')
      .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('');
    pattern = new RegExp(`^${source}$`, 'is');
    globCache.set(glob, pattern);
  }
  return pattern.test(value);
}

function invalid(field: string, message: string): CommandError {
  return new CommandError({
    code: 'INVALID_POLICY',
    token: field,
    message: `Invalid policy: \`${field}\` ${message}`,
  });
}

function readStringList(value: unknown, field: string, pattern?: RegExp): string[] {
  if (!Array.isArray(value)) throw invalid(field, 'must be an array of strings.');
  return value.map((item, index) => {
    if (typeof item !== 'string' || item === '')
      throw invalid(`${field}[${index}]`, 'must be a non-empty string.');
    if (pattern !== undefined && !pattern.test(item)) {
      throw invalid(
        `${field}[${index}]`,
        `must look like \`service:operation\` (globs allowed), got \`${item}\`.`,
      );
    }
    return item;
  });
}

function checkKeys(value: Record<string, unknown>, field: string, allowed: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw invalid(
        field === '' ? key : `${field}.${key}`,
        `is not a known field; expected one of ${allowed.join(', ')}.`,
      );
    }
  }
}

function canParseUrl(url: string): boolean {
  try {
    new URL(url);
    return true;
  } catch {
    return false;
  }
}

const actionPattern = /^[^:\s]+:[^:\s]*$/;
const modes: readonly PolicyMode[] = ['read-only', 'confirm-writes', 'full'];
const effects: readonly DecisionAction[] = ['allow', 'confirm', 'deny'];

/**
 * Checks a policy value (e.g. parsed JSON) and returns it typed. Unknown fields are refused so a typo cannot
 * silently weaken a rule. Throws CommandError (INVALID_POLICY) whose `token` is the bad field's path, e.g.
 * `rules[2].effect`.
 */
export function parsePolicy(value: unknown): Policy {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid('(root)', 'must be an object such as { "mode": "read-only" }.');
  }
  const input = value as Record<string, unknown>;
  checkKeys(input, '', [
    '$schema',
    'mode',
    'allowedEndpoints',
    'rules',
    'allowedProfiles',
    'allowedCommands',
  ]);
  if (!modes.includes(input.mode as PolicyMode)) {
    throw invalid('mode', `must be one of ${modes.join(', ')}; got ${JSON.stringify(input.mode)}.`);
  }
  const policy: Policy = { mode: input.mode as PolicyMode };
  if (input.allowedEndpoints !== undefined) {
    policy.allowedEndpoints = readStringList(input.allowedEndpoints, 'allowedEndpoints');
    policy.allowedEndpoints.forEach((url, index) => {
      if (!canParseUrl(url)) throw invalid(`allowedEndpoints[${index}]`, `must be a URL, got \`${url}\`.`);
    });
  }
  if (input.allowedProfiles !== undefined) {
    policy.allowedProfiles = readStringList(input.allowedProfiles, 'allowedProfiles');
  }
  if (input.allowedCommands !== undefined) {
    policy.allowedCommands = readStringList(input.allowedCommands, 'allowedCommands', actionPattern);
  }
  if (input.rules !== undefined) {
    if (!Array.isArray(input.rules)) throw invalid('rules', 'must be an array of rules.');
    policy.rules = input.rules.map((rule: unknown, index) => {
      const field = `rules[${index}]`;
      if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) {
        throw invalid(field, 'must be an object such as { "effect": "deny", "actions": ["iam:*"] }.');
      }
      const entry = rule as Record<string, unknown>;
      checkKeys(entry, field, ['id', 'effect', 'actions', 'profiles', 'regions', 'reason']);
      if (!effects.includes(entry.effect as DecisionAction)) {
        throw invalid(
          `${field}.effect`,
          `must be one of ${effects.join(', ')}; got ${JSON.stringify(entry.effect)}.`,
        );
      }
      const parsed: PolicyRule = {
        effect: entry.effect as DecisionAction,
        actions: readStringList(entry.actions, `${field}.actions`, actionPattern),
      };
      if (parsed.actions.length === 0) throw invalid(`${field}.actions`, 'must list at least one action.');
      for (const key of ['id', 'reason'] as const) {
        if (entry[key] !== undefined) {
          if (typeof entry[key] !== 'string') throw invalid(`${field}.${key}`, 'must be a string.');
          parsed[key] = entry[key] as string;
        }
      }
      if (entry.profiles !== undefined) parsed.profiles = readStringList(entry.profiles, `${field}.profiles`);
      if (entry.regions !== undefined) parsed.regions = readStringList(entry.regions, `${field}.regions`);
      return parsed;
    });
  }
  return policy;
}

/**
 * Reads a JSON policy file and checks it with parsePolicy. Throws CommandError (INVALID_POLICY) for unreadable
 * files, bad JSON or a bad field.
 */
export function loadPolicyFile(path: string): Policy {
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
  return parsePolicy(value);
}

const strictness: Record<DecisionAction, number> = { allow: 0, confirm: 1, deny: 2 };

/** The strictest rule matching `action` under the effective profile and region, with its id. */
export function findDecidingRule(
  policy: Policy,
  target: { action: string; profile: string | undefined; region: string | undefined },
): { rule: PolicyRule; id: string } | undefined {
  let best: { rule: PolicyRule; id: string } | undefined;
  (policy.rules ?? []).forEach((rule, index) => {
    if (!rule.actions.some((glob) => matchesGlob(glob, target.action))) return;
    const restrictive = rule.effect !== 'allow';
    const inScope = (globs: string[] | undefined, value: string | undefined) =>
      globs === undefined ||
      (value === undefined ? restrictive : globs.some((glob) => matchesGlob(glob, value)));
    if (!inScope(rule.profiles, target.profile) || !inScope(rule.regions, target.region)) return;
    if (best === undefined || strictness[rule.effect] > strictness[best.rule.effect]) {
      best = { rule, id: rule.id ?? `rules[${index}]` };
    }
  });
  return best;
}
