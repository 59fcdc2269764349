import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removedOperations } from './_customizations.js';
import { toCliName } from './_operation-names.js';
import {
  type CliModel,
  CommandError,
  frozenCliIndexFile,
  indexFrozenCliModel,
  loadFrozenCliModel,
  loadSnapshotCliModel,
  parseCommandLine,
  validatePipeline,
} from './index.js';

/**
 * There is no frozen binary on this machine. The test builds what the official v2 installer lays out — `aws/dist/aws`
 * beside `aws/dist/awscli/botocore/data` — with a copy of Debian's v2 botocore data and an `aws` launcher script
 * that execs Debian's `/usr/bin/aws`: the layout, not the binary. A newer install is then made by editing the copy's
 * models (an operation, an option and a service added, an operation removed).
 */
const debianData = '/usr/lib/python3/dist-packages/awscli/botocore/data';
const snapshot = loadSnapshotCliModel(2);

interface ServiceModel {
  operations: Record<string, unknown>;
  shapes: Record<string, { type?: string; members?: Record<string, unknown> }>;
}

function newestModelFile(folder: string): string {
  const version = readdirSync(folder)
    .filter((entry) => /^\d{4}-\d{2}-\d{2}$/.test(entry))
    .sort()
    .at(-1);
  return join(folder, version ?? '', 'service-2.json');
}

function readModel(folder: string): ServiceModel {
  return JSON.parse(readFileSync(newestModelFile(folder), 'utf8')) as ServiceModel;
}

function refusal(line: string, model: ReturnType<typeof loadFrozenCliModel>): CommandError | undefined {
  try {
    validatePipeline(parseCommandLine(line, { model }), { mode: 'full' });
  } catch (error) {
    if (CommandError.isInstance(error)) return error;
    throw error;
  }
  return undefined;
}

