import { exec, execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  createAwsSandboxHome,
  findMotoServer,
  MOTO_CREDENTIALS,
  type MotoEmulator,
  startMoto,
} from '@aws-mcp/emulators';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverEntry } from './http-harness.js';
import { type ParityCall, parityCalls, profiles } from './parity/calls.js';
import { changedModels, type MotoState } from './parity/moto-state.js';
import { fill, pick, rawArgs, rawLine, type Variables } from './parity/run.js';
import { writeParityFiles } from './parity/workdir.js';

/**
 * The parity workload without its Lambda calls: moto 5.2.1's `/moto-api/data.json` answers 500 once a Lambda
 * function exists (reading the function's state touches a Docker client, and only some errors are caught), so the
 * state of those calls cannot be read; their classification is covered by the parity suite's own consent checks.
 */
const judgedCalls = parityCalls.filter((call) => !call.line.startsWith('aws lambda '));

const execShell = promisify(exec);
const execProgram = promisify(execFile);
const motoMissing = findMotoServer() === undefined;

type AccessClass = 'read' | 'write' | 'sensitive-read';
type State = MotoState;

/**
 * The classification oracle: the parity workload runs with the raw CLI against moto, each call first judged by the
 * server (`check: true`, nothing runs). Every call the server lets run as a read must leave moto's whole state
 * (`/moto-api/data.json`) unchanged; the writes are reported, and at least one must change it. moto runs without
 * its thousands of default AMIs (`MOTO_EC2_LOAD_DEFAULT_AMIS=false`), which makes a dump take a fraction of a
 * second instead of about twenty; the one AMI lookup in the workload then finds none, on purpose.
 */
describe.skipIf(motoMissing)(
  `classification oracle: a call classified as a read changes nothing in moto (${judgedCalls.length} of the ${parityCalls.length} parity calls)${motoMissing ? ' (skipped: moto_server is not installed)' : ''}`,
  () => {
    let moto: MotoEmulator;
    let home: Awaited<ReturnType<typeof createAwsSandboxHome>>;
    let folder: string;
    let workdir: string;
    let client: Client;
    let rawEnv: Record<string, string>;
    let state: State;
    const variables: Variables = { s: 'raw' };
    const writes: { line: string; changed: string[] }[] = [];

    beforeAll(async () => {
      moto = await startMoto({ env: { PATH: process.env.PATH, MOTO_EC2_LOAD_DEFAULT_AMIS: 'false' } });
      home = await createAwsSandboxHome({ credentials: MOTO_CREDENTIALS, profiles });
      folder = await mkdtemp(join(tmpdir(), 'oracle-'));
      workdir = join(folder, 'workdir');
      await mkdir(workdir);
      await writeParityFiles(workdir, ['raw']);
      rawEnv = {
        PATH: process.env.PATH ?? '',
        LANG: 'C.UTF-8',
        ...home.env,
        AWS_ENDPOINT_URL: moto.endpoint,
        AWS_MAX_ATTEMPTS: '1',
      };
      // First touches create state by themselves (EC2's default VPC per region): done before anything is judged.
      await Promise.all(
        profiles.map((profile) =>
          execProgram('aws', ['--region', profile.region, 'ec2', 'describe-vpcs'], { env: rawEnv }),
        ),
      );
      client = new Client({ name: 'oracle', version: '1.0.0' });
      await client.connect(
        new StdioClientTransport({
          command: process.execPath,
          args: [serverEntry],
          env: { ...rawEnv, AWS_MCP_WORKDIR: workdir, AWS_MCP_MODE: 'confirm-writes' },
          stderr: 'ignore',
        }),
      );
      state = (await moto.readState()) as State;
    }, 180_000);
    afterAll(async () => {
      await client?.close();
      await moto?.stop();
      await home?.remove();
      if (folder !== undefined) await rm(folder, { recursive: true, force: true });
      const unchanged = writes.filter((write) => write.changed.length === 0).map((write) => write.line);
      console.log(
        `classification oracle: ${writes.length} writes, ${unchanged.length} left moto's dump unchanged (deletes and ` +
          `calls moto does not record): ${unchanged.join(' · ')}`,
      );
    });

    async function classify(call: ParityCall): Promise<AccessClass> {
      const result = (await client.callTool({
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
        classification?: { accessClass: AccessClass };
      };
      if (structured.status !== 'checked' || structured.classification === undefined) {
        const text = result.content[0]?.type === 'text' ? result.content[0].text : '';
        throw new Error(`the server did not judge it: ${text.slice(0, 500)}`);
      }
      return structured.classification.accessClass;
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
        const accessClass = await classify(call);
        const output = await runRaw(call);
        for (const [name, path] of Object.entries(call.capture ?? {})) variables[name] = pick(output, path);
        const after = (await moto.readState()) as State;
        const changed = changedModels(state, after);
        state = after;
        if (accessClass === 'write') writes.push({ line, changed });
        else expect(changed, `${accessClass}: ${line}`).toEqual([]);
      },
      120_000,
    );

    it('sees writes change the state (the oracle can tell)', () => {
      expect(writes.length).toBeGreaterThan(20);
      expect(writes.filter((write) => write.changed.length > 0).length).toBeGreaterThan(writes.length / 2);
    });
  },
);
