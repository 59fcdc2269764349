import { tmpdir } from 'node:os';
import {
  type AwsContext,
  type AwsRegionList,
  type AwsSetup,
  type AwsSetupWatcher,
  listRegions,
  readAwsSetup,
  resolveAwsContext,
  watchAwsSetup,
} from '@aws-mcp/aws-config';
import { type Catalog, type CliModel, isProfileAllowed, loadPolicyFile, type Policy } from '@aws-mcp/command';
import {
  type AccountIdentity,
  type ApprovalStore,
  type AwsCliStatus,
  checkAwsCli,
  checkModelCacheApart,
  cliModelCacheDirectory,
  createAccountLookup,
  createApprovalStore,
  createPipelineLimiter,
  createResultsStore,
  defaultAwsCliRetryMs,
  ExecutionError,
  learnCliCatalog,
  learnCliModel,
  maskSecrets,
  planWarmCli,
  type ResultsStore,
  type RunPipelineOptions,
  type SandboxSelection,
  selectSandbox,
  sweepStaleCliCaches,
  type WarmCliStatus,
  watchAwsCli,
} from '@aws-mcp/executor';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { checkSecretsFolderApart, prepareSecretsFolder, resolveSecretsFolder } from './_secrets-folder.js';
import { type AuditLog, openAuditLog } from './audit-log.js';
import { ConfigError, choosePolicyMode, type ServerConfig } from './config.js';
import { serverVersion } from './server.js';

/**
 * What every MCP session of one server process shares: the settings, the AWS CLI check, the sandbox, the policy,
 * the live AWS setup, the catalog and the audit log. Sessions (one per stdio connection or HTTP session) are
 * cheap McpServer objects built on it.
 */
export interface ServerContext {
  config: ServerConfig;
  env: NodeJS.ProcessEnv;
  /**
   * The AWS CLI check: started when the server starts and awaited by the first call that needs the CLI, so start-up
   * never waits. A success is kept; after a failure (no CLI yet, a check that timed out on a busy machine) a later
   * read checks again, at most once every `retryAfterMs` and never twice at once, and waits for that check.
   */
  awsCli(): Promise<AwsCliStatus>;
  /** Settles with the first successful AWS CLI check, at start-up or a later one; never rejects. */
  awsCliFound: Promise<Extract<AwsCliStatus, { available: true }>>;
  sandbox: SandboxSelection;
  /**
   * The policy from AWS_MCP_POLICY_FILE (if any) with the mode, endpoint and profile settings applied; without an
   * active sandbox its mode is read-only unless AWS_MCP_MODE or the policy file sets one.
   */
  policy: Policy;
  /** The protections this run lacks, in words for the start-up line and aws://config/environment; empty when none. */
  protectionsOff: string[];
  /** The installed CLI's catalog once known, the committed snapshot until then. */
  catalog(): Catalog;
  /**
   * The installed CLI's argument model, which every command is read with. Throws CommandError
   * (CLI_MODEL_UNAVAILABLE) while it is being learned or when it cannot be, saying which.
   */
  cliModel(): Promise<CliModel>;
  /** The AWS setup as last read; edits to the files are picked up without a restart. */
  setup(): AwsSetup;
  /** Every region of every partition, from the installed CLI's data (read once). */
  regions(): Promise<AwsRegionList>;
  /**
   * The profile, region and credential source a call runs with: the server's defaults, or with `profile` (one
   * the call chose) that profile's, its region resolved as `aws --profile NAME` would.
   */
  awsContext(profile?: string): AwsContext;
  /**
   * Options every pipeline runs with for `profile` (or for a context already resolved for the call, so it is not
   * resolved again; `null`: without the profile's files, which the executor's flow adds from its own resolution);
   * a call adds its region, timeout, caps and signal.
   */
  runOptions(profile?: string | AwsContext | null): RunPipelineOptions;
  audit: AuditLog | undefined;
  /** Where unmasked output is saved (AWS_MCP_SECRETS_DIR): private, apart from the working directory. */
  secretsFolder: string;
  /**
   * The caller identity of a profile (`aws sts get-caller-identity`), cached for five minutes; `error` says why
   * it is unknown. Never throws.
   */
  lookupAccount(profile: string): Promise<AccountIdentity>;
  /** Help texts by CLI version and topic, so a repeated `aws_cli_help` costs no process. */
  helpCache: Map<string, string>;
  /** The servers of the open sessions, so log lines reach clients too. */
  sessions: Set<McpServer>;
  /** Standing approvals by session (its McpServer), granted only by the consent form, ended with the session. */
  approvals: ApprovalStore;
  /** Cut outputs kept (masked) by session (its McpServer) for aws://results/{id} and `fromResult`. */
  results: ResultsStore;
  /**
   * Writes one line to stderr (never stdout: on stdio it carries the protocol) and sends it to every open session
   * as an MCP logging notification.
   */
  log(message: string, level?: 'info' | 'warning' | 'error'): void;
  /** AWS_MCP_WARM_CLI: whether the aws stage runs in a warm CLI's forked children, and why not when it cannot. */
  warmCli: { state: 'on' | 'off'; reason?: string } & Partial<WarmCliStatus>;
  close(): Promise<void>;
}

