import Database from 'better-sqlite3';
import { linkSync } from 'node:fs';
import { dirname } from 'node:path';
import { buildingPath, fsyncPath, removeAbandonedBuilds, removeDatabaseFiles } from './files.js';
import { openSqliteStore, type SqliteStore } from './sqlite-store.js';

/**
 * Creates the database at `path`, which must not exist, filled by `fill`: the fast way to
 * load a large dataset. The file is built beside `path` in loading mode (no journal, indexes
 * built once at the end), its foreign keys are checked, and it is put in place with a hard
 * link, which never replaces a file that appeared meanwhile. Until then `path` does not
 * exist; if anything fails, nothing is left behind.
 */
export async function buildSqliteFile<T>(path: string, fill: (store: SqliteStore) => Promise<T>): Promise<T> {
  removeAbandonedBuilds(path);
  const building = buildingPath(path);
  removeDatabaseFiles(building);
  const store = openSqliteStore(building, { loading: true });
  try {
    const result = await fill(store);
    store.checkForeignKeys();
    await store.close();
    const db = new Database(building);
    db.pragma('journal_mode = WAL');
    db.close();
    fsyncPath(building);
    try {
      linkSync(building, path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      throw Object.assign(new Error(`${path} appeared while it was being built (a server started?); it was left as it is and the new file discarded`), { code: 'EEXIST' });
    }
    fsyncPath(dirname(path));
    return result;
  } finally {
    await store.close();
    removeDatabaseFiles(building);
  }
}
