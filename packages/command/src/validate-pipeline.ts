import { existsSync } from 'node:fs';
import { type LocalPath, resolveLocalPaths } from './_local-paths.js';
import { type Catalog, loadSnapshotCatalog } from './catalog.js';
import { type Classification, classifyAwsStage, findCatalogOperation } from './classify.js';
import { CommandError } from './command-error.js';
import type { Pipeline } from './parse-command-line.js';
import {
  type DecisionAction,
  findDecidingRule,
  isProfileAllowed,
  matchesGlob,
  type Policy,
} from './policy.js';
import { isSecretConfigKey } from './secret-words.js';

export type { DecisionAction, Policy, PolicyMode, PolicyRule } from './policy.js';

/** The caller's side of a call: settings from outside the command line. */
export interface ValidationContext {
  /** The profile the call runs with, when the caller chose one (tool argument or AWS_PROFILE). */
  profile?: string;
  /** The region the call runs with, when the caller chose one. */
  region?: string;
  /**
   * The absolute working directory the executor runs the CLI in (cwd). Every local path on the line must resolve
   * inside it; without it, any local path is refused.
   */
  workdir?: string;
  /** The command catalog to classify with, e.g. from loadCatalogForCli; defaults to the committed snapshot. */
  catalog?: Catalog;
  /**
   * The role ARN the call runs under (for rules with `roles`): the role it assumes, or the one its profile
   * assumes; `null` when it runs under none; left out when that is unknown.
   */
  role?: string | null;
}

/** The verdict on a pipeline: what to do, which rule decided, and the effective settings it was judged on. */
export interface Decision {
  action: DecisionAction;
  /** The rule that decided, e.g. `mode:read-only`, `rules[0]`, `profile-allowlist`. */
  rule: string;
  /** One sentence for the person or the model. */
  reason: string;
  classification: Classification;
  profile: string | undefined;
  region: string | undefined;
  /** Local files and directories the CLI will read or write, resolved inside the workdir, for the sandbox to bind. */
  localPaths: LocalPath[];
}

/** AWS CLI commands that change the CLI's own setup, start local programs, or wait for a person. */
const forbiddenAwsCommands: Record<string, string> = {
  'configure:set': 'it changes the CLI configuration',
  'configure:import': 'it changes the CLI configuration',
  'configure:export-credentials': 'it prints credentials',
  'configure:add-model': 'it changes the CLI installation',
  'configure:sso': 'it waits for a person at a browser',
  'configure:sso-session': 'it waits for a person at a browser',
  'configure:': 'it waits for a person at a terminal',
  'history:*': 'it shows past commands with their arguments',
  'sso:login': 'it waits for a person at a browser; run `aws sso login` yourself in a terminal',
  'sso:logout': 'it removes the cached sign-in of the person using this machine',
  'ssm:start-session': 'it starts an interactive session',
  'ecs:execute-command': 'it starts an interactive session',
  'emr:ssh': 'it starts a local ssh client',
  'emr:socks': 'it starts a local ssh client',
  'emr:get': 'it starts a local scp client',
  'emr:put': 'it starts a local scp client',
  'opsworks:register': 'it runs programs on a host',
  'deploy:install': 'it installs an agent on this machine',
  'deploy:uninstall': 'it removes an agent from this machine',
  'codeartifact:login': 'it rewrites local package-manager configuration',
  'codecommit:credential-helper': 'it is a git credential helper that prints credentials',
  'eks:update-kubeconfig': 'it rewrites the local kubeconfig',
  'ecr:get-login': 'it prints a docker login command',
  'logs:start-live-tail': 'it streams until a person interrupts it; use `aws logs filter-log-events` instead',
};

function isLoopbackUrl(url: string): boolean {
  try {
    const { hostname, protocol } = new URL(url);
    if (protocol !== 'http:' && protocol !== 'https:') return false;
    return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
  } catch {
    return false;
  }
}

function checkSameSetting(
  name: 'profile' | 'region',
  fromLine: string | undefined,
  fromContext: string | undefined,
): void {
  if (fromLine !== undefined && fromContext !== undefined && fromLine !== fromContext) {
    throw new CommandError({
      code: 'CONFLICTING_SETTING',
      token: `--${name}`,
      message: `The ${name} is given twice: \`--${name} ${fromLine}\` on the command line and \`${fromContext}\` from the call. Give it once.`,
    });
  }
}

function forbiddenReason(service: string, operation: string | undefined, positional: string | undefined) {
  if (service === 'history') return forbiddenAwsCommands['history:*'];
  const reason = forbiddenAwsCommands[`${service}:${operation ?? ''}`];
  if (reason !== undefined) return reason;
  // `configure get` names a key as `NAME`, `PROFILE.NAME` or `profile.PROFILE.NAME`: the last segment decides.
  if (
    service === 'configure' &&
    operation === 'get' &&
    isSecretConfigKey(positional?.split('.').pop() ?? '')
  ) {
    return 'it reads secrets or credential commands from the CLI configuration; `aws sts get-caller-identity` tells who you are';
  }
  return undefined;
}

/** A name beside a file that does not exist yet (`report.txt` → `report-1.txt`), for the refusal to suggest. */
function freshName(path: LocalPath): string {
  const withSuffix = (name: string, suffix: string) => {
    const dot = name.lastIndexOf('.');
    const slash = name.lastIndexOf('/');
    return dot > slash + 1 ? `${name.slice(0, dot)}${suffix}${name.slice(dot)}` : `${name}${suffix}`;
  };
  for (let index = 1; index < 1000; index++) {
    if (!existsSync(withSuffix(path.resolved, `-${index}`))) return withSuffix(path.written, `-${index}`);
  }
  return withSuffix(path.written, '-new');
}

