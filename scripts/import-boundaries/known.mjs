// The temporary allow-list of known violations: entries the import check reports but does not fail on.
// Import rules match on rule + file + import specifier (not the line, which moves); cycles match on the
// exact set of modules or packages in the cycle group, so a cycle that grows or changes fails again.
import { existsSync, readFileSync } from 'node:fs';

/**
 * @typedef {{ rule: string, file?: string, import?: string, modules?: string[], packages?: string[], why?: string }} KnownEntry
 * @param {string} file a JSON file `{ "violations": KnownEntry[] }`; a missing file is an empty list
 * @returns {KnownEntry[]}
 */
export function readKnown(file) {
  if (!existsSync(file)) return [];
  const list = JSON.parse(readFileSync(file, 'utf8')).violations;
  if (!Array.isArray(list)) throw new Error(`${file}: expected { "violations": [...] }`);
  for (const [i, entry] of list.entries()) {
    const keyed = entry.modules ?? entry.packages ?? (entry.file && entry.import);
    if (typeof entry.rule !== 'string' || !keyed) {
      throw new Error(`${file}: violations[${i}] needs "rule" and either "file" + "import", "modules" or "packages"`);
    }
  }
  return list;
}

/**
 * Splits violations into those that fail the check and those a known entry allows; `stale` holds entries
 * that allowed nothing (the violation was fixed: delete the entry).
 * @param {import('./check.mjs').Violation[]} violations
 * @param {KnownEntry[]} known
 */
export function applyKnown(violations, known) {
  const used = new Set();
  const failing = [];
  const allowed = [];
  for (const violation of violations) {
    const entry = known.find((k) => matches(k, violation));
    if (entry === undefined) failing.push(violation);
    else {
      allowed.push(violation);
      used.add(entry);
    }
  }
  return { failing, allowed, stale: known.filter((k) => !used.has(k)) };
}

function matches(entry, violation) {
  if (entry.rule !== violation.rule) return false;
  if (violation.modules) return sameSet(entry.modules, violation.modules);
  if (violation.packages) return sameSet(entry.packages, violation.packages);
  return entry.file === violation.file && entry.import === violation.import;
}

function sameSet(a, b) {
  if (!Array.isArray(a) || a.length !== b.length || new Set(a).size !== a.length) return false;
  const wanted = new Set(b);
  return a.every((x) => wanted.has(x));
}
