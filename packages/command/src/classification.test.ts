import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ClassificationData, OperationClassification } from './_classification.js';
import { classifyApiOperation, classifyOperation, loadClassificationData } from './_classification.js';
import { classificationOverrides } from './_classification-overrides.js';
import { customizationActions } from './_customization-actions.js';
import * as customizations from './_customizations.js';
import * as operationNames from './_operation-names.js';
import type { CatalogData } from './catalog.js';

interface ModelOperation {
  model: unknown;
  operationName: string;
}

/** What the tests use of scripts/generate-classification.mjs. */
interface GeneratorScript {
  findPythonBotocoreData(): string;
  readBotocoreVersion(dataDirectory: string): string;
  readServiceModels(dataDirectory: string): unknown[];
  deriveClassification(options: {
    models: unknown[];
    catalog: CatalogData;
    naming: unknown;
    botocoreVersion: string;
  }): ClassificationData;
  renderReport(options: {
    data: ClassificationData;
    catalog: CatalogData;
    classifyOperation: typeof classifyOperation;
    classifyApiOperation: typeof classifyApiOperation;
    overrides: typeof classificationOverrides;
    customizations: typeof customizationActions;
  }): string;
  indexModelOperations(options: {
    models: unknown[];
    catalog: CatalogData;
    naming: unknown;
  }): Map<string, ModelOperation>;
  collectDocumentation(model: unknown, operationName: string): string[];
}

// A computed specifier, so the compiler does not look for types of the plain-JavaScript script.
const scriptUrl = new URL('../scripts/generate-classification.mjs', import.meta.url).href;
const script = (await import(scriptUrl)) as GeneratorScript;
const naming = { ...operationNames, ...customizations };
const catalog = JSON.parse(
  readFileSync(new URL('../catalog/catalog.json', import.meta.url), 'utf8'),
) as CatalogData;
const committed = loadClassificationData();
const reportFile = new URL('../../../docs/classification-report.md', import.meta.url);

function findBotocoreData(): string | undefined {
  try {
    const directory = script.findPythonBotocoreData();
    return existsSync(directory) ? directory : undefined;
  } catch {
    return undefined;
  }
}

const dataDirectory = findBotocoreData();
const models = dataDirectory === undefined ? [] : script.readServiceModels(dataDirectory);
const modelIndex = script.indexModelOperations({ models, catalog, naming });

/** The class the catalog gives today (the first name rules and their hand-kept list). */
function catalogClass(service: string, operation: string): string | undefined {
  const entry = catalog.services[service]?.split(' ').find((each) => each.startsWith(`${operation}:`));
  return { r: 'read', w: 'write', s: 'sensitive-read' }[entry?.split(':')[1] ?? ''];
}

function classify(operation: string, parameters?: Record<string, unknown>): OperationClassification {
  const [service = '', name = ''] = operation.split(':');
  return classifyOperation({ service, operation: name, parameters });
}

const misclassified = JSON.parse(
  readFileSync(new URL('./__fixtures__/misclassified-reads.json', import.meta.url), 'utf8'),
) as { operation: string; expected: 'write' | 'sensitive-read'; reason: string }[];

