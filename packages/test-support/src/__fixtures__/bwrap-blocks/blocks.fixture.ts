import { describe, expect, it } from 'vitest';
import { describeWithBubblewrap, itWithBubblewrap } from '../../bwrap.js';

describeWithBubblewrap('a sandboxed block', () => {
  it('a test in it', () => {
    expect(1).toBe(1);
  });
});

describe('a plain block', () => {
  itWithBubblewrap('a sandboxed test', () => {
    expect(1).toBe(1);
  });
  it('a plain test', () => {
    expect(1).toBe(1);
  });
});
