/**
 * Child process of the case runner: reads each case file of a batch and prints one JSON line per
 * event on stdout (`{"start":id}` before a case, a CaseReport after it). The parent watches the
 * time and memory; this side classifies what the reader did. Exits 3 when the HDF5 library aborted
 * (it cannot be used again in this process) so the parent starts a fresh one for the rest.
 *   node worker.js <batch.json> <memoryBudget>
 */
import { readFileSync } from 'node:fs';
import { isReefError } from '@reef/core';
import { h5Aborted, h5ready } from '@reef/hdf5';
import { readCase } from './read-case.js';
import type { CaseReport, FuzzCase } from './runner.js';

const [batchFile, budgetArg] = process.argv.slice(2);
const cases = JSON.parse(readFileSync(batchFile, 'utf8')) as FuzzCase[];
const memoryBudget = Number(budgetArg);

// Anything written to stderr during a case is a failure of the guard that should have silenced it.
let printed = '';
process.stderr.write = ((chunk: string | Uint8Array) => {
  printed += typeof chunk === 'string' ? chunk : new TextDecoder().decode(chunk);
  return true;
}) as typeof process.stderr.write;

const emit = (event: object): void => {
  process.stdout.write(`${JSON.stringify(event)}\n`);
};

function peakRss(): number {
  return process.resourceUsage().maxRSS * 1024;
}

await h5ready(); // loaded before the first case, so no case pays (or is blamed for) its memory
for (const c of cases) {
  emit({ start: c.id });
  printed = '';
  const peakBefore = peakRss();
  const started = performance.now();
  let report: Pick<CaseReport, 'outcome' | 'detail'>;
  try {
    const accepted = await readCase(c.reader, c.path, memoryBudget);
    report = accepted.roundTripped ? { outcome: 'accepted', detail: accepted.detail } : { outcome: 'round-trip mismatch', detail: accepted.detail };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (isReefError(err) && !/[\n\r]/.test(message)) report = { outcome: 'clean error', detail: message };
    else report = { outcome: 'crash', detail: `${err instanceof Error ? err.name : typeof err}: ${message.split('\n')[0]}` };
  }
  if (printed.length > 0) report = { outcome: 'crash', detail: `printed to stderr: ${JSON.stringify(printed.slice(0, 200))}` };
  emit({ id: c.id, ...report, ms: Math.round(performance.now() - started), peakRss: peakRss(), peakRssGrowth: Math.max(0, peakRss() - peakBefore) });
  if (h5Aborted()) process.exit(3);
}
