import Database, { type Statement } from 'better-sqlite3';
import { closeSync, existsSync, openSync } from 'node:fs';
import { closeGaps } from '../ddl.js';
import { schemaGaps } from '../schema.js';
import { SQLITE } from '../sql.js';

/**
 * How long an operation waits for a lock another process holds before it gives up with
 * `StoreBusyError`: the waiting is asynchronous (SQLite's own busy wait would stop the whole
 * event loop), so other requests go on meanwhile.
 */
export const READ_WAIT_MS = 2000;
export const WRITE_WAIT_MS = 5000;

const STATEMENT_CACHE_LIMIT = 512;

/**
 * Creates the file owner-only before SQLite opens it: SQLite gives its -wal and -shm files
 * the database file's mode, so they are private too.
 */
function createPrivately(path: string): void {
  if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
}

/**
 * A connection to the file at `path`, created if need be. `loading`: a private new file
 * being built (no journal, no fsync, no foreign-key checks; see `buildSqliteFile`).
 */
export function connect(path: string, loading: boolean): Database.Database {
  createPrivately(path);
  const db = new Database(path);
  // Opening may meet a lock held for a moment (another process opening or migrating): a
  // short blocking wait is fine before anything is served; afterwards every wait is ours.
  db.pragma('busy_timeout = 5000');
  db.pragma(`journal_mode = ${loading ? 'OFF' : 'WAL'}`);
  db.pragma(`synchronous = ${loading ? 'OFF' : 'NORMAL'}`);
  db.pragma(`foreign_keys = ${loading ? 'OFF' : 'ON'}`);
  return db;
}

/** Every lock wait from here on is asynchronous (`busy.ts`), never SQLite's blocking one. */
export const nonBlocking = (db: Database.Database) => db.pragma('busy_timeout = 0');

/**
 * Another read connection to a database this store already opened (so it is in WAL mode, which
 * the file keeps): nothing to set that could wait for a lock.
 */
export function connectReader(path: string): Database.Database {
  const db = new Database(path);
  nonBlocking(db);
  return db;
}

/** Applies the migrations not yet applied, each in a transaction of its own. */
export function migrate(db: Database.Database, migrations: readonly string[]): void {
  const applied = db.pragma('user_version', { simple: true }) as number;
  for (let v = applied; v < migrations.length; v++) {
    db.transaction(() => {
      db.exec(migrations[v]);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

/**
 * Brings the migrated schema up to the declarations: a declared type without a table gets one
 * derived from its declaration, a stored field without a column gets it (see `store/ddl.ts`),
 * all in one transaction. Migrations are the schema's history; the declarations are what it
 * must hold now.
 */
export function completeSchema(db: Database.Database): void {
  const columnsOf = (table: string) => {
    const columns = db.pragma(`table_info(${table})`) as { name: string }[];
    return columns.length === 0 ? undefined : columns.map((c) => c.name);
  };
  const gaps = schemaGaps(columnsOf);
  if (gaps.length === 0) return;
  db.transaction(() => {
    for (const { statements } of closeGaps(gaps, SQLITE)) for (const sql of statements) db.exec(sql);
  })();
}

/** Statements of one connection, each prepared once. */
export class Statements {
  private readonly cache = new Map<string, Statement>();
  constructor(readonly db: Database.Database) {}
  get(sql: string): Statement {
    let s = this.cache.get(sql);
    if (!s) {
      if (this.cache.size >= STATEMENT_CACHE_LIMIT) this.cache.clear();
      s = this.db.prepare(sql);
      this.cache.set(sql, s);
    }
    return s;
  }
  /**
   * The connection's `data_version`: it changes whenever another connection (of this process
   * or any other) has committed since the last call, never for this connection's own commits.
   */
  dataVersion(): number {
    return this.get('PRAGMA data_version').pluck().get() as number;
  }
}
