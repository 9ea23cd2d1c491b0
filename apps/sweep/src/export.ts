import { writeFileSync } from 'node:fs';
import { ResultsDb } from './db.js';
import { ALL_COLUMNS, type RunRow } from './schema.js';

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Rows as CSV (RFC 4180 quoting), header line first, columns in table order. */
export function toCsv(rows: readonly RunRow[]): string {
  const lines = [ALL_COLUMNS.join(',')];
  for (const r of rows) lines.push(ALL_COLUMNS.map((c) => csvCell((r as unknown as Record<string, unknown>)[c])).join(','));
  return `${lines.join('\n')}\n`;
}

/** Rows as a JSON array; `params` and `versions` are parsed back into objects. */
export function toJson(rows: readonly RunRow[]): string {
  const objects = rows.map((r) => ({ ...r, params: JSON.parse(r.params), versions: JSON.parse(r.versions) }));
  return `${JSON.stringify(objects, null, 2)}\n`;
}

export async function exportResults(dbPath: string, format: 'csv' | 'json', outFile?: string): Promise<string> {
  const db = await ResultsDb.open(dbPath, { create: false });
  const rows = db.rows();
  db.close();
  const text = format === 'csv' ? toCsv(rows) : toJson(rows);
  if (outFile) writeFileSync(outFile, text);
  return text;
}