/** Thrown when the server cannot start as configured (sandbox required but missing, bad policy file). */
export class StartupError extends Error {
  readonly code = 'STARTUP_FAILED';
}

/**
 * The policy: the file's, with the mode set by AWS_MCP_MODE, else by the file, else the default — read-only where no
 * sandbox confines the commands (`sandboxed: false`), so writes never run unconfined unless the person chose so.
 */
function buildPolicy(config: ServerConfig, sandboxed: boolean): Policy {
  const fromFile = config.policyFile === undefined ? undefined : loadPolicyFile(config.policyFile);
  const mode = choosePolicyMode({ chosen: config.mode, fromFile: fromFile?.mode, sandboxed });
  return {
    ...fromFile,
    mode,
    allowedEndpoints: [
      ...(fromFile?.allowedEndpoints ?? []),
      ...(config.endpointUrl === undefined ? [] : [config.endpointUrl]),
    ],
    ...(config.profiles === undefined ? {} : { allowedProfiles: config.profiles }),
  };
}

/** What this run lacks: the sandbox (and so its limits), the limits it cannot apply, secret masking. */
function listProtectionsOff(config: ServerConfig, sandbox: SandboxSelection): string[] {
  const off: string[] = [];
  if (sandbox.sandbox.name === 'none') {
    off.push(
      `sandbox (${sandbox.unavailableReason ?? 'AWS_MCP_SANDBOX=disabled'}), and with it every stage limit`,
    );
  } else if (sandbox.sandbox.limitsOff === undefined) {
    off.push(`stage limits (${sandbox.sandbox.name} applies none)`);
  }
  for (const limit of sandbox.sandbox.limitsOff ?? []) off.push(`${limit.limit} limit (${limit.reason})`);
  if (!config.maskSecrets) off.push('secret masking (AWS_MCP_MASK_SECRETS=false)');
  return off;
}

/**
 * Builds the shared context: checks the AWS CLI in the background, chooses the sandbox, loads the policy, reads
 * and watches the AWS setup. Throws StartupError when the settings cannot be honoured.
 */
