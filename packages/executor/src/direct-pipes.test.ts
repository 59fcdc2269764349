import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseCommandLine } from '@aws-mcp/command';
import { createAwsSandboxHome, type Emulator, startS3rver } from '@aws-mcp/emulators';
import {
  bubblewrapMissing,
  findProcesses,
  type HangingEndpoint,
  listChildPids,
  pollUntil,
  startHangingEndpoint,
} from '@aws-mcp/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findExecutable } from './_find-executable.js';
import { createBubblewrapSandbox } from './bubblewrap-sandbox.js';
import { type RunPipelineOptions, runPipeline } from './run-pipeline.js';
import { noSandbox, type Sandbox } from './sandbox.js';

const sandboxes: Array<[string, () => Sandbox]> = [
  ['no sandbox', () => noSandbox],
  ...(bubblewrapMissing === undefined
    ? [
        [
          'bubblewrap',
          () => createBubblewrapSandbox({ bwrapPath: findExecutable('bwrap', process.env.PATH) as string }),
        ] as [string, () => Sandbox],
      ]
    : []),
];

// `ss` names each unix socket's peer, which /proc does not.
const ssMissing = findExecutable('ss', process.env.PATH) === undefined;

let s3: Emulator;
let hanging: HangingEndpoint;
let home: Awaited<ReturnType<typeof createAwsSandboxHome>>;
let workdir: string;
let options: RunPipelineOptions;

const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const reversedSecret = [...secret].reverse().join('');

beforeAll(async () => {
  s3 = await startS3rver();
  hanging = await startHangingEndpoint();
  home = await createAwsSandboxHome({ credentials: s3.credentials, region: 'us-east-1' });
  workdir = await mkdtemp(join(tmpdir(), 'executor-direct-pipes-'));
  options = {
    cwd: workdir,
    env: { PATH: process.env.PATH, LANG: 'C.UTF-8', ...home.env, AWS_MAX_ATTEMPTS: '1' },
    endpointUrl: s3.endpoint,
    timeoutMs: 60_000,
  };
  const key = {
    AccessKey: { UserName: 'Bob', AccessKeyId: 'AKIAIOSFODNN7EXAMPLE', SecretAccessKey: secret },
  };
  await writeFile(join(workdir, 'key.json'), `${JSON.stringify(key, null, 2)}\n`);
  const lines = Array.from({ length: 200_000 }, (_, index) => `line ${String(index).padStart(6, '0')}\n`);
  await writeFile(join(workdir, 'lines.txt'), lines.join(''));
  for (const command of [
    'aws s3 mb s3://direct',
    'aws s3 cp key.json s3://direct/key.json',
    'aws s3 cp lines.txt s3://direct/lines.txt',
  ]) {
    expect((await runPipeline(parseCommandLine(command), options)).status).toBe('success');
  }
}, 120_000);

afterAll(async () => {
  await s3?.stop();
  await hanging?.close();
  await home?.remove();
  await rm(workdir, { recursive: true, force: true });
});

/** Each unix socket's inode and its peer's, as `ss` lists them (Node joins stages with socket pairs). */
function readSocketPeers(): Map<string, string> {
  const peers = new Map<string, string>();
  for (const line of execFileSync('ss', ['-x', '-a', '-n'], { encoding: 'utf8' }).split('\n')) {
    const match = /^u_str\s+\S+\s+\d+\s+\d+\s+\S+\s+(\d+)\s+\S+\s+(\d+)/.exec(line);
    if (match !== null) peers.set(match[1] as string, match[2] as string);
  }
  return peers;
}

/**
 * What a descriptor is connected through, named so that both ends give the same name: `pipe:[N]`, or the socket
 * pair's two inodes in order. Also the inodes themselves, to look for in another process.
 */
function readChannel(
  pid: number,
  fd: number,
  peers: Map<string, string>,
): { name: string; inodes: string[] } {
  const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
  const socket = /^socket:\[(\d+)\]$/.exec(link);
  if (socket === null) return { name: link, inodes: [link] };
  const inode = socket[1] as string;
  const peer = peers.get(inode) ?? '?';
  const inodes = [inode, peer].sort();
  return { name: `socket:${inodes.join('<->')}`, inodes: inodes.map((each) => `socket:[${each}]`) };
}

/** The links of every descriptor this process holds. */
function readOwnDescriptors(): string[] {
  return readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      return [readlinkSync(`/proc/self/fd/${fd}`)];
    } catch {
      return [];
    }
  });
}

function listDescendants(pid: number): number[] {
  return listChildPids(pid).flatMap((child) => [child, ...listDescendants(child)]);
}

