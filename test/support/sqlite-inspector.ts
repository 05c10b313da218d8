import Database from 'better-sqlite3';

/**
 * Runs a test's own SQL over what a SQLite store has committed, on a read-only connection of
 * its own to the store's file (never the store's connections): for what no Store method
 * answers, such as whole tables, invariants across them, indexes and query plans.
 */
export function inspectSqlite<T>(path: string, fn: (db: Database.Database) => T): T {
  const db = new Database(path, { readonly: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/**
 * A resource table's rows in id order (`where` narrows them), each row's revision shown as its
 * type: revisions are random (REVISION_COLUMN), and every row written must have one.
 */
export function storedRows(db: Database.Database, table: string, where = ''): Record<string, unknown>[] {
  const rows = db.prepare(`SELECT * FROM ${table} ${where} ORDER BY id`).all() as Record<string, unknown>[];
  return rows.map(({ rev, ...row }) => ({ ...row, rev: typeof rev }));
}

/** Holds the write lock of a database file (as another process's write would) until released. */
export function holdWriteLock(path: string): () => void {
  const other = new Database(path);
  other.exec('BEGIN IMMEDIATE');
  return () => {
    other.exec('ROLLBACK');
    other.close();
  };
}
