import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readAwsSetup } from './read-aws-setup.js';
import { readSsoTokenStatus } from './read-sso-token-status.js';
import { resolveAwsContext } from './resolve-aws-context.js';

const secretName = fc
  .tuple(
    fc.stringMatching(/^[a-z_]{0,6}$/),
    fc.constantFrom('key', 'secret', 'token', 'KEY', 'Secret', 'Token'),
    fc.stringMatching(/^[a-z_]{0,6}$/),
  )
  .map(([before, word, after]) => `${before}${word}${after}`)
  // The one token-named setting that is a path a sandbox must bind, not a secret. credential_process is generated
  // apart: its program path is returned on purpose (the sandbox binds it); its arguments never are.
  .filter((name) => !['web_identity_token_file', 'credential_process'].includes(name.toLowerCase()));
// Upper-case start and length keep secret values from matching anything else in the output by chance.
const secretValue = fc.stringMatching(/^[A-Za-z0-9/+]{16,32}$/).map((value) => `SEC${value}`);
const publicValue = fc.stringMatching(/^[a-z0-9-]{1,12}$/);
const profileName = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}(\.[a-z0-9]{1,4})?$/);

const profileArbitrary = fc.record({
  name: profileName,
  public: fc.dictionary(
    fc.constantFrom('region', 'output', 'sso_start_url', 'sso_session', 'role_arn'),
    publicValue,
  ),
  configSecrets: fc.array(fc.tuple(secretName, secretValue), { maxLength: 3 }),
  credentialsSecrets: fc.array(fc.tuple(secretName, secretValue), { maxLength: 3 }),
  nestedSecrets: fc.array(fc.tuple(secretName, secretValue), { maxLength: 2 }),
  processArgument: fc.option(secretValue, { nil: undefined }),
  malformedSecret: fc.option(fc.tuple(secretName, secretValue), { nil: undefined }),
});

describe('secret-free output', () => {
  it('never returns a value of a *key*, *secret*, *token* or credential_process setting', async () => {
    const home = await mkdtemp(join(tmpdir(), 'aws-config-secrets-'));
    await mkdir(join(home, '.aws'));
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.uniqueArray(profileArbitrary, {
            minLength: 1,
            maxLength: 4,
            selector: (profile) => profile.name,
          }),
          async (profiles) => {
            const secrets: string[] = [];
            const config: string[] = [];
            const credentials: string[] = [];
            for (const profile of profiles) {
              config.push(profile.name === 'default' ? '[default]' : `[profile ${profile.name}]`);
              for (const [name, value] of Object.entries(profile.public)) config.push(`${name} = ${value}`);
              for (const [name, value] of profile.configSecrets) {
                config.push(`${name} = ${value}`);
                secrets.push(value);
              }
              if (profile.processArgument !== undefined) {
                const line = `/usr/bin/helper --arg ${profile.processArgument}`;
                config.push(`credential_process = ${line}`);
                secrets.push(profile.processArgument, line);
              }
              if (profile.malformedSecret !== undefined) {
                config.push(profile.malformedSecret.join(' '));
                secrets.push(profile.malformedSecret[1]);
              }
              if (profile.nestedSecrets.length > 0) {
                config.push(`${profile.nestedSecrets[0]?.[0]} =`);
                for (const [name, value] of profile.nestedSecrets) {
                  config.push(`  ${name} = ${value}`);
                  secrets.push(value);
                }
                config.push('s3 =');
                for (const [name, value] of profile.nestedSecrets) config.push(`  ${name} = ${value}`);
              }
              credentials.push(`[${profile.name}]`);
              for (const [name, value] of profile.credentialsSecrets) {
                credentials.push(`${name} = ${value}`);
                secrets.push(value);
              }
            }
            const firstSecret = profiles[0]?.configSecrets[0];
            if (firstSecret) {
              config.push('[sso-session shared]', `${firstSecret[0]} = ${firstSecret[1]}`);
              config.push('[services shared]', 's3 =', `  ${firstSecret[0]} = ${firstSecret[1]}`);
            }
            await writeFile(join(home, '.aws', 'config'), `${config.join('\n')}\n`);
            await writeFile(join(home, '.aws', 'credentials'), `${credentials.join('\n')}\n`);

            const setup = await readAwsSetup({ env: {}, homeDir: home });
            const outputs: unknown[] = [setup];
            for (const profile of setup.profiles) {
              outputs.push(resolveAwsContext({ env: { AWS_PROFILE: profile.name }, setup }));
              outputs.push(await readSsoTokenStatus(profile.name, setup));
            }
            outputs.push(
              await readAwsSetup({ env: {}, homeDir: home, strict: true }).catch((error) => error),
            );
            const text = outputs
              .map((output) =>
                output instanceof Error
                  ? `${output.message} ${JSON.stringify(output)}`
                  : JSON.stringify(output),
              )
              .join('\n');
            for (const secret of secrets) expect(text).not.toContain(secret);
          },
        ),
        { numRuns: 200 },
      );
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  }, 30_000);
});
