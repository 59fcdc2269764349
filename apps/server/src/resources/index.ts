import { describeRegion, readSsoTokenStatus } from '@aws-mcp/aws-config';
import { type McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ReadResourceResult } from '@modelcontextprotocol/sdk/types.js';
import type { ServerContext } from '../server-context.js';

function json(uri: string, value: unknown): ReadResourceResult {
  return { contents: [{ uri, mimeType: 'application/json', text: `${JSON.stringify(value, null, 2)}\n` }] };
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
    const cli = await context.awsCli;
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
      workdir: context.config.workdir,
      endpointUrl: context.config.endpointUrl ?? null,
      limits: {
        timeoutSeconds: context.config.timeoutSeconds,
        maxTimeoutSeconds: context.config.maxTimeoutSeconds,
        maxOutputChars: context.config.maxOutputChars,
      },
      maskSecrets: context.config.maskSecrets,
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
      'The profile, region and credential source in use, the AWS CLI, the sandbox and the mode.',
      readEnvironment,
    ],
    [
      'account',
      'aws://config/account',
      'AWS account',
      'The caller identity of the current profile (cached for 5 minutes).',
      readAccount,
    ],
    ['profiles-alias', 'aws://profiles', 'AWS profiles', 'Same as aws://config/profiles.', readProfiles],
    ['regions-alias', 'aws://regions', 'AWS regions', 'Same as aws://config/regions.', readRegions],
    [
      'config-alias',
      'aws://config',
      'Server environment',
      'Same as aws://config/environment.',
      readEnvironment,
    ],
  ] as const;
  for (const [name, uri, title, description, read] of entries) {
    server.registerResource(name, uri, { title, description, mimeType: 'application/json' }, read);
  }

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
      const details = await describeRegion(code, { env: context.env });
      if (details === undefined) {
        return json(uri.href, {
          error: `Unknown region ${JSON.stringify(code)}; aws://config/regions lists them.`,
        });
      }
      return json(uri.href, details);
    },
  );
}
