import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRandom, pickJoined } from '@aws-mcp/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { tokenizeAwk } from '../src/_awk-lexer.js';
import { tokenizeJq } from '../src/_jq-lexer.js';
import { CommandError, parseCommandLine } from '../src/index.js';

/**
 * The real jq and gawk are the oracles for the filter lexers: whatever they treat as code, the check must have
 * judged as code. Each generated program runs in an empty folder with an empty environment, in gawk's sandbox.
 */
const seed = Number(process.env.DIFFERENTIAL_SEED ?? 20261201);
const workdir = mkdtempSync(join(tmpdir(), 'filter-oracle-'));
afterAll(() => rmSync(workdir, { recursive: true, force: true }));

/**
 * Runs the real program. Asynchronous, so the test worker's event loop keeps answering vitest between the hundreds
 * of runs a test makes (a loop of spawnSync held it long enough on a loaded machine to time out vitest's RPC).
 */
function run(
  file: string,
  args: string[],
  input = '',
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: workdir, env: {}, timeout: 10_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    // A program that stops at a syntax error never reads its input line.
    child.stdin.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') reject(error);
    });
    child.stdin.end(input);
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const hasJq = spawnSync('jq', ['--version']).status === 0;
const hasGawk = spawnSync('gawk', ['--version']).status === 0;
const hasGnuSed = /GNU sed/.test(spawnSync('sed', ['--version'], { encoding: 'utf8' }).stdout ?? '');

/** The refusal the filter check gives for `filter program`, or undefined when it accepts it. */
function verdict(filter: string, program: string): string | undefined {
  try {
    parseCommandLine({ args: ['aws', 's3', 'ls'], pipe: [[filter, program]] });
    return undefined;
  } catch (error) {
    if (CommandError.isInstance(error)) return error.code;
    throw error;
  }
}

describe.skipIf(!hasJq)('the jq lexer against the real jq', () => {
  const missing = 'zz_filter_oracle_missing';
  it(`refuses every generated program in which jq loads a module (seed ${seed})`, async () => {
    const random = createRandom(seed);
    const prefixes = [
      '# a\n',
      '#\\\n',
      '# \\\\\n',
      '#\r\n',
      '#\r',
      ' ',
      '\n',
      '\t',
      '"',
      '#',
      '\\',
      '"#"',
      '"\\(1)"',
    ];
    const directives = [
      `include "${missing}";`,
      `import "${missing}" as m;`,
      `import "${missing}" as $m;`,
      `include#\n"${missing}";`,
      `import#c\n"${missing}" as $p;`,
      `import # "\n"${missing}" as $p {search: "."};`,
    ];
    const suffixes = ['.', '"x"', '# end', '"', '', ')', '\\("y")'];
    let loaded = 0;
    let ranAndAccepted = 0;
    for (let round = 0; round < 160; round++) {
      const program =
        pickJoined(random, prefixes, Math.floor(random() * 4)) +
        pickJoined(random, directives, 1) +
        pickJoined(random, suffixes, 1);
      const jq = await run('jq', ['-n', program]);
      const ourVerdict = verdict('jq', program);
      if (jq.stderr.includes(`module not found: ${missing}`)) {
        loaded++;
        expect({ program, ourVerdict }).toEqual({ program, ourVerdict: expect.any(String) });
      } else if (jq.status === 0 && ourVerdict === undefined) ranAndAccepted++;
    }
    // The generator must reach jq's module loader often, or the property proves nothing.
    expect(loaded).toBeGreaterThan(20);
    expect(ranAndAccepted).toBeGreaterThanOrEqual(0);
  });

  it('a program the lexer reads as one string literal is one string to jq, whatever words it holds', async () => {
    const random = createRandom(seed + 1);
    const parts = [
      'a',
      '\\"',
      '\\\\',
      '\\(1)',
      '\\("x" + "#")',
      '#',
      ' include ',
      'import \\"x\\";',
      '\\n',
      '(',
      ')',
      "'",
      '\\("\\(2)")',
      '$__loc__',
    ];
    let checked = 0;
    for (let round = 0; round < 50; round++) {
      const program = `"${pickJoined(random, parts, 1 + Math.floor(random() * 6))}"`;
      const tokens = tokenizeJq(program);
      const topLevel = tokens.filter((token) => token.depth === 0);
      const oneString = topLevel.every(
        (token) => token.kind === 'string' || token.text === '\\(' || token.text === ')',
      );
      expect(oneString).toBe(true);
      const jq = await run('jq', ['-n', program]);
      expect({ program, status: jq.status }).toEqual({ program, status: 0 });
      expect(typeof JSON.parse(jq.stdout)).toBe('string');
      // Words inside the literal never count: such a program is accepted unless its interpolations use them.
      if (!/\\\([^)]*(import|\$__loc__)/.test(program)) expect(verdict('jq', program)).toBeUndefined();
      checked++;
    }
    expect(checked).toBe(50);
  });

  it.each([
    ['1 # a comment with "quotes" and import "x";', '1'],
    ['"a\\("b\\("c")d")e"', '"abcde"'],
    ['"import" + "#include"', '"import#include"'],
    ['{"import": 1} | .import', '1'],
    ['"\\u0041\\"("', '"A\\"("'],
  ])('jq reads %j as the lexer does (%s)', async (program, output) => {
    expect((await run('jq', ['-nc', program])).stdout.trim()).toBe(output);
    expect(verdict('jq', program)).toBeUndefined();
  });
});

