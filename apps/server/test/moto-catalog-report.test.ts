import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { MotoEmulator } from '@aws-mcp/emulators';
import {
  type ConnectedClient,
  createRandom,
  type EmulatedAws,
  motoMissing,
  startEmulatedAws,
} from '@aws-mcp/test-support';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findCliPython } from '../../../packages/command/test/cli-oracle.js';
import {
  type FamilyReader,
  familyRead,
  type GeneratedOperation,
  generateMinimalInputs,
  listFamilyReads,
  startFamilyReader,
} from './parity/family-reads.js';
import { changedModels, type MotoState } from './parity/moto-state.js';
import { rawCliPath } from './parity/run.js';
import { connectWorkloadServer, createRawEnv } from './parity/setup.js';

const execProgram = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const reportFile = join(here, '..', '..', '..', 'docs', 'moto-report.md');
const enabled = process.env.AWS_MCP_MOTO_REPORT === '1';
const seed = Number(process.env.AWS_MCP_MOTO_REPORT_SEED ?? 17);
const sampleSize = Number(process.env.AWS_MCP_MOTO_REPORT_COUNT ?? 300);
const python = findCliPython('aws');
const skipReason = !enabled
  ? 'set AWS_MCP_MOTO_REPORT=1 to run it'
  : motoMissing !== undefined
    ? motoMissing
    : python === undefined
      ? "the AWS CLI's Python interpreter was not found"
      : undefined;

/** Operations left out of the sample, each with why. */
const leftOut: Record<string, string> = {
  'lambda create-function': 'once a Lambda function exists, moto 5.2.1 answers 500 to /moto-api/data.json',
  'kinesis subscribe-to-shard': 'an event stream answer, held open',
  'logs start-live-tail': 'an event stream answer, held open',
};

type Generated = GeneratedOperation;

type Verdict =
  | 'read changed state'
  | 'write ran, no change seen'
  | 'errored, state changed'
  | 'refused by the server'
  | 'agrees';

interface Row {
  service: string;
  operation: string;
  argv: string[];
  /** The server's class with `check: true`, or its refusal code. */
  judged: string;
  exitCode: number;
  /** The CLI's error code (`An error occurred (Code)`), or a short kind for errors before any request. */
  errorCode?: string;
  changedModels: string[];
  /** The family read run before and after, and whether its answer changed. */
  readBack?: { operation: string; changed: boolean };
  /** For a read that changed state: whether running it once more changed it again (a first touch does not). */
  changedAgain?: boolean;
  /** The state dump could not be read after this call (moto was reset). */
  dumpFailed?: boolean;
  verdict: Verdict;
  durationMs: number;
}

/** The CLI's error code from its stderr, or a short name for what failed before any request. */
function readErrorCode(stderr: string): string {
  const code = /An error occurred \(([^)]+)\)/.exec(stderr)?.[1];
  if (code !== undefined) return code;
  if (/Parameter validation failed/.test(stderr)) return 'ParamValidation';
  if (/^usage:|the following arguments are required|Unknown options/m.test(stderr)) return 'usage';
  if (/Could not connect|Connection was closed|Read timeout/.test(stderr)) return 'connection';
  return (stderr.trim().split('\n').at(-1) ?? '').slice(0, 60) || 'unknown';
}

/** How the class and what moto shows agree: a read that changed state comes first in the report. */
function judge(row: Omit<Row, 'verdict'>): Verdict {
  const changed = row.changedModels.length > 0 || row.readBack?.changed === true;
  if (row.judged === 'read' || row.judged === 'sensitive-read')
    return changed ? 'read changed state' : 'agrees';
  if (row.judged !== 'write') return 'refused by the server';
  if (row.exitCode === 0 && !changed) return 'write ran, no change seen';
  if (row.exitCode !== 0 && changed) return 'errored, state changed';
  return 'agrees';
}

/** A seeded sample: a service drawn at random, then one of its operations not drawn yet. */
function drawSample(candidates: Generated[]): Generated[] {
  const random = createRandom(seed);
  const byService = new Map<string, Generated[]>();
  for (const each of candidates) byService.set(each.service, [...(byService.get(each.service) ?? []), each]);
  const sample: Generated[] = [];
  while (sample.length < sampleSize && byService.size > 0) {
    const services = [...byService.keys()].sort();
    const service = services[Math.floor(random() * services.length)] as string;
    const left = byService.get(service) as Generated[];
    const [picked] = left.splice(Math.floor(random() * left.length), 1);
    if (left.length === 0) byService.delete(service);
    if (picked !== undefined) sample.push(picked);
  }
  return sample;
}

