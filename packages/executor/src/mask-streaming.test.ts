import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { maskedValue, maskSecrets, maxLineChars, SecretMasker } from './mask-secrets.js';

// Output reaches the masker in blocks as the pipe delivers it. Two promises are tested here: a stream cut between
// lines is masked exactly as the whole text is (the state that spans lines — a PEM block, a YAML value, a table's
// secret column, a multi-line table cell, secretsmanager's text — carries over to the next block, even one with no
// word that needs a scan); and a line cut into pieces is passed while no piece needs a scan, then masked to its
// end, whole, so nothing of a secret split across pieces is shown.

const fixtures = join(import.meta.dirname, '__fixtures__', 'secrets');

/** Multi-line inputs whose state spans lines, beside the CLI's outputs in the fixtures folder. */
const spanning: Array<[string, string]> = [
  [
    'a private key block',
    'before\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\nabcdefghijkl\n-----END RSA PRIVATE KEY-----\nafter\n',
  ],
  ['a YAML block scalar', 'Name: db\nSecretString: |\n  first line\n\n  second line\nVersionId: v1\n'],
  ['a YAML plain scalar over lines', 'SecretString: first part\n  second part\nName: db\n'],
  [
    'a table with a secret column',
    [
      '-----------------------------------',
      '|          GetSecretValue         |',
      '+-------------+-------------------+',
      '|    Name     |   SecretString    |',
      '+-------------+-------------------+',
      '|  db         |  hunter2hunter2   |',
      '+-------------+-------------------+',
      '',
    ].join('\n'),
  ],
  [
    'a table cell over lines',
    [
      '||  SecretString |  first line of it |',
      'second line of it',
      'third line        ||',
      '||  Name         |  db               |',
      '',
    ].join('\n'),
  ],
  [
    'secretsmanager text output',
    'arn:aws:secretsmanager:us-east-1:1:secret:db\t2024\tdb\tline one\nline two\tv1\n',
  ],
  ['a title and then a key row', '|  Credentials |\n|  SecretAccessKey |  wJalrXUtnFEMI  |\n'],
];

const corpus: Array<[string, string]> = [
  ...readdirSync(fixtures).map((name): [string, string] => [
    name,
    readFileSync(join(fixtures, name), 'utf8'),
  ]),
  ...spanning,
];

/** The text cut after each of `ends` (line ends), masked block by block by one masker. */
function maskInBlocks(text: string, cuts: readonly number[]) {
  const masker = new SecretMasker();
  let masked = '';
  let from = 0;
  for (const cut of [...cuts, text.length]) {
    masked += masker.maskBlock(text.slice(from, cut));
    from = cut;
  }
  return { text: masked, count: masker.count };
}

const lineEnds = (text: string) => [...text.matchAll(/\n/g)].map((match) => match.index + 1).slice(0, -1);

describe('SecretMasker on a stream cut between lines', () => {
  it.each(corpus)('%s: each cut into two blocks masks as the whole text does', (_, text) => {
    const whole = maskSecrets(text);
    for (const cut of lineEnds(text)) {
      expect({ cut, ...maskInBlocks(text, [cut]) }).toEqual({ cut, ...whole });
    }
  });

  it.each(corpus)('%s: a line a block masks as the whole text does', (_, text) => {
    expect(maskInBlocks(text, lineEnds(text))).toEqual(maskSecrets(text));
  });

  it.each(spanning)('%s: what spans the lines is masked at all', (_, text) => {
    expect(maskSecrets(text).count).toBeGreaterThan(0);
  });
});

/** Each piece's masked text, and what the masker counted. */
function maskPieces(pieces: readonly string[]) {
  const masker = new SecretMasker();
  const texts = pieces.map((piece) => masker.maskBlock(piece));
  const { count, unscannedChars, overlongLines } = masker;
  return { texts, count, unscannedChars, overlongLines };
}

