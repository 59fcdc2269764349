import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { MotoEmulator } from '@aws-mcp/emulators';
import { type EmulatedAws, motoMissing, startEmulatedAws } from '@aws-mcp/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changedModels, type MotoState } from './moto-state.js';

const execAws = promisify(execFile);

describe.skipIf(motoMissing !== undefined)(
  `changedModels on moto's own dumps${motoMissing === undefined ? '' : ` (skipped: ${motoMissing})`}`,
  () => {
    let aws: EmulatedAws<MotoEmulator>;
    const dump = async () => (await aws.emulator.readState()) as MotoState;
    const assumeRole = (session: string) =>
      execAws(
        'aws',
        [
          'sts',
          'assume-role-with-web-identity',
          '--role-arn',
          'arn:aws:iam::123456789012:role/not-in-iam',
          '--role-session-name',
          session,
          '--web-identity-token',
          'a-token',
        ],
        { env: aws.env },
      );

    beforeAll(async () => {
      aws = await startEmulatedAws();
    });
    afterAll(async () => {
      await aws?.stop();
    });

    it('sees no change between two dumps with nothing called, though moto redraws an assumed role’s user id', async () => {
      await assumeRole('first-session');
      const before = await dump();
      const after = await dump();
      // What the rule is for: moto's dump itself differs (a fresh AROA… id each time).
      expect(JSON.stringify(after.sts)).not.toBe(JSON.stringify(before.sts));
      expect(changedModels(before, after)).toEqual([]);
    });

    it('still sees a new assumed role', async () => {
      const before = await dump();
      await assumeRole('second-session');
      expect(changedModels(before, await dump())).toContain('sts.AssumedRole');
    });
  },
);
