import { existsSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ReefError, printable } from '@reef/core';
import initSqlJs, { type Database, type SqlJsStatic, type SqlValue } from 'sql.js';
import { ALL_COLUMNS, CREATE_SQL, SCHEMA_VERSION, type RunRow } from './schema.js';

let sqlPromise: Promise<SqlJsStatic> | undefined;

/** Loads sql.js (SQLite compiled to WebAssembly) once; no native addon, no download at install. */
function sqlite(): Promise<SqlJsStatic> {
  const wasmDir = dirname(createRequire(import.meta.url).resolve('sql.js'));
  sqlPromise ??= initSqlJs({ locateFile: (file: string) => join(wasmDir, file) });
  return sqlPromise;
}

/**
 * The results database. sql.js works in memory, so every change is followed by `save()`, which
 * writes a temporary file and renames it over the real one: an interrupted run (Ctrl-C, a killed
 * Slurm job) leaves either the old or the new file, never a torn one.
 */
export class ResultsDb {
  private constructor(readonly path: string, private readonly db: Database) {}

  static async open(path: string, { create = true } = {}): Promise<ResultsDb> {
    const SQL = await sqlite();
    let db: Database;
    if (existsSync(path)) {
      const bytes = readFileSync(path);
      const header = bytes.subarray(0, 16).toString('latin1');
      if (bytes.length > 0 && header !== 'SQLite format 3\0') {
        throw new ReefError('BAD_FILE', `${path} is not an SQLite database; choose another --db path`);
      }
      try {
        db = new SQL.Database(bytes);
        db.exec('SELECT count(*) FROM sqlite_master');
      } catch (err) {
        throw new ReefError('BAD_FILE', `cannot read results database ${path}: ${(err as Error).message}`, { cause: err });
      }
      checkSchema(db, path);
    } else {
      if (!create) throw new ReefError('BAD_FILE', `no such file: ${printable(path)} (the results database)`);
      db = new SQL.Database();
    }
    db.exec(CREATE_SQL);
    db.run('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?), (?, ?)', ['schema_version', String(SCHEMA_VERSION), 'created_by', '@reef/sweep']);
    return new ResultsDb(path, db);
  }

  /** True when a row with this key exists with one of the given statuses. */
  has(runKey: string, statuses: readonly string[] = ['ok', 'invalid']): boolean {
    const stmt = this.db.prepare(`SELECT status FROM runs WHERE run_key = ?`);
    try {
      stmt.bind([runKey]);
      return stmt.step() && statuses.includes(String(stmt.get()[0]));
    } finally {
      stmt.free();
    }
  }

  /** Inserts or replaces the row for `run_key`. */
  upsert(row: RunRow): void {
    const values = ALL_COLUMNS.map((c) => toSql((row as unknown as Record<string, unknown>)[c]));
    this.db.run(`INSERT OR REPLACE INTO runs (${ALL_COLUMNS.join(', ')}) VALUES (${ALL_COLUMNS.map(() => '?').join(', ')})`, values);
  }

  rows(where = '', params: SqlValue[] = []): RunRow[] {
    const stmt = this.db.prepare(`SELECT ${ALL_COLUMNS.join(', ')} FROM runs ${where} ORDER BY dataset, method, finished_at`);
    const out: RunRow[] = [];
    try {
      stmt.bind(params);
      while (stmt.step()) out.push(stmt.getAsObject() as unknown as RunRow);
    } finally {
      stmt.free();
    }
    return out;
  }

  /** Writes the database atomically (temp file in the same folder, then rename). */
  save(): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = join(dirname(this.path), `.${Date.now()}-${process.pid}.sweep-db.tmp`);
    try {
      writeFileSync(tmp, this.db.export());
      renameSync(tmp, this.path);
    } catch (err) {
      if (existsSync(tmp)) unlinkSync(tmp);
      throw new ReefError('BAD_FILE', `cannot write results database ${this.path}: ${(err as Error).message}`, { cause: err });
    }
  }

  close(): void {
    this.db.close();
  }
}

function toSql(v: unknown): SqlValue {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  return typeof v === 'string' ? v : String(v);
}

function checkSchema(db: Database, path: string): void {
  const tables = db.exec(`SELECT name FROM sqlite_master WHERE type = 'table'`)[0]?.values.map((r) => String(r[0])) ?? [];
  if (tables.length === 0) return; // an empty database file: ours to fill
  if (!tables.includes('meta') || !tables.includes('runs')) {
    throw new ReefError('BAD_FILE', `${path} is an SQLite database but not a Reef sweep results database (tables: ${tables.join(', ')}); choose another --db path`);
  }
  const version = db.exec(`SELECT value FROM meta WHERE key = 'schema_version'`)[0]?.values[0]?.[0];
  if (String(version) !== String(SCHEMA_VERSION)) {
    throw new ReefError(
      'BAD_FILE',
      `${path} was written with results schema version ${version ?? '(none)'}, this reef-sweep reads version ${SCHEMA_VERSION}; export it with the version that wrote it, or use a new --db path. The file was not modified.`,
    );
  }
}
