import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readAwsSetup } from '@aws-mcp/aws-config';
import { secretConfigKeys } from '@aws-mcp/command';
import { useTempDir } from '@aws-mcp/test-support';
import { describe, expect, it } from 'vitest';

// Two lists with two purposes meet here: command's exact credential settings (refused by `configure get`, their
// values learned for masking from the files aws-config reads) and aws-config's wider secret words, which keep a
// value inside the reader. Every credential setting the CLI knows must be one the reader keeps back.
describe('the CLI credential settings (command) and the settings aws-config keeps back', () => {
  const temp = useTempDir('secret-config-keys-', { each: true });

  it.each(secretConfigKeys.flatMap((row) => [row.word, row.word.replace(/^aws_/, '')]).map((name) => [name]))(
    '%s: its value never leaves readAwsSetup, from either file',
    async (name) => {
      const value =
        name === 'credential_process' ? '/opt/helper --key SECRETVALUE0123456789' : 'SECRETVALUE0123456789';
      const config = join(temp.path, 'config');
      const credentials = join(temp.path, 'credentials');
      // At the top of a profile, in a nested section and in a services section: the reader's filters differ.
      await writeFile(
        config,
        `[profile p]\nregion = eu-west-1\n${name} = ${value}\ns3 =\n  ${name} = ${value}\n` +
          `[services svc]\ns3 =\n  ${name} = ${value}\n`,
      );
      await writeFile(credentials, `[p]\n${name} = ${value}\n`);
      const setup = await readAwsSetup({
        env: { HOME: temp.path, AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials },
      });
      expect(setup.profiles.map((profile) => profile.name)).toEqual(['p']);
      expect(JSON.stringify(setup)).not.toContain('SECRETVALUE0123456789');
    },
  );
});
