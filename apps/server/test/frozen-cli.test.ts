import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { findExecutable } from '@aws-mcp/aws-config';
import { useTempDir } from '@aws-mcp/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './test-server.js';

const execFileAsync = promisify(execFile);

/**
 * The server on an installer-style frozen CLI v2 (`aws/dist/aws`, no Python to import, its own botocore models in
 * `aws/dist/awscli/botocore/data`): the commands are read with the committed 2.9 tables for the operations those
 * models have, and what the tables lack is refused, saying so. There is no frozen binary here, so the layout holds a
 * small compiled launcher (not a script: a frozen build has no shebang) that says it is 2.31.0 and otherwise execs
 * Debian's v2, beside a copy of Debian's models with one operation added — the layout, not the binary.
 */
const debianData = '/usr/lib/python3/dist-packages/awscli/botocore/data';
const compiler = findExecutable('cc', process.env.PATH);
const missing =
  compiler === undefined
    ? 'no C compiler (cc) to build the launcher'
    : !existsSync('/usr/bin/aws') || !existsSync(join(debianData, 'endpoints.json'))
      ? "Debian's awscli (v2) is not installed"
      : undefined;
if (missing !== undefined) console.warn(`frozen-cli.test.ts skipped: ${missing}`);

const launcher = `#include <string.h>
#include <stdio.h>
#include <unistd.h>
int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "--version") == 0) {
    puts("aws-cli/2.31.0 Python/3.13.7 Linux/6.12 exe/x86_64.debian.12");
    return 0;
  }
  argv[0] = "/usr/bin/aws";
  execv("/usr/bin/aws", argv);
  perror("execv");
  return 127;
}
`;

describe.skipIf(missing !== undefined)(
  `a frozen CLI v2 ${missing === undefined ? '' : `(skipped: ${missing})`}`,
  () => {
    const temp = useTempDir('frozen-cli-');
    let test: TestServer;
    let stsModel: string;
    const fixedTime = new Date('2025-06-01T12:00:00.000Z');

    beforeAll(async () => {
      const dist = join(temp.path, 'aws', 'dist');
      const data = join(dist, 'awscli', 'botocore', 'data');
      await mkdir(data, { recursive: true });
      await cp(join(debianData, 'endpoints.json'), join(data, 'endpoints.json'));
      for (const service of ['sts', 'sqs', 's3'])
        await cp(join(debianData, service), join(data, service), { recursive: true });
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
      await writeFile(join(temp.path, 'launcher.c'), launcher);
      await execFileAsync(compiler as string, ['-O', '-o', join(dist, 'aws'), join(temp.path, 'launcher.c')]);
      test = await startTestServer({
        AWS_MCP_AWS_CLI: join(dist, 'aws'),
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
      const indexFile = async () => {
        const found = (await readdir(cache, { recursive: true })).find((entry) =>
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
