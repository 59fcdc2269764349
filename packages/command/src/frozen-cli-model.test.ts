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
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removedOperations } from './_customizations.js';
import { toCliName } from './_operation-names.js';
import {
  CommandError,
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

    describe('after the install gained an operation, an option and a service, and lost an operation', () => {
      let model: ReturnType<typeof loadFrozenCliModel>;
      beforeAll(() => {
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
      });

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
          `the snapshot is from CLI ${snapshot.index.cliVersion}; this server runs 2.31.0`,
        );
      });

      it.each([
        ['aws sqs purge-queue --queue-url q', 'UNKNOWN_COMMAND'],
        ['aws ec2 list-instances', 'UNKNOWN_COMMAND'],
        ['aws ssm get-parameter --name p --no-such-option', 'UNKNOWN_OPTION'],
        ['aws nosuchservice ls', 'UNKNOWN_COMMAND'],
      ])('refuses %s as the installed CLI would (%s)', (line, code) => {
        expect(refusal(line, model)?.code).toBe(code);
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
