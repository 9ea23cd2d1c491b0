import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

describe('package boundary', () => {
  it('only the node entry uses Node APIs, the browser zlib only fflate, and the package imports nothing else but @reef/core', () => {
    const imports: string[] = [];
    for (const file of readdirSync(SRC).filter((f) => f.endsWith('.ts'))) {
      for (const [, spec] of readFileSync(SRC + file, 'utf8').matchAll(/^(?:import|export)[^'"]*from '([^']+)'/gm)) imports.push(`${file}: ${spec}`);
    }
    const foreign = imports.filter((line) => !/: (\.\/|@reef\/core(\/[a-z]+)?$)/.test(line));
    expect(foreign.sort()).toEqual(['node.ts: node:zlib', 'zlib-browser.ts: fflate']);
  });
});
