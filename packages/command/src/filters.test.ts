import { describe, expect, it } from 'vitest';
import { CommandError, type CommandErrorCode, parseCommandLine, resolveFilterInvocation } from './index.js';

function refusalCode(filter: string): { code: CommandErrorCode; token: string | undefined } {
  try {
    parseCommandLine(`aws s3 ls | ${filter}`);
  } catch (error) {
    if (CommandError.isInstance(error)) return { code: error.code, token: error.token };
    throw error;
  }
  throw new Error(`expected ${filter} to be refused`);
}

describe('filter stages', () => {
  it.each([
    "jq -r '.Buckets[].Name'",
    'jq -rc .',
    "jq --arg name x '.[] | select(.n == $name)'",
    'jq --indent 4 .',
    'grep -i logs',
    'grep -v -e a -e b',
    'grep -c error',
    'grep -A 2 -m5 x',
    'egrep "a|b"',
    'head -n 5',
    'head -5',
    'tail -n 3',
    'tail -3',
    'sort -k2 -t, -rn',
    'sort --reverse',
    'uniq -c',
    'wc -l',
    'cut -d, -f1,3',
    'tr a-z A-Z',
    'tr -d x',
    'column -t',
    'nl -ba',
    'fold -w 80',
    'rev',
    'tac',
    'base64 -d',
    'paste -sd,',
    "awk '{print $1}'",
    "awk -F, -v x=1 '$1 > x {print $2}'",
    "awk '{print ($1 > 5)}'",
    "awk '{ if ($1 > 5) print }'",
    "sed -n '1,5p'",
    "sed -E 's/a+/b/g'",
    "sed -e 's/a/b/' -e '/x/d'",
    "sed '# write nothing, read nothing'",
    "sed '/x/a written by w'",
    "sed 's/[/]/ /g'",
    // Words inside strings and comments are text, not code.
    `jq '"import"'`,
    `jq '{"include": 1, "modulemeta": "get_search_list"} | .include'`,
    `jq '. # import "x" as $p;'`,
    `jq '"a\\(.b | "input_filename")c"'`,
    `jq '.import'`,
    `jq '$import_count'`,
    "jq --args '$ARGS.positional' a b",
    "jq -n --jsonargs '$ARGS.positional' 1 '{}'",
    'jq --args . -- x',
    `awk '{print "@include"}'`,
    `awk '{print "system(1) | getline > x"}'`,
    "awk '$1 ~ /getline|system/'",
    `awk '$1 ~ /[/"]#/ { print $1 }'`,
    `awk '{ print $1/2 "/" $3 }'`,
    "awk '{ print a >= b, a || b }'",
    'awk \'BEGIN { x = 1 } # print > "file"\'',
    "awk '{ x = 1 > 0; print x }'",
  ])('allows %j', (filter) => {
    expect(parseCommandLine(`aws s3 ls | ${filter}`).filters).toHaveLength(1);
  });

  it.each<[string, CommandErrorCode, string]>([
    ['jq -f prog.jq', 'FORBIDDEN_FILTER_OPTION', '-f'],
    ['jq --rawfile x /etc/passwd .', 'FORBIDDEN_FILTER_OPTION', '--rawfile'],
    ['jq . /etc/passwd', 'FILTER_OPERAND', '/etc/passwd'],
    ['jq \'import "x" as x; .\'', 'UNSAFE_FILTER_PROGRAM', 'import'],
    // The repro: a comment between `import` and its path hid it from the old check.
    ['jq \'import#\n"package" as $p {search: "/some/dir"}; .\'', 'UNSAFE_FILTER_PROGRAM', 'import'],
    ['jq \'include "x"; .\'', 'UNSAFE_FILTER_PROGRAM', 'include'],
    ['jq \'"\\(include "x"; .)"\'', 'UNSAFE_FILTER_PROGRAM', 'include'],
    ["jq 'modulemeta'", 'UNSAFE_FILTER_PROGRAM', 'modulemeta'],
    ["jq 'get_search_list'", 'UNSAFE_FILTER_PROGRAM', 'get_search_list'],
    ["jq 'get_jq_origin'", 'UNSAFE_FILTER_PROGRAM', 'get_jq_origin'],
    ["jq 'get_prog_origin'", 'UNSAFE_FILTER_PROGRAM', 'get_prog_origin'],
    ["jq 'input_filename'", 'UNSAFE_FILTER_PROGRAM', 'input_filename'],
    ["jq '$__loc__'", 'UNSAFE_FILTER_PROGRAM', '$__loc__'],
    ["jq '$ __loc__'", 'UNSAFE_FILTER_PROGRAM', '__loc__'],
    ["jq '{import: 1}'", 'UNSAFE_FILTER_PROGRAM', 'import'],
    ["jq 'm::f'", 'UNSAFE_FILTER_PROGRAM', 'm::f'],
    ['jq -L /some/dir .', 'FORBIDDEN_FILTER_OPTION', '-L'],
    ['jq -L/some/dir .', 'FORBIDDEN_FILTER_OPTION', '-L'],
    ['jq --slurpfile x /etc/passwd .', 'FORBIDDEN_FILTER_OPTION', '--slurpfile'],
    ['jq . data.json --args x', 'FILTER_OPERAND', 'data.json'],
    ["jq '\"unterminated'", 'INVALID_FILTER_PROGRAM', 'jq'],
    ["jq '(.a'", 'INVALID_FILTER_PROGRAM', 'jq'],
    ['jq \'. # a comment \\\nimport "x" as $p; .\'', 'INVALID_FILTER_PROGRAM', 'jq'],
    ['jq', 'FILTER_OPERAND', 'jq'],
    ['grep -f patterns.txt', 'FORBIDDEN_FILTER_OPTION', '-f'],
    ['grep -r x /', 'FORBIDDEN_FILTER_OPTION', '-r'],
    ['grep x /etc/passwd', 'FILTER_OPERAND', '/etc/passwd'],
    ['grep --include=*.txt x', 'FORBIDDEN_FILTER_OPTION', '--include'],
    ['tail -f', 'FORBIDDEN_FILTER_OPTION', '-f'],
    ['tail --follow', 'FORBIDDEN_FILTER_OPTION', '--follow'],
    ['sort -o /tmp/x', 'FORBIDDEN_FILTER_OPTION', '-o'],
    ['sort --outp=/tmp/x', 'FORBIDDEN_FILTER_OPTION', '--outp'],
    ['sort --compress-program=sh', 'FORBIDDEN_FILTER_OPTION', '--compress-program'],
    ['uniq in out', 'FILTER_OPERAND', 'in'],
    ['wc --files0-from=list', 'FORBIDDEN_FILTER_OPTION', '--files0-from'],
    ['head /etc/shadow', 'FILTER_OPERAND', '/etc/shadow'],
    ['awk \'BEGIN{system("id")}\'', 'UNSAFE_FILTER_PROGRAM', 'system'],
    ['awk \'{getline x < "/etc/passwd"}\'', 'UNSAFE_FILTER_PROGRAM', 'getline'],
    ['awk \'{print > "/tmp/x"}\'', 'UNSAFE_FILTER_PROGRAM', 'print >'],
    ['awk \'{print | "sh"}\'', 'UNSAFE_FILTER_PROGRAM', 'print |'],
    ['awk \'@load "x"\'', 'UNSAFE_FILTER_PROGRAM', '@load'],
    ['awk -f prog.awk', 'FORBIDDEN_FILTER_OPTION', '-f'],
    ['awk -i inc.awk 1', 'FORBIDDEN_FILTER_OPTION', '-i'],
    ['awk -l ext 1', 'FORBIDDEN_FILTER_OPTION', '-l'],
    ['awk -E prog.awk', 'FORBIDDEN_FILTER_OPTION', '-E'],
    ["awk -e '1'", 'FORBIDDEN_FILTER_OPTION', '-e'],
    ['awk --include=x 1', 'FORBIDDEN_FILTER_OPTION', '--include'],
    ['awk \'@include "x"\'', 'UNSAFE_FILTER_PROGRAM', '@include'],
    ['awk \'@ include "x"\'', 'UNSAFE_FILTER_PROGRAM', '@include'],
    ['awk \'@namespace "x"\'', 'UNSAFE_FILTER_PROGRAM', '@namespace'],
    ['awk \'BEGIN { f = "system"; @f("id") }\'', 'UNSAFE_FILTER_PROGRAM', '@f'],
    ['awk \'BEGIN { awk::system("id") }\'', 'UNSAFE_FILTER_PROGRAM', 'system'],
    // A regex holding a quote: the old check read a string from it and missed what followed.
    ['awk \'$1 ~ /"/ { system("id") } /"/\'', 'UNSAFE_FILTER_PROGRAM', 'system'],
    ['awk \'{ print a,\n b > "f" }\'', 'UNSAFE_FILTER_PROGRAM', 'print >'],
    ['awk \'{ print >> "f" }\'', 'UNSAFE_FILTER_PROGRAM', 'print >>'],
    ['awk \'{ printf("%s", $1) > "f" }\'', 'UNSAFE_FILTER_PROGRAM', 'print >'],
    ['awk \'{ "date" | getline d }\'', 'UNSAFE_FILTER_PROGRAM', '|'],
    ['awk \'{ print |& "sh" }\'', 'UNSAFE_FILTER_PROGRAM', '|&'],
    ["awk '$1 ~ /unterminated'", 'INVALID_FILTER_PROGRAM', 'awk'],
    ["awk '{ print \"unterminated }'", 'INVALID_FILTER_PROGRAM', 'awk'],
    ["sed 'e id'", 'UNSAFE_FILTER_PROGRAM', 'e'],
    ["sed 's/x/id/e'", 'UNSAFE_FILTER_PROGRAM', 's///e'],
    ["sed 'w /tmp/x'", 'UNSAFE_FILTER_PROGRAM', 'w'],
    ["sed '1r /etc/passwd'", 'UNSAFE_FILTER_PROGRAM', 'r'],
    ["sed 's/a/b/w /tmp/x'", 'UNSAFE_FILTER_PROGRAM', 's///w'],
    ['sed -i s/a/b/', 'FORBIDDEN_FILTER_OPTION', '-i'],
    // GNU sed ends a label at a blank, and reads a delimiter inside [...] as a plain character.
    ["sed 'b end w out'", 'UNSAFE_FILTER_PROGRAM', 'w'],
    ["sed 's/[/]/x/;w out'", 'UNSAFE_FILTER_PROGRAM', 'w'],
    ["sed 's/a/b/ w out'", 'UNSAFE_FILTER_PROGRAM', 's///w'],
    ["sed 'a text\\\nmore\nw out'", 'UNSAFE_FILTER_PROGRAM', 'w'],
    ['cat', 'FORBIDDEN_PROGRAM', 'cat'],
    ['tee out', 'FORBIDDEN_PROGRAM', 'tee'],
    ['curl http://x', 'FORBIDDEN_PROGRAM', 'curl'],
    ['python -c 1', 'FORBIDDEN_PROGRAM', 'python'],
    ['/usr/bin/jq .', 'FORBIDDEN_PROGRAM', '/usr/bin/jq'],
  ])('refuses %j with %s', (filter, code, token) => {
    expect(refusalCode(filter)).toEqual({ code, token });
  });

  it.each([
    ['jq', `jq '"${'x'.repeat(17_000)}"'`],
    ['awk', `awk 'BEGIN { print ${'('.repeat(9_000)}1${')'.repeat(9_000)} }'`],
    ['grep', `grep '${'a'.repeat(17_000)}'`],
  ])('refuses a %s program over the size limit, saying the limit and what to do', (filter, stage) => {
    const error = (() => {
      try {
        parseCommandLine(`aws s3 ls | ${stage}`);
      } catch (caught) {
        return caught as CommandError;
      }
    })();
    expect(error?.code).toBe('INPUT_TOO_LARGE');
    expect(error?.message).toMatch(
      new RegExp(`^The ${filter} (program|pattern) is [\\d,]+ bytes; the limit is 16,384 `),
    );
    expect(error?.message).toContain('--query');
  });

  it.each([
    [{ name: 'jq', argv: ['jq', 'import "x" as $p; .'] }, 'UNSAFE_FILTER_PROGRAM'],
    [{ name: 'awk', argv: ['awk', 'BEGIN { system("id") }'] }, 'UNSAFE_FILTER_PROGRAM'],
    [{ name: 'sh', argv: ['sh', '-c', 'id'] }, 'FORBIDDEN_PROGRAM'],
    [{ name: 'jq', argv: ['sh', '-c', 'id'] }, 'FORBIDDEN_PROGRAM'],
  ])('will not say how to run a hand-built stage the check refuses: %j', (stage, code) => {
    expect(() => resolveFilterInvocation(stage)).toThrow(expect.objectContaining({ code }));
  });

  it('runs awk as gawk --sandbox and sed as sed --sandbox', () => {
    const [awk] = parseCommandLine("aws s3 ls | awk '{print $1}'").filters;
    const [sed] = parseCommandLine("aws s3 ls | sed -n '1p'").filters;
    expect(resolveFilterInvocation(awk as never)).toMatchObject({
      file: 'gawk',
      args: ['--sandbox', '{print $1}'],
    });
    expect(resolveFilterInvocation(sed as never)).toMatchObject({
      file: 'sed',
      args: ['--sandbox', '-n', '1p'],
    });
  });
});
