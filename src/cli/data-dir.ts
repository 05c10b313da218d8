import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { databasePath } from '../config.js';
import { openSqliteStore } from '../store/sqlite/sqlite-store.js';
import type { Store } from '../store/store.js';

/**
 * Creates the data directory (and any missing parents) for its owner only: it holds password
 * hashes, logon tokens and the TLS key. A directory that exists is left as it is.
 */
export function ensureDataDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/**
 * The database of a data directory that must already have one: commands that only read or
 * delete say so (exit 1) rather than create an empty directory to find nothing in.
 */
export function existingDatabase(dir: string, nothingTo: string): string {
  if (!existsSync(dir)) throw new Error(`no data directory at ${resolve(dir)} (nothing to ${nothingTo})`);
  const path = databasePath(dir);
  if (!existsSync(path)) throw new Error(`no database in ${resolve(dir)} (nothing to ${nothingTo})`);
  return path;
}

/** Runs `fn` on the database at `path`, closed afterwards whatever happens. */
export async function withStore<T>(path: string, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = openSqliteStore(path);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
