import { spawn } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { useTempDir } from '@aws-mcp/test-support';
import { describe, expect, it } from 'vitest';
import { findExecutable } from './_find-executable.js';
import { warmServerSource } from './_warm-cli-source.js';

const python = findExecutable('python3', process.env.PATH);

/**
 * The warm server's set-up (all of it before it serves) in a real interpreter, with botocore's installed data folder
 * pointed at the test's own. For each line on stdin it forks a child that lists the services as a call's session
 * does (botocore's folder after the CLI's) and prints what it found and which of the folder's paths it listed.
 */
const driver = `
import json, os, sys
import botocore.loaders
botocore.loaders.Loader.BUILTIN_DATA_PATH = DATA = sys.argv[2]
source = sys.argv[1]
sys.argv = ['warm', '']
exec(compile(source[:source.index('\\npreload()\\n')] + '\\npreload()\\n', '<warm-server>', 'exec'))
import awscli
cli_data = os.path.join(os.path.dirname(os.path.abspath(awscli.__file__)), 'data')
for line in sys.stdin:
    pid = os.fork()
    if pid == 0:
        listed = []
        sys.addaudithook(lambda event, args: listed.append(str(args[0])) if event == 'os.listdir' else None)
        found = botocore.loaders.Loader(extra_search_paths=[cli_data]).list_available_services('service-2')
        services = [name for name in found if name.startswith('zz')]
        print(json.dumps({'services': services, 'listed': [path for path in listed if path.startswith(DATA)]}))
        sys.stdout.flush()
        os._exit(0)
    os.waitpid(pid, 0)
`;

async function addService(dataFolder: string, name: string): Promise<void> {
  await mkdir(join(dataFolder, name, '2020-01-01'), { recursive: true });
  await writeFile(join(dataFolder, name, '2020-01-01', 'service-2.json'), '{"operations": {}}');
}

describe.skipIf(python === undefined)("the warm server's service listing", () => {
  const temp = useTempDir('warm-listing-');

  it('lists what is installed, lists no folder again while nothing changed, and sees a service added or removed', async () => {
    const dataFolder = join(temp.path, 'data');
    await addService(dataFolder, 'zzfirst');
    const parent = spawn(python as string, ['-c', driver, warmServerSource, dataFolder], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: parent.stdout })[Symbol.asyncIterator]();
    const child = async () => {
      parent.stdin.write('next\n');
      const line = await lines.next();
      return JSON.parse(line.value as string) as { services: string[]; listed: string[] };
    };
    try {
      // Listed once by the parent: a child finds the service and lists nothing.
      expect(await child()).toEqual({ services: ['zzfirst'], listed: [] });
      await addService(dataFolder, 'zzsecond');
      const afterAdding = await child();
      expect(afterAdding.services).toEqual(['zzfirst', 'zzsecond']);
      expect(afterAdding.listed).toContain(dataFolder);
      await rm(join(dataFolder, 'zzfirst'), { recursive: true });
      expect((await child()).services).toEqual(['zzsecond']);
    } finally {
      parent.stdin.end();
      parent.kill('SIGKILL');
    }
  });
});
