/**
 * The installed AWS CLI's argument model: every argparse parser the CLI builds (the main parser with the global
 * options, each service's, each operation's and each customization's `ArgTableArgParser`), recorded action by
 * action from the CLI itself by `scripts/generate-cli-model.py`. The parser in `_argparse.ts` reads argv with
 * these tables and Python 3's argparse rules, so what this package believes about a word is what the CLI does.
 */

/** How an argparse action stores what it reads (argparse's own action names; `command` is awscli's CommandAction). */
export type CliActionKind =
  | 'store'
  | 'store_true'
  | 'store_false'
  | 'store_const'
  | 'append'
  | 'append_const'
  | 'count'
  | 'version'
  | 'help'
  | 'command';

/** argparse `nargs`: `null` is "exactly one", a number is a fixed count (0 for flags). */
export type CliNargs = null | '?' | '*' | '+' | number;

/** Whether a value names a local file, and what the CLI does with it. */
export type CliLocalPath =
  /** The CLI reads the file (a template, a zip, an upload source). */
  | 'read'
  /** The CLI writes the file (a streaming outfile, a download target). */
  | 'write'
  /** An `s3` path positional: local unless it starts with `s3://`; the direction comes from the other path. */
  | 's3-path';

/** One argparse action, as the CLI adds it to a parser. */
export interface CliAction {
  /** Option strings, e.g. `['--instance-ids']`; empty for a positional. */
  options: string[];
  /** argparse `dest`. */
  dest: string;
  nargs: CliNargs;
  kind: CliActionKind;
  /** argparse `const` (store_const, optional-value options). */
  const?: string | number | boolean | null;
  /** argparse `default`, when not None and JSON-representable. */
  default?: string | number | boolean | null | string[];
  /** argparse `choices` (for `command` actions: the command table's names). */
  choices?: string[];
  /** argparse `required`. */
  required: boolean;
  /**
   * argparse `type` when it is not `str` (`int`, `float`): a value it cannot convert is an argparse error (v1's
   * `--page-size`, `long` and `double` members).
   */
  valueType?: string;
  /** The name in the CLI's argument table (`instance-ids`, `paths`), when the action comes from one. */
  argument?: string;
  /** For an API operation's argument: the botocore input member it fills (`InstanceIds`). */
  member?: string;
  /**
   * The botocore shape type of that member (`string`, `list`, `structure`, `boolean`, `blob`, …); for a
   * customization's argument, the type it declares.
   */
  type?: string;
  /**
   * True when the member, or any member nested in it, is marked `sensitive` in the service model; for a
   * customization's argument, when the generator's reviewed table says its value is a secret.
   */
  sensitive?: boolean;
  localPath?: CliLocalPath;
  /**
   * When argv holds this option string as a word of its own (exactly, not abbreviated, not `--x=value`), the CLI
   * marks every argument of the command not required before it parses (`--cli-input-json`,
   * `--generate-cli-skeleton`: awscli's OverrideRequiredArgsArgument).
   */
  clearsRequired?: true;
}

/** A command that takes arguments: an API operation, or a customization (`s3 cp`, `configure set`, `deploy push`). */
export interface CliCommandModel {
  name: string;
  kind: 'operation' | 'customization';
  /** For an API operation: its botocore name, e.g. `DescribeInstances`. */
  apiOperation?: string;
  /** The actions of the command's own parser, in the order the CLI adds them. */
  actions: CliAction[];
  /** A customization's nested commands (`configure` → `set`, `get`, …), each with its own parser. */
  subcommands?: Record<string, CliCommandModel>;
}

/** A top-level command of the CLI: a service (`ec2`, `s3api`) or a customization (`s3`, `configure`, `deploy`). */
export interface CliServiceModel {
  name: string;
  kind: 'service' | 'customization';
  /** For a service: the botocore service it wraps (`s3api` → `s3`). */
  apiService?: string;
  /** A customization's own actions (before its subcommand), e.g. none for `s3`. */
  actions: CliAction[];
  commands: Record<string, CliCommandModel>;
}

/** What the model was generated from; a loaded model for another version is never used. */
export interface CliModelSource {
  cliVersion: string;
  /** 1 or 2. */
  cliMajor: number;
  botocoreVersion: string;
  /** The Python that ran the CLI (argparse's rules differ between versions), e.g. `3.11.7`. */
  pythonVersion: string;
}

/** The model's index: what is always loaded. Service models load on first use. */
export interface CliModelIndex extends CliModelSource {
  /** The main parser's actions: the global options, `--version`, and the `command` positional. */
  globals: CliAction[];
  /** Every top-level command name. */
  services: string[];
}

/**
 * For a CLI read through the committed snapshot of another version (a frozen v2 binary, see loadFrozenCliModel):
 * what the installed CLI's own models have that the snapshot does not.
 */
export interface CliSnapshotGap {
  /** The CLI version the snapshot was generated from, e.g. `2.9.19`. */
  snapshotVersion: string;
  /** True when the installed CLI has this service, command, or option of a command, and the snapshot does not. */
  installedHas(path: { service: string; command?: string; option?: string }): boolean;
}

/** The whole model: the index and a loader for one service at a time (undefined for an unknown name). */
export interface CliModel {
  index: CliModelIndex;
  loadService(name: string): CliServiceModel | undefined;
  /** Set when the model is another version's snapshot standing in for the installed CLI. */
  snapshotGap?: CliSnapshotGap;
}
