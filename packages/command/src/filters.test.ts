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
  ])('allows %j', (filter) => {
    expect(parseCommandLine(`aws s3 ls | ${filter}`).filters).toHaveLength(1);
  });

  it.each<[string, CommandErrorCode, string]>([
    ['jq -f prog.jq', 'FORBIDDEN_FILTER_OPTION', '-f'],
    ['jq --rawfile x /etc/passwd .', 'FORBIDDEN_FILTER_OPTION', '--rawfile'],
    ['jq . /etc/passwd', 'FILTER_OPERAND', '/etc/passwd'],
    ['jq \'import "x" as x; .\'', 'UNSAFE_FILTER_PROGRAM', 'import/include'],
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
    ['awk \'{print | "sh"}\'', 'UNSAFE_FILTER_PROGRAM', 'print >'],
    ['awk \'@load "x"\'', 'UNSAFE_FILTER_PROGRAM', '@load'],
    ['awk -f prog.awk', 'FORBIDDEN_FILTER_OPTION', '-f'],
    ["sed 'e id'", 'UNSAFE_FILTER_PROGRAM', 'e'],
    ["sed 's/x/id/e'", 'UNSAFE_FILTER_PROGRAM', 's///e'],
    ["sed 'w /tmp/x'", 'UNSAFE_FILTER_PROGRAM', 'w'],
    ["sed '1r /etc/passwd'", 'UNSAFE_FILTER_PROGRAM', 'r'],
    ["sed 's/a/b/w /tmp/x'", 'UNSAFE_FILTER_PROGRAM', 's///w'],
    ['sed -i s/a/b/', 'FORBIDDEN_FILTER_OPTION', '-i'],
    ['cat', 'FORBIDDEN_PROGRAM', 'cat'],
    ['tee out', 'FORBIDDEN_PROGRAM', 'tee'],
    ['curl http://x', 'FORBIDDEN_PROGRAM', 'curl'],
    ['python -c 1', 'FORBIDDEN_PROGRAM', 'python'],
    ['/usr/bin/jq .', 'FORBIDDEN_PROGRAM', '/usr/bin/jq'],
  ])('refuses %j with %s', (filter, code, token) => {
    expect(refusalCode(filter)).toEqual({ code, token });
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
