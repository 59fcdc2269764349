import { describeRegion, readSsoTokenStatus } from '@aws-mcp/aws-config';
import { type McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { McpError, type ReadResourceResult } from '@modelcontextprotocol/sdk/types.js';
import { readCodeCacheStatus } from '../_code-cache.js';
import type { ServerContext } from '../server-context.js';
import { registerKeptResults } from './_kept-results.js';

function json(uri: string, value: unknown): ReadResourceResult {
  return { contents: [{ uri, mimeType: 'application/json', text: `${JSON.stringify(value, null, 2)}\n` }] };
}

/** The JSON-RPC code the MCP specification gives a resource that does not exist. */
const resourceNotFound = -32002;

function notFound(uri: string, message: string): McpError {
  return new McpError(resourceNotFound, message, { uri });
}

/**
 * Registers the configuration resources: profiles, regions (and one region, as a template with completion), the
 * environment the server runs with, and the caller's account. All JSON, none with a secret in it.
 */
export function registerResources(server: McpServer, context: ServerContext): void {
  const loadRegions = () => context.regions();

  const readProfiles = (uri: URL) => {
    const setup = context.setup();
    return json(uri.href, {
      profiles: setup.profiles,
      ssoSessions: setup.ssoSessions,
      files: setup.files,
      warnings: setup.warnings,
      allowedProfiles: context.policy.allowedProfiles ?? null,
    });
  };
  const readRegions = async (uri: URL) => {
    const list = await loadRegions();
    return json(uri.href, { source: list.source, regions: list.regions, warnings: list.warnings });
  };
  const readEnvironment = async (uri: URL) => {
    const awsContext = context.awsContext();
    const cli = await context.awsCli();
    const sso = await readSsoTokenStatus(awsContext.profile.name, context.setup());
    return json(uri.href, {
      profile: awsContext.profile,
      region: awsContext.region,
      credentials: awsContext.credentials,
      sso:
        sso.status === 'not-sso'
          ? null
          : { status: sso.status, expiresAt: sso.expiresAt, message: sso.message },
      awsCli: cli.available ? { version: cli.version, path: cli.path } : { missing: cli.message },
      sandbox: {
        backend: context.sandbox.sandbox.name,
        description: context.sandbox.description,
        mode: context.sandbox.mode,
      },
      mode: context.policy.mode,
      protectionsOff: context.protectionsOff,
      // Whether the aws stage runs in the warm interpreter (AWS_MCP_WARM_CLI), and why a call would run cold.
      warmCli: context.warmCli,
      // What the bin did with V8's code cache for the bundle (bin.ts); null when it did not start through the bin.
      codeCache: readCodeCacheStatus() ?? null,
      workdir: context.config.workdir,
      secretsFolder: context.secretsFolder,
      endpointUrl: context.config.endpointUrl ?? null,
      limits: {
        timeoutSeconds: context.config.timeoutSeconds,
        maxTimeoutSeconds: context.config.maxTimeoutSeconds,
        maxOutputChars: context.config.maxOutputChars,
      },
      maskSecrets: context.config.maskSecrets,
      // The roles a call may assume with `roleArn` (AWS_MCP_ROLES); null: none, roleArn is off.
      allowedRoles: context.config.roles ?? null,
      // This session's standing approvals (the consent form grants them; aws_withdraw_approvals removes them).
      standingApprovals: context.approvals.list(server).map((approval) => ({
        id: approval.id,
        action: approval.action,
        targets: approval.targets,
        profile: approval.profile,
        region: approval.region,
        account: approval.account,
        ...(approval.endpoint === undefined ? {} : { endpoint: approval.endpoint }),
        scope: approval.scope,
        grantedAt: approval.grantedAt,
        expiresAt: approval.expiresAt ?? null,
      })),
      warnings: awsContext.warnings,
    });
  };
  const readAccount = async (uri: URL) =>
    json(uri.href, await context.lookupAccount(context.awsContext().profile.name));

  const entries = [
    [
      'profiles',
      'aws://config/profiles',
      'AWS profiles',
      'Profiles and SSO sessions from the AWS files (no secrets).',
      readProfiles,
    ],
    [
      'regions',
      'aws://config/regions',
      'AWS regions',
      'Every region of every partition, from the installed CLI’s data.',
      readRegions,
    ],
    [
      'environment',
      'aws://config/environment',
      'Server environment',
      'The profile, region and credential source in use, the AWS CLI, the sandbox, the mode and this session’s standing approvals.',
      readEnvironment,
    ],
    [
      'account',
      'aws://config/account',
      'AWS account',
      'The caller identity of the current profile (cached for 5 minutes).',
      readAccount,
    ],
  ] as const;
  for (const [name, uri, title, description, read] of entries) {
    server.registerResource(name, uri, { title, description, mimeType: 'application/json' }, read);
  }

  // The names the reference server's README used stay readable, but each resource is listed once, by its name.
  const aliases: Record<string, (uri: URL) => ReadResourceResult | Promise<ReadResourceResult>> = {
    profiles: readProfiles,
    regions: readRegions,
    config: readEnvironment,
  };
  server.registerResource(
    'older-names',
    new ResourceTemplate('aws://{name}', {
      list: undefined,
      complete: { name: (value) => Object.keys(aliases).filter((name) => name.startsWith(value)) },
    }),
    {
      title: 'Older resource names',
      description:
        'aws://profiles, aws://regions and aws://config: the same as aws://config/profiles, aws://config/regions and aws://config/environment.',
      mimeType: 'application/json',
    },
    (uri, { name }) => {
      const read = Object.hasOwn(aliases, String(name)) ? aliases[String(name)] : undefined;
      if (read === undefined) {
        throw notFound(uri.href, `No resource ${uri.href}; the resources are listed by resources/list.`);
      }
      return read(uri);
    },
  );

  server.registerResource(
    'region',
    new ResourceTemplate('aws://config/regions/{region}', {
      list: undefined,
      complete: {
        region: async (value) =>
          (await loadRegions()).regions.map((region) => region.code).filter((code) => code.startsWith(value)),
      },
    }),
    {
      title: 'AWS region',
      description: 'One region and the services the endpoint data lists for it.',
      mimeType: 'application/json',
    },
    async (uri, { region }) => {
      const code = String(region);
      const known = (await loadRegions()).regions.some((item) => item.code === code);
      const details = known ? await describeRegion(code, { env: context.env }) : undefined;
      if (details === undefined) {
        throw notFound(uri.href, `Unknown region ${JSON.stringify(code)}; aws://config/regions lists them.`);
      }
      return json(uri.href, details);
    },
  );

  registerKeptResults(server, context);
}
