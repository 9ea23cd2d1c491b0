import { describe, expect, it } from 'vitest';

describe('the DI container', () => {
  it('in Node is loaded with require() and is the very instance an ES import of tsyringe gets (one container)', async () => {
    const viaPackageImport = (await import('#di')) as typeof import('../src/di-node.js');
    const viaEsImport = await import('tsyringe');
    expect(viaPackageImport.container).toBe(viaEsImport.container);
    // reflect-metadata was loaded first (tsyringe needs Reflect.getMetadata at registration).
    expect(typeof (Reflect as unknown as { getMetadata?: unknown }).getMetadata).toBe('function');
  });
});
