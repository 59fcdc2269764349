import { describe, expect, it } from 'vitest';
import { maskResponseMembers } from './_mask-members.js';
import {
  createBackstopMasking,
  createStructuralMasking,
  createWholeOutputMasking,
} from './_source-masking.js';
import { LearnedSecrets, maxLineChars, SecretMasker } from './mask-secrets.js';

function pass(masking: ReturnType<typeof createBackstopMasking>, input: Buffer, size: number): Buffer {
  const out: Buffer[] = [];
  const add = (piece: Buffer | string) => out.push(typeof piece === 'string' ? Buffer.from(piece) : piece);
  for (let start = 0; start < input.length; start += size)
    add(masking.write(input.subarray(start, start + size)));
  add(masking.end());
  return Buffer.concat(out);
}

describe('createBackstopMasking', () => {
  const binary = Buffer.alloc(3 * maxLineChars);
  for (let index = 0; index < binary.length; index += 1) binary[index] = (index * 31 + (index >> 7)) & 0xff;

  it.each([1, 1000, 65_536, binary.length])(
    'passes bytes it masks nothing in as they were (chunks of %i)',
    (size) => {
      const masking = createBackstopMasking(new SecretMasker(new LearnedSecrets(), true));
      expect(pass(masking, binary, size).equals(binary)).toBe(true);
    },
  );

  it.each([1, 7, 4096])('masks a secret-named field split across chunks of %i bytes', (size) => {
    const masking = createBackstopMasking(new SecretMasker(new LearnedSecrets(), true));
    const input = Buffer.from('{\n  "Name": "é-app",\n  "Password": "hunter2-but-longer"\n}\n');
    expect(pass(masking, input, size).toString()).toBe(
      '{\n  "Name": "é-app",\n  "Password": "[MASKED]"\n}\n',
    );
    expect(masking.count).toBe(1);
  });
});

describe('createWholeOutputMasking', () => {
  it('replaces every non-empty line, so no filter can print a piece of it', () => {
    const masking = createWholeOutputMasking();
    const url = Buffer.from('https://b.s3.amazonaws.com/k?X-Amz-Signature=abc\n\nsecond');
    expect(`${masking.write(url.subarray(0, 10))}${masking.write(url.subarray(10))}${masking.end()}`).toBe(
      '[MASKED]\n\n[MASKED]',
    );
    expect(masking.count).toBe(2);
    expect(masking.members).toEqual(['*']);
  });
});

describe('createStructuralMasking', () => {
  it('masks the members by path and prints JSON as the CLI does', () => {
    const masking = createStructuralMasking([
      'Credentials.SecretAccessKey',
      'Functions[].Environment.Variables',
    ]);
    const response = {
      Credentials: { AccessKeyId: 'ASIAEXAMPLE', SecretAccessKey: 'secret-value' },
      Functions: [{ Environment: { Variables: { DB_PASSWORD: 'pw-1', MODE: 'prod' } } }, { Name: 'f' }],
    };
    masking.write(Buffer.from(JSON.stringify(response)));
    const printed = JSON.parse(masking.end().toString());
    expect(printed).toEqual({
      Credentials: { AccessKeyId: 'ASIAEXAMPLE', SecretAccessKey: '[MASKED]' },
      Functions: [
        { Environment: { Variables: { DB_PASSWORD: '[MASKED]', MODE: '[MASKED]' } } },
        { Name: 'f' },
      ],
    });
    expect(masking.values).toEqual(['secret-value', 'prod', 'pw-1']);
    expect(masking.members).toEqual(['Credentials.SecretAccessKey', 'Functions[].Environment.Variables']);
  });

  it('masks output that is not one JSON document whole (fail closed)', () => {
    const masking = createStructuralMasking(['SecretString']);
    masking.write(Buffer.from('SecretString\tnot json\n'));
    expect(masking.end()).toBe('[MASKED]\n');
    expect(masking.members).toEqual(['*']);
  });
});

describe('maskResponseMembers', () => {
  it.each([
    [
      'a member of a list item',
      ['SecretValues[].SecretString'],
      { SecretValues: [{ SecretString: 's1' }, {}] },
      ['s1'],
    ],
    [
      'a map key',
      ['Connection.ConnectionProperties.PASSWORD'],
      { Connection: { ConnectionProperties: { PASSWORD: 'p', USER: 'u' } } },
      ['p'],
    ],
    ['map values', ['Tags{}'], { Tags: { a: 'x', b: 'y' } }, ['x', 'y']],
    ['nothing there', ['Credentials.SecretAccessKey'], { Other: 1 }, []],
    ['the whole output (left to the stream)', ['*'], { A: 'b' }, []],
  ])('masks %s', (_, paths, response, values) => {
    expect(maskResponseMembers(response, paths).values.sort()).toEqual(values);
  });
});

describe('LearnedSecrets', () => {
  it.each([
    ['a timestamp', '2024-01-01T12:00:00Z'],
    ['an ARN', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:app-db-a1b2c3'],
    ['a number', '1796133977.123'],
    ['a resource id', 'i-0123456789abcdef0'],
  ])('never learns %s', (_, value) => {
    const learned = new LearnedSecrets();
    learned.add(value);
    expect(learned.values.size).toBe(0);
  });

  it('learns a value', () => {
    const learned = new LearnedSecrets();
    learned.add('correct-horse-battery');
    expect([...learned.values]).toEqual(['correct-horse-battery']);
  });
});