/** The words outside strings, regexes and comments, by our lexer. */
function codeNames(program: string): string[] {
  return [
    ...new Set(
      tokenizeAwk(program)
        .filter((token) => token.kind === 'name')
        .map((token) => token.text),
    ),
  ].sort();
}

function literals(program: string): string[] {
  return (
    tokenizeAwk(program)
      .filter((token) => token.kind === 'string' || token.kind === 'regex' || token.kind === 'typed-regex')
      // gawk drops a backslash-newline inside a literal; the tokens keep the text as written.
      .map((token) => `${token.kind === 'string' ? 's' : 'r'}:${token.text.replace(/\\\r?\n/g, '')}`)
      .sort()
  );
}

describe.skipIf(!hasGawk)('the awk lexer against the real gawk', () => {
  const fragments = [
    ' x = "',
    '"',
    '/',
    ' x = 4 /',
    '/ 2',
    ' $0 ~ /',
    '[',
    ']',
    '#',
    '\n',
    ';',
    ' system("true") ',
    ' print "a" > "/dev/null" ',
    ' print "a" | "cat" ',
    ' getline ',
    '(',
    ')',
    ' if (1) ',
    ' x++ ',
    ' ',
    '\\\n',
    ' print ',
    ',',
    '@/',
    ' 1 ',
    '^',
    '{',
    '}',
    ' || ',
    ' && ',
    '!',
    ' ? ',
    ' : ',
  ];

  it(`refuses every generated program in which gawk reaches system, getline or a redirection (seed ${seed})`, async () => {
    const random = createRandom(seed + 2);
    let reached = 0;
    const dangerous = fragments.filter((fragment) => /system|getline|print "a"/.test(fragment));
    for (let round = 0; round < 300; round++) {
      const around = () => pickJoined(random, fragments, Math.floor(random() * 4));
      // In BEGIN, in a rule for every line, or after a regex pattern; gawk gets one line of input.
      const opening = pickJoined(random, ['BEGIN {', '{', '$0 ~ /x"#/ || 1 {', '/[/"]/ || 1 {'], 1);
      const program = `${opening}${around()}\n${pickJoined(random, dangerous, 1)}\n${around()}\n}`;
      const gawk = await run('gawk', ['--sandbox', '--', program], 'x\n');
      if (/not allowed in sandbox mode/.test(gawk.stderr)) {
        reached++;
        expect({ program, verdict: verdict('awk', program) }).toEqual({
          program,
          verdict: 'UNSAFE_FILTER_PROGRAM',
        });
      }
    }
    expect(reached).toBeGreaterThan(20);
  });

  it(`refuses every generated program in which gawk opens an @include file (seed ${seed})`, async () => {
    const random = createRandom(seed + 3);
    const missing = 'zz_filter_oracle_missing.awk';
    let opened = 0;
    for (let round = 0; round < 150; round++) {
      const program = `${pickJoined(random, ['#', '"', '/', '\\\n', '\n', ' ', 'x', '/x/', '"#"', '# "\n'], Math.floor(random() * 4))}@include "${missing}"\nBEGIN { }`;
      const gawk = await run('gawk', ['--sandbox', '--', program]);
      if (gawk.stderr.includes(missing)) {
        opened++;
        expect({ program, verdict: verdict('awk', program) }).toEqual({
          program,
          verdict: expect.any(String),
        });
      }
    }
    expect(opened).toBeGreaterThan(20);
  });

  it('reads generated programs gawk accepts into the same strings, regexes and names as gawk prints them', async () => {
    const random = createRandom(seed + 4);
    const statements = [
      ' x = 8; ',
      ' y = x /2/ 1; ',
      ' z = "a/b#c"; ',
      ' if ($0 ~ /[/"]/) x++; ',
      ' if (x) /a"/; ',
      ' a[1] = (x) / 2 / 1; ',
      ' w = a[1] /2/ 1; ',
      ' v = x++ / 2; ',
      ' u = $0 ~ /[]/"]#/; ',
      ' t = $0 ~ /[^]/"]/; ',
      ' s = $0 ~ /a\\/b"/; ',
      ' r = @/x"#/; ',
      ' q = "\\"/"; ',
      ' # "comment /\n',
      ' p = length /2/ 1; ',
      ' print x, "#" ; ',
      ' o = x || /a"#/ && !/b"/ ? /c"/ : 1; ',
      ' n = (x ~ /d"/), /e"/; ',
    ];
    const safe = [
      ...fragments.filter((fragment) => !/system|getline|print "a"/.test(fragment)),
      ...statements,
      ...statements,
    ];
    let compared = 0;
    for (let round = 0; round < 300; round++) {
      const program = `BEGIN {${pickJoined(random, safe, 2 + Math.floor(random() * 7))}\n}`;
      const pretty = await run('gawk', ['--pretty-print=-', '--', program]);
      if (pretty.status !== 0) continue;
      compared++;
      // gawk prints its own reading back in a canonical layout (`a / 2`, regexes spaced out).
      expect({ program, literals: literals(program) }).toEqual({
        program,
        literals: literals(pretty.stdout),
      });
      expect({ program, names: codeNames(program) }).toEqual({
        program,
        names: codeNames(pretty.stdout).filter(
          (name) => codeNames(program).includes(name) || name !== 'length',
        ),
      });
    }
    expect(compared).toBeGreaterThan(40);
  });
});

