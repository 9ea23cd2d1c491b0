import { describe, expect, it } from 'vitest';
import { importsOf } from '../import-boundaries/parse.mjs';

const source = [
  "import a, { b as c, type D } from './a.js';", // 1
  "import type { E } from '@reef/core';", // 2
  "import { type F, type G } from '@reef/core/delta';", // 3
  "import * as ns from 'ml-matrix';", // 4
  "import './side-effect.js';", // 5
  "export { h, i as j } from './h.js';", // 6
  "export * from './all.js';", // 7
  "// import x from '@reef/quantizer-sq'", // 8
  "const s = \"import y from '@reef/delta-pq'\";", // 9
  "export const load = () => import('node:os');", // 10
  "type W = typeof import('node:worker_threads').Worker;", // 11
  "const dynamic = (name: string) => import(name);", // 12
].join('\n');

describe('importsOf', () => {
  const sites = importsOf('example.ts', source);

  it('finds static, re-export, dynamic and type imports with their lines, and nothing in comments or strings', () => {
    expect(sites.map((s) => [s.line, s.specifier])).toEqual([
      [1, './a.js'],
      [2, '@reef/core'],
      [3, '@reef/core/delta'],
      [4, 'ml-matrix'],
      [5, './side-effect.js'],
      [6, './h.js'],
      [7, './all.js'],
      [10, 'node:os'],
      [11, 'node:worker_threads'],
    ]);
  });

  it('tells type-only imports (whole clause or every specifier) from value imports', () => {
    expect(sites.filter((s) => s.typeOnly).map((s) => s.line)).toEqual([2, 3, 11]);
    expect(sites.filter((s) => s.dynamic).map((s) => s.line)).toEqual([10]);
  });

  it("names the exports used, '*' for whole-module imports", () => {
    const names = Object.fromEntries(sites.map((s) => [s.line, s.names]));
    expect(names).toEqual({
      1: ['default', 'b', 'D'],
      2: ['E'],
      3: ['F', 'G'],
      4: ['*'],
      5: [],
      6: ['h', 'i'],
      7: ['*'],
      10: ['*'],
      11: ['Worker'],
    });
  });
});
