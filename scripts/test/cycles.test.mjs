import { describe, expect, it } from 'vitest';
import { findCycles } from '../import-boundaries/cycles.mjs';

const graph = (edges) => {
  const g = new Map();
  for (const [from, to] of edges) {
    if (!g.has(from)) g.set(from, new Set());
    g.get(from).add(to);
  }
  return g;
};

describe('findCycles', () => {
  it('finds none in a graph without cycles, diamonds included', () => {
    expect(findCycles(graph([['a', 'b'], ['a', 'c'], ['b', 'd'], ['c', 'd']]))).toEqual([]);
  });

  it('finds a self-import', () => {
    expect(findCycles(graph([['a', 'a'], ['a', 'b']]))).toEqual([{ members: ['a'], cycle: ['a', 'a'] }]);
  });

  it('reports each cycle group once, with a shortest cycle through its first member', () => {
    const cycles = findCycles(
      graph([
        ['a', 'b'], ['b', 'c'], ['c', 'a'], ['c', 'd'], // a -> b -> c -> a, d hangs off it
        ['x', 'y'], ['y', 'x'], ['y', 'z'], ['z', 'x'], // x <-> y, and x -> y -> z -> x
      ]),
    );
    expect(cycles).toEqual([
      { members: ['a', 'b', 'c'], cycle: ['a', 'b', 'c', 'a'] },
      { members: ['x', 'y', 'z'], cycle: ['x', 'y', 'x'] },
    ]);
  });

  it('handles a long chain without overflowing the stack', () => {
    const n = 50_000;
    const edges = Array.from({ length: n }, (_, i) => [`m${i}`, `m${(i + 1) % n}`]);
    const [group] = findCycles(graph(edges));
    expect(group.members).toHaveLength(n);
    expect(group.cycle).toHaveLength(n + 1);
  });
});