/** The stage's process itself (not the bubblewrap around it): the first descendant whose argv[0] is `name`. */
function findStage(name: string, mark?: string): number | undefined {
  return listDescendants(process.pid).find((pid) => {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (basename(argv[0] ?? '') === 'bwrap') return false;
      return mark === undefined ? basename(argv[0] ?? '') === name : argv.includes(mark);
    } catch {
      return false;
    }
  });
}

/**
 * Runs `aws s3 ls | sort | rev` against an endpoint that never answers, so every stage stays alive, reads how
 * their descriptors connect, then cancels it.
 */
async function inspectRunningStages(extra: Partial<RunPipelineOptions>) {
  const controller = new AbortController();
  const running = runPipeline(parseCommandLine('aws s3 ls | sort | rev'), {
    ...options,
    ...extra,
    endpointUrl: hanging.endpoint,
    signal: controller.signal,
  });
  const pids = await pollUntil(
    () => ({ aws: findStage('aws', hanging.endpoint), sort: findStage('sort'), rev: findStage('rev') }),
    (found) => Object.values(found).every((pid) => pid !== undefined),
    { attempts: 200, intervalMs: 50 },
  );
  const peers = readSocketPeers();
  const own = readOwnDescriptors();
  const [aws, sort, rev] = [pids.aws, pids.sort, pids.rev] as number[];
  const channels = {
    awsOut: readChannel(aws as number, 1, peers),
    sortIn: readChannel(sort as number, 0, peers),
    sortOut: readChannel(sort as number, 1, peers),
    revIn: readChannel(rev as number, 0, peers),
    revOut: readChannel(rev as number, 1, peers),
  };
  const heldHere = (channel: { inodes: string[] }) => channel.inodes.some((inode) => own.includes(inode));
  controller.abort();
  const result = await running;
  return { channels, heldHere, result };
}

describe.each(sandboxes)('runPipeline stage descriptors (%s)', (_, createSandbox) => {
  it.skipIf(ssMissing)(
    'joins filter to filter directly, and the aws stage to the first filter when secrets are shown',
    async () => {
      const { channels, heldHere, result } = await inspectRunningStages({
        sandbox: createSandbox(),
        secrets: 'show',
      });
      expect(result.status).toBe('canceled');
      expect(channels.sortIn.name).toBe(channels.awsOut.name);
      expect(channels.revIn.name).toBe(channels.sortOut.name);
      expect(heldHere(channels.awsOut)).toBe(false);
      expect(heldHere(channels.sortOut)).toBe(false);
      // The last stage's output is always read here.
      expect(heldHere(channels.revOut)).toBe(true);
      expect(findProcesses(hanging.endpoint)).toEqual([]);
    },
    60_000,
  );

  it.skipIf(ssMissing)(
    'relays the aws stage through the executor while it masks, and still joins the filters directly',
    async () => {
      const { channels, heldHere, result } = await inspectRunningStages({ sandbox: createSandbox() });
      expect(result.status).toBe('canceled');
      expect(channels.sortIn.name).not.toBe(channels.awsOut.name);
      expect(heldHere(channels.awsOut)).toBe(true);
      expect(heldHere(channels.sortIn)).toBe(true);
      expect(channels.revIn.name).toBe(channels.sortOut.name);
      expect(heldHere(channels.sortOut)).toBe(false);
      expect(findProcesses(hanging.endpoint)).toEqual([]);
    },
    60_000,
  );

  it.each([
    ['masks the secret before the filters when secrets are masked', {}, ']DEKSAM[\n', 1],
    [
      'passes the secret on as it is when secrets are shown',
      { secrets: 'show' as const },
      `${reversedSecret}\n`,
      0,
    ],
  ])(
    '%s',
    async (_, extra, output, masked) => {
      const result = await runPipeline(
        parseCommandLine("aws s3 cp s3://direct/key.json - | jq -r '.AccessKey.SecretAccessKey' | rev"),
        { ...options, ...extra, sandbox: createSandbox() },
      );
      expect(result).toMatchObject({ status: 'success', output, maskedSecrets: masked });
    },
    60_000,
  );

  it.each([
    ['a filter that reads everything first', 'sort -r', 'line 199999\n'],
    ['a filter that streams', 'rev', '000000 enil\n'],
  ])(
    'succeeds when head leaves %s early',
    async (_, filter, output) => {
      const result = await runPipeline(
        parseCommandLine(`aws s3 cp s3://direct/lines.txt - | ${filter} | head -n 1`),
        { ...options, secrets: 'show', sandbox: createSandbox() },
      );
      expect(result).toMatchObject({ status: 'success', output, exitCode: 0 });
    },
    60_000,
  );
});
