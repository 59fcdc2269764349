// The CLI is the oracle for what secret output looks like: secrets of awkward shapes (quotes, backslashes, tabs,
// pipes, newlines, blank lines, a leading newline, CRLF, a PEM block, JSON, non-ASCII) are stored in moto, and
// each installed CLI prints them with `get-secret-value` in every output format. The text masker, the layer that
// masks whatever the CLI prints (without the member masking inside the CLI), must leave none of them readable,
// also when the output arrives in small chunks. Every secret carries words starting with `sekrit`, which nothing
// else in the output contains.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { MotoEmulator } from '@aws-mcp/emulators';
import { type EmulatedAws, motoMissing, startEmulatedAws } from '@aws-mcp/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutputCollector } from './_output-collector.js';
import { maskSecrets, SecretMasker } from './mask-secrets.js';

const run = promisify(execFile);

const secrets: Array<[string, string]> = [
  ['plain', 'sekritplain1'],
  ['quotes', `has "sekritdq" quotes and 'sekritsq' ones`],
  ['backslashes', 'back\\sekritbs\\path\\'],
  ['spaces around', '  sekritspaces  '],
  ['tabs', 'tab\tsekrittab\tseparated'],
  ['non-ASCII', 'unicode pä sekritü ✓ секрет'],
  ['JSON', '{"user":"admin","password":"sekritjson","port":5432}'],
  ['lines', 'line one sekritl1\nline two sekritl2\nline three sekritl3'],
  ['a trailing newline', 'sekritnl ends with a newline\n'],
  ['YAML-like', '#hash: colon: sekrithash - dash'],
  ['pipes', '| pipe | sekritpipe |'],
  ['a PEM block', '-----BEGIN RSA PRIVATE KEY-----\nMIIEsekritpem0base64\n-----END RSA PRIVATE KEY-----'],
  ['a long line', `sekritlong${'a'.repeat(300)}`],
  ['a query string', 'key=value&token=sekritamp'],
  ['a leading newline', '\nsekritstartnl starts with a newline'],
  ['CRLF', 'mixed\r\nsekritcrlf line endings'],
  ['paragraphs', 'first sekritp1\n\nsecond sekritp2\n\n\nthird sekritp3'],
  // Reads like a secret's name (it ends in `password`): a table's key/value row masks it all the same.
  ['a name-like word', 'sekritpassword'],
];

/** Each installed CLI with the formats it has (`yaml` came with v2). */
const clis = [
  { name: 'v1 (PATH)', file: 'aws', formats: ['json', 'text', 'table'] },
  ...(existsSync('/usr/bin/aws')
    ? [{ name: 'v2 (Debian)', file: '/usr/bin/aws', formats: ['json', 'text', 'table', 'yaml'] }]
    : []),
];

/**
 * A Lambda function's environment, whose variables are named as people name them: each secret one holds a
 * `sekrit` word (with a pipe, a newline, quotes or blanks), the others plain words that must stay.
 */
const environment: Record<string, string> = {
  DB_PASSWORD: 'sekritpw | with pipe',
  API_TOKEN: 'sekrittok\nsecond sekritline',
  GITHUB_TOKEN: '"sekritgh"',
  SECRET_KEY: '  sekritsk  ',
  OPENAI_API_KEY: 'sk-proj-sekrit0penai',
  JWT_SECRET: 'sekritjwt',
  AUTH_TOKEN: 'sekritauth',
  TABLE_NAME: 'orders-visible',
  NEXT_PAGE: 'page-visible',
};

/** The lines that still show a secret's words, for the failure message. */
function readable(masked: string): string[] {
  return masked.split('\n').filter((line) => /sekrit/i.test(line));
}

