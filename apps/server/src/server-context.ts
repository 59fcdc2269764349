import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  type AwsContext,
  type AwsRegionList,
  type AwsSetup,
  type AwsSetupWatcher,
  findBotocoreDataDir,
  listRegions,
  readAwsSetup,
  resolveAwsContext,
  watchAwsSetup,
} from '@aws-mcp/aws-config';
import {
  type Catalog,
  loadCatalogForCli,
  loadPolicyFile,
  loadSnapshotCatalog,
  type Policy,
  parseCommandLine,
} from '@aws-mcp/command';
import {
  type AwsCliStatus,
  checkAwsCli,
  createPipelineLimiter,
  type RunPipelineOptions,
  runPipeline,
  type SandboxSelection,
  selectSandbox,
} from '@aws-mcp/executor';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { type AuditLog, openAuditLog } from './audit-log.js';
import type { ServerConfig } from './config.js';

/**
 * What every MCP session of one server process shares: the settings, the AWS CLI check, the sandbox, the policy,
 * the live AWS setup, the catalog and the audit log. Sessions (one per stdio connection or HTTP session) are
 * cheap McpServer objects built on it.
 */
export interface ServerContext {
  config: ServerConfig;
  env: NodeJS.ProcessEnv;
  /** Started when the server starts, awaited by the first call that needs the CLI, so start-up never waits. */
  awsCli: Promise<AwsCliStatus>;
  sandbox: SandboxSelection;
  /** The policy from AWS_MCP_POLICY_FILE (if any) with the mode, endpoint and profile settings applied. */
  policy: Policy;
  /** The installed CLI's catalog once known, the committed snapshot until then. */
  catalog(): Catalog;
  /** The AWS setup as last read; edits to the files are picked up without a restart. */
  setup(): AwsSetup;
  /** Every region of every partition, from the installed CLI's data (read once). */
  regions(): Promise<AwsRegionList>;
  /**
   * The profile, region and credential source a call runs with: the server's defaults, or with `profile` (one
   * the call chose) that profile's, its region resolved as `aws --profile NAME` would.
   */
  awsContext(profile?: string): AwsContext;
  /** Options every pipeline runs with for `profile`; a call adds its region, timeout, caps and signal. */
  runOptions(profile?: string): RunPipelineOptions;
  audit: AuditLog | undefined;
  /**
   * The caller identity of a profile (`aws sts get-caller-identity`), cached for five minutes; `error` says why
   * it is unknown. Never throws.
   */
  lookupAccount(profile: string): Promise<AccountIdentity>;
  /** Help texts by CLI version and topic, so a repeated `aws_cli_help` costs no process. */
  helpCache: Map<string, string>;
  /** The servers of the open sessions, so log lines reach clients too. */
  sessions: Set<McpServer>;
  /**
   * Writes one line to stderr (never stdout: on stdio it carries the protocol) and sends it to every open session
   * as an MCP logging notification.
   */
  log(message: string, level?: 'info' | 'warning' | 'error'): void;
  close(): Promise<void>;
}

/** Who the credentials of a profile belong to. */
export interface AccountIdentity {
  profile: string;
  account?: string;
  arn?: string;
  userId?: string;
  error?: string;
}

const accountCacheMs = 5 * 60_000;

/** Thrown when the server cannot start as configured (sandbox required but missing, bad policy file). */
export class StartupError extends Error {
  readonly code = 'STARTUP_FAILED';
}

