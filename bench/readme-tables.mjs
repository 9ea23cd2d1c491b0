#!/usr/bin/env node
// Regenerates the measured tables in the plugin READMEs with one command: runs each benchmark and
// writes its printed output (markdown tables with medians, ratios and the load average) between
// the markers <!-- bench:NAME --> and <!-- /bench:NAME --> of its README, in place. The prose
// around a block interprets one run; re-read it after regenerating.
//
//   node bench/readme-tables.mjs [NAME...]          all blocks, or those named
//   OLD=… PREV=… node bench/readme-tables.mjs lattice-search   (builds to compare, see bench/lattice/search.mjs)
//
// Build first (npx -y pnpm@10 exec turbo run build). Benchmarks run one after another, never in parallel.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const BLOCKS = [
  { name: 'rabitq-scan', readme: 'plugins/rabitq/README.md', command: ['bench/rabitq/scan.mjs', '5', '1'] },
  { name: 'lattice-search', readme: 'plugins/lattice/README.md', command: ['bench/lattice/search.mjs', '5', '30'] },
  // Fast-scan PQ against FAISS's IndexPQFastScan, one thread and two (about 10 minutes each on a quiet machine).
  { name: 'pq-fs-fmnist', readme: 'plugins/pq/README.md', command: ['bench/quantizers/search-interleaved.mjs', '--nq', '10000', '--repeats', '3', 'PQ16x4fs', 'PQ32x4fs', 'PQ56x4fs'] },
  { name: 'pq-fs-1m', readme: 'plugins/pq/README.md', command: ['bench/quantizers/search-interleaved.mjs', '--data', 'clustered-1m', '--nq', '1000', '--repeats', '3', 'PQ16x4fs', 'PQ32x4fs'] },
  // 8-bit ADC against FAISS's IndexPQ / OPQ+IndexPQ, one thread and two (15–30 minutes each on a shared machine).
  { name: 'pq-adc-fmnist', readme: 'plugins/pq/README.md', command: ['bench/quantizers/search-interleaved.mjs', '--nq', '10000', '--repeats', '3', 'PQ8', 'PQ16', 'PQ56'] },
  { name: 'opq-adc-fmnist', readme: 'plugins/opq/README.md', command: ['bench/quantizers/search-interleaved.mjs', '--nq', '10000', '--repeats', '3', 'OPQ8', 'OPQ16'] },
];

const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !BLOCKS.some((b) => b.name === w));
if (unknown.length) {
  console.error(`unknown block ${unknown.join(', ')}; blocks: ${BLOCKS.map((b) => b.name).join(', ')}`);
  process.exit(2);
}
const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');
for (const block of BLOCKS.filter((b) => wanted.length === 0 || wanted.includes(b.name))) {
  const file = `${root}/${block.readme}`;
  const text = readFileSync(file, 'utf8');
  const open = `<!-- bench:${block.name} -->`;
  const close = `<!-- /bench:${block.name} -->`;
  const start = text.indexOf(open);
  const end = text.indexOf(close);
  if (start < 0 || end < start) {
    console.error(`${block.readme}: no ${open} … ${close} block`);
    process.exit(1);
  }
  console.log(`${block.name}: node ${block.command.join(' ')} (load average ${load()})`);
  const run = spawnSync(process.execPath, block.command, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (run.status !== 0) {
    console.error(`${block.name}: the benchmark failed (exit ${run.status}); ${block.readme} not changed`);
    process.exit(1);
  }
  // Blank lines around each table, so markdown renders it after a line of text.
  const body = run.stdout.trim().split('\n').flatMap((line, i, all) => {
    const isRow = line.startsWith('|');
    const prev = all[i - 1]?.startsWith('|') ?? false;
    return isRow && !prev && i > 0 && all[i - 1] !== '' ? ['', line] : !isRow && prev && line !== '' ? ['', line] : [line];
  }).join('\n');
  const output = `${open}\n\`node ${block.command.join(' ')}\`${process.env.OLD ? ' with OLD' : ''}${process.env.PREV ? ' and PREV' : ''}, ${new Date().toISOString().slice(0, 10)}:\n\n${body}\n`;
  writeFileSync(file, text.slice(0, start) + output + text.slice(end));
  console.log(run.stdout.trim());
  console.log(`${block.readme}: block ${block.name} rewritten (load average now ${load()})\n`);
}