describe.skipIf(!existsSync(join(debianData, 'endpoints.json')) || !existsSync('/usr/bin/aws'))(
  'loadFrozenCliModel, on an installer layout holding a copy of Debian v2 botocore data',
  () => {
    let root: string;
    let data: string;
    let cliVersion: string;
    beforeAll(() => {
      root = mkdtempSync(join(tmpdir(), 'frozen-cli-'));
      const dist = join(root, 'aws', 'dist');
      data = join(dist, 'awscli', 'botocore', 'data');
      mkdirSync(join(dist, 'awscli', 'botocore'), { recursive: true });
      cpSync(debianData, data, { recursive: true });
      writeFileSync(join(dist, 'aws'), '#!/bin/sh\nexec /usr/bin/aws "$@"\n');
      chmodSync(join(dist, 'aws'), 0o755);
      const line = execFileSync(join(dist, 'aws'), ['--version'], { encoding: 'utf8' });
      cliVersion = /aws-cli\/(\S+)/.exec(line)?.[1] ?? '';
    }, 120_000);
    afterAll(() => rmSync(root, { recursive: true, force: true }));

    // Both walk every service; they yield between services so the worker can report (a long blocking run has
    // timed out vitest's RPC under load).
    const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

    it('reads the same install as the snapshot exactly as the snapshot, with no gap', async () => {
      expect(cliVersion).toBe(snapshot.index.cliVersion);
      const model = loadFrozenCliModel({ dataDirectory: data, cliVersion });
      const differences: string[] = [];
      for (const name of snapshot.index.services) {
        await nextTurn();
        const service = snapshot.loadService(name);
        const commands = Object.keys(model.loadService(name)?.commands ?? {});
        if (commands.join(' ') !== Object.keys(service?.commands ?? {}).join(' ')) differences.push(name);
        if (service?.kind !== 'service') continue;
        for (const [command, entry] of Object.entries(service.commands)) {
          if (entry.kind !== 'operation') continue;
          for (const option of entry.actions.flatMap((action) => action.options)) {
            if (model.snapshotGap?.installedHas({ service: name, command, option }) !== false) {
              differences.push(`${name} ${command} ${option}`);
            }
          }
        }
      }
      expect(differences).toEqual([]);
    });

    it('has every API operation of the installed models in the snapshot, but those the CLI removes', async () => {
      const model = loadFrozenCliModel({ dataDirectory: data, cliVersion });
      const missing: string[] = [];
      let operations = 0;
      for (const name of snapshot.index.services) {
        await nextTurn();
        const service = snapshot.loadService(name);
        if (service?.kind !== 'service' || service.apiService === undefined) continue;
        for (const operation of Object.keys(readModel(join(data, service.apiService)).operations)) {
          const command = toCliName(operation);
          operations++;
          if (removedOperations.has(`${name}:${command}`)) continue;
          if (model.snapshotGap?.installedHas({ service: name, command }) !== false) {
            missing.push(`${name} ${command}`);
          }
        }
      }
      expect(operations).toBeGreaterThan(12_000);
      expect(missing).toEqual([]);
    });

    describe('with the operations index in the model cache', () => {
      let cache: string;
      let ec2Model: string;
      // A whole millisecond, so that putting the time back after an edit gives the very mtime the index recorded.
      const fixedTime = new Date('2025-06-01T12:00:00.000Z');
      beforeAll(async () => {
        cache = mkdtempSync(join(tmpdir(), 'frozen-cli-cache-'));
        ec2Model = newestModelFile(join(data, 'ec2'));
        utimesSync(ec2Model, fixedTime, fixedTime);
        await indexFrozenCliModel({ dataDirectory: data, cacheDirectory: cache, cliVersion });
      }, 300_000);
      afterAll(() => rmSync(cache, { recursive: true, force: true }));

      /** Runs `check` while ec2's model holds nothing a parser could read, at the size and time indexed. */
      const withUnreadableEc2 = (check: () => void) => {
        const bytes = readFileSync(ec2Model);
        try {
          writeFileSync(ec2Model, Buffer.alloc(bytes.length, 0x20));
          utimesSync(ec2Model, fixedTime, fixedTime);
          check();
        } finally {
          writeFileSync(ec2Model, bytes);
          utimesSync(ec2Model, fixedTime, fixedTime);
        }
      };

      it('reads every service as the models do, and a first use reads no model', async () => {
        const indexed = loadFrozenCliModel({ dataDirectory: data, cliVersion, cacheDirectory: cache });
        const plain = loadFrozenCliModel({ dataDirectory: data, cliVersion });
        const differences: string[] = [];
        for (const name of snapshot.index.services) {
          await nextTurn();
          const commands = (model: CliModel) =>
            Object.keys(model.loadService(name)?.commands ?? {}).join(' ');
          if (commands(indexed) !== commands(plain)) differences.push(name);
        }
        expect(differences).toEqual([]);
        withUnreadableEc2(() => {
          const line = 'aws ec2 describe-instances --instance-ids i-1';
          const fresh = loadFrozenCliModel({ dataDirectory: data, cliVersion, cacheDirectory: cache });
          expect(parseCommandLine(line, { model: fresh }).aws.argv).toEqual(
            parseCommandLine(line, { model: snapshot }).aws.argv,
          );
          // Without the index, the same first use parses the model, and this one cannot be parsed.
          const unindexed = loadFrozenCliModel({ dataDirectory: data, cliVersion });
          expect(() => unindexed.loadService('ec2')).toThrow(SyntaxError);
        });
      });

      it.each([
        ['is not JSON', (file: string) => writeFileSync(file, '{"format": 1, "cliVersion"')],
        [
          'does not fit its schema',
          (file: string) => writeFileSync(file, JSON.stringify({ format: 1, cliVersion, services: [] })),
        ],
      ])('does not use an index that %s: it reads the models', (_, spoil) => {
        const other = mkdtempSync(join(tmpdir(), 'frozen-cli-cache-'));
        try {
          spoil(frozenCliIndexFile({ cacheDirectory: other, dataDirectory: data, cliVersion }));
          withUnreadableEc2(() => {
            const model = loadFrozenCliModel({ dataDirectory: data, cliVersion, cacheDirectory: other });
            expect(() => model.loadService('ec2')).toThrow(SyntaxError);
          });
        } finally {
          rmSync(other, { recursive: true, force: true });
        }
      });

      it('writes no index once its signal is aborted, stopping between two models', async () => {
        const other = mkdtempSync(join(tmpdir(), 'frozen-cli-cache-'));
        try {
          const stop = new AbortController();
          const indexing = indexFrozenCliModel({
            dataDirectory: data,
            cacheDirectory: other,
            cliVersion,
            signal: stop.signal,
          });
          stop.abort();
          await expect(indexing).rejects.toMatchObject({ name: 'AbortError' });
          expect(readdirSync(other)).toEqual([]);
        } finally {
          rmSync(other, { recursive: true, force: true });
        }
      });

      it('does not use the index of another CLI version or another data folder', () => {
        withUnreadableEc2(() => {
          const version = loadFrozenCliModel({
            dataDirectory: data,
            cliVersion: '2.99.0',
            cacheDirectory: cache,
          });
          expect(() => version.loadService('ec2')).toThrow(SyntaxError);
        });
        expect(frozenCliIndexFile({ cacheDirectory: cache, dataDirectory: `${data}/`, cliVersion })).not.toBe(
          frozenCliIndexFile({ cacheDirectory: cache, dataDirectory: data, cliVersion }),
        );
      });
    });

    describe('after the install gained an operation, an option and a service, and lost an operation', () => {
      let model: ReturnType<typeof loadFrozenCliModel>;
      /** Read with an operations index made before the models changed. */
      let indexed: ReturnType<typeof loadFrozenCliModel>;
      let staleCache: string;
      beforeAll(async () => {
        staleCache = mkdtempSync(join(tmpdir(), 'frozen-cli-cache-'));
        await indexFrozenCliModel({ dataDirectory: data, cacheDirectory: staleCache, cliVersion: '2.31.0' });
        const edit = (service: string, change: (model: ServiceModel) => void) => {
          const file = newestModelFile(join(data, service));
          const parsed = readModel(join(data, service));
          change(parsed);
          writeFileSync(file, JSON.stringify(parsed));
        };
        edit('ec2', (ec2) => {
          ec2.operations.DescribeWidgets = {
            name: 'DescribeWidgets',
            input: { shape: 'DescribeWidgetsRequest' },
          };
          ec2.shapes.DescribeWidgetsRequest = {
            type: 'structure',
            members: { WidgetIds: { shape: 'String' } },
          };
        });
        edit('ssm', (ssm) => {
          const request = ssm.shapes.GetParameterRequest as { members: Record<string, unknown> };
          request.members.VersionLabel = { shape: 'String' };
        });
        edit('sqs', (sqs) => {
          delete sqs.operations.PurgeQueue;
        });
        const widgets = join(data, 'widgets', '2030-01-01');
        mkdirSync(widgets, { recursive: true });
        writeFileSync(
          join(widgets, 'service-2.json'),
          JSON.stringify({ metadata: {}, operations: { ListWidgets: { name: 'ListWidgets' } }, shapes: {} }),
        );
        model = loadFrozenCliModel({ dataDirectory: data, cliVersion: '2.31.0' });
        indexed = loadFrozenCliModel({
          dataDirectory: data,
          cliVersion: '2.31.0',
          cacheDirectory: staleCache,
        });
      }, 300_000);
      afterAll(() => rmSync(staleCache, { recursive: true, force: true }));

      it.each([
        ['aws ec2 describe-widgets --widget-ids w-1', 'aws ec2 describe-widgets'],
        ['aws --region us-east-1 ec2 describe-widgets', 'aws ec2 describe-widgets'],
        ['aws ssm get-parameter --name p --version-label v1', '--version-label'],
        ['aws widgets list-widgets', 'aws widgets'],
      ])('refuses %s: the snapshot is from 2.9, and it says so', (line, named) => {
        const error = refusal(line, model);
        expect(error?.code).toBe('NOT_IN_CLI_SNAPSHOT');
        expect(error?.message).toContain(`\`${named}`);
        expect(error?.message).toContain(
          `the snapshot is from CLI ${snapshot.index.cliVersion}; the installed CLI is 2.31.0`,
        );
      });

      it.each([
        ['aws sqs purge-queue --queue-url q', 'UNKNOWN_COMMAND'],
        ['aws ec2 list-instances', 'UNKNOWN_COMMAND'],
        ['aws ssm get-parameter --name p --no-such-option', 'UNKNOWN_OPTION'],
        ['aws nosuchservice ls', 'UNKNOWN_COMMAND'],
      ])('refuses %s as the installed CLI would (%s)', (line, code) => {
        expect(refusal(line, model)?.code).toBe(code);
        // An index entry is not used once its model changed: the indexed model refuses the same way.
        expect(refusal(line, indexed)?.code).toBe(code);
      });

      it.each([
        'aws ec2 describe-widgets --widget-ids w-1',
        'aws ssm get-parameter --name p --version-label v1',
        'aws widgets list-widgets',
      ])('sees %s in the changed models through an index made before the change', (line) => {
        expect(refusal(line, indexed)?.code).toBe('NOT_IN_CLI_SNAPSHOT');
      });

      it('indexes again by reading only the models that changed', async () => {
        const again = await indexFrozenCliModel({
          dataDirectory: data,
          cacheDirectory: staleCache,
          cliVersion: '2.31.0',
        });
        expect(again.servicesRead).toBe(4);
        const fresh = loadFrozenCliModel({
          dataDirectory: data,
          cliVersion: '2.31.0',
          cacheDirectory: staleCache,
        });
        expect(refusal('aws sqs purge-queue --queue-url q', fresh)?.code).toBe('UNKNOWN_COMMAND');
        expect(refusal('aws ec2 describe-widgets', fresh)?.code).toBe('NOT_IN_CLI_SNAPSHOT');
      });

      it('reads what the snapshot has as the snapshot does: operations, waiters, customizations, global options', () => {
        for (const line of [
          'aws ec2 describe-instances --instance-ids i-1 --region eu-west-1',
          'aws ec2 wait instance-running --instance-ids i-1',
          'aws s3 ls s3://bucket',
          'aws sqs list-queues',
        ]) {
          expect(parseCommandLine(line, { model }).aws.argv).toEqual(
            parseCommandLine(line, { model: snapshot }).aws.argv,
          );
        }
        expect(
          validatePipeline(parseCommandLine('aws ssm get-parameter --name p --with-decryption', { model }), {
            mode: 'read-only',
          }).action,
        ).toBe('deny');
        expect(model.index.cliVersion).toBe('2.31.0');
      });
    });
  },
);
