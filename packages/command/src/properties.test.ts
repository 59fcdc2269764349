import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CommandError, listFilterNames, parseCommandLine, quoteArgv, validatePipeline } from './index.js';

const shellish = fc.stringMatching(/^[a-z0-9 |&;<>$`'"\\#~./=*(){}\n\t-]*$/);

describe('parseCommandLine properties', () => {
  it('returns a pipeline starting with aws and allowed filters, or throws CommandError, for any string', () => {
    const filters = new Set(listFilterNames());
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string({ unit: 'binary' }),
          shellish.map((text) => `aws ${text}`),
        ),
        (text) => {
          try {
            const pipeline = parseCommandLine(text);
            expect(pipeline.aws.argv[0]).toBe('aws');
            for (const filter of pipeline.filters) expect(filters.has(filter.argv[0] as string)).toBe(true);
          } catch (error) {
            if (!CommandError.isInstance(error)) throw error;
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('validatePipeline throws only CommandError for any parsed line', () => {
    fc.assert(
      fc.property(shellish, (text) => {
        try {
          validatePipeline(parseCommandLine(`aws ${text}`), { mode: 'confirm-writes' }, { workdir: '/w' });
        } catch (error) {
          if (!CommandError.isInstance(error)) throw error;
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('quoting any argv and parsing it back gives the same argv', () => {
    const word = fc.string({ minLength: 0, maxLength: 12 }).filter((text) => !text.includes('\0'));
    fc.assert(
      fc.property(fc.array(word, { maxLength: 6 }), (rest) => {
        const argv = ['aws', 's3', 'ls', ...rest];
        try {
          expect(parseCommandLine(quoteArgv(argv)).aws.argv).toEqual(argv);
        } catch (error) {
          // Words the aws stage itself refuses (e.g. `--debug`) are refused the same way in argv form.
          if (!CommandError.isInstance(error)) throw error;
          expect(() => parseCommandLine({ args: argv })).toThrow(CommandError);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
