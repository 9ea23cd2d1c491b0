import { describe, expect, it } from 'vitest';
import { shellCommands } from '../docs-commands/extract.mjs';

describe('shellCommands (what the docs test runs)', () => {
  it('takes every line of sh/bash/shell blocks with its line number, and nothing from other blocks', () => {
    const md = [
      '# Title', // 1
      '```sh', // 2
      'reef init', // 3
      '', // 4
      '# a comment line', // 5
      'reef add a.safetensors   # trailing comments stay: bash ignores them', // 6
      '```', // 7
      '```ts', // 8
      'const x = 1;', // 9
      '```', // 10
      '```bash', // 11
      'npx -y pnpm@10 sweep \\', // 12
      '  --methods pq', // 13
      '$ reef log', // 14
      '```', // 15
      '```', // 16
      'not a shell block', // 17
      '```', // 18
    ].join('\n');
    expect(shellCommands(md)).toEqual([
      { line: 3, command: 'reef init', block: 0 },
      { line: 6, command: 'reef add a.safetensors   # trailing comments stay: bash ignores them', block: 0 },
      { line: 12, command: 'npx -y pnpm@10 sweep \\\n  --methods pq', block: 1 },
      { line: 14, command: 'reef log', block: 1 },
    ]);
  });
});