describe.skipIf(!hasGnuSed)('the sed check against the real GNU sed', () => {
  it(`refuses every generated script that GNU sed --sandbox refuses for e, r or w (seed ${seed})`, async () => {
    const random = createRandom(seed + 5);
    const fragments = [
      'p',
      ';',
      '\n',
      'w out',
      'r in',
      'e id',
      'W out',
      'R in',
      's/a/b/',
      's/a/b/w out',
      's/a/b/e',
      's,a,b,',
      '1',
      '$',
      '/x/',
      '\\%x%',
      '{',
      '}',
      '# c w out\n',
      'a text w\\\n',
      'a\\\n',
      'i x',
      'y/ab/cd/',
      ' ',
      'b end',
      ':end',
      'q',
      'l 5',
      '!',
      'n',
      'g',
    ];
    let refusedBySed = 0;
    let acceptedByBoth = 0;
    for (let round = 0; round < 300; round++) {
      const script = pickJoined(random, fragments, 1 + Math.floor(random() * 5));
      const sed = await run('sed', ['--sandbox', '-n', '-e', script]);
      const ours = verdict('sed', script);
      if (/e\/r\/w commands disabled in sandbox mode/.test(sed.stderr)) {
        refusedBySed++;
        expect({ script, ours }).toEqual({ script, ours: 'UNSAFE_FILTER_PROGRAM' });
      } else if (sed.status === 0 && ours === undefined) acceptedByBoth++;
    }
    expect(refusedBySed).toBeGreaterThan(30);
    expect(acceptedByBoth).toBeGreaterThan(30);
  });
});