describe('SecretMasker on a line cut into pieces', () => {
  it.each([
    [
      'no piece needs a scan: each passes as it is',
      ['hello wor', 'ld and mo', 're\nbye\n'],
      { texts: ['hello wor', 'ld and mo', 're\nbye\n'], count: 0, unscannedChars: 0, overlongLines: 0 },
    ],
    [
      'a secret field name split across two pieces: the rest of the line is masked',
      ['some pass', 'word=hunter2\nnext\n'],
      {
        texts: ['some pass', `${maskedValue}\nnext\n`],
        count: 1,
        unscannedChars: 'word=hunter2'.length,
        overlongLines: 1,
      },
    ],
    [
      'the name split, then more pieces: masked once, the rest dropped to the line end',
      ['some pass', 'word=hun', 'ter2', 'more\nnext\n'],
      {
        texts: ['some pass', maskedValue, '', '\nnext\n'],
        count: 1,
        unscannedChars: 'word=hunter2more'.length,
        overlongLines: 1,
      },
    ],
    [
      'a first piece that needs a scan: masked as a line, its continuation masked whole',
      ['password=hunter2', 'secret-more\nnext\n'],
      {
        texts: [`password=${maskedValue}`, `${maskedValue}\nnext\n`],
        count: 2,
        unscannedChars: 'secret-more'.length,
        overlongLines: 0,
      },
    ],
    [
      'a first piece that needs a scan, then two more: the third is dropped',
      ['password=hunter2', 'abc', 'def\nnext\n'],
      {
        texts: [`password=${maskedValue}`, maskedValue, '\nnext\n'],
        count: 2,
        unscannedChars: 'abcdef'.length,
        overlongLines: 0,
      },
    ],
    [
      'a trigger within the last 16 characters of a long first piece',
      [`${'x'.repeat(40)} the pass`, 'word is here\nok\n'],
      {
        texts: [`${'x'.repeat(40)} the pass`, `${maskedValue}\nok\n`],
        count: 1,
        unscannedChars: 'word is here'.length,
        overlongLines: 1,
      },
    ],
    [
      'a complete line after the pieces starts afresh',
      ['hello ', 'there\n', 'password=hunter2\n'],
      {
        texts: ['hello ', 'there\n', `password=${maskedValue}\n`],
        count: 1,
        unscannedChars: 0,
        overlongLines: 0,
      },
    ],
    [
      'a piece after lines that passed, in the same block',
      ['first line\nsecond pass', 'word=x\n'],
      {
        texts: ['first line\nsecond pass', `${maskedValue}\n`],
        count: 1,
        unscannedChars: 'word=x'.length,
        overlongLines: 1,
      },
    ],
    [
      'a piece after a line that needed a scan, in the same block',
      ['password=hunter2\nsecond pass', 'word=x\n'],
      {
        texts: [`password=${maskedValue}\nsecond pass`, `${maskedValue}\n`],
        count: 2,
        unscannedChars: 'word=x'.length,
        overlongLines: 1,
      },
    ],
  ])('%s', (_, pieces, expected) => {
    expect(maskPieces(pieces)).toEqual(expected);
  });

  it('never shows a secret value split across pieces of any size', () => {
    const line = 'export DB_PASSWORD=hunter2-very-secret and then some more text\n';
    for (let size = 1; size < line.length; size += 1) {
      const pieces: string[] = [];
      for (let start = 0; start < line.length; start += size) pieces.push(line.slice(start, start + size));
      const shown = maskPieces(pieces).texts.join('');
      expect({ size, shown: shown.includes('hunter2') || shown.includes('very-secret') }).toEqual({
        size,
        shown: false,
      });
    }
  });
});

describe('SecretMasker on lines longer than it scans', () => {
  const long = 'x'.repeat(maxLineChars);

  it.each([
    ['without a secret word: passed whole', `${long}y\nnext\n`, `${long}y\nnext\n`, 0, 0],
    ['with one: masked whole', `${long} password=a\nnext\n`, `${maskedValue}\nnext\n`, 1, 1],
    [
      'at the limit exactly: scanned as any line',
      `${long.slice(12)} password=a\n`,
      `${long.slice(12)} password=${maskedValue}\n`,
      1,
      0,
    ],
  ])('a complete line %s', (_, text, expected, count, overlong) => {
    const masker = new SecretMasker();
    expect(masker.maskBlock(text)).toBe(expected);
    expect({ count: masker.count, overlong: masker.overlongLines }).toEqual({ count, overlong });
  });

  it('a long piece that needs a scan is masked whole, and the rest of its line with it', () => {
    const masker = new SecretMasker();
    expect(masker.maskBlock(`${long} password=a`)).toBe(maskedValue);
    expect(masker.maskBlock('more of it\nnext\n')).toBe('\nnext\n');
    expect(masker).toMatchObject({
      count: 1,
      overlongLines: 1,
      unscannedChars: long.length + ' password=a'.length + 'more of it'.length,
    });
  });

  it('a long piece without a secret word passes, and its line is masked once a piece needs a scan', () => {
    const masker = new SecretMasker();
    expect(masker.maskBlock(`${long}y`)).toBe(`${long}y`);
    expect(masker.maskBlock(' token=abc\nnext\n')).toBe(`${maskedValue}\nnext\n`);
    expect(masker).toMatchObject({ count: 1, overlongLines: 1 });
  });
});