describe('classifyOperation', () => {
  describe('the reads the first rules got wrong', () => {
    it('lists 58 operations the catalog classifies as reads today', () => {
      expect(misclassified).toHaveLength(58);
      expect(new Set(misclassified.map((row) => row.operation)).size).toBe(58);
      for (const { operation } of misclassified) {
        const [service = '', name = ''] = operation.split(':');
        expect(catalogClass(service, name), operation).toBe('read');
      }
    });

    it('the generated rules alone classify at least 50 of them as sensitive reads or writes', () => {
      const rulesAlone = misclassified.filter(({ operation, expected }) => {
        const [service = '', operation_ = ''] = operation.split(':');
        const result = classifyOperation({ service, operation: operation_ }, { overrides: false });
        return result.accessClass === expected;
      });
      expect(rulesAlone.length).toBeGreaterThanOrEqual(50);
    });

    it.each(misclassified)('$operation is $expected: $reason', ({ operation, expected }) => {
      expect(classify(operation).accessClass).toBe(expected);
    });
  });

  it('masks the member that makes each sensitive read one (a presigned URL, a documented token)', () => {
    const unmasked: string[] = [];
    for (const [service, encoded] of Object.entries(committed.services)) {
      for (const entry of encoded.split(' ')) {
        const operation = entry.split(':')[0] ?? '';
        const result = classifyOperation({ service, operation });
        const member = result.sensitiveBecause?.member;
        if (member !== undefined && !result.secretOutput.includes(member)) {
          unmasked.push(`${service}:${operation} (${member})`);
        }
      }
    }
    expect(unmasked).toEqual([]);
  });

  describe('inventory reads stay runnable, with their secret members listed', () => {
    it.each([
      ['lambda:list-functions', 'Functions[].Environment.Variables'],
      ['lambda:get-function-configuration', 'Environment.Variables'],
      ['ec2:describe-launch-template-versions', 'LaunchTemplateVersions[].LaunchTemplateData.UserData'],
      ['autoscaling:describe-launch-configurations', 'LaunchConfigurations[].UserData'],
      ['ecs:describe-task-definition', 'taskDefinition.containerDefinitions[].environment'],
      ['elbv2:describe-listeners', 'Listeners[].DefaultActions[].AuthenticateOidcConfig.ClientSecret'],
    ])('%s is a read that lists %s', (operation, member) => {
      const result = classify(operation);
      expect(result.accessClass).toBe('read');
      expect(result.secretOutput).toContain(member);
    });

    it('lists no secret for variables that are not an environment (a policy’s `variables`)', () => {
      expect(classify('bedrock:export-automated-reasoning-policy-version').secretOutput).toEqual([]);
    });

    it('rds describe-db-instances is a read, and the password AWS never returns is not listed', () => {
      const result = classify('rds:describe-db-instances');
      expect(result.accessClass).toBe('read');
      expect(result.secretOutput.some((path) => path.includes('MasterUserPassword'))).toBe(false);
    });
  });

  describe('reads that return a secret', () => {
    it.each([
      ['secretsmanager:get-secret-value', 'SecretString'],
      ['secretsmanager:batch-get-secret-value', 'SecretValues[].SecretBinary'],
      ['sts:get-session-token', 'Credentials.SecretAccessKey'],
      ['ecr:get-authorization-token', 'authorizationData[].authorizationToken'],
    ])('%s is a sensitive read because of %s', (operation, member) => {
      const result = classify(operation);
      expect(result.accessClass).toBe('sensitive-read');
      expect(result.secretOutput).toContain(member);
    });

    it.each([
      ['cognito-idp:list-user-pool-client-secrets', 'ClientSecrets[].ClientSecretValue'],
      ['lightsail:get-bucket-access-keys', 'accessKeys[].secretAccessKey'],
    ])('%s stays a read: its documentation says %s is never returned', (operation, member) => {
      const result = classify(operation);
      expect(result.accessClass).toBe('read');
      expect(result.secretOutput).toContain(member);
    });
  });

  describe('writes can carry secrets too', () => {
    it.each([
      ['ec2:create-key-pair', 'KeyMaterial'],
      ['iam:create-access-key', 'AccessKey.SecretAccessKey'],
    ])('%s is a write that lists %s', (operation, member) => {
      const result = classify(operation);
      expect(result.accessClass).toBe('write');
      expect(result.secretOutput).toContain(member);
    });
  });

  describe('inputs that turn secrets on or off', () => {
    it.each([
      [{}, 'read'],
      [{ WithDecryption: false }, 'read'],
      [{ WithDecryption: true }, 'sensitive-read'],
      [{ WithDecryption: 'true' }, 'sensitive-read'],
    ])('ssm get-parameter with %j is %s', (parameters, accessClass) => {
      expect(classify('ssm:get-parameter', parameters).accessClass).toBe(accessClass);
    });

    it('says which input and member make ssm get-parameter sensitive', () => {
      const result = classify('ssm:get-parameter', { WithDecryption: true });
      expect(result.sensitiveBecause).toEqual({
        member: 'Parameter.Value',
        input: { member: 'WithDecryption', value: true },
      });
      expect(result.secretOutput).toEqual(['Parameter.Value']);
    });

    it.each([
      ['ec2:describe-instance-attribute', { Attribute: 'userData' }, 'sensitive-read'],
      ['ec2:describe-instance-attribute', { Attribute: 'instanceType' }, 'read'],
      ['apigateway:get-api-key', { includeValue: true }, 'sensitive-read'],
      ['apigateway:get-api-keys', { includeValues: true }, 'sensitive-read'],
      ['datazone:get-connection', {}, 'read'],
      ['datazone:get-connection', { withSecret: true }, 'sensitive-read'],
      ['glue:get-connection', {}, 'sensitive-read'],
      ['glue:get-connection', { HidePassword: true }, 'read'],
    ])('%s with %j is %s', (operation, parameters, accessClass) => {
      expect(classify(operation, parameters).accessClass).toBe(accessClass);
    });
  });

  describe('operations that change nothing are reads', () => {
    it.each(['kms:encrypt', 'kms:generate-random', 'logs:start-query'])('%s is a read', (operation) => {
      expect(classify(operation).accessClass).toBe('read');
    });

    it('does not mask the random bytes of kms generate-random', () => {
      expect(classify('kms:generate-random').secretOutput).toEqual([]);
    });

    it.each([
      ['accessanalyzer:check-no-public-access', 'check-with-result'],
      ['swf:count-open-workflow-executions', 'count'],
      ['cognito-idp:admin-get-user', 'admin-read-name'],
      ['ec2:export-client-vpn-client-configuration', 'export-returns-content'],
      ['resource-explorer-2:search', 'query-name'],
    ])('%s is a read by the rule %s', (operation, rule) => {
      const result = classify(operation);
      expect([result.accessClass, result.rule]).toEqual(['read', rule]);
    });

    it.each([
      'license-manager:check-in-license',
      'ec2:export-image',
      'dynamodb:export-table-to-point-in-time',
    ])('%s stays a write', (operation) => {
      expect(classify(operation).accessClass).toBe('write');
    });
  });

  describe('customizations', () => {
    it.each([
      ['s3:rm', {}, 'write', ['s3api:delete-object']],
      ['s3:cp', { paths: ['./a', 's3://b/a'] }, 'write', ['s3api:put-object']],
      ['s3:cp', { paths: ['s3://b/a', './a'] }, 'read', ['s3api:get-object']],
      ['s3:cp', { paths: ['s3://b/a', 's3://c/a'] }, 'write', ['s3api:copy-object']],
      ['s3:mv', { paths: ['s3://b/a', 's3://c/a'] }, 'write', ['s3api:copy-object', 's3api:delete-object']],
      ['s3:sync', { paths: ['s3://b', '.'] }, 'read', ['s3api:list-objects-v2', 's3api:get-object']],
      ['s3:sync', { paths: ['s3://b', '.'], delete: true }, 'write', ['s3api:delete-object']],
      [
        'cloudformation:deploy',
        {},
        'write',
        ['cloudformation:create-change-set', 'cloudformation:execute-change-set'],
      ],
      ['cloudformation:package', {}, 'write', ['s3api:put-object']],
      ['ecr:get-login-password', {}, 'sensitive-read', ['ecr:get-authorization-token']],
      ['emr:describe-cluster', {}, 'read', ['emr:describe-cluster', 'emr:list-instance-groups']],
    ])('%s with %j is %s and performs %j', (operation, parameters, accessClass, actions) => {
      const result = classify(operation, parameters);
      expect(result.accessClass).toBe(accessClass);
      expect(result.apiActions).toEqual(expect.arrayContaining(actions));
    });

    it('performs only the API operations of the direction the paths give', () => {
      expect(classify('s3:cp', { paths: ['s3://b/a', './a'] }).apiActions).not.toContain('s3api:put-object');
    });

    it.each([
      ['configure:set', 'write'],
      ['configure:list', 'read'],
      ['s3:presign', 'sensitive-read'],
      ['eks:get-token', 'sensitive-read'],
      ['rds:generate-db-auth-token', 'sensitive-read'],
    ])('%s is %s without calling AWS', (operation, accessClass) => {
      const result = classify(operation);
      expect([result.accessClass, result.apiActions]).toEqual([accessClass, []]);
    });

    it('marks the whole output of a command that prints a secret', () => {
      expect(classify('ecr:get-login-password').secretOutput).toEqual(['*']);
    });

    it.each([
      ['aws_secret_access_key', 'sensitive-read'],
      ['region', 'read'],
    ])('configure get %s is %s', (varname, accessClass) => {
      expect(classify('configure:get', { varname }).accessClass).toBe(accessClass);
    });

    it('has a row for every customization of the catalog, and no other', () => {
      const flagged = Object.entries(catalog.services).flatMap(([service, encoded]) =>
        encoded
          .split(' ')
          .filter((entry) => entry.split(':').slice(2).includes('c'))
          .map((entry) => `${service}:${entry.split(':')[0]}`),
      );
      expect(Object.keys(customizationActions).sort()).toEqual(flagged.sort());
    });

    it('names only API operations the classification knows', () => {
      const unknown = Object.values(customizationActions)
        .flatMap((row) => [
          ...row.actions,
          ...Object.values(row.byDirection ?? {}).flat(),
          ...Object.values(row.byFlag ?? {}).flat(),
        ])
        .filter((action) => {
          const [service = '', operation = ''] = action.split(':');
          return !classifyApiOperation({ service, operation }, { data: committed }).known;
        });
      expect(unknown).toEqual([]);
    });
  });

  it('treats an operation it does not know as a write', () => {
    expect(classify('ec2:frobnicate-instances')).toMatchObject({ accessClass: 'write', known: false });
  });

  it('resolves service aliases', () => {
    expect(classify('runtime.sagemaker:invoke-endpoint').known).toBe(true);
  });

  it('classifies every catalog operation', () => {
    const missing = Object.entries(catalog.services).flatMap(([service, encoded]) =>
      encoded
        .split(' ')
        .map((entry) => entry.split(':')[0] ?? '')
        .filter((operation) => !classifyOperation({ service, operation }).known)
        .map((operation) => `${service} ${operation}`),
    );
    expect(missing).toEqual([]);
  });
});

