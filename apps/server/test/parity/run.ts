import { existsSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { findCliPython } from '../../../../packages/command/test/cli-oracle.js';
import type { ParityCall } from './calls.js';

export type Variables = Record<string, string>;

/** `{name}` → the side's value; braces of JSON or shorthand (`{"k":"v"}`, `{Key=a}`) stay as they are. */
export function fill(text: string, variables: Variables): string {
  return text.replace(/\{([A-Za-z]+)\}/g, (whole, name: string) => variables[name] ?? whole);
}

/** The string at a dotted path of a JSON output, or the whole trimmed text for `.`. */
export function pick(output: string, path: string): string {
  if (path === '.') return output.trim();
  let value: unknown = JSON.parse(output);
  for (const key of path.split('.')) value = (value as Record<string, unknown>)?.[key];
  if (typeof value !== 'string') throw new Error(`no string at ${path} in ${output.slice(0, 300)}`);
  return value;
}

/** The command line with the call's profile and region as options, as a person would type it. */
export function rawLine(call: ParityCall, variables: Variables, endpoint: string): string {
  // As a person using an emulator types it: the pip CLI v1 ignores AWS_ENDPOINT_URL for some services (SQS).
  const options = [
    `--endpoint-url ${endpoint}`,
    ...(call.profile === undefined ? [] : [`--profile ${call.profile}`]),
    ...(call.region === undefined ? [] : [`--region ${call.region}`]),
  ].join(' ');
  const line = fill(call.line, variables);
  return line.replace(/^aws /, `aws ${options} `);
}

/** The raw side's argv (after `aws`) of an `args` call, with the call's endpoint, profile and region. */
export function rawArgs(call: ParityCall, variables: Variables, endpoint: string): string[] {
  return [
    '--endpoint-url',
    endpoint,
    ...(call.profile === undefined ? [] : ['--profile', call.profile]),
    ...(call.region === undefined ? [] : ['--region', call.region]),
    ...(call.args ?? []).slice(1).map((word) => fill(word, variables)),
  ];
}

/**
 * PATH for the raw side, with the folder of the `aws` script itself first: a pyenv shim runs the same CLI through a
 * chain of bash scripts (dozens of processes per call, most of the raw side's time on a loaded machine). Unchanged
 * when `aws` is not a script run by a Python (the v2 installer's bundle) or there is no `aws` beside it.
 */
export function rawCliPath(path: string): string {
  const python = findCliPython('aws');
  if (python === undefined || !existsSync(join(dirname(python), 'aws'))) return path;
  return `${dirname(python)}${delimiter}${path}`;
}
