import { exec, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { MotoEmulator } from '@aws-mcp/emulators';
import { type ConnectedClient, type EmulatedAws, motoMissing, startEmulatedAws } from '@aws-mcp/test-support';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findCliPython } from '../../../packages/command/test/cli-oracle.js';
import { type ParityCall, parityCalls, profiles } from './parity/calls.js';
import {
  type FamilyReader,
  familyRead,
  generateMinimalInputs,
  listFamilyReads,
  startFamilyReader,
} from './parity/family-reads.js';
import { changedModels, type MotoState } from './parity/moto-state.js';
import { fill, pick, rawArgs, rawLine, type Variables } from './parity/run.js';
import { connectWorkloadServer, createDefaultVpcs, createRawEnv } from './parity/setup.js';
import { writeParityFiles } from './parity/workdir.js';

/**
 * The parity workload without its Lambda calls: moto 5.2.1's `/moto-api/data.json` answers 500 once a Lambda
 * function exists (reading the function's state touches a Docker client, and only some errors are caught), so the
 * state of those calls cannot be read; their classification is covered by the parity suite's own consent checks.
 */
const judgedCalls = parityCalls.filter((call) => !call.line.startsWith('aws lambda '));

const execShell = promisify(exec);
const python = findCliPython('aws');
const skipReason =
  motoMissing ?? (python === undefined ? "the AWS CLI's Python interpreter was not found" : undefined);
const execProgram = promisify(execFile);

type AccessClass = 'read' | 'write' | 'sensitive-read';
type State = MotoState;

/**
 * The classification oracle: the parity workload runs with the raw CLI against moto, each call first judged by the
 * server (`check: true`, nothing runs). Every call the server lets run as a read must leave moto's whole state
 * (`/moto-api/data.json`) unchanged; the writes are reported, and at least one must change it. moto runs without
 * its thousands of default AMIs (`MOTO_EC2_LOAD_DEFAULT_AMIS=false`), which makes a dump take a fraction of a
 * second instead of about twenty; the one AMI lookup in the workload then finds none, on purpose. moto keeps some
 * deleted resources in its dump, so each call is also read back: the list or describe read of the family it names
 * (`delete-queue` → `list-queues`, picked from the reads botocore's model gives no required input), before and after,
 * through one botocore process. A read must leave that answer unchanged too; for a write it counts as a change.
 */
