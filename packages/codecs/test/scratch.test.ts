import { describe, expect, it } from 'vitest';
import { borrowScratch, returnScratch } from '../src/index.js';

describe('scratch memory', () => {
  it('lends a returned buffer again; exact borrows take only one of their size', () => {
    const a = borrowScratch(300_000);
    const buffer = a.buffer;
    returnScratch(a);
    // Not exact: a 300,000-byte buffer serves 200,000 (within twice the size).
    const b = borrowScratch(200_000);
    expect(b.buffer).toBe(buffer);
    expect(b.length).toBe(200_000);
    returnScratch(b);
    const c = borrowScratch(200_000, true);
    expect(c.buffer).not.toBe(buffer);
    expect(c.buffer.byteLength).toBe(200_000);
    const d = borrowScratch(300_000, true);
    expect(d.buffer).toBe(buffer);
    returnScratch(c);
    returnScratch(d);
  });

  it('takes back only whole arrays it lent, once', () => {
    const a = borrowScratch(128 * 1024, true);
    returnScratch(a.subarray(16)); // a view inside it: ignored, the array stays lent
    const b = borrowScratch(128 * 1024, true);
    expect(b.buffer).not.toBe(a.buffer);
    returnScratch(a);
    returnScratch(a); // a second return is ignored: the buffer is lent out once at a time
    const c = borrowScratch(128 * 1024, true);
    const d = borrowScratch(128 * 1024, true);
    expect(c.buffer).toBe(a.buffer);
    expect(d.buffer).not.toBe(a.buffer);
    returnScratch(new Uint8Array(128 * 1024)); // never lent: ignored
    for (const x of [b, c, d]) returnScratch(x);
  });
});
