import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { policyModes } from '@aws-mcp/command';
import { credentialsModes, sandboxModes } from '@aws-mcp/executor';
import { describe, expect, it } from 'vitest';
import { describeDefault, type SettingRow, serverTransports, settingRows } from './_settings.js';

const rows = settingRows as readonly SettingRow[];
const root = join(import.meta.dirname, '..', '..', '..');
const readmePath = join(root, 'README.md');

/** The README's settings table, rendered from the rows: variable, flag, default in words (— for none), meaning. */
function renderReadmeTable(): string {
  const cells = [
    ['variable', 'flag', 'default', 'meaning'],
    ...rows.map((row) => [
      `\`${row.variable}\``,
      row.type.kind === 'boolean' ? `\`--[no-]${row.flag}\`` : `\`--${row.flag}\``,
      describeDefault(row) ?? '—',
      row.details,
    ]),
  ];
  const widths = [0, 1, 2, 3].map((column) => Math.max(...cells.map((line) => (line[column] ?? '').length)));
  const format = (line: string[]) =>
    `| ${line.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  const [header, ...body] = cells as [string[], ...string[][]];
  return [format(header), format(widths.map((width) => '-'.repeat(width))), ...body.map(format)].join('\n');
}

/** The markdown table that follows "## Settings" in the README, as its raw lines. */
function readmeTableLines(readme: string): { start: number; end: number; lines: string[] } {
  const all = readme.split('\n');
  const heading = all.indexOf('## Settings');
  const start = all.findIndex((line, index) => index > heading && line.startsWith('|'));
  let end = start;
  while (all[end]?.startsWith('|')) end += 1;
  return { start, end, lines: all.slice(start, end) };
}

const cellsOf = (line: string) =>
  line
    .slice(1, -1)
    .split(' | ')
    .map((cell) => cell.trim());

// `WRITE_SETTINGS_README=1 npx vitest run src/_settings.test.ts` rewrites the table from the rows.
if (process.env.WRITE_SETTINGS_README === '1') {
  const readme = readFileSync(readmePath, 'utf8');
  const { start, end } = readmeTableLines(readme);
  const all = readme.split('\n');
  all.splice(start, end - start, ...renderReadmeTable().split('\n'));
  writeFileSync(readmePath, all.join('\n'));
}

describe("the README's settings table", () => {
  const readme = readFileSync(readmePath, 'utf8');
  const { lines } = readmeTableLines(readme);
  const expected = renderReadmeTable().split('\n');

  it('lists exactly the settings of settingRows, in their order', () => {
    expect(lines.slice(2).map((line) => cellsOf(line)[0])).toEqual(rows.map((row) => `\`${row.variable}\``));
  });

  it.each(rows.map((row, index) => [row.variable, index]))(
    'says what %s is, its flag and its default as the row does',
    (_variable, index) => {
      expect(cellsOf(lines[index + 2] ?? '|  |')).toEqual(cellsOf(expected[index + 2] ?? ''));
    },
  );
});

/** Variables the docs name that are not server settings: each with why it may appear. */
const notSettings: Record<string, string> = {
  AWS_MCP_WARM_DIFFERENTIAL: "docs/testing.md: the warm CLI's differential test run on demand",
  AWS_MCP_WARM_DIFFERENTIAL_SEED: 'docs/testing.md: the seed that replays that run',
  AWS_MCP_MOTO_REPORT: 'docs/moto-report.md: the command that regenerates that report',
  AWS_MCP_MOTO_REPORT_SEED: "docs/moto-report.md: the report's sample",
  AWS_MCP_MOTO_REPORT_COUNT: "docs/moto-report.md: the report's sample size",
};

