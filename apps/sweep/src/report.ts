import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunRow } from './schema.js';

export interface ReportFiles {
  readonly html: string;
  readonly svgs: string[];
  readonly pngs: string[];
}

export async function writeReport(rows: readonly RunRow[], outDir: string, _options: { png: boolean }): Promise<ReportFiles> {
  mkdirSync(outDir, { recursive: true });
  const html = join(outDir, 'report.html');
  writeFileSync(html, `<!doctype html><title>Reef sweep</title><p>${rows.length} rows</p>`);
  return { html, svgs: [], pngs: [] };
}