describe.skipIf(motoMissing !== undefined)(
  `the text masker on what each installed CLI prints for secrets of every shape${motoMissing === undefined ? '' : ` (skipped: ${motoMissing})`}`,
  () => {
    let aws: EmulatedAws<MotoEmulator>;
    /** `${cli} ${format} ${secret}` → what the CLI printed. */
    const printed = new Map<string, string>();

    beforeAll(async () => {
      aws = await startEmulatedAws();
      // v2.9 reads no AWS_ENDPOINT_URL, so both are given the endpoint as an option.
      const endpoint = ['--endpoint-url', aws.env.AWS_ENDPOINT_URL as string];
      const env = { ...aws.env, AWS_PAGER: '', AWS_MAX_ATTEMPTS: '1' };
      for (const [index, [, value]] of secrets.entries()) {
        await run(
          'aws',
          [...endpoint, 'secretsmanager', 'create-secret', '--name', `s${index}`, '--secret-string', value],
          {
            env,
          },
        );
      }
      // The function's code is never run (moto's Lambda needs Docker for that), only described.
      const zip = join(aws.home, 'function.zip');
      await run('python3', [
        '-c',
        'import sys,zipfile; zipfile.ZipFile(sys.argv[1], "w").writestr("h.py", "def h(e, c):\\n  return 1\\n")',
        zip,
      ]);
      await run(
        'aws',
        [...endpoint, 'iam', 'create-role', '--role-name', 'r', '--assume-role-policy-document', '{}'],
        { env },
      );
      await run(
        'aws',
        [
          ...endpoint,
          ...[
            'lambda',
            'create-function',
            '--function-name',
            'f',
            '--runtime',
            'python3.11',
            '--handler',
            'h.h',
          ],
          ...['--role', 'arn:aws:iam::123456789012:role/r', '--zip-file', `fileb://${zip}`],
          ...['--environment', JSON.stringify({ Variables: environment })],
        ],
        { env },
      );
      for (const cli of clis) {
        // Text output prints a map's values without their names: only the masking inside the CLI can tell them.
        for (const format of cli.formats.filter((each) => each !== 'text')) {
          const args = [...endpoint, 'lambda', 'get-function-configuration', '--function-name', 'f'];
          const { stdout } = await run(cli.file, [...args, '--output', format], { env, encoding: 'utf8' });
          printed.set(`lambda ${cli.name} ${format}`, stdout);
        }
      }
      const calls = clis.flatMap((cli) =>
        cli.formats.flatMap((format) => secrets.map((_, index) => ({ cli, format, index }))),
      );
      // Two at a time: one per core.
      for (let next = 0; next < calls.length; next += 2) {
        await Promise.all(
          calls.slice(next, next + 2).map(async ({ cli, format, index }) => {
            const args = [...endpoint, 'secretsmanager', 'get-secret-value', '--secret-id', `s${index}`];
            const { stdout } = await run(cli.file, [...args, '--output', format], { env, encoding: 'utf8' });
            printed.set(`${cli.name} ${format} ${index}`, stdout);
          }),
        );
      }
    }, 300_000);

    afterAll(async () => {
      await aws?.stop();
    });

    const cases = clis.flatMap((cli) =>
      cli.formats.flatMap((format) =>
        secrets.map(([shape], index) => ({ cli: cli.name, format, shape, index })),
      ),
    );

    it.each(cases)(
      '$cli --output $format, a secret with $shape: nothing readable, the rest kept',
      ({ cli, format, index }) => {
        const output = printed.get(`${cli} ${format} ${index}`) as string;
        expect(output).toMatch(/sekrit/);
        const masked = maskSecrets(output);
        expect(readable(masked.text)).toEqual([]);
        expect(masked.count).toBeGreaterThan(0);
        expect(masked.text).toContain(`s${index}`);
        // Line for line, but for a private key's block, which is masked whole between its markers.
        if (!output.includes('PRIVATE KEY')) {
          expect(masked.text.split('\n')).toHaveLength(output.split('\n').length);
        }
      },
    );

    it.each(
      clis.flatMap((cli) =>
        cli.formats.filter((each) => each !== 'text').map((format) => ({ cli: cli.name, format })),
      ),
    )(
      '$cli --output $format, a Lambda environment: every secret variable masked by its name, the others kept',
      ({ cli, format }) => {
        const output = printed.get(`lambda ${cli} ${format}`) as string;
        expect(output).toMatch(/sekrit/);
        const masked = maskSecrets(output).text;
        expect(readable(masked)).toEqual([]);
        for (const kept of ['orders-visible', 'page-visible', 'DB_PASSWORD', 'OPENAI_API_KEY']) {
          expect(masked).toContain(kept);
        }
      },
    );

    it.each(cases.filter(({ index }) => index % 4 === 0))(
      '$cli --output $format, a secret with $shape, in chunks of 7 bytes: nothing readable',
      ({ cli, format, index }) => {
        const output = printed.get(`${cli} ${format} ${index}`) as string;
        const collector = new OutputCollector(1_000_000, new SecretMasker());
        const bytes = Buffer.from(output);
        for (let start = 0; start < bytes.length; start += 7)
          collector.write(bytes.subarray(start, start + 7));
        expect(readable(collector.finish().text)).toEqual([]);
      },
    );
  },
);
