import { execFile } from 'node:child_process';
import { readFile, realpath } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
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
  type CliModel,
  CommandError,
  generateCliModel,
  indexFrozenCliModel,
  isProfileAllowed,
  loadCachedCliModel,
  loadCatalogForCliAsync,
  loadFrozenCliModel,
  loadPolicyFile,
  loadSnapshotCatalog,
  loadSnapshotCliModel,
  type Policy,
  readPythonFromShebang,
} from '@aws-mcp/command';
import {
  type ApprovalStore,
  type AwsCliStatus,
  checkAwsCli,
  createApprovalStore,
  createPipelineLimiter,
  createResultsStore,
  maskSecrets,
  planWarmCli,
  type ResultsStore,
  type RunPipelineOptions,
  runAwsCommand,
  type SandboxSelection,
  selectSandbox,
  sweepStaleCliCaches,
  type WarmCliStatus,
} from '@aws-mcp/executor';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  checkSecretsFolderApart,
  prepareSecretsFolder,
  resolveSecretsFolder,
  SecretsFolderError,
} from './_secrets-folder.js';
import { type AuditLog, openAuditLog } from './audit-log.js';
import { ConfigError, choosePolicyMode, type ServerConfig } from './config.js';
import { serverVersion } from './server.js';

const execFileAsync = promisify(execFile);

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

/** Who the credentials of a profile belong to. */
export interface AccountIdentity {
  profile: string;
  account?: string;
  arn?: string;
  userId?: string;
  error?: string;
}

const accountCacheMs = 5 * 60_000;

/** How long after a failed AWS CLI check the next one may start. */
const awsCliRetryMs = 10_000;

type AvailableCli = Extract<AwsCliStatus, { available: true }>;

/** The AWS CLI check as the server keeps it: the latest status, and the first success whenever it comes. */
interface AwsCliWatch {
  /**
   * The kept success; else the check under way; else, once `retryAfterMs` passed since the last check ended, a new
   * check; else the last failure. Never rejects.
   */
  current(): Promise<AwsCliStatus>;
  /** Settles with the first successful check (at start-up or a later one); never rejects. */
  available: Promise<AvailableCli>;
}

/**
 * Runs `check` now, keeps a success, and checks again after a failure when asked at least `retryAfterMs` after
 * it ended: a CLI installed (or repaired) while the server runs, or a check that timed out on a busy machine, is
 * found by a later call without a restart. A failure's message says when it is checked again.
 */
