import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { classifyOperation } from './_classification.js';
import { suggestNames } from './_did-you-mean.js';
import {
  buildCatalogFromBotocore,
  createCatalog,
  listCatalogOperations,
  listCatalogServices,
  loadSnapshotCatalog,
  searchCatalog,
  suggestCommands,
} from './index.js';

const fixture = JSON.parse(
  gunzipSync(readFileSync(new URL('./__fixtures__/cli-command-table.json.gz', import.meta.url))).toString(
    'utf8',
  ),
) as { version: string; services: Record<string, string> };

/** Commands only the v2 CLI has; the v1 table in the fixture cannot list them. */
const v2Only = new Set([
  'configure:import',
  'configure:export-credentials',
  'configure:sso',
  'configure:sso-session',
  'configure:list-profiles',
  'logs:tail',
  'sso:login',
  'ddb:select',
  'ddb:put',
]);

describe('loadSnapshotCatalog', () => {
  const catalog = loadSnapshotCatalog();

  it('was generated from the CLI the fixture was dumped from', () => {
    expect(catalog.version).toBe(fixture.version);
  });

  it('names every service and operation exactly as the real CLI does (kebab-case, s3api/s3, configservice, deploy, aliases)', () => {
    const missing: string[] = [];
    for (const [service, operations] of Object.entries(fixture.services)) {
      const known = catalog.getService(service);
      for (const operation of operations.split(' ').filter(Boolean)) {
        if (known?.has(operation) !== true) missing.push(`${service} ${operation}`);
      }
    }
    const extra: string[] = [];
    for (const service of catalog.serviceNames) {
      const real = new Set((fixture.services[service] ?? '').split(' '));
      for (const operation of catalog.getService(service)?.keys() ?? []) {
        if (!real.has(operation) && !v2Only.has(`${service}:${operation}`))
          extra.push(`${service} ${operation}`);
      }
    }
    expect(missing).toEqual([]);
    expect(extra).toEqual([]);
  });

  it.each([
    ['s3api', 'list-objects-v2'],
    ['s3', 'cp'],
    ['configservice', 'describe-config-rules'],
    ['deploy', 'list-applications'],
    ['runtime.sagemaker', 'invoke-endpoint'],
    ['storagegateway', 'create-cached-iscsi-volume'],
    ['wafv2', 'list-web-acls'],
  ])('knows %s %s', (service, operation) => {
    expect(catalog.getService(service)?.has(operation)).toBe(true);
  });

  it.each(['config', 'codedeploy'])(
    'does not know the botocore name %s, which the CLI renames',
    (service) => {
      expect(catalog.getService(service)).toBeUndefined();
    },
  );

  it('labels every operation with the class the classification gives it (never a write the policy reads)', () => {
    const drift: string[] = [];
    for (const service of catalog.serviceNames) {
      for (const operation of catalog.getService(service)?.values() ?? []) {
        const classified = classifyOperation({ service, operation: operation.name }).accessClass;
        const agrees =
          operation.accessClass === classified ||
          (classified === 'read' && operation.accessClass === 'sensitive-read');
        if (!agrees) drift.push(`${service} ${operation.name}: ${operation.accessClass} ≠ ${classified}`);
      }
    }
    expect(drift).toEqual([]);
  });

  it.each([
    // Reviewed overrides and the customization table, which the name rules alone got wrong.
    ['accessanalyzer', 'check-no-public-access', 'read'],
    ['acm', 'export-certificate', 'sensitive-read'],
    ['athena', 'get-session-endpoint', 'sensitive-read'],
    ['secretsmanager', 'get-secret-value', 'sensitive-read'],
    ['ec2', 'run-instances', 'write'],
  ])('labels %s %s as %s, as the policy classifies it', (service, operation, label) => {
    expect(catalog.getService(service)?.get(operation)?.accessClass).toBe(label);
    expect(
      listCatalogOperations(catalog, service)?.find((entry) => entry.operation === operation)?.accessClass,
    ).toBe(label);
  });

  it('marks streaming outputs and inputs', () => {
    expect(catalog.getService('s3api')?.get('get-object')?.outfile).toBe(true);
    expect(catalog.getService('lambda')?.get('invoke')?.outfile).toBe(true);
    expect(catalog.getService('s3api')?.get('put-object')?.streamingInputs).toEqual(['body']);
    expect(catalog.getService('ec2')?.get('terminate-instances')?.dryRun).toBe(true);
  });

  // Load time is measured by `pnpm bench` (catalog.bench.ts), not asserted here.
  it('loads the committed snapshot file shipped in the package', () => {
    const data = JSON.parse(readFileSync(new URL('../catalog/catalog.json', import.meta.url), 'utf8'));
    expect(createCatalog(data).getService('ec2')?.get('describe-instances')).toBeDefined();
  });
});

