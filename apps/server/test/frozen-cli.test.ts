import { readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { useTempDir } from '@aws-mcp/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFrozenCli, frozenCliMissing } from './_frozen-cli.js';
import { startTestServer, type TestServer } from './test-server.js';

/**
 * The server on an installer-style frozen CLI v2 (`aws/dist/aws`, no Python to import, its own botocore models in
 * `aws/dist/awscli/botocore/data`; built by `_frozen-cli.ts`): the commands are read with the committed 2.9 tables
 * for the operations those models have, and what the tables lack is refused, saying so. The copy of Debian's models
 * gets one operation added — the layout, not the binary.
 */
const missing = frozenCliMissing;
if (missing !== undefined) console.warn(`frozen-cli.test.ts skipped: ${missing}`);

describe.skipIf(missing !== undefined)(
  `a frozen CLI v2 ${missing === undefined ? '' : `(skipped: ${missing})`}`,
  () => {
    const temp = useTempDir('frozen-cli-');
    let test: TestServer;
    let stsModel: string;
    const fixedTime = new Date('2025-06-01T12:00:00.000Z');

    beforeAll(async () => {
      const { aws, dataDirectory: data } = await buildFrozenCli(temp.path);
      // The "newer" install's sqs has an operation the 2.9 tables do not.
      const version = (await readdir(join(data, 'sqs')))
        .filter((entry) => /^\d{4}-/.test(entry))
        .sort()
        .at(-1) as string;
      const file = join(data, 'sqs', version, 'service-2.json');
      const model = JSON.parse(await readFile(file, 'utf8')) as { operations: Record<string, unknown> };
      model.operations.ListWidgets = { name: 'ListWidgets' };
      await writeFile(file, JSON.stringify(model));
      // A whole millisecond, so that the time can be put back after the model is spoilt below.
      stsModel = join(
        data,
        'sts',
        (await readdir(join(data, 'sts'))).sort().at(-1) as string,
        'service-2.json',
      );
      await utimes(stsModel, fixedTime, fixedTime);
      test = await startTestServer({
        AWS_MCP_AWS_CLI: aws,
        // A fresh cache, so no model learned earlier answers.
        XDG_CACHE_HOME: join(temp.path, 'cache'),
      });
    }, 180_000);

    afterAll(async () => {
      await test?.close();
    });

    it('reads an operation both have with the 2.9 tables', async () => {
      const result = await test.call('aws_cli_pipeline', { command: 'aws sqs list-queues', check: true });
      expect(result.structuredContent).toMatchObject({
        status: 'checked',
        classification: { accessClass: 'read', action: 'sqs:list-queues' },
      });
    });

    it('refuses an operation only the installed models have, saying the tables are from 2.9', async () => {
      const result = await test.call('aws_cli_pipeline', { command: 'aws sqs list-widgets', check: true });
      expect(result.structuredContent).toMatchObject({ status: 'refused', code: 'NOT_IN_CLI_SNAPSHOT' });
      expect(JSON.stringify(result.content)).toMatch(
        /the snapshot is from CLI 2\.9\.\d+; this server runs 2\.31\.0/,
      );
    });

    it('indexes the models into the model cache in the background, and then reads a first use from the index', async () => {
      const cache = join(temp.path, 'cache');
      // The cache folder itself appears with the first file written there (the catalog's or the index's).
      const indexFile = async () => {
        const found = (await readdir(cache, { recursive: true }).catch(() => [] as string[])).find((entry) =>
          /(^|\/)frozen-cli-2\.31\.0-[0-9a-f]+\.json$/.test(entry),
        );
        return found === undefined ? undefined : join(cache, found);
      };
      let file = await indexFile();
      for (let tries = 0; file === undefined && tries < 600; tries++) {
        await delay(100);
        file = await indexFile();
      }
      expect(file, 'the operations index in the model cache').toBeDefined();
      await delay(200);
      // sts's model now holds nothing a parser could read, at the size and time the index recorded: a first use
      // of sts can only be read from the index.
      const bytes = await readFile(stsModel);
      expect((await stat(stsModel)).mtimeMs).toBe(fixedTime.getTime());
      try {
        await writeFile(stsModel, Buffer.alloc(bytes.length, 0x20));
        await utimes(stsModel, fixedTime, fixedTime);
        const result = await test.call('aws_cli_pipeline', {
          command: 'aws sts get-caller-identity',
          check: true,
        });
        expect(result.structuredContent).toMatchObject({
          status: 'checked',
          classification: { action: 'sts:get-caller-identity' },
        });
      } finally {
        await writeFile(stsModel, bytes);
        await utimes(stsModel, fixedTime, fixedTime);
      }
    });
  },
);