export async function createServerContext({
  config,
  env,
  awsCliCheck: { timeoutMs: checkTimeoutMs = 30_000, retryAfterMs = defaultAwsCliRetryMs } = {},
  log: writeLine = (message: string) => process.stderr.write(`aws-mcp: ${message}\n`),
}: {
  config: ServerConfig;
  env: NodeJS.ProcessEnv;
  /** How long `aws --version` may take, and how long after a failed check the next one may start. */
  awsCliCheck?: { timeoutMs?: number; retryAfterMs?: number };
  log?: (message: string) => void;
}): Promise<ServerContext> {
  const secretsFolder = resolveSecretsFolder(env);
  try {
    checkModelCacheApart({
      workdir: config.workdir,
      cacheDirectory: cliModelCacheDirectory(env),
      workdirSetting: 'AWS_MCP_WORKDIR',
    });
    checkSecretsFolderApart({ workdir: config.workdir, folder: secretsFolder });
    prepareSecretsFolder(secretsFolder);
  } catch (error) {
    if (ExecutionError.isInstance(error)) throw new StartupError(error.message, { cause: error });
    throw error;
  }
  const sessions = new Set<McpServer>();
  const log = (line: string, level: 'info' | 'warning' | 'error' = 'info') => {
    // Log lines may quote a CLI's message or a path; they go through the same masking engine as output.
    const message = maskSecrets(line).text;
    writeLine(message);
    for (const session of sessions) {
      if (!session.isConnected()) continue;
      // With its transport's session id, so the level that session set (logging/setLevel) applies.
      session
        .sendLoggingMessage({ level, logger: 'aws-mcp', data: message }, session.server.transport?.sessionId)
        .catch(() => {});
    }
  };
  // A server killed mid-call (or crashed) never removed its calls' private cache copies: start-up does.
  void sweepStaleCliCaches().then((removed) => {
    if (removed.length > 0)
      log(`removed ${removed.length} cache folder(s) that calls of stopped processes left in ${tmpdir()}`);
  });
  // The probe starts bubblewrap: it runs while the AWS files are read.
  const sandboxChoice = selectSandbox({ mode: config.sandbox, env, limits: config.sandboxLimits });
  sandboxChoice.catch(() => {});
  // The watcher's own first read is the starting setup, so an edit made while it starts is never lost.
  let setup: AwsSetup;
  let watcher: AwsSetupWatcher | undefined;
  try {
    watcher = watchAwsSetup({
      env,
      onChange: (next) => {
        setup = next;
        log(
          `the AWS files changed; profiles now: ${next.profiles.map((profile) => profile.name).join(', ') || 'none'}`,
        );
      },
      onError: () => {},
    });
    setup = await watcher.ready;
  } catch {
    watcher?.close();
    watcher = undefined;
    setup = await readAwsSetup({ env });
  }
  let sandbox: SandboxSelection;
  try {
    sandbox = await sandboxChoice;
    // The executor names its own modes; the person sets them with the server's setting.
    if (sandbox.mode === 'disabled') sandbox = { ...sandbox, description: 'none (AWS_MCP_SANDBOX=disabled)' };
  } catch (error) {
    watcher?.close();
    const message = error instanceof Error ? error.message : String(error);
    throw new StartupError(
      message
        .replace('The sandbox mode is `required`', 'AWS_MCP_SANDBOX=required')
        .replace('choose the mode `auto`', 'set AWS_MCP_SANDBOX=auto'),
    );
  }
  const sandboxed = sandbox.sandbox.name !== 'none';
  let policy: Policy;
  try {
    policy = buildPolicy(config, sandboxed);
  } catch (error) {
    watcher?.close();
    // A policy file that cannot be used is a bad setting, as a bad variable is (exit 2).
    throw new ConfigError({
      variable: 'AWS_MCP_POLICY_FILE',
      message: `AWS_MCP_POLICY_FILE: ${error instanceof Error ? error.message : String(error)}`,
      cause: error,
    });
  }
  const protectionsOff = listProtectionsOff(config, sandbox);
  if (sandbox.unavailableReason !== undefined)
    log(`no sandbox: ${sandbox.unavailableReason}; commands run unconfined`, 'warning');
  for (const off of sandbox.sandbox.limitsOff ?? []) {
    log(`sandbox limit off: ${off.limit} (${off.reason})`, 'warning');
  }
  if (!sandboxed && policy.mode === 'read-only' && config.mode === undefined) {
    log('no sandbox, so the mode is read-only; set AWS_MCP_MODE to run writes without one', 'warning');
  }

  const defaultProfile = resolveAwsContext({ env, setup }).profile;
  if (!isProfileAllowed(policy.allowedProfiles, defaultProfile.name)) {
    log(
      `the default profile ${defaultProfile.name} (${defaultProfile.source === 'default' ? 'no AWS_PROFILE' : defaultProfile.source}) ` +
        `is not in the profile allowlist (${(policy.allowedProfiles ?? []).join(', ')}): a call that names no profile ` +
        'is refused; set AWS_PROFILE to an allowed profile',
      'warning',
    );
  }

  const awsCli = watchAwsCli({
    check: () =>
      checkAwsCli({
        env,
        awsCli: config.awsCli,
        awsCliSetting: 'AWS_MCP_AWS_CLI',
        programName: 'this server',
        timeoutMs: checkTimeoutMs,
      }),
    retryAfterMs,
    names: { checker: 'The server', awsCliSetting: 'AWS_MCP_AWS_CLI' },
    // Started once the transport is up (index.ts) or by the first call: initialize never waits for Python.
    firstCheck: 'first-read',
  });
  const catalog = learnCliCatalog({ awsCli, env, report: log });
  const models = learnCliModel({ awsCli, env, report: log, programName: 'the server' });

  let regions: Promise<AwsRegionList> | undefined;
  const limiter = createPipelineLimiter({ maxConcurrent: config.maxConcurrent });
  const audit = config.auditLog === undefined ? undefined : await openAuditLog(config.auditLog);

  const planned =
    config.warmCli === 'on'
      ? planWarmCli({
          sandbox: sandbox.sandbox,
          env,
          workdirs: [config.workdir],
          credentialsMode: config.sandboxCredentials,
          awsCli: config.awsCli,
          readOnlyPaths: config.sandboxReadPaths,
        })
      : { reason: 'AWS_MCP_WARM_CLI=off' };
  const warmCli = 'warmCli' in planned ? planned.warmCli : undefined;
  if ('reason' in planned && config.warmCli === 'on') log(`warm CLI off: ${planned.reason}`, 'warning');

  // The same flow as every call (judged by the policy, preflighted), chosen profile and all.
  const accounts = createAccountLookup({
    runOptions: async () => ({
      ...context.runOptions(null),
      model: await context.cliModel(),
      policy,
      setup,
      cliStatus: awsCli.current(),
      catalog: catalog.current(),
    }),
  });
  const context: ServerContext = {
    config,
    env,
    awsCli: () => awsCli.current(),
    awsCliFound: awsCli.available,
    sandbox,
    policy,
    protectionsOff,
    catalog: () => catalog.current(),
    cliModel: () => models.current(),
    setup: () => setup,
    awsContext: (profile) => resolveAwsContext({ env, setup, profile }),
    regions: () => {
      regions ??= listRegions({ env });
      return regions;
    },
    runOptions: (profile) => ({
      cwd: config.workdir,
      env,
      endpointUrl: config.endpointUrl,
      awsCli: config.awsCli,
      sandbox: sandbox.sandbox,
      credentialsMode: config.sandboxCredentials,
      maskSecrets: config.maskSecrets,
      limiter,
      // Facts for the executor, which alone decides what the aws stage sees (none of it with credentials=env).
      ...(profile === null
        ? {}
        : {
            profileFiles: (typeof profile === 'object' ? profile : resolveAwsContext({ env, setup, profile }))
              .profileFiles,
          }),
      cliCacheFiles: setup.cliCacheFiles,
      readOnlyPaths: config.sandboxReadPaths,
      ...(warmCli === undefined ? {} : { warmCli }),
      // Every call's user agent says `exec-env/aws-mcp-<version>`, for CloudTrail.
      agentVersion: serverVersion,
    }),
    audit,
    secretsFolder,
    lookupAccount: (profile) => accounts.lookup(profile),
    helpCache: new Map(),
    sessions,
    approvals: createApprovalStore(),
    results: createResultsStore({
      sessionBytes: config.results.sessionBytes,
      totalBytes: config.results.totalBytes,
      ttlMs: config.results.ttlSeconds * 1000,
    }),
    log,
    get warmCli() {
      if (warmCli === undefined)
        return { state: 'off' as const, reason: (planned as { reason: string }).reason };
      // A call the warm sandbox cannot run (a bind it lacks) runs cold; the latest such reason is shown.
      // The interpreter starts with the first warm call: until then `running` is false and `version` null.
      return warmCli.lastRefusal === undefined
        ? { state: 'on' as const, ...warmCli.status }
        : {
            state: 'on' as const,
            reason: `some calls run cold: ${warmCli.lastRefusal}`,
            ...warmCli.status,
          };
    },
    close: async () => {
      await warmCli?.stop();
      await watcher?.close();
      // Their background work writes into the cache folder under HOME: ended before the caller removes anything.
      await models.close();
      await catalog.close();
      await audit?.close();
    },
  };
  return context;
}
