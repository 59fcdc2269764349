import { exec, execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
import { type CallToolResult, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ParityCall, parityCalls, profiles } from './parity/calls.js';
import { fill, pick, rawArgs, rawLine, type Variables } from './parity/run.js';
import { writeParityFiles } from './parity/workdir.js';

const execShell = promisify(exec);
const execProgram = promisify(execFile);
const serverEntry = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'index.js');
const motoMissing = findMotoServer() === undefined;
const sides = { server: 'srv', raw: 'raw' } as const;

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

describe.skipIf(motoMissing)(
  `parity: a realistic workload through the server and with the raw CLI gives the same answers${motoMissing ? ' (skipped: moto_server is not installed)' : ''}`,
  () => {
    let moto: MotoEmulator;
    let home: Awaited<ReturnType<typeof createAwsSandboxHome>>;
    let folder: string;
    let workdir: string;
    let client: Client;
    let rawEnv: Record<string, string>;
    const variables: Record<'server' | 'raw', Variables> = {
      server: { s: sides.server },
      raw: { s: sides.raw },
    };
    const timings = { server: 0, raw: 0 };

    beforeAll(async () => {
      moto = await startMoto();
      home = await createAwsSandboxHome({ credentials: MOTO_CREDENTIALS, profiles });
      folder = await mkdtemp(join(tmpdir(), 'parity-'));
      workdir = join(folder, 'workdir');
      await mkdir(workdir);
      await writeParityFiles(workdir, Object.values(sides));
      rawEnv = {
        PATH: process.env.PATH ?? '',
        LANG: 'C.UTF-8',
        ...home.env,
        AWS_ENDPOINT_URL: moto.endpoint,
        AWS_MAX_ATTEMPTS: '1',
      };
      // The first EC2 read in a region makes moto create its AMIs and default VPC: do it before anything is timed.
      await Promise.all(
        profiles.map((profile) =>
          execProgram('aws', ['--region', profile.region, 'ec2', 'describe-vpcs'], { env: rawEnv }),
        ),
      );
      client = new Client(
        { name: 'parity', version: '1.0.0' },
        { capabilities: { elicitation: { form: {} } } },
      );
      // The person says yes to every write and shows secrets, so both sides see the same text.
      client.setRequestHandler(ElicitRequestSchema, async (request) => {
        const schema = 'requestedSchema' in request.params ? request.params.requestedSchema : undefined;
        return schema?.properties !== undefined && 'answer' in schema.properties
          ? { action: 'accept', content: { answer: 'show' } }
          : { action: 'accept', content: { approve: true } };
      });
      await client.connect(
        new StdioClientTransport({
          command: process.execPath,
          args: [serverEntry],
          env: { ...rawEnv, AWS_MCP_WORKDIR: workdir, AWS_MCP_MODE: 'confirm-writes' },
          stderr: 'ignore',
        }),
      );
    }, 180_000);
    afterAll(async () => {
      await client?.close();
      await moto?.stop();
      await home?.remove();
      if (folder !== undefined) await rm(folder, { recursive: true, force: true });
      console.log(
        `parity: ${parityCalls.length} calls; server ${(timings.server / 1000).toFixed(1)} s, raw CLI ${(timings.raw / 1000).toFixed(1)} s`,
      );
    });

    async function runServer(call: ParityCall): Promise<{ output: string }> {
      const started = performance.now();
      const result = (await client.callTool({
        name: 'aws_cli_pipeline',
        arguments: {
          ...(call.args === undefined
            ? { command: fill(call.line, variables.server) }
            : { args: call.args.map((word) => fill(word, variables.server)) }),
          ...(call.profile === undefined ? {} : { profile: call.profile }),
          ...(call.region === undefined ? {} : { region: call.region }),
        },
      })) as CallToolResult;
      timings.server += performance.now() - started;
      const structured = result.structuredContent as { output: string } | undefined;
      if (result.isError === true) {
        const text = result.content[0]?.type === 'text' ? result.content[0].text : '';
        throw new Error(`the server failed: ${text.slice(0, 800)}`);
      }
      return { output: structured?.output ?? '' };
    }

    async function runRaw(call: ParityCall): Promise<string> {
      const started = performance.now();
      try {
        if (call.args !== undefined) {
          return (
            await execProgram('aws', rawArgs(call, variables.raw, moto.endpoint), {
              cwd: workdir,
              env: rawEnv,
            })
          ).stdout;
        }
        return (
          await execShell(rawLine(call, variables.raw, moto.endpoint), {
            cwd: workdir,
            env: rawEnv,
            shell: '/bin/sh',
          })
        ).stdout;
      } finally {
        timings.raw += performance.now() - started;
      }
    }

    it.each(parityCalls.map((call, index) => [index + 1, call.line, call] as const))(
      '%i. %s',
      async (_, __, call) => {
        const [server, raw] = await Promise.all([runServer(call), runRaw(call)]);
        for (const [name, path] of Object.entries(call.capture ?? {})) {
          variables.server[name] = pick(server.output, path);
          variables.raw[name] = pick(raw, path);
        }
        const both = [variables.server, variables.raw];
        expect(normalize(server.output, both, call.unordered === true)).toBe(
          normalize(raw, both, call.unordered === true),
        );
      },
      120_000,
    );
  },
);
