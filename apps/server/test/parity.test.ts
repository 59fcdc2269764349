import { exec, execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { MotoEmulator } from '@aws-mcp/emulators';
import {
  type ConnectedClient,
  type EmulatedAws,
  motoMissing,
  startEmulatedAws,
  useTempDir,
} from '@aws-mcp/test-support';
import type { CallToolResult, ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ParityCall, parityCalls, paritySequences, profiles } from './parity/calls.js';
import { fill, pick, rawArgs, rawCliPath, rawLine, type Variables } from './parity/run.js';
import { connectWorkloadServer, createDefaultVpcs, createRawEnv } from './parity/setup.js';
import { writeParityAmis, writeParityFiles } from './parity/workdir.js';

const execShell = promisify(exec);
const execProgram = promisify(execFile);
const sides = { server: 'srv', raw: 'raw' } as const;
const callTimeoutMs = 120_000;

/**
 * Sets aside what differs between two runs of the same call: the two sides' names and captured values (a list
 * shows both sides' resources), generated ids, times.
 */
function normalize(output: string, sidesVariables: Variables[], unordered: boolean): string {
  let text = output;
  for (const variables of sidesVariables) {
    for (const [name, value] of Object.entries(variables)) {
      if (name !== 's' && value.length >= 6) text = text.split(value).join(`<${name}>`);
    }
  }
  for (const variables of sidesVariables) text = text.split(variables.s as string).join('<side>');
  text = text
    // The server leaves out the CLI's transfer progress lines (it reports progress as MCP notifications).
    .replace(/Completed [^\n]*? remaining\r?/g, '')
    .replace(/\r/g, '')
    .replace(/^[ \t]+|[ \t]+$/gm, '')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<uuid>')
    .replace(/\b([a-z]+(?:-[a-z]+)*)-[0-9a-f]{8,17}\b/g, '<$1-id>')
    .replace(/\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?/g, '<time>')
    .replace(/\b1[6-9]\d{8}(\.\d+)?\b/g, '<epoch>')
    .replace(/\b\d{20,}\b/g, '<number>')
    .replace(/(secret:[^"\s:]+)-[A-Za-z0-9]{6}\b/g, '$1-<random>')
    .replace(/\b[A-Za-z0-9+/]{60,}={0,2}/g, '<blob>')
    .replace(/\b[A-Z0-9]{13,32}\b/g, (word) => (/\d/.test(word) && /[A-Z]/.test(word) ? '<id>' : word));
  const lines = text.trimEnd().split('\n');
  return (unordered ? lines.sort() : lines).join('\n');
}

/** What one call gave on both sides, normalized, or why it could not be compared. */
type CallResult =
  | { server: string; raw: string; serverMs: number; rawMs: number }
  | { error: string; serverMs: number; rawMs: number };

/**
 * The workload's sequences run at once, each call after the one before it in its sequence; within a call, the
 * server's side and the raw side run at once too. Both sides see the same state: each side has its own names
 * (`{s}`), both sides of the previous call have finished before the next starts, and no sequence lists what
 * another one makes (calls.ts). The calls run in `beforeAll`; each call's test compares what it gave.
 */
describe.skipIf(motoMissing !== undefined)(
  `parity: a realistic workload through the server and with the raw CLI gives the same answers${motoMissing === undefined ? '' : ` (skipped: ${motoMissing})`}`,
  () => {
    const amis = useTempDir('parity-amis-');
    let aws: EmulatedAws<MotoEmulator>;
    let moto: MotoEmulator;
    let workdir: string;
    let server: ConnectedClient;
    let rawEnv: Record<string, string>;
    const results = new Map<ParityCall, CallResult>();
    const sequenceSeconds: Record<string, number> = {};
    const phases = { setup: 0, workload: 0 };
    let warmCli: { state: string; reason?: string; calls?: number } | undefined;

    beforeAll(async () => {
      const started = performance.now();
      await writeParityAmis(join(amis.path, 'amis.json'));
      aws = await startEmulatedAws({ profiles, motoEnv: { MOTO_AMIS_PATH: join(amis.path, 'amis.json') } });
      moto = aws.emulator;
      workdir = aws.workdir;
      await writeParityFiles(workdir, Object.values(sides));
      rawEnv = createRawEnv(aws, rawCliPath(process.env.PATH ?? ''));
      [, server] = await Promise.all([
        createDefaultVpcs(rawEnv, profiles),
        connectWorkloadServer({
          // The server finds the CLI as a person's PATH has it (through a pyenv shim where there is one).
          // The server as a person runs it: the defaults, the warm CLI among them (on by default).
          env: { ...rawEnv, PATH: process.env.PATH ?? '' },
          workdir,
          name: 'parity',
          // The person says yes to every write and shows secrets, so both sides see the same text.
          consent: {
            asked: [],
            answer: (request): ElicitResult => {
              const schema = 'requestedSchema' in request.params ? request.params.requestedSchema : undefined;
              return schema?.properties !== undefined && 'answer' in schema.properties
                ? { action: 'accept', content: { answer: 'show' } }
                : { action: 'accept', content: { approve: true } };
            },
          },
        }),
      ]);
      phases.setup = performance.now() - started;
      await Promise.all(paritySequences.map((sequence) => runSequence(sequence.name, sequence.calls)));
      phases.workload = performance.now() - started - phases.setup;
      const environment = await server.client.readResource({ uri: 'aws://config/environment' });
      const text =
        environment.contents[0] !== undefined && 'text' in environment.contents[0]
          ? environment.contents[0].text
          : '{}';
      warmCli = (JSON.parse(text) as { warmCli?: typeof warmCli }).warmCli;
      // The calls run here, each with its own time limit: this limit is for the whole workload on a loaded machine.
    }, 1_800_000);
    afterAll(async () => {
      await server?.close();
      await aws?.stop();
      const all = [...results.values()];
      const sum = (side: 'serverMs' | 'rawMs') => all.reduce((total, each) => total + each[side], 0) / 1000;
      console.log(
        `parity: ${parityCalls.length} calls in ${paritySequences.length} sequences at once: set-up ` +
          `${(phases.setup / 1000).toFixed(1)} s, workload ${(phases.workload / 1000).toFixed(1)} s (sequences: ` +
          `${Object.entries(sequenceSeconds)
            .map(([name, seconds]) => `${name} ${seconds.toFixed(1)} s`)
            .join(', ')}); per call summed: server ${sum('serverMs').toFixed(1)} s, raw CLI ` +
          `${sum('rawMs').toFixed(1)} s; warm CLI ${JSON.stringify(warmCli)}; slowest: ${[
            ...results.entries(),
          ]
            .sort(([, a], [, b]) => Math.max(b.serverMs, b.rawMs) - Math.max(a.serverMs, a.rawMs))
            .slice(0, 5)
            .map(
              ([call, took]) =>
                `${call.line.split(' ').slice(1, 3).join(' ')} ${(took.serverMs / 1000).toFixed(1)}/${(took.rawMs / 1000).toFixed(1)} s`,
            )
            .join(', ')}`,
      );
    }, 120_000);

    async function runSequence(name: string, calls: ParityCall[]): Promise<void> {
      const started = performance.now();
      const variables: Record<'server' | 'raw', Variables> = {
        server: { s: sides.server },
        raw: { s: sides.raw },
      };
      for (const call of calls) results.set(call, await runCall(call, variables));
      sequenceSeconds[name] = (performance.now() - started) / 1000;
    }

    async function runCall(
      call: ParityCall,
      variables: Record<'server' | 'raw', Variables>,
    ): Promise<CallResult> {
      const took = { serverMs: 0, rawMs: 0 };
      const timed = async <T>(side: keyof typeof took, run: () => Promise<T>): Promise<T> => {
        const started = performance.now();
        try {
          return await run();
        } finally {
          took[side] = performance.now() - started;
        }
      };
      // Settled, not all: a side that fails still lets the other finish before the sequence's next call starts.
      const [serverSide, rawSide] = await Promise.allSettled([
        timed('serverMs', () => runServer(call, variables.server)),
        timed('rawMs', () => runRaw(call, variables.raw)),
      ]);
      try {
        if (serverSide.status === 'rejected') throw serverSide.reason;
        if (rawSide.status === 'rejected') throw rawSide.reason;
        const [server, raw] = [serverSide.value, rawSide.value];
        for (const [name, path] of Object.entries(call.capture ?? {})) {
          variables.server[name] = pick(server.output, path);
          variables.raw[name] = pick(raw, path);
        }
        const both = [variables.server, variables.raw];
        const unordered = call.unordered === true;
        return {
          server: normalize(server.output, both, unordered),
          raw: normalize(raw, both, unordered),
          ...took,
        };
      } catch (error) {
        return { error: error instanceof Error ? error.message : String(error), ...took };
      }
    }

    async function runServer(call: ParityCall, variables: Variables): Promise<{ output: string }> {
      const result = (await server.client.callTool(
        {
          name: 'aws_cli_pipeline',
          arguments: {
            ...(call.args === undefined
              ? { command: fill(call.line, variables) }
              : { args: call.args.map((word) => fill(word, variables)) }),
            ...(call.profile === undefined ? {} : { profile: call.profile }),
            ...(call.region === undefined ? {} : { region: call.region }),
          },
        },
        undefined,
        { timeout: callTimeoutMs },
      )) as CallToolResult;
      const structured = result.structuredContent as { output: string } | undefined;
      if (result.isError === true) {
        const text = result.content[0]?.type === 'text' ? result.content[0].text : '';
        throw new Error(`the server failed: ${text.slice(0, 800)}`);
      }
      return { output: structured?.output ?? '' };
    }

    async function runRaw(call: ParityCall, variables: Variables): Promise<string> {
      if (call.args !== undefined) {
        return (
          await execProgram('aws', rawArgs(call, variables, moto.endpoint), {
            cwd: workdir,
            env: rawEnv,
            timeout: callTimeoutMs,
          })
        ).stdout;
      }
      return (
        await execShell(rawLine(call, variables, moto.endpoint), {
          cwd: workdir,
          env: rawEnv,
          shell: '/bin/sh',
          timeout: callTimeoutMs,
        })
      ).stdout;
    }

    it.each(parityCalls.map((call, index) => [index + 1, call.line, call] as const))(
      '%i. %s',
      (_, __, call) => {
        const result = results.get(call);
        if (result === undefined) throw new Error('the call did not run');
        if ('error' in result) throw new Error(result.error);
        expect(result.server).toBe(result.raw);
      },
    );
  },
);
