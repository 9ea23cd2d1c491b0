import { describe, expect, it } from 'vitest';
import * as nodeSide from '../src/node.js';
import * as browserSide from '../src/zlib-browser.js';

// Planes compressed in a page must inflate in Node and the other way round: the two entries of
// `@reef/codecs/zlib` write different deflate streams (fflate has no zlib strategies) of the same bytes.
function sample(n: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    out[i] = i % 7 === 0 ? s >>> 24 : (i >> 5) & 3; // runs plus noise, like float byte planes
  }
  return out;
}

/** Byte equality without vitest's element-by-element diff (seconds for 300 kB). */
function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

describe('@reef/codecs/zlib in browsers (fflate) against Node zlib', () => {
  const bytes = sample(300_000);

  it('zlib streams cross over both ways', () => {
    expect(same(browserSide.inflateBytes(nodeSide.deflateBytes(bytes, 6)), bytes)).toBe(true);
    expect(same(nodeSide.inflateBytes(browserSide.deflateBytes(bytes, 6)), bytes)).toBe(true);
  });

  it('raw deflate crosses over both ways and honours the output limit', () => {
    expect(same(browserSide.inflateRawBytes(nodeSide.deflateRawBytes(bytes, 9), bytes.length), bytes)).toBe(true);
    expect(same(nodeSide.inflateRawBytes(browserSide.deflateRawBytes(bytes, 9), bytes.length), bytes)).toBe(true);
    expect(() => browserSide.inflateRawBytes(nodeSide.deflateRawBytes(bytes, 9), bytes.length - 1)).toThrow(/more than/);
    expect(() => nodeSide.inflateRawBytes(nodeSide.deflateRawBytes(bytes, 9), bytes.length - 1)).toThrow();
  });

  it('byte planes packed by either side unpack on the other', async () => {
    const packedInPage = await browserSide.packPlanesAsync(bytes, 4, 6);
    expect(same(nodeSide.unpackPlanes(packedInPage, 4, bytes.length), bytes)).toBe(true);
    const packedInNode = await nodeSide.packPlanesAsync(bytes, 4, 6);
    expect(same(browserSide.unpackPlanes(packedInNode, 4, bytes.length), bytes)).toBe(true);
    expect(packedInPage.bytes.length).toBeLessThan(bytes.length / 2);
  });
});
