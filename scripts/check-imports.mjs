#!/usr/bin/env node
// The import-boundary check (docs/architecture.md, "Who may import whom"): who may import whom, and no import
// cycles. Prints `file:line: rule: message` for each violation and exits 1 if any is not on the temporary
// allow-list scripts/import-boundaries/known-violations.json (each allowed one is printed too).
//   node scripts/check-imports.mjs [--root DIR] [--known FILE | --no-known] [--rules]
import { join, relative } from 'node:path';
import { checkImports } from './import-boundaries/check.mjs';
import { applyKnown, readKnown } from './import-boundaries/known.mjs';
import { RULES } from './import-boundaries/policy.mjs';

const KNOWN_FILE = 'scripts/import-boundaries/known-violations.json';

const args = process.argv.slice(2);
const option = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
for (const [i, arg] of args.entries()) {
  const takesValue = args[i - 1] === '--root' || args[i - 1] === '--known';
  if (!takesValue && !['--root', '--known', '--no-known', '--rules'].includes(arg)) {
    console.error(`check-imports: unknown argument ${arg}; usage: node scripts/check-imports.mjs [--root DIR] [--known FILE | --no-known] [--rules]`);
    process.exit(2);
  }
}
if (args.includes('--rules')) {
  for (const [rule, meaning] of Object.entries(RULES)) console.log(`${rule}: ${meaning}`);
  process.exit(0);
}
const root = option('--root') ?? new URL('..', import.meta.url).pathname;
const knownFile = args.includes('--no-known') ? undefined : option('--known') ?? join(root, KNOWN_FILE);

const started = performance.now();
const { violations, files, workspaces } = checkImports(root);
const { failing, allowed, stale } = applyKnown(violations, knownFile ? readKnown(knownFile) : []);
const where = (v) => `${v.file}:${v.line}: ${v.rule}: ${v.message}`;
const knownName = knownFile ? relative(process.cwd(), knownFile) : '';

if (allowed.length > 0) console.log(`${allowed.length} known violations, allowed for now by ${knownName} (fix them, then delete their entries):`);
for (const v of allowed) console.log(`  known: ${where(v)}`);
for (const entry of stale) {
  console.log(`stale entry in ${knownName}: nothing violates ${JSON.stringify(entry)} any more; delete it`);
}
for (const v of failing) console.log(where(v));
const ms = Math.round(performance.now() - started);
console.log(
  `import check: ${files} files in ${workspaces} workspace packages, ${ms} ms: ` +
    `${failing.length} violations, ${allowed.length} known and allowed, ${stale.length} stale allow-list entries`,
);
if (failing.length > 0) console.log('The rules and their reasons: docs/architecture.md; `--rules` lists them.');
process.exit(failing.length > 0 || stale.length > 0 ? 1 : 0);
