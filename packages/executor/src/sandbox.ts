/** One stage, as the sandbox is asked to confine it. */
export interface SandboxStage {
  /** `aws` gets the AWS files and the working directory; `filter` gets neither, and no network. */
  kind: 'aws' | 'filter';
  /** Absolute path of the program. */
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** Paths the stage may read (AWS files, the CLI's install); only for the aws stage. */
  readOnlyPaths: string[];
  /** Paths the stage may write (the working directory, the CLI's caches); only for the aws stage. */
  writablePaths: string[];
}

/** A confined command line: what to spawn instead of the stage's own program. */
export interface SandboxedCommand {
  file: string;
  args: string[];
  cwd: string;
  /** The environment to run with, when the backend changes the stage's (e.g. a private TMPDIR). */
  env?: Record<string, string>;
}

/** An OS sandbox backend. `wrap` never spawns anything; it returns the command that runs the stage confined. */
export interface Sandbox {
  readonly name: 'bubblewrap' | 'seatbelt' | 'none';
  wrap(stage: SandboxStage): SandboxedCommand;
}

/** Runs stages as they are, unconfined. Chosen only when the sandbox mode is `disabled` or `auto` finds none. */
export const noSandbox: Sandbox = {
  name: 'none',
  wrap: ({ file, args, cwd }) => ({ file, args, cwd }),
};