describe('classificationOverrides', () => {
  describe.skipIf(dataDirectory === undefined)('against the installed botocore models', () => {
    it.each(Object.entries(classificationOverrides))('%s', (key, row) => {
      const found = modelIndex.get(key);
      expect(found, `${key} is not in the installed models`).toBeDefined();
      if (found === undefined) return;
      const documentation = script.collectDocumentation(found.model, found.operationName);
      expect(documentation.some((text) => text.includes(row.documentation))).toBe(true);
      const [service = '', operation = ''] = key.split(':');
      const rulesAlone = classifyOperation({ service, operation }, { overrides: false });
      const overridden = classifyOperation({ service, operation });
      expect(overridden.accessClass).toBe(row.accessClass);
      expect([rulesAlone.accessClass, rulesAlone.secretOutput]).not.toEqual([
        overridden.accessClass,
        overridden.secretOutput,
      ]);
    });
  });
});

describe.skipIf(dataDirectory === undefined)('catalog/classification.json', () => {
  it('was generated from the installed botocore', () => {
    expect(script.readBotocoreVersion(dataDirectory as string)).toBe(committed.botocore);
  });

  it('is what the rules derive from the installed models today', () => {
    const derived = script.deriveClassification({
      models,
      catalog,
      naming,
      botocoreVersion: committed.botocore,
    });
    expect(derived.services).toEqual(committed.services);
    expect(derived.details).toEqual(committed.details);
    expect(derived.rules).toEqual(committed.rules);
  });

  it('has its report up to date in docs/classification-report.md', () => {
    const report = script.renderReport({
      data: committed,
      catalog,
      classifyOperation,
      classifyApiOperation,
      overrides: classificationOverrides,
      customizations: customizationActions,
    });
    expect(report).toBe(readFileSync(reportFile, 'utf8'));
  });
});
