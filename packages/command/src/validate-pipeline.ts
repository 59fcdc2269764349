import { type Classification, classifyAwsStage } from './classify.js';
import { CommandError } from './command-error.js';
import type { Pipeline } from './parse-command-line.js';

/** How much the server lets run without asking. */
export type PolicyMode = 'read-only' | 'confirm-writes' | 'full';

/** What the policy says about one pipeline. */
export type DecisionAction = 'allow' | 'confirm' | 'deny';

/** Which settings decide what may run. */
export interface Policy {
  mode: PolicyMode;
  /** Endpoint URLs allowed besides loopback ones, e.g. the configured AWS_ENDPOINT_URL. */
  allowedEndpoints?: string[];
}

/** The caller's side of a call: settings from outside the command line. */
export interface ValidationContext {
  /** The profile the call runs with, when the caller chose one (tool argument or environment). */
  profile?: string;
  /** The region the call runs with, when the caller chose one. */
  region?: string;
}

/** The verdict on a pipeline: what to do, which rule decided, and the effective settings it was judged on. */
export interface Decision {
  action: DecisionAction;
  /** The rule that decided, e.g. `mode:read-only`. */
  rule: string;
  /** One sentence for the person or the model. */
  reason: string;
  classification: Classification;
  profile: string | undefined;
  region: string | undefined;
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
  'history:': 'it shows past commands with their arguments',
  'sso:login': 'it waits for a person at a browser; run `aws sso login` yourself in a terminal',
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
  'eks:update-kubeconfig': 'it rewrites the local kubeconfig',
  'ecr:get-login': 'it prints a docker login command',
};

const secretConfigKeys = /^(aws_)?(secret_access_key|session_token|security_token|access_key_id)$/;

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

/**
 * Judges a parsed pipeline against a policy: refused commands throw CommandError (FORBIDDEN_AWS_COMMAND,
 * FORBIDDEN_ENDPOINT, CONFLICTING_SETTING); otherwise the Decision says allow, confirm or deny and which rule said so.
 */
export function validatePipeline(
  pipeline: Pipeline,
  policy: Policy,
  context: ValidationContext = {},
): Decision {
  const { aws } = pipeline;
  checkSameSetting('profile', aws.globals.profile, context.profile);
  checkSameSetting('region', aws.globals.region, context.region);
  const action = `${aws.service ?? ''}:${aws.operation ?? ''}`;
  if (!aws.isHelp) {
    const forbidden =
      forbiddenAwsCommands[action] ??
      (aws.service === 'history' ? forbiddenAwsCommands['history:'] : undefined);
    if (forbidden !== undefined) {
      throw new CommandError({
        code: 'FORBIDDEN_AWS_COMMAND',
        token: `aws ${aws.service} ${aws.operation ?? ''}`.trim(),
        message: `\`aws ${aws.service} ${aws.operation ?? ''}\` is not run by this server: ${forbidden}.`,
      });
    }
    if (
      aws.service === 'configure' &&
      aws.operation === 'get' &&
      secretConfigKeys.test(aws.positionals[0] ?? '')
    ) {
      throw new CommandError({
        code: 'FORBIDDEN_AWS_COMMAND',
        token: `aws configure get ${aws.positionals[0]}`,
        message:
          'Reading secret keys from the CLI configuration is refused; `aws sts get-caller-identity` tells who you are.',
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
  const classification = classifyAwsStage(aws);
  const profile = aws.globals.profile ?? context.profile;
  const region = aws.globals.region ?? context.region;
  const base = { classification, profile, region };
  if (classification.accessClass === 'read' || policy.mode === 'full') {
    return {
      ...base,
      action: 'allow',
      rule: `mode:${policy.mode}`,
      reason: `${classification.action} is a ${classification.accessClass}, allowed in ${policy.mode} mode`,
    };
  }
  if (policy.mode === 'read-only') {
    return {
      ...base,
      action: 'deny',
      rule: 'mode:read-only',
      reason: `${classification.action} is a ${classification.accessClass} (${classification.reason}); the server runs in read-only mode. Ask the user to switch to confirm-writes or full mode (AWS_MCP_MODE) to run it.`,
    };
  }
  return {
    ...base,
    action: 'confirm',
    rule: 'mode:confirm-writes',
    reason: `${classification.action} is a ${classification.accessClass} (${classification.reason}); it runs only after the user agrees`,
  };
}