/**
 * A download or outfile onto a file that exists destroys it, so a read that would do so counts as a write: refused
 * in read-only mode, asked in confirm-writes, with a new name suggested.
 */
function withOverwrites(classification: Classification, localPaths: readonly LocalPath[]): Classification {
  if (classification.accessClass !== 'read') return classification;
  const overwritten = localPaths.find((path) => path.access === 'write' && existsSync(path.resolved));
  if (overwritten === undefined) return classification;
  const fresh = freshName(overwritten);
  return {
    ...classification,
    accessClass: 'write',
    reason: `it overwrites the existing local file \`${overwritten.written}\` (${overwritten.source}); to keep it, write to a new name such as \`${fresh}\``,
    standingApproval: {
      allowed: false,
      risk: 'destructive',
      rule: 'destructive:local-file',
      reason: `it overwrites the existing local file \`${overwritten.written}\``,
    },
  };
}

/**
 * Judges a parsed pipeline against a policy. Refused commands throw CommandError: FORBIDDEN_AWS_COMMAND,
 * FORBIDDEN_ENDPOINT, CONFLICTING_SETTING, PROFILE_NOT_ALLOWED, and for local paths WORKDIR_NOT_CONFIGURED,
 * LOCAL_PATH_OUTSIDE_WORKDIR, LOCAL_PATH_HIDDEN. Otherwise the Decision says allow, confirm or deny, which rule
 * said so, and which local paths the CLI will touch.
 */
export function validatePipeline(
  pipeline: Pipeline,
  policy: Policy,
  context: ValidationContext = {},
): Decision {
  const { aws } = pipeline;
  const catalog = context.catalog ?? loadSnapshotCatalog();
  checkSameSetting('profile', aws.globals.profile, context.profile);
  checkSameSetting('region', aws.globals.region, context.region);
  const service = catalog.aliases[aws.service ?? ''] ?? aws.service ?? '';
  const action = `${service}:${aws.operation ?? ''}`;
  if (!aws.isHelp && aws.service !== undefined) {
    const forbidden = forbiddenReason(service, aws.operation, aws.positionals[0]);
    const allowed = (policy.allowedCommands ?? []).some((glob) => matchesGlob(glob, action));
    if (forbidden !== undefined && !allowed) {
      const words = `aws ${aws.service} ${aws.operation ?? ''}`.trim();
      throw new CommandError({
        code: 'FORBIDDEN_AWS_COMMAND',
        token: words,
        message: `\`${words}\` is not run: ${forbidden}. A policy can allow it with "allowedCommands": ["${action}"].`,
      });
    }
  }
  const endpoint = aws.globals.endpointUrl;
  if (
    endpoint !== undefined &&
    !isLoopbackUrl(endpoint) &&
    !(policy.allowedEndpoints ?? []).includes(endpoint)
  ) {
    throw new CommandError({
      code: 'FORBIDDEN_ENDPOINT',
      token: endpoint,
      message: `\`--endpoint-url ${endpoint}\` is not allowed: only loopback endpoints and the configured AWS_ENDPOINT_URL are. Leave --endpoint-url out to use AWS itself.`,
    });
  }
  const profile = aws.globals.profile ?? context.profile;
  const region = aws.globals.region ?? context.region;
  if (policy.allowedProfiles !== undefined) {
    const effective = profile ?? 'default';
    if (!isProfileAllowed(policy.allowedProfiles, effective)) {
      throw new CommandError({
        code: 'PROFILE_NOT_ALLOWED',
        token: effective,
        message: `The profile \`${effective}\` is not allowed by the policy; use one of: ${policy.allowedProfiles.join(', ')}.`,
      });
    }
  }
  const localPaths = aws.isHelp
    ? []
    : resolveLocalPaths(aws, findCatalogOperation(catalog, aws), context.workdir);
  const classification = withOverwrites(classifyAwsStage(aws, catalog), localPaths);
  // Built field by field: spreading `base` into each outcome was a fifth of validating.
  const decide = (action: DecisionAction, rule: string, reason: string): Decision => ({
    action,
    rule,
    reason,
    classification,
    profile,
    region,
    localPaths,
  });
  const ruled = findDecidingRule(policy, {
    action: classification.action,
    profile,
    region,
    apiActions: classification.apiActions,
    accessClass: classification.accessClass,
    role: context.role,
  });
  if (ruled !== undefined) {
    const because = ruled.rule.reason === undefined ? '' : `: ${ruled.rule.reason}`;
    return decide(
      ruled.rule.effect,
      ruled.id,
      ruled.rule.effect === 'deny'
        ? `${classification.action} is denied by policy rule ${ruled.id}${because}.`
        : `${classification.action} is set to ${ruled.rule.effect} by policy rule ${ruled.id}${because}.`,
    );
  }
  if (classification.accessClass === 'read' || policy.mode === 'full') {
    return decide(
      'allow',
      `mode:${policy.mode}`,
      `${classification.action} is a ${classification.accessClass}, allowed in ${policy.mode} mode`,
    );
  }
  if (policy.mode === 'read-only') {
    return decide(
      'deny',
      'mode:read-only',
      `${classification.action} is a ${classification.accessClass} (${classification.reason}); the policy's mode is \`read-only\`, which runs reads only. To run it, the mode must be \`confirm-writes\` (it then asks the user) or \`full\`.`,
    );
  }
  return decide(
    'confirm',
    'mode:confirm-writes',
    `${classification.action} is a ${classification.accessClass} (${classification.reason}); it runs only after the user agrees`,
  );
}
