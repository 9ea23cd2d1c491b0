import { readFileSync } from 'node:fs';
import { ReefError, fileProblem, printable } from '@reef/core';

/**
 * A sweep described in a file (YAML or JSON):
 *
 *   datasets: [fmnist-2k, "gaussian:n=2000,dim=32"]
 *   methods:            # a list of ids, `all`, or a map id → grid
 *     pq: { m: [8, 16], nbits: [4, 8] }
 *     sq: {}            # {} = the plugin's defaultGrid
 *   seed: 1
 */
export interface SweepFile {
  datasets?: string[];
  methods?: string[];
  grids?: Record<string, Record<string, unknown>>;
  seed?: number;
  db?: string;
  out?: string;
  plugins?: string[];
  maxConfigs?: number;
  queries?: number;
}

const KNOWN_KEYS = ['datasets', 'dataset', 'methods', 'seed', 'db', 'out', 'plugins', 'maxConfigs', 'queries'];

export async function readSweepFile(path: string): Promise<SweepFile> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ReefError('BAD_FILE', fileProblem(err, path) ?? `cannot read sweep config ${printable(path)}: ${(err as Error).message}`, { cause: err });
  }
  let raw: unknown;
  try {
    raw = path.endsWith('.json') ? JSON.parse(text) : (await import('yaml')).parse(text);
  } catch (err) {
    throw new ReefError('BAD_FILE', `cannot parse sweep config ${path}: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new ReefError('BAD_FILE', `sweep config ${path} must be a mapping (key: value)`);
  const obj = raw as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!KNOWN_KEYS.includes(key)) throw new ReefError('BAD_FILE', `sweep config ${path}: unknown key '${key}'; known keys: ${KNOWN_KEYS.join(', ')}`);
  }
  const out: SweepFile = {};
  const strings = (key: string, v: unknown): string[] => {
    const list = Array.isArray(v) ? v : [v];
    if (list.some((x) => typeof x !== 'string')) throw new ReefError('BAD_FILE', `sweep config ${path}: '${key}' must be a string or a list of strings`);
    return list as string[];
  };
  if (obj.datasets !== undefined || obj.dataset !== undefined) out.datasets = strings('datasets', obj.datasets ?? obj.dataset);
  if (obj.plugins !== undefined) out.plugins = strings('plugins', obj.plugins);
  if (obj.methods !== undefined) {
    if (typeof obj.methods === 'string' || Array.isArray(obj.methods)) out.methods = strings('methods', obj.methods);
    else if (typeof obj.methods === 'object' && obj.methods !== null) {
      out.methods = Object.keys(obj.methods);
      out.grids = {};
      for (const [id, grid] of Object.entries(obj.methods as Record<string, unknown>)) {
        if (grid !== null && (typeof grid !== 'object' || Array.isArray(grid))) {
          throw new ReefError('BAD_FILE', `sweep config ${path}: methods.${id} must map parameter names to values or lists`);
        }
        if (grid && Object.keys(grid).length > 0) out.grids[id] = grid as Record<string, unknown>;
      }
    } else throw new ReefError('BAD_FILE', `sweep config ${path}: 'methods' must be a list of ids or a map id → grid`);
  }
  for (const key of ['seed', 'maxConfigs', 'queries'] as const) {
    const v = obj[key];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new ReefError('BAD_FILE', `sweep config ${path}: '${key}' must be a non-negative integer, got ${JSON.stringify(v)}`);
    out[key] = v;
  }
  for (const key of ['db', 'out'] as const) {
    const v = obj[key];
    if (v === undefined) continue;
    if (typeof v !== 'string') throw new ReefError('BAD_FILE', `sweep config ${path}: '${key}' must be a path`);
    out[key] = v;
  }
  return out;
}
