import { Socket } from 'node:net';
import { pipeline as pipeStreams, Readable } from 'node:stream';
import type { Result, ResultPromise } from 'execa';
import { preparePrivateCopies } from './_cli-cache.js';
import { loadExeca } from './_execa.js';
import { listenForAbort } from './_pipeline-clock.js';
import type { PipelineOutputs } from './_pipeline-outputs.js';
import type { PreparedStage } from './_prepare-stages.js';
import { killGraceMs, killProcessGroup } from './_process-group.js';
import { toStageSubprocess, type WarmCli } from './_warm-cli.js';
import type { Sandbox, SandboxedCommand } from './sandbox.js';

/** What spawning needs: the stages, the sandbox that wraps them, when to kill them, where their output goes. */
export interface SpawnStagesOptions {
  stages: PreparedStage[];
  sandbox: Sandbox;
  /** Kills every stage when it aborts. */
  signal: AbortSignal;
  outputs: PipelineOutputs;
  /** Runs the aws stage in a warm CLI's forked child when it accepts the stage. */
  warmCli?: WarmCli;
  /** Filters only (no aws stage): this text is the first filter's stdin. */
  input?: string;
}

/** The started stages' execa results, and the commands the sandbox wrapped them into (in stage order). */
export interface SpawnedStages {
  results: Result[];
  commands: SandboxedCommand[];
}

/**
 * A stage's stdout that the next stage can take as its own stdin: a stream over a descriptor of this process
 * (what execa's `pipe` gives), not a stream made here (a warm child's relay).
 */
function passableStdout(stream: Readable | null | undefined): Socket | undefined {
  return stream instanceof Socket && (stream as Socket & { _handle?: unknown })._handle != null
    ? stream
    : undefined;
}

/**
 * Spawns every stage with execa, never through a shell; the aws stage's stdin is /dev/null. Filters are joined
 * directly: each one's stdin is the previous filter's stdout descriptor, and the aws stage's too when nothing is
 * masked or read between them (PipelineOutputs.directStdout); else the aws stage's masked output is fed through
 * this process. Only the last stage's stdout is read here. Resolves with each stage's execa result and wrapped
 * command once every stage has exited and every stream has ended (a stage that could not be spawned is a failed
 * result, see isSpawnFailure), and the CLI's private cache copies are merged back (see preparePrivateCopies).
 * Throws what `sandbox.wrap` or execa throws, after killing and waiting for the stages already started.
 */
export async function spawnStages({
  stages,
  sandbox,
  signal,
  outputs,
  warmCli,
  input,
}: SpawnStagesOptions): Promise<SpawnedStages> {
  // Loaded before anything is started, so the warm CLI's run (which cannot wait) finds it too.
  const execa = await loadExeca();
  // The CLI's caches get a private copy for the call; only entries of the user's roles come back (finish).
  const copies = await preparePrivateCopies(
    stages.map((stage) => stage.sandboxStage),
    sandbox,
  );
  let commands: SandboxedCommand[];
  try {
    commands = copies.stages.map((stage) => sandbox.wrap(stage));
  } catch (error) {
    await copies.finish();
    throw error;
  }
  const subprocesses: ResultPromise[] = [];
  const reads: Promise<void>[] = [];
  // A sandbox forks helpers of its own (bubblewrap's namespace init), which outlive the process execa started
  // and hold the stage's pipes. Each sandboxed stage therefore leads its own process group, and a timeout or
  // cancel kills the group and everything its leader forked.
  const ownGroups = sandbox.name !== 'none' && process.platform !== 'win32';
  const killGroups = () => {
    for (const subprocess of subprocesses) {
      if (subprocess.pid !== undefined) killProcessGroup(subprocess.pid);
    }
  };
  const stopKilling = ownGroups ? listenForAbort(signal, killGroups) : () => {};
  try {
    stages.forEach((stage, index) => {
      const command = commands[index] as (typeof commands)[number];
      // The warm child gets the stage as wrapped here, with its private cache copies (privateBinds).
      const wrapped = copies.stages[index] as (typeof copies.stages)[number];
      const warm =
        wrapped.kind === 'aws' && warmCli !== undefined && warmCli.refuse(wrapped, sandbox) === undefined;
      const previous = subprocesses[index - 1];
      const direct =
        index === 0
          ? undefined
          : index === 1 && input === undefined
            ? passableStdout(outputs.directStdout())
            : passableStdout(previous?.stdout);
      const stdin = direct ?? (index === 0 && input === undefined ? 'ignore' : 'pipe');
      const subprocess = warm
        ? toStageSubprocess((warmCli as WarmCli).run(wrapped, signal), signal)
        : execa(command.file, command.args, {
            cwd: command.cwd,
            env: command.env ?? stage.sandboxStage.env,
            extendEnv: false,
            // The launcher's report comes back on a fourth descriptor, beside stdout and stderr.
            stdio: [stdin, 'pipe', 'pipe', ...(stage.reportsOnFd3 ? ['pipe' as const] : [])],
            buffer: false,
            reject: false,
            cancelSignal: signal,
            forceKillAfterDelay: killGraceMs,
            detached: ownGroups,
            windowsHide: true,
          });
      // The child holds the descriptor now; this copy is closed so that a reader leaving ends the writer (SIGPIPE).
      direct?.destroy();
      const kind = stage.sandboxStage.kind;
      reads.push(
        outputs.attach(subprocess, { index, name: stage.name, isLast: index === stages.length - 1, kind }),
      );
      if (index === 0 && input !== undefined && subprocess.stdin !== null) {
        // A filter that stops reading early (head) ends the write with EPIPE, which is not a failure.
        pipeStreams(Readable.from([input]), subprocess.stdin, () => {});
      } else if (direct === undefined && index === 1 && input === undefined) outputs.feed(subprocess);
      else if (direct === undefined) previous?.pipe(subprocess).catch(() => {});
      subprocesses.push(subprocess);
    });
    const results = await Promise.all(subprocesses);
    await Promise.all(reads);
    return { results, commands };
  } catch (error) {
    for (const subprocess of subprocesses) subprocess.kill();
    if (ownGroups) killGroups();
    await Promise.allSettled(subprocesses);
    throw error;
  } finally {
    stopKilling();
    await copies.finish();
  }
}
