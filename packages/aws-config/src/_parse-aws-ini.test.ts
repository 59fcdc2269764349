import { decode } from 'ini';
import { describe, expect, it } from 'vitest';
import { parseAwsIni } from './_parse-aws-ini.js';

describe('parseAwsIni', () => {
  it('keeps a dotted section name as one section, where ini alone splits it', () => {
    const text = '[profile dev.admin]\nregion = eu-west-1\n';
    expect(decode(text)).toHaveProperty(['profile dev', 'admin', 'region'], 'eu-west-1');
    expect(parseAwsIni(text).sections).toEqual([
      { name: 'profile dev.admin', line: 1, settings: { region: 'eu-west-1' }, nested: {} },
    ]);
  });

  it('keeps indented sub-settings under their parent, where ini alone flattens them', () => {
    const text =
      '[profile dev]\ns3 =\n  endpoint_url = http://127.0.0.1:4566\n  addressing_style = path\nregion = us-east-1\n';
    expect(decode(text)).toHaveProperty(['profile dev', 'endpoint_url'], 'http://127.0.0.1:4566');
    const [section] = parseAwsIni(text).sections;
    expect(section?.settings).toEqual({ region: 'us-east-1' });
    expect(section?.nested).toEqual({
      s3: { endpoint_url: 'http://127.0.0.1:4566', addressing_style: 'path' },
    });
  });

  it.each([
    [
      'a # that ini would cut',
      'sso_start_url = https://d-1.awsapps.com/start#/',
      'https://d-1.awsapps.com/start#/',
    ],
    ['a ; that ini would cut', 'note = one ; two', 'one ; two'],
    ['quotes, which the CLI keeps', 'name = "quoted"', '"quoted"'],
    ['true as text, not a boolean', 'flag = true', 'true'],
    ['a colon as delimiter', 'region: eu-west-2', 'eu-west-2'],
    ['an empty value', 'empty =', ''],
    ['backslashes', 'path = C:\\tools\\aws', 'C:\\tools\\aws'],
  ])('reads %s', (_title, line, expected) => {
    const [section] = parseAwsIni(`[default]\n${line}\n`).sections;
    expect(Object.values(section?.settings ?? {})).toEqual([expected]);
  });

  it('lower-cases setting names as configparser does', () => {
    expect(parseAwsIni('[default]\nRegion = eu-west-1\n').sections[0]?.settings).toEqual({
      region: 'eu-west-1',
    });
  });

  it('joins an indented line after a value into a multi-line value', () => {
    expect(parseAwsIni('[default]\nnote = one\n  two\n').sections[0]?.settings).toEqual({ note: 'one\ntwo' });
  });

  it('skips comments and blank lines, and reads CRLF files', () => {
    const text = '# top\r\n[default]\r\n; note\r\n\r\n  # indented comment\r\nregion = eu-west-1\r\n';
    expect(parseAwsIni(text)).toEqual({
      sections: [{ name: 'default', line: 2, settings: { region: 'eu-west-1' }, nested: {} }],
      problems: [],
    });
  });

  it.each([
    ['a line without =', '[default]\njust words\n', 'MALFORMED_LINE', 2],
    ['a setting before any section', 'region = x\n[default]\n', 'MALFORMED_LINE', 1],
    ['an unclosed section header', '[profile broken\nregion = x\n', 'MALFORMED_SECTION', 1],
    ['an empty section header', '[]\n', 'MALFORMED_SECTION', 1],
    [
      'an indented line that is not a pair under a block',
      '[default]\ns3 =\n  nonsense\n',
      'MALFORMED_LINE',
      3,
    ],
    ['a repeated setting', '[default]\nregion = a\nregion = b\n', 'DUPLICATE_KEY', 3],
    ['a repeated section', '[default]\nregion = a\n[default]\noutput = json\n', 'DUPLICATE_SECTION', 3],
  ] as const)('reports %s with its line', (_title, text, code, line) => {
    const { problems } = parseAwsIni(text);
    expect(problems).toEqual([expect.objectContaining({ code, line })]);
    expect(problems[0]?.message).toContain(`Line ${line}`);
  });

  it('never quotes the offending line in a problem', () => {
    const { problems } = parseAwsIni('[default]\naws_secret_access_key wJalrXUtnFEMI\n');
    expect(problems).toHaveLength(1);
    expect(problems[0]?.message).not.toContain('wJalrXUtnFEMI');
  });

  it('merges a repeated section, later settings winning', () => {
    const { sections } = parseAwsIni('[default]\nregion = a\noutput = json\n[default]\nregion = b\n');
    expect(sections).toEqual([
      { name: 'default', line: 1, settings: { region: 'b', output: 'json' }, nested: {} },
    ]);
  });
});