describe('the docs', () => {
  // Every README and every page under docs/, so a new page is checked too.
  const files = [
    'README.md',
    ...['apps', 'packages'].flatMap((folder) =>
      readdirSync(join(root, folder))
        .map((name) => `${folder}/${name}/README.md`)
        .filter((file) => existsSync(join(root, file))),
    ),
    ...readdirSync(join(root, 'docs'))
      .filter((name) => name.endsWith('.md'))
      .map((name) => `docs/${name}`),
  ];
  const texts = files.map((file) => [file, readFileSync(join(root, file), 'utf8')] as const);
  const variables = new Set(rows.map((row) => row.variable));

  it.each(texts)('%s names only settings the server reads', (_file, text) => {
    const named = [...text.matchAll(/\bAWS_MCP_[A-Z0-9_]*[A-Z0-9]\b/g)].map((match) => match[0]);
    expect(named.filter((name) => !variables.has(name) && notSettings[name] === undefined)).toEqual([]);
  });

  it.each(texts)('%s gives the default the row has, where it states a number', (_file, text) => {
    expect(staleDefaults(text)).toEqual([]);
  });

  it.each(texts)('%s shows only values its settings accept (`AWS_MCP_MODE=full`)', (_file, text) => {
    expect(refusedValues(text)).toEqual([]);
  });

  it('finds a value the setting refuses (the check can fail)', () => {
    expect(refusedValues('run with `-e AWS_MCP_SANDBOX=off` and AWS_MCP_MAX_CONCURRENT=32')).toEqual([
      'AWS_MCP_SANDBOX=off: must be one of auto, required, disabled, not "off".',
    ]);
  });

  it('finds a stale default (the check can fail)', () => {
    expect(staleDefaults('A command may run up to `AWS_MCP_TIMEOUT` (30 s by default; …).')).toEqual([
      'AWS_MCP_TIMEOUT: the text says 30, the row 300',
    ]);
    expect(staleDefaults('at most **`AWS_MCP_FANOUT_MAX` targets** (default 5) a call')).toEqual([
      'AWS_MCP_FANOUT_MAX: the text says 5, the row 50',
    ]);
  });
});

/** `AWS_MCP_X=VALUE` in a text whose row's type refuses VALUE (paths are left out: they name the reader's machine). */
function refusedValues(text: string): string[] {
  const refused: string[] = [];
  for (const [shown, variable, value] of text.matchAll(/\b(AWS_MCP_[A-Z_]+)=([^\s`'",)]+)/g)) {
    const row = rows.find((candidate) => candidate.variable === variable);
    if (row === undefined || row.type.valueName.includes('PATH')) continue;
    const reading = row.type.read(value ?? '');
    if ('problem' in reading) refused.push(`${shown}: ${reading.problem}`);
  }
  return refused;
}

/** "`AWS_MCP_TIMEOUT` (300 s by default" or "`AWS_MCP_FANOUT_MAX` targets** (default 50)" that the row contradicts. */
function staleDefaults(text: string): string[] {
  const stated = /`(AWS_MCP_[A-Z_]+)`[^.;`(]{0,30}\((?:default (\d[\d ]*)|(\d[\d ]*)[^()]{0,12} by default)/g;
  const stale: string[] = [];
  for (const [, variable, first, second] of text.matchAll(stated)) {
    const number = (first ?? second ?? '').replaceAll(' ', '');
    const row = rows.find((candidate) => candidate.variable === variable);
    if (String(row?.default) !== number)
      stale.push(`${variable}: the text says ${number}, the row ${row?.default}`);
  }
  return stale;
}

describe('settingRows', () => {
  it('takes the value lists from the packages that own them', () => {
    const valuesOf = (variable: string) => rows.find((row) => row.variable === variable)?.type.valueName;
    expect(valuesOf('AWS_MCP_MODE')).toBe(policyModes.join('|'));
    expect(valuesOf('AWS_MCP_SANDBOX')).toBe(sandboxModes.join('|'));
    expect(valuesOf('AWS_MCP_SANDBOX_CREDENTIALS')).toBe(credentialsModes.join('|'));
    expect(valuesOf('AWS_MCP_TRANSPORT')).toBe(serverTransports.join('|'));
  });

  it.each(rows.filter((row) => row.type.valueName.includes('|')).map((row) => [row.variable, row]))(
    "%s's README meaning names every value it takes",
    (_variable, row) => {
      for (const value of row.type.valueName.split('|')) expect(row.details).toContain(`\`${value}\``);
    },
  );

  it('has one row per variable and per flag, each with a line that fits --help', () => {
    expect(new Set(rows.map((row) => row.variable)).size).toBe(rows.length);
    expect(new Set(rows.map((row) => row.flag)).size).toBe(rows.length);
    expect(rows.filter((row) => row.summary.length > 70).map((row) => row.variable)).toEqual([]);
  });
});