/** The pip CLI's botocore data (python3 on PATH) when it is the botocore the committed catalog names. */
function findCommittedBotocoreData(botocore: string): string | undefined {
  try {
    const found = execFileSync(
      'python3',
      ['-c', 'import botocore, os; print(botocore.__version__, os.path.dirname(botocore.__file__))'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    ).trim();
    const [version, folder = ''] = found.split(' ');
    return version === botocore && existsSync(join(folder, 'data')) ? join(folder, 'data') : undefined;
  } catch {
    return undefined;
  }
}

describe('catalog/catalog.json', () => {
  const committed = JSON.parse(readFileSync(new URL('../catalog/catalog.json', import.meta.url), 'utf8'));
  const descriptions = JSON.parse(
    readFileSync(new URL('../catalog/descriptions.json', import.meta.url), 'utf8'),
  );
  const botocore = /botocore\/(\S+)/.exec(committed.source)?.[1] ?? '';
  const data = findCommittedBotocoreData(botocore);
  it.skipIf(data === undefined)(
    `has the services, operations and descriptions scripts/generate-catalog.mjs builds from botocore ${botocore} today${data === undefined ? ' (skipped: python3 imports another botocore)' : ''}`,
    () => {
      const built = buildCatalogFromBotocore({
        dataDirectory: data as string,
        version: committed.version,
        source: committed.source,
      });
      // The class letters are left out: the committed ones are what the first name rules said (the baseline the
      // classification report and its tests measure the generated classes against); a load asks the
      // classification instead.
      const withoutLetters = (services: Record<string, string>) =>
        Object.fromEntries(
          Object.entries(services).map(([service, line]) => [
            service,
            line.replace(/(^|\s)([^:\s]+):[rws]/g, '$1$2'),
          ]),
        );
      expect({ ...built.data, services: withoutLetters(built.data.services) }).toEqual({
        ...committed,
        services: withoutLetters(committed.services),
      });
      expect(built.descriptions).toEqual(descriptions);
    },
  );
});

describe('searchCatalog', () => {
  const catalog = loadSnapshotCatalog();
  it.each([
    ['list lambda functions', 'lambda list-functions'],
    ['get secret value', 'secretsmanager get-secret-value'],
    ['list s3 buckets', 's3api list-buckets'],
    ['describe ec2 instances', 'ec2 describe-instances'],
  ])('%j → %s first', (query, best) => {
    const [first] = searchCatalog(catalog, query);
    expect(`${first?.service} ${first?.operation}`).toBe(best);
    expect(first?.description).not.toBe('');
  });

  it('returns nothing for an empty query', () => {
    expect(searchCatalog(catalog, ' ')).toEqual([]);
  });
});

describe('suggestCommands', () => {
  const catalog = loadSnapshotCatalog();
  it.each([
    [{ service: 'lamda' }, 'lambda'],
    [{ service: 'dynamo' }, 'dynamodb'],
    [{ service: 'lambda', operation: 'list-function' }, 'lambda list-functions'],
    [{ service: 'ec2', operation: 'describe-instance' }, 'ec2 describe-instances'],
  ])('%j → %s', (command, best) => {
    const [first] = suggestCommands(catalog, command);
    expect([first?.service, first?.operation].filter(Boolean).join(' ')).toBe(best);
  });

  it.each<[{ service: string; operation?: string }]>([
    [{ service: 'lamda' }],
    [{ service: 'ec2', operation: 'list-instances' }],
    [{ service: 'lambda', operation: 'list-function' }],
  ])('ranks %j as the refusals of the parse do (one did-you-mean)', (command) => {
    const names =
      command.operation === undefined
        ? [...catalog.serviceNames, ...Object.keys(catalog.aliases)]
        : [...(catalog.getService(command.service)?.keys() ?? [])];
    const written = command.operation ?? command.service;
    expect(suggestCommands(catalog, command).map((hit) => hit.operation ?? hit.service)).toEqual(
      suggestNames(written, names),
    );
  });

  it('suggests nothing for a known command', () => {
    expect(suggestCommands(catalog, { service: 'lambda', operation: 'list-functions' })).toEqual([]);
  });
});

describe('listCatalogServices / listCatalogOperations', () => {
  const catalog = loadSnapshotCatalog();
  it('lists services with descriptions and operations with classes', () => {
    expect(listCatalogServices(catalog).find((entry) => entry.service === 'lambda')?.description).not.toBe(
      '',
    );
    const lambda = listCatalogOperations(catalog, 'lambda') ?? [];
    expect(lambda.find((entry) => entry.operation === 'list-functions')?.accessClass).toBe('read');
    expect(listCatalogOperations(catalog, 'nope')).toBeUndefined();
  });
});
