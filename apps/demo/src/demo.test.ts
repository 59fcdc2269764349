import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { findMotoServer } from '@aws-mcp/emulators';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const demoEntry = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'index.js');
const motoMissing = findMotoServer() === undefined;
/** PATH without pyenv's shims, where this machine's moto_server lives (the AWS CLI on it is then Debian's). */
const pathWithoutPyenv = (process.env.PATH ?? '')
  .split(':')
  .filter((folder) => !folder.includes('pyenv'))
  .join(':');
const motoOffPyenv = findMotoServer({ env: { PATH: pathWithoutPyenv } }) !== undefined;

/** The lines of one numbered step of the demo's output, from its title to the next step. */
function stepOf(stdout: string, title: string): string {
  const start = stdout.indexOf(`. ${title}\n`);
  expect(start, `the demo printed no step "${title}"`).toBeGreaterThan(-1);
  const next = stdout.slice(start + 1).search(/\n\d+\. /);
  return next === -1 ? stdout.slice(start) : stdout.slice(start, start + 1 + next);
}

describe('pnpm demo', () => {
  it.skipIf(motoMissing)(
    `tours a local AWS on moto: every step as expected${motoMissing ? ' (skipped: moto_server is not installed)' : ''}`,
    async () => {
      const { stdout } = await run(process.execPath, [demoEntry], { timeout: 240_000 });
      expect(stdout).toMatch(/ {2}AWS \(moto_server\) +http:\/\/127\.0\.0\.1:\d+/);
      expect(stepOf(stdout, 'Who am I? (the account every consent prompt shows)')).toContain(
        '"account": "123456789012"',
      );
      const otherProfile = stepOf(
        stdout,
        'A write in another profile: the consent names its account and region',
      );
      expect(otherProfile).toContain('(Account: 123456789012, Region: eu-west-1)');
      expect(otherProfile).toContain('arn:aws:sns:eu-west-1:123456789012:demo-alerts');
      expect(stepOf(stdout, 'And a queue in a third region, from the ops profile')).toContain(
        'Region: ap-southeast-2',
      );
      expect(stepOf(stdout, 'Read it back (a read: runs without asking)')).not.toContain('asks for consent');
      const invoke = stepOf(stdout, 'Invoke it; the response goes to a file in the working directory');
      expect(invoke).toContain('"StatusCode": 200');
      expect(invoke).toContain('moto runs Lambda without Docker here');
      expect(invoke).toContain('response.json: {"name":"demo"}');
      expect(stepOf(stdout, 'Its events, shaped by jq')).toContain('demo-stack CREATE_COMPLETE');
      const secretRead = stepOf(
        stdout,
        'A sensitive read: asks first, and the assistant sees the secret masked',
      );
      expect(secretRead).toContain('asks for consent: aws secretsmanager get-secret-value');
      expect(secretRead).not.toContain('correct-horse-battery-staple');
      const hallucinated = stepOf(stdout, 'A hallucinated command is refused with the nearest real one');
      expect(hallucinated).toContain('refused, as it should be');
      expect(hallucinated).toContain('`aws ec2 describe-instances`');
      expect(stepOf(stdout, 'A shell trick is refused before anything runs')).toContain('FORBIDDEN_OPERATOR');
      expect(stdout).not.toContain('FAILED');
      expect(stdout).toMatch(/Demo finished: 16 calls, all as expected/);
    },
    300_000,
  );

  it.skipIf(motoOffPyenv)(
    `says moto is not available and runs the s3rver/dynalite tour where moto_server cannot be found${motoOffPyenv ? ' (skipped: a moto_server outside pyenv is installed)' : ''}`,
    async () => {
      const { stdout } = await run(process.execPath, [demoEntry], {
        timeout: 120_000,
        env: { ...process.env, PATH: pathWithoutPyenv },
      });
      expect(stdout).toContain('moto is not available (moto_server is not installed');
      expect(stdout).toContain('so this is the shorter tour on s3rver (S3) and dynalite (DynamoDB).');
      expect(stdout).toMatch(/ {2}mode confirm-writes; sandbox: /);
      expect(stdout).toContain('make_bucket: demo-bucket');
      expect(stdout).toContain('✓ the demo approves it');
      expect(stdout).toContain('greetings/hello.txt 20 bytes');
      expect(stdout).toContain('{"id":{"S":"note-1"},"text":{"S":"aws-mcp works offline"}}');
      expect(stdout).toContain('refused, as it should be');
      expect(stdout).toMatch(/Demo finished: 8 calls, all as expected/);
    },
    150_000,
  );
});
