import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findCliPython, parseLauncherReport } from './_aws-launcher.js';
import { launcherSource } from './_aws-launcher-source.js';
import { resolvePyenvShim } from './_aws-paths.js';
import { findExecutable } from './_find-executable.js';

let folder: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'launcher-'));
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe('launcherSource', () => {
  it('is launcher/aws-launcher.py as it is (run `node launcher/embed-launcher.mjs` after changing it)', () => {
    const file = readFileSync(new URL('../launcher/aws-launcher.py', import.meta.url), 'utf8');
    expect(launcherSource).toBe(file);
  });
});

describe('findCliPython', () => {
  const onPath = findExecutable('aws', process.env.PATH);
  const pipAws = onPath === undefined ? undefined : resolvePyenvShim(onPath, process.env, process.cwd());

  it.skipIf(pipAws === undefined)('finds the interpreter of the aws on PATH, through a pyenv shim', () => {
    const python = findCliPython(pipAws as string, process.env);
    expect(python).toMatch(/\/python[0-9.]*$/);
  });

  it('finds the interpreter of `#!/usr/bin/env python3` on PATH', async () => {
    const script = join(folder, 'aws-env');
    await writeFile(script, '#!/usr/bin/env python3\nimport awscli.clidriver\n');
    await chmod(script, 0o755);
    expect(findCliPython(script, process.env)).toBe(findExecutable('python3', process.env.PATH));
  });

  it.each([
    ['a frozen binary', '\u007fELF\u0002\u0001\u0001\u0000'],
    ['a shell script', '#!/bin/sh\nexec /opt/aws-cli/aws "$@"\n'],
    ['a missing interpreter', '#!/nowhere/python3\n'],
  ])('gives up on %s, so the call runs without the launcher', async (_, content) => {
    const script = join(folder, `aws-${content.length}`);
    await writeFile(script, content);
    await chmod(script, 0o755);
    expect(findCliPython(script, process.env)).toBeUndefined();
  });
});

describe('parseLauncherReport', () => {
  it.each([
    ['nothing (the CLI was killed)', '', undefined],
    ['a broken line', '{"masked": 2', undefined],
    [
      'a report',
      '{"masked": 2, "members": ["A.B"], "values": [], "views": []}\n',
      { masked: 2, members: ['A.B'], values: [], views: [], requestIds: [] },
    ],
    [
      'a report with wrong types',
      '{"masked": "2", "members": [1, "A"], "values": "x"}\n',
      { masked: 0, members: ['A'], values: [], views: [], requestIds: [] },
    ],
    [
      'request ids and a next token',
      '{"masked": 0, "requestIds": [{"operation": "ListBuckets", "requestId": "R1", "hostId": "H1"}, ' +
        '{"operation": "GetObject", "requestId": "R2"}, {"requestId": "R3"}, 7], "nextToken": "eyJ9"}\n',
      {
        masked: 0,
        members: [],
        values: [],
        views: [],
        requestIds: [
          { operation: 'ListBuckets', requestId: 'R1', hostId: 'H1' },
          { operation: 'GetObject', requestId: 'R2' },
        ],
        nextToken: 'eyJ9',
      },
    ],
    [
      'a next token of the wrong type',
      '{"masked": 0, "requestIds": "R1", "nextToken": 5}\n',
      { masked: 0, members: [], values: [], views: [], requestIds: [] },
    ],
  ])('reads %s', (_, text, expected) => {
    expect(parseLauncherReport(text)).toEqual(expected);
  });
});