function buildPolicy(config: ServerConfig): Policy {
  const fromFile: Policy | undefined =
    config.policyFile === undefined ? undefined : loadPolicyFile(config.policyFile);
  const mode = config.modeExplicit || fromFile === undefined ? config.mode : fromFile.mode;
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

/**
 * Builds the shared context: checks the AWS CLI in the background, chooses the sandbox, loads the policy, reads
 * and watches the AWS setup. Throws StartupError when the settings cannot be honoured.
 */
export async function createServerContext({
  config,
  env,
  awsCli = checkAwsCli({ env }),
  log: writeLine = (message: string) => process.stderr.write(`aws-mcp: ${message}\n`),
}: {
  config: ServerConfig;
  env: NodeJS.ProcessEnv;
  awsCli?: Promise<AwsCliStatus>;
  log?: (message: string) => void;
}): Promise<ServerContext> {
  const sessions = new Set<McpServer>();
  const log = (message: string, level: 'info' | 'warning' | 'error' = 'info') => {
    writeLine(message);
    for (const session of sessions) {
      if (!session.isConnected()) continue;
      session.sendLoggingMessage({ level, logger: 'aws-mcp', data: message }).catch(() => {});
    }
  };
  let policy: Policy;
  try {
    policy = buildPolicy(config);
  } catch (error) {
    throw new StartupError(`AWS_MCP_POLICY_FILE: ${error instanceof Error ? error.message : String(error)}`);
  }
  let sandbox: SandboxSelection;
  try {
    sandbox = await selectSandbox({ mode: config.sandbox, env });
  } catch (error) {
    throw new StartupError(error instanceof Error ? error.message : String(error));
  }
  if (sandbox.unavailableReason !== undefined)
    log(`no sandbox: ${sandbox.unavailableReason}; commands run unconfined`, 'warning');

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

  let catalog = loadSnapshotCatalog();
  awsCli.then((status) => {
    if (!status.available || status.version === catalog.version) return;
    const location = findBotocoreDataDir({ env, awsPath: status.path });
    if (location === undefined) return;
    try {
      catalog = loadCatalogForCli({
        dataDirectory: location.dataDir,
        version: status.version,
        cacheDirectory: join(
          env.XDG_CACHE_HOME || join(env.HOME ?? homedir(), '.cache'),
          'aws-mcp',
          'catalog',
        ),
      });
    } catch (error) {
      log(
        `could not read the installed CLI's models, using the built-in catalog: ${String(error)}`,
        'warning',
      );
    }
  });

  let regions: Promise<AwsRegionList> | undefined;
  const accounts = new Map<string, { at: number; identity: Promise<AccountIdentity> }>();
  const limiter = createPipelineLimiter({ maxConcurrent: config.maxConcurrent });
  const audit = config.auditLog === undefined ? undefined : await openAuditLog(config.auditLog);

  const context: ServerContext = {
    config,
    env,
    awsCli,
    sandbox,
    policy,
    catalog: () => catalog,
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
      sandbox: sandbox.sandbox,
      credentialsMode: config.sandboxCredentials,
      maskSecrets: config.maskSecrets,
      limiter,
      // Files the profile chain points to (credential_process, web identity token, CA bundle) for the sandbox.
      readOnlyPaths: resolveAwsContext({ env, setup, profile }).bindPaths,
    }),
    audit,
    lookupAccount(profile) {
      const cached = accounts.get(profile);
      if (cached !== undefined && Date.now() - cached.at < accountCacheMs) return cached.identity;
      const identity = readCallerIdentity(context, profile);
      accounts.set(profile, { at: Date.now(), identity });
      identity.then((value) => {
        // An error (expired credentials, no STS on an emulator) is retried after a minute, not five.
        const entry = accounts.get(profile);
        if (value.error !== undefined && entry !== undefined) entry.at = Date.now() - accountCacheMs + 60_000;
      });
      return identity;
    },
    helpCache: new Map(),
    sessions,
    log,
    close: async () => {
      await watcher?.close();
      await audit?.close();
    },
  };
  return context;
}

async function readCallerIdentity(context: ServerContext, profile: string): Promise<AccountIdentity> {
  const cli = await context.awsCli;
  if (!cli.available) return { profile, error: cli.message };
  try {
    const result = await runPipeline(parseCommandLine('aws sts get-caller-identity --output json'), {
      ...context.runOptions(profile),
      profile,
      region: context.awsContext(profile).region.name,
      timeoutMs: 15_000,
    });
    if (result.status !== 'success') {
      return { profile, error: result.stderr.trim().split('\n').pop() || `aws exited ${result.exitCode}` };
    }
    const identity = JSON.parse(result.output) as { Account?: string; Arn?: string; UserId?: string };
    return { profile, account: identity.Account, arn: identity.Arn, userId: identity.UserId };
  } catch (error) {
    return { profile, error: error instanceof Error ? error.message : String(error) };
  }
}
