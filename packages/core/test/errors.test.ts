import { describe, expect, it } from 'vitest';
import { ReefError, isReefError } from '../src/errors.js';

describe('ReefError', () => {
  it('is recognised by instanceof when another copy of @reef/core made it', () => {
    // What a ReefError from a second installed copy of this package looks like to this one.
    class OtherCopyReefError extends Error {
      readonly code = 'NON_FINITE';
      constructor(message: string) {
        super(message);
        this.name = 'ReefError';
      }
    }
    const foreign = new OtherCopyReefError('element 5 is NaN');
    expect(foreign instanceof ReefError).toBe(true);
    expect(isReefError(foreign, 'NON_FINITE')).toBe(true);
    expect(new ReefError('BAD_MODEL', 'x') instanceof ReefError).toBe(true);
    expect(new ReefError('BAD_MODEL', 'x') instanceof Error).toBe(true);
  });

  it('is not claimed by other errors, nor by subclasses for plain ReefErrors', () => {
    expect(new Error('x') instanceof ReefError).toBe(false);
    expect(new TypeError('x') instanceof ReefError).toBe(false);
    expect(Object.assign(new Error('x'), { name: 'ReefError' }) instanceof ReefError).toBe(false); // no code
    expect({ name: 'ReefError', code: 'BAD_MODEL', message: 'x' } instanceof ReefError).toBe(false); // not an Error
    class SpecificError extends ReefError {}
    expect(new ReefError('BAD_MODEL', 'x') instanceof SpecificError).toBe(false);
    expect(new SpecificError('BAD_MODEL', 'x') instanceof SpecificError).toBe(true);
    expect(new SpecificError('BAD_MODEL', 'x') instanceof ReefError).toBe(true);
  });
});