describe.skipIf(skipReason !== undefined)(
  `moto catalog report: ${sampleSize} catalog operations with minimal parameters, seed ${seed}${skipReason === undefined ? '' : ` (skipped: ${skipReason})`}`,
  () => {
    let aws: EmulatedAws<MotoEmulator>;
    let moto: MotoEmulator;
    let folder: string;
    let server: ConnectedClient;
    let rawEnv: Record<string, string>;
    let motoDir = '';
    let sample: Generated[] = [];
    let readsByService = new Map<string, string[]>();
    const started = performance.now();
    const loads: number[] = [];
    const rows: Row[] = [];
    const warmed = new Set<string>();
    let reader: FamilyReader;

    beforeAll(async () => {
      loads.push(loadavg()[0] ?? 0);
      const generated = await generateMinimalInputs({ python: python as string });
      motoDir = generated.motoDir;
      const implemented = generated.operations.filter((each) => each.implemented);
      readsByService = listFamilyReads(generated.operations);
      sample = drawSample(
        implemented.filter(
          (each) => each.argv !== undefined && !(`${each.service} ${each.operation}` in leftOut),
        ),
      );

      aws = await startEmulatedAws({ motoEnv: { MOTO_EC2_LOAD_DEFAULT_AMIS: 'false' } });
      moto = aws.emulator;
      folder = aws.workdir;
      rawEnv = createRawEnv(aws, rawCliPath(process.env.PATH ?? ''));
      reader = startFamilyReader({ python: python as string, endpoint: moto.endpoint, env: rawEnv });
      server = await connectWorkloadServer({ env: rawEnv, workdir: folder, name: 'moto-report' });
    }, 600_000);

    afterAll(async () => {
      await server?.close();
      reader?.stop();
      await aws?.stop();
    });

    async function runRaw(service: string, operation: string, argv: string[]) {
      try {
        await execProgram('aws', ['--endpoint-url', moto.endpoint, service, operation, ...argv], {
          cwd: folder,
          env: rawEnv,
          timeout: 90_000,
          maxBuffer: 64 * 1024 * 1024,
        });
        return { exitCode: 0, stdout: '', stderr: '' };
      } catch (error) {
        const failed = error as { code?: number; stderr?: string; stdout?: string; killed?: boolean };
        return {
          exitCode: typeof failed.code === 'number' ? failed.code : -1,
          stdout: failed.stdout ?? '',
          stderr: failed.killed === true ? 'Read timeout: killed after 90 s' : (failed.stderr ?? ''),
        };
      }
    }

    /** The family read's answer through the one botocore process (`botocore-reads.py`). */
    function readBack(service: string, operation: string): Promise<string> {
      return reader.read(service, operation);
    }

    async function readState(): Promise<MotoState | undefined> {
      try {
        return (await moto.readState()) as MotoState;
      } catch {
        return undefined;
      }
    }

    /** A first read makes a service's backend (EC2's default VPC, IAM's managed policies): never measured. */
    async function warm(each: Generated): Promise<void> {
      if (warmed.has(each.service)) return;
      warmed.add(each.service);
      const read = readsByService.get(each.service)?.[0];
      if (read !== undefined) await readBack(each.botocoreService, read);
    }

    /** Runs the operation raw between two state dumps and two family reads. */
    async function observe(each: Generated, family: string | undefined) {
      const argv = each.argv as string[];
      const familyBefore = family === undefined ? undefined : await readBack(each.botocoreService, family);
      const before = await readState();
      const raw = await runRaw(each.service, each.operation, argv);
      const after = await readState();
      const familyAfter = family === undefined ? undefined : await readBack(each.botocoreService, family);
      const dumpFailed = before === undefined || after === undefined;
      return {
        raw,
        dumpFailed,
        changedModels: dumpFailed ? [] : changedModels(before, after),
        familyChanged: familyBefore !== familyAfter,
      };
    }

    async function judgeOnServer(service: string, operation: string, argv: string[]): Promise<string> {
      const result = (await server.client.callTool({
        name: 'aws_cli_pipeline',
        arguments: { args: ['aws', service, operation, ...argv], check: true },
      })) as CallToolResult;
      const structured = result.structuredContent as
        | { status: string; code?: string; classification?: { accessClass: string } }
        | undefined;
      if (structured?.status === 'checked' && structured.classification !== undefined) {
        return structured.classification.accessClass;
      }
      return `refused: ${structured?.code ?? 'no code'}`;
    }

    it('runs every sampled operation through the server (check) and raw against moto, and writes the report', async () => {
      expect(sample.length).toBe(sampleSize);
      // A server that cannot judge (AWS_CLI_MISSING when its start-up CLI check failed on a loaded machine) would
      // make every row a refusal: seen in one run, so the report stops instead.
      expect(await judgeOnServer('sts', 'get-caller-identity', [])).not.toMatch(/^refused/);
      const motoVersion =
        /__version__ = "([^"]+)"/.exec(await readFile(join(motoDir, '__init__.py'), 'utf8'))?.[1] ?? '?';
      const cliVersion = (await execProgram('aws', ['--version'], { env: rawEnv })).stdout.trim();
      const write = () =>
        writeFile(
          reportFile,
          formatReport({
            rows,
            motoVersion,
            cliVersion,
            seconds: (performance.now() - started) / 1000,
            loads,
          }),
        );
      for (const each of sample) {
        const callStarted = performance.now();
        const argv = each.argv as string[];
        await warm(each);
        const family = familyRead(each.operation, readsByService.get(each.service) ?? []);
        const judged = await judgeOnServer(each.service, each.operation, argv);
        const seen = await observe(each, family);
        if (seen.dumpFailed) {
          await moto.reset();
          warmed.clear();
        }
        const row: Omit<Row, 'verdict'> = {
          service: each.service,
          operation: each.operation,
          argv,
          judged,
          exitCode: seen.raw.exitCode,
          ...(seen.raw.exitCode === 0 ? {} : { errorCode: readErrorCode(seen.raw.stderr) }),
          changedModels: seen.changedModels,
          ...(family === undefined ? {} : { readBack: { operation: family, changed: seen.familyChanged } }),
          ...(seen.dumpFailed ? { dumpFailed: true } : {}),
          durationMs: 0,
        };
        if (judge({ ...row }) === 'read changed state') {
          const again = await observe(each, family);
          row.changedAgain = again.changedModels.length > 0 || again.familyChanged;
        }
        row.durationMs = performance.now() - callStarted;
        rows.push({ ...row, verdict: judge(row) });
        // Written as it goes, so a run cut short still leaves what it saw (the report says how many ran).
        if (rows.length % 50 === 0) {
          loads.push(loadavg()[0] ?? 0);
          await write();
        }
      }
      loads.push(loadavg()[0] ?? 0);
      await write();
      // In the repository's own format, so a regenerated report passes `pnpm lint` as committed.
      await execProgram(join(here, '..', '..', '..', 'node_modules', '.bin', 'biome'), [
        'format',
        '--write',
        reportFile,
      ]);
      console.log(`moto report: ${rows.length} operations, seed ${seed}, written to ${reportFile}`);
      expect(rows.length).toBe(sampleSize);
    }, 7_200_000);
  },
);