describe.skipIf(skipReason !== undefined)(
  `classification oracle: a call classified as a read changes nothing in moto (${judgedCalls.length} of the ${parityCalls.length} parity calls)${skipReason === undefined ? '' : ` (skipped: ${skipReason})`}`,
  () => {
    let aws: EmulatedAws<MotoEmulator>;
    let moto: MotoEmulator;
    let workdir: string;
    let server: ConnectedClient;
    let rawEnv: Record<string, string>;
    let state: State;
    const variables: Variables = { s: 'raw' };
    const writes: { line: string; changed: string[] }[] = [];
    let reader: FamilyReader;
    let familyReads = new Map<string, string[]>();
    const botocoreNames = new Map<string, string>();
    let readBacks = 0;
    /** Writes whose family read answered otherwise afterwards: the read-back can tell a change. */
    const seenByReadBack: string[] = [];

    beforeAll(async () => {
      aws = await startEmulatedAws({ profiles, motoEnv: { MOTO_EC2_LOAD_DEFAULT_AMIS: 'false' } });
      moto = aws.emulator;
      workdir = aws.workdir;
      await writeParityFiles(workdir, ['raw']);
      rawEnv = createRawEnv(aws, process.env.PATH ?? '');
      // First touches create state by themselves (EC2's default VPC per region): done before anything is judged.
      await createDefaultVpcs(rawEnv, profiles);
      const services = [...new Set(judgedCalls.map((call) => call.line.split(' ')[1] as string))];
      const generated = await generateMinimalInputs({ python: python as string, services });
      familyReads = listFamilyReads(generated.operations);
      for (const each of generated.operations) botocoreNames.set(each.service, each.botocoreService);
      reader = startFamilyReader({ python: python as string, endpoint: moto.endpoint, env: rawEnv });
      server = await connectWorkloadServer({ env: rawEnv, workdir, name: 'oracle' });
      state = (await moto.readState()) as State;
    }, 180_000);
    afterAll(async () => {
      reader?.stop();
      await server?.close();
      await aws?.stop();
      const unchanged = writes.filter((write) => write.changed.length === 0).map((write) => write.line);
      console.log(
        `classification oracle: ${writes.length} writes, ${unchanged.length} left moto's dump unchanged (deletes and ` +
          `calls moto does not record): ${unchanged.join(' · ')}`,
      );
    });

    async function classify(call: ParityCall): Promise<{ accessClass: AccessClass; action: string }> {
      const result = (await server.client.callTool({
        name: 'aws_cli_pipeline',
        arguments: {
          ...(call.args === undefined
            ? { command: fill(call.line, variables) }
            : { args: call.args.map((word) => fill(word, variables)) }),
          ...(call.profile === undefined ? {} : { profile: call.profile }),
          ...(call.region === undefined ? {} : { region: call.region }),
          check: true,
        },
      })) as CallToolResult;
      const structured = result.structuredContent as {
        status: string;
        classification?: { accessClass: AccessClass; action: string };
      };
      if (structured.status !== 'checked' || structured.classification === undefined) {
        const text = result.content[0]?.type === 'text' ? result.content[0].text : '';
        throw new Error(`the server did not judge it: ${text.slice(0, 500)}`);
      }
      return structured.classification;
    }

    /** The family read of the call's own command (`ec2:delete-vpc` → ec2 `describe-vpcs`), when there is one. */
    function familyOf(action: string): { service: string; read: string } | undefined {
      const [service = '', operation = ''] = action.split(':');
      const read = familyRead(operation, familyReads.get(service) ?? []);
      const botocore = botocoreNames.get(service);
      return read === undefined || botocore === undefined ? undefined : { service: botocore, read };
    }

    async function runRaw(call: ParityCall): Promise<string> {
      if (call.args !== undefined) {
        return (
          await execProgram('aws', rawArgs(call, variables, moto.endpoint), { cwd: workdir, env: rawEnv })
        ).stdout;
      }
      return (
        await execShell(rawLine(call, variables, moto.endpoint), {
          cwd: workdir,
          env: rawEnv,
          shell: '/bin/sh',
        })
      ).stdout;
    }

    it.each(judgedCalls.map((call, index) => [index + 1, call.line, call] as const))(
      '%i. %s',
      async (_, line, call) => {
        const { accessClass, action } = await classify(call);
        const family = familyOf(action);
        const familyBefore =
          family === undefined ? undefined : await reader.read(family.service, family.read);
        const output = await runRaw(call);
        for (const [name, path] of Object.entries(call.capture ?? {})) variables[name] = pick(output, path);
        const after = (await moto.readState()) as State;
        const changed = changedModels(state, after);
        if (family !== undefined) {
          readBacks++;
          const familyAfter = await reader.read(family.service, family.read);
          if (familyAfter !== familyBefore) {
            changed.push(`${family.service} ${family.read} answers otherwise`);
            if (accessClass === 'write') seenByReadBack.push(line);
          }
        }
        state = after;
        if (accessClass === 'write') writes.push({ line, changed });
        else expect(changed, `${accessClass}: ${line}`).toEqual([]);
      },
      120_000,
    );

    it('reads most calls back through their family read', () => {
      expect(readBacks).toBeGreaterThan(judgedCalls.length / 2);
      // create-vpc, create-subnet, create-queue, create-user …: their family reads list what they made.
      expect(seenByReadBack.length, seenByReadBack.join(' · ')).toBeGreaterThan(10);
    });

    it('sees writes change the state (the oracle can tell)', () => {
      expect(writes.length).toBeGreaterThan(20);
      expect(writes.filter((write) => write.changed.length > 0).length).toBeGreaterThan(writes.length / 2);
    });
  },
);
