import { decode } from 'ini';
import type { AwsConfigErrorCode } from './aws-config-error.js';

/** One `[section]` of an AWS ini file, with settings keyed by lower-cased name as the CLI reads them. */
export interface AwsIniSection {
  name: string;
  /** 1-based line of the section header. */
  line: number;
  settings: Record<string, string>;
  /** Indented sub-settings, e.g. `s3 =` followed by `  endpoint_url = …`, keyed by the parent setting. */
  nested: Record<string, Record<string, string>>;
}

/** A line the AWS CLI would refuse or read differently from what the author probably meant. */
export interface AwsIniProblem {
  code: AwsConfigErrorCode;
  line: number;
  message: string;
}

interface PendingEntry {
  key: string;
  value: string;
  line: number;
  /** Set when the value was empty and indented `key = value` lines followed. */
  nested?: Array<{ key: string; value: string; line: number }>;
}

interface PendingSection {
  name: string;
  line: number;
  entries: PendingEntry[];
}

// Like configparser: anything after the last `]` on the line is ignored.
const sectionHeader = /^\[(.*)\]/;

/**
 * Reads AWS config or credentials text the way botocore's configparser does. The `ini` package only decodes the
 * `key = value` pairs: it would split `[profile dev.admin]` on the dot, flatten indented sub-settings into the
 * section, cut values at `#` or `;` (the CLI keeps them, e.g. `sso_start_url = …/start#/`), and skip bad lines
 * without saying where. So lines are scanned here first, and each value reaches `ini` JSON-quoted, which it
 * returns verbatim. Problems are returned with line numbers and never quote the line, which may hold a secret.
 */
export function parseAwsIni(text: string): { sections: AwsIniSection[]; problems: AwsIniProblem[] } {
  const problems: AwsIniProblem[] = [];
  const pending: PendingSection[] = [];
  let section: PendingSection | undefined;
  let entry: PendingEntry | undefined;
  // After a malformed header its settings are skipped quietly: the header's problem already covers them.
  let skipping = false;
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) return;
    const indented = /^\s/.test(raw);
    if (indented && entry !== undefined) {
      addContinuation(entry, trimmed, line, problems);
      return;
    }
    const header = indented ? null : sectionHeader.exec(trimmed);
    if (header) {
      const name = (header[1] ?? '').trim();
      entry = undefined;
      skipping = name === '';
      if (name === '') {
        problems.push({
          code: 'MALFORMED_SECTION',
          line,
          message: `Line ${line} is a section header with no name.`,
        });
        section = undefined;
        return;
      }
      section = { name, line, entries: [] };
      pending.push(section);
      return;
    }
    if (trimmed.startsWith('[')) {
      problems.push({
        code: 'MALFORMED_SECTION',
        line,
        message: `Line ${line} starts a section header but does not end with \`]\`.`,
      });
      section = undefined;
      entry = undefined;
      skipping = true;
      return;
    }
    if (skipping) return;
    const pair = splitPair(trimmed, /[=:]/);
    if (pair === undefined) {
      problems.push({
        code: 'MALFORMED_LINE',
        line,
        message: `Line ${line} is not \`name = value\`, a \`[section]\` header or a comment.`,
      });
      entry = undefined;
      return;
    }
    if (section === undefined) {
      problems.push({
        code: 'MALFORMED_LINE',
        line,
        message: `Line ${line} is a setting outside any \`[section]\`; the AWS CLI refuses the whole file.`,
      });
      entry = undefined;
      return;
    }
    entry = { key: pair.key, value: pair.value, line };
    section.entries.push(entry);
  });
  return { sections: mergeSections(pending, problems), problems: problems.sort((a, b) => a.line - b.line) };
}

function addContinuation(
  entry: PendingEntry,
  trimmed: string,
  line: number,
  problems: AwsIniProblem[],
): void {
  if (entry.value === '' || entry.nested !== undefined) {
    const pair = splitPair(trimmed, /=/);
    if (pair === undefined) {
      problems.push({
        code: 'MALFORMED_LINE',
        line,
        message: `Line ${line} is indented under \`${entry.key} =\` but is not \`name = value\`.`,
      });
      return;
    }
    entry.nested ??= [];
    entry.nested.push({ ...pair, line });
    return;
  }
  entry.value = `${entry.value}\n${trimmed}`;
}

function splitPair(text: string, delimiter: RegExp): { key: string; value: string } | undefined {
  const match = delimiter.exec(text);
  if (match === null) return undefined;
  const key = text.slice(0, match.index).trim().toLowerCase();
  if (key === '') return undefined;
  return { key, value: text.slice(match.index + 1).trim() };
}

function decodePairs(
  pairs: Array<{ key: string; value: string; line: number }>,
  context: string,
  problems: AwsIniProblem[],
): Record<string, string> {
  const seen = new Set<string>();
  const body: string[] = [];
  for (const pair of pairs) {
    if (seen.has(pair.key)) {
      problems.push({
        code: 'DUPLICATE_KEY',
        line: pair.line,
        message: `Line ${pair.line} sets \`${pair.key}\` again in ${context}; the AWS CLI refuses duplicate settings.`,
      });
    }
    seen.add(pair.key);
    body.push(`${JSON.stringify(pair.key)} = ${JSON.stringify(pair.value)}`);
  }
  const decoded = decode(body.join('\n'));
  const result: Record<string, string> = Object.create(null);
  for (const [key, value] of Object.entries(decoded)) {
    // ini turns "true"/"false"/"null" into JSON values and `name[]` keys into arrays; the CLI keeps strings.
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    result[key] = String(last);
  }
  return result;
}

function mergeSections(pending: PendingSection[], problems: AwsIniProblem[]): AwsIniSection[] {
  const byName = new Map<string, AwsIniSection>();
  for (const item of pending) {
    const context = `[${item.name}]`;
    const flat = item.entries.filter((entry) => entry.nested === undefined);
    const settings = decodePairs(flat, context, problems);
    const nested: Record<string, Record<string, string>> = Object.create(null);
    for (const entry of item.entries) {
      if (entry.nested !== undefined) {
        nested[entry.key] = decodePairs(entry.nested, `${context} ${entry.key}`, problems);
      }
    }
    const existing = byName.get(item.name);
    if (existing === undefined) {
      byName.set(item.name, { name: item.name, line: item.line, settings, nested });
      continue;
    }
    problems.push({
      code: 'DUPLICATE_SECTION',
      line: item.line,
      message: `Line ${item.line} repeats section [${item.name}] (first at line ${existing.line}); the AWS CLI refuses the file.`,
    });
    Object.assign(existing.settings, settings);
    Object.assign(existing.nested, nested);
  }
  return [...byName.values()];
}