function keepCheckingAwsCli({
  check,
  retryAfterMs,
}: {
  check: () => Promise<AwsCliStatus>;
  retryAfterMs: number;
}): AwsCliWatch {
  let found!: (status: AvailableCli) => void;
  const available = new Promise<AvailableCli>((resolve) => {
    found = resolve;
  });
  const again =
    ` The server checks again at the next call from ${retryAfterMs / 1000} s after this check, so a CLI ` +
    'installed or repaired meanwhile is found without a restart (a changed AWS_MCP_AWS_CLI takes one).';
  let endedAt: number | undefined;
  const run = (): Promise<AwsCliStatus> => {
    endedAt = undefined;
    return check()
      .catch(
        (error: unknown): AwsCliStatus => ({
          available: false,
          path: undefined,
          message: `The AWS CLI could not be checked (${error instanceof Error ? error.message : String(error)}).`,
        }),
      )
      .then((status) => {
        endedAt = Date.now();
        if (status.available) {
          kept = status;
          found(status);
          return status;
        }
        return { ...status, message: `${status.message}${again}` };
      });
  };
  let kept: AvailableCli | undefined;
  let latest = run();
  return {
    current() {
      if (kept !== undefined) return Promise.resolve(kept);
      // endedAt is unset while a check runs: every caller then waits for that one.
      if (endedAt !== undefined && Date.now() - endedAt >= retryAfterMs) latest = run();
      return latest;
    },
    available,
  };
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
  awsCliCheck: { timeoutMs: checkTimeoutMs = 30_000, retryAfterMs = awsCliRetryMs } = {},
  log: writeLine = (message: string) => process.stderr.write(`aws-mcp: ${message}\n`),
}: {
  config: ServerConfig;
  env: NodeJS.ProcessEnv;
  /** How long `aws --version` may take, and how long after a failed check the next one may start. */
  awsCliCheck?: { timeoutMs?: number; retryAfterMs?: number };
  log?: (message: string) => void;
}): Promise<ServerContext> {
  checkModelCacheApart(config.workdir, cliModelCacheDirectory(env));
  const secretsFolder = resolveSecretsFolder(env);
  try {
    checkSecretsFolderApart({ workdir: config.workdir, folder: secretsFolder });
    prepareSecretsFolder(secretsFolder);
  } catch (error) {
    if (error instanceof SecretsFolderError) throw new StartupError(error.message, { cause: error });
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
  let sandbox: SandboxSelection;
  try {
    sandbox = await selectSandbox({ mode: config.sandbox, env, limits: config.sandboxLimits });
    // The executor names its own modes; the person sets them with the server's setting.
    if (sandbox.mode === 'disabled') sandbox = { ...sandbox, description: 'none (AWS_MCP_SANDBOX=disabled)' };
  } catch (error) {
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
  const defaultProfile = resolveAwsContext({ env, setup }).profile;
  if (!isProfileAllowed(policy.allowedProfiles, defaultProfile.name)) {
    log(
      `the default profile ${defaultProfile.name} (${defaultProfile.source === 'default' ? 'no AWS_PROFILE' : defaultProfile.source}) ` +
        `is not in the profile allowlist (${(policy.allowedProfiles ?? []).join(', ')}): a call that names no profile ` +
        'is refused; set AWS_PROFILE to an allowed profile',
      'warning',
    );
  }

  const awsCli = keepCheckingAwsCli({
    check: () =>
      checkAwsCli({
        env,
        awsCli: config.awsCli,
        awsCliSetting: 'AWS_MCP_AWS_CLI',
        programName: 'this server',
        timeoutMs: checkTimeoutMs,
      }),
    retryAfterMs,
  });

  let catalog = loadSnapshotCatalog();
  // Built asynchronously: regenerating it after a CLI upgrade reads every model, and the server keeps answering.
  awsCli.available.then(async (status) => {
    if (status.version === catalog.version) return;
    const location = findBotocoreDataDir({ env, awsPath: status.path });
    if (location === undefined) return;
    try {
      catalog = await loadCatalogForCliAsync({
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

  const models = learnCliModel({ awsCli, env, log });

  let regions: Promise<AwsRegionList> | undefined;
  const accounts = new Map<string, { at: number; identity: Promise<AccountIdentity> }>();
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

  const context: ServerContext = {
    config,
    env,
    awsCli: () => awsCli.current(),
    awsCliFound: awsCli.available,
    sandbox,
    policy,
    protectionsOff,
    catalog: () => catalog,
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
      await audit?.close();
    },
  };
  return context;
}

async function readCallerIdentity(context: ServerContext, profile: string): Promise<AccountIdentity> {
  try {
    // The same flow as every call (judged by the policy, preflighted), chosen profile and all.
    const result = await runAwsCommand('aws sts get-caller-identity --output json', {
      ...context.runOptions(null),
      profile,
      model: await context.cliModel(),
      policy: context.policy,
      setup: context.setup(),
      cliStatus: context.awsCli(),
      catalog: context.catalog(),
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

/**
 * Where models learned from an installed CLI are kept: the user's cache, apart from the default working directory
 * (`~/.cache/aws-mcp/workdir`), since what is read from there decides how every command is judged.
 */
export function cliModelCacheDirectory(env: NodeJS.ProcessEnv): string {
  return join(env.XDG_CACHE_HOME || join(env.HOME ?? homedir(), '.cache'), 'aws-mcp-cli-model');
}

/**
 * Refuses a working directory that is the model cache, holds it, lies in it or beside it: a command that may write
 * there could change the tables every later command is judged by.
 */
function checkModelCacheApart(workdir: string, cache: string): void {
  const work = resolve(workdir);
  const model = resolve(cache);
  const inside = (child: string, parent: string) => child === parent || child.startsWith(`${parent}${sep}`);
  if (inside(work, model) || inside(model, work) || dirname(work) === dirname(model)) {
    throw new StartupError(
      `The working directory ${work} is the CLI model cache ${model}, holds it, lies in it or beside it; ` +
        'commands could rewrite the tables they are judged by. Choose a working directory elsewhere (AWS_MCP_WORKDIR).',
    );
  }
}

/** The Python behind an `aws` script (pip or Debian install), through a pyenv shim; undefined for a frozen binary. */
async function findCliPython(awsPath: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const real = await realpath(awsPath).catch(() => awsPath);
  const head = await readFile(real, { encoding: 'latin1' }).then(
    (text) => text.slice(0, 2048),
    () => '',
  );
  const direct = readPythonFromShebang(head);
  if (direct !== undefined) return direct;
  if (!head.includes('pyenv')) return undefined;
  const found = await execFileAsync('pyenv', ['which', basename(real)], { env, timeout: 30_000 }).catch(
    () => undefined,
  );
  const target = found?.stdout.trim();
  if (target === undefined || target === '' || target === real) return undefined;
  const targetHead = await readFile(target, { encoding: 'latin1' }).then(
    (text) => text.slice(0, 2048),
    () => '',
  );
  return readPythonFromShebang(targetHead);
}

/**
 * Chooses the argument model for the installed CLI: the committed snapshot when it is of that very CLI and Python,
 * else one learned earlier into the cache, else one generated now in the background. It starts with the first
 * successful CLI check (at start-up or a later one after a failure). Until a model of the installed CLI exists,
 * `current()` refuses rather than read commands with another version's tables; while the CLI is missing it asks
 * for the check again (throttled), so the call that finds it waits for the model.
 */
function learnCliModel({
  awsCli,
  env,
  log,
}: {
  awsCli: AwsCliWatch;
  env: NodeJS.ProcessEnv;
  log: (message: string, level?: 'info' | 'warning' | 'error') => void;
}): { current(): Promise<CliModel> } {
  let model: CliModel | undefined;
  let problem = 'the server is still checking the installed AWS CLI; try again in a few seconds';
  const refuse = () => new CommandError({ code: 'CLI_MODEL_UNAVAILABLE', message: `Not run: ${problem}.` });
  // Settles once the snapshot or the cache decided, or generation started: a call waits that long, not longer.
  let decision: Promise<void> | undefined;
  const learn = (status: AvailableCli): Promise<void> => {
    decision ??= new Promise<void>((decided) => {
      learnFrom(status, decided)
        .catch((error: unknown) => {
          problem = `the installed AWS CLI's argument tables could not be learned (${error instanceof Error ? error.message : String(error)})`;
          log(problem, 'error');
        })
        .finally(() => decided());
    });
    return decision;
  };
  const learnFrom = async (status: AvailableCli, decided: () => void): Promise<void> => {
    const python = /Python\/(\d+\.\d+\.\d+)/.exec(status.versionLine)?.[1] ?? 'unknown';
    const major = status.majorVersion === 2 ? 2 : 1;
    const snapshot = loadSnapshotCliModel(major);
    if (snapshot.index.cliVersion === status.version && snapshot.index.pythonVersion === python) {
      model = snapshot;
      return;
    }
    const cacheDirectory = cliModelCacheDirectory(env);
    try {
      model = loadCachedCliModel({ cacheDirectory, cliVersion: status.version, pythonVersion: python });
      if (model !== undefined) return;
    } catch {
      // A cached model that does not validate is generated again.
    }
    const interpreter = await findCliPython(status.path, env);
    if (interpreter === undefined && major === 2) {
      // The installer's frozen v2: no Python to ask, but its own botocore models say which operations exist.
      const bundle = findBotocoreDataDir({ env, awsPath: status.path });
      if (bundle?.install === 'bundle') {
        const frozen = {
          dataDirectory: bundle.dataDir,
          cliVersion: status.version,
          pythonVersion: python,
          cacheDirectory,
        };
        model = loadFrozenCliModel(frozen);
        // The operations index makes a service's first use read a list of names, not its model; it is written in
        // the background (a turn of the event loop per model), and the model is read with it once it exists.
        void indexFrozenCliModel(frozen).then(
          () => {
            model = loadFrozenCliModel(frozen);
          },
          (error: unknown) => log(`could not index the frozen CLI's models: ${String(error)}`, 'warning'),
        );
        log(
          `AWS CLI ${status.version} is a frozen build: its commands are read with the committed CLI ` +
            `${snapshot.index.cliVersion} tables for the operations its own models (${bundle.dataDir}) have; ` +
            'what those tables lack is refused (NOT_IN_CLI_SNAPSHOT)',
          'warning',
        );
        return;
      }
    }
    if (interpreter === undefined) {
      problem =
        `the AWS CLI at ${status.path} (${status.version}) is not a Python install this server can read its ` +
        `argument tables from, and the committed models are of CLI ${snapshot.index.cliVersion}; install the CLI with pip or your ` +
        'package manager, or run the server with that version';
      log(problem, 'warning');
      return;
    }
    problem = `learning the installed AWS CLI ${status.version} (about a minute, once per version); try again in a few seconds`;
    decided();
    log(`learning the argument tables of AWS CLI ${status.version} with ${interpreter}`);
    const generated = await generateCliModel({ python: interpreter, cacheDirectory });
    model = generated.model;
    log(`learned AWS CLI ${status.version} into ${generated.directory}`);
  };
  void awsCli.available.then(learn);
  return {
    async current() {
      if (model !== undefined) return model;
      const status = await awsCli.current();
      if (!status.available) {
        problem = status.message.replace(/\.$/, '');
        throw refuse();
      }
      await learn(status);
      if (model === undefined) throw refuse();
      return model;
    },
  };
}