const verdictOrder: Verdict[] = [
  'read changed state',
  'errored, state changed',
  'write ran, no change seen',
  'refused by the server',
  'agrees',
];

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function shownArgv(argv: string[]): string {
  const text = argv.map((word) => (/^[\w./:@=-]+$/.test(word) ? word : `'${word}'`)).join(' ');
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

function outcome(row: Row): string {
  const ran = row.exitCode === 0 ? 'ran' : `errored (${row.errorCode})`;
  const state = row.dumpFailed
    ? 'state unreadable'
    : row.changedModels.length > 0
      ? `changed: ${row.changedModels.join(', ')}`
      : row.readBack?.changed === true
        ? `changed: ${row.readBack.operation} answers otherwise`
        : 'unchanged';
  const again =
    row.changedAgain === undefined
      ? ''
      : row.changedAgain
        ? '; changed again when run once more'
        : '; unchanged when run once more (a first touch?)';
  return `${ran}; ${state}${again}`;
}

function formatReport(input: {
  rows: Row[];
  motoVersion: string;
  cliVersion: string;
  seconds: number;
  loads: number[];
}): string {
  const { rows } = input;
  const classes = ['read', 'sensitive-read', 'write', 'refused'];
  const classOf = (row: Row) => (row.judged.startsWith('refused') ? 'refused' : row.judged);
  const count = (filter: (row: Row) => boolean) => rows.filter(filter).length;
  const changed = (row: Row) => row.changedModels.length > 0 || row.readBack?.changed === true;
  const lines = [
    '# moto report: catalog operations with minimal parameters',
    '',
    `Generated by \`AWS_MCP_MOTO_REPORT=1 npx vitest run test/moto-catalog-report.test.ts\` in \`apps/server\`
(\`AWS_MCP_MOTO_REPORT_SEED\` picks another sample, \`AWS_MCP_MOTO_REPORT_COUNT\` its size). A report, not a
gate: nothing here fails a build.`,
    '',
    `- Seed **${seed}**, ${rows.length} of ${sampleSize} operations run, drawn from the command catalog's operations that moto
  ${input.motoVersion} implements (a service at random, then one of its operations), ${input.cliVersion}.`,
    `- Parameters: the required arguments only, with values made from each botocore input shape by
  \`apps/server/test/parity/minimal-input.py\` (type, enum, limits, and the member's name).`,
    '- Each operation is judged by the server with `check: true` (nothing runs), then run with the raw CLI against',
    '  moto (no default AMIs). State: `/moto-api/data.json` before and after (models moto changes by itself are',
    '  left out, `apps/server/test/parity/moto-state.ts`), and where the service has a list/describe read without',
    '  arguments for the same family, that read before and after (deletes show only there), through botocore in one',
    '  process (`parity/botocore-reads.py`). A read that changed state runs once more: a first touch (a backend',
    '  made on first use) does not change it again.',
    `- Took ${(input.seconds / 60).toFixed(1)} min here (load average ${input.loads.map((load) => load.toFixed(1)).join(' → ')} on 2 cores).`,
    '',
    '## Counts',
    '',
    '| server class | ran, changed | ran, unchanged | errored, changed | errored, unchanged | all |',
    '| --- | --- | --- | --- | --- | --- |',
    ...classes.map((name) => {
      const of = (ran: boolean, seen: boolean) =>
        count((row) => classOf(row) === name && (row.exitCode === 0) === ran && changed(row) === seen);
      return `| ${name} | ${of(true, true)} | ${of(true, false)} | ${of(false, true)} | ${of(false, false)} | ${count((row) => classOf(row) === name)} |`;
    }),
    `| all | ${count((row) => row.exitCode === 0 && changed(row))} | ${count((row) => row.exitCode === 0 && !changed(row))} | ${count((row) => row.exitCode !== 0 && changed(row))} | ${count((row) => row.exitCode !== 0 && !changed(row))} | ${rows.length} |`,
    '',
    `The most common errors: ${topErrors(rows)}.`,
    '',
    '## Findings',
    '',
  ];
  for (const verdict of verdictOrder.filter((each) => each !== 'agrees')) {
    const found = rows.filter((row) => row.verdict === verdict);
    lines.push(`### ${verdict} (${found.length})`, '');
    if (found.length === 0) {
      lines.push('None.', '');
      continue;
    }
    lines.push('| operation | server | raw against moto | minimal arguments |', '| --- | --- | --- | --- |');
    for (const row of found) {
      lines.push(
        `| \`${row.service} ${row.operation}\` | ${row.judged} | ${cell(outcome(row))} | ${cell(shownArgv(row.argv))} |`,
      );
    }
    lines.push('');
  }
  lines.push(
    '## Every operation',
    '',
    '<details><summary>All rows, in the order they ran</summary>',
    '',
    '| # | operation | server | raw against moto | read back | verdict |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (row, index) =>
        `| ${index + 1} | \`${row.service} ${row.operation}\` | ${row.judged} | ${cell(outcome(row))} | ${row.readBack?.operation ?? ''} | ${row.verdict} |`,
    ),
    '',
    '</details>',
    '',
  );
  return lines.join('\n');
}

function topErrors(rows: Row[]): string {
  const counts = new Map<string, number>();
  for (const row of rows) {
    if (row.errorCode !== undefined) counts.set(row.errorCode, (counts.get(row.errorCode) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([code, times]) => `${code} ${times}`)
    .join(', ');
}
